import { Body, Controller, Post } from '@nestjs/common';
import { ApiCreatedResponse, ApiTags } from '@nestjs/swagger';
import { RateLimit } from '@sharedcare/common';
import { PublicRoute } from '../access/authenticated.decorator.js';
import { DEFAULT_RATE_LIMITS } from '../config/auth-config.js';
import { mapProfile, ProfileDto } from '../providers/profile.dto.js';
import { Meta, type RequestMeta } from '../shared/request-meta.js';
import { RegisterDto } from './registration.dto.js';
import { RegistrationService } from './registration.service.js';

@ApiTags('auth')
@Controller('auth')
export class RegistrationController {
  constructor(private readonly registration: RegistrationService) {}

  @Post('register')
  @PublicRoute()
  @RateLimit({ name: 'auth.register', ...DEFAULT_RATE_LIMITS['auth.register'] })
  @ApiCreatedResponse({
    type: ProfileDto,
    description: '400 invalid for a bad field or an unusable invite; 409 conflict when the email is taken.',
  })
  async register(@Body() body: RegisterDto, @Meta() meta: RequestMeta): Promise<ProfileDto> {
    return mapProfile(await this.registration.register(body, meta));
  }
}
