import { Body, Controller, HttpCode, Post } from '@nestjs/common';
import { ApiExtraModels, ApiOkResponse, ApiTags, getSchemaPath } from '@nestjs/swagger';
import { RateLimit } from '@sharedcare/common';
import { PublicRoute } from '../access/authenticated.decorator.js';
import { DEFAULT_RATE_LIMITS } from '../config/auth-config.js';
import { SessionTokensDto } from '../sessions/sessions.dto.js';
import { NoStore } from '../shared/no-store.decorator.js';
import { Meta, type RequestMeta } from '../shared/request-meta.js';
import { LoginDto, MfaRequiredDto } from './login.dto.js';
import { type LoginResult, LoginService } from './login.service.js';

@ApiTags('auth')
@ApiExtraModels(SessionTokensDto, MfaRequiredDto)
@Controller('auth')
export class LoginController {
  constructor(private readonly login: LoginService) {}

  @Post('login')
  @HttpCode(200)
  @NoStore()
  @PublicRoute()
  @RateLimit({ name: 'auth.login', ...DEFAULT_RATE_LIMITS['auth.login'] })
  @ApiOkResponse({
    description:
      'Tokens, or (with MFA on) an mfaToken for /auth/mfa/verify. 401 for any wrong email or password; 429 during a cool-down.',
    schema: { oneOf: [{ $ref: getSchemaPath(SessionTokensDto) }, { $ref: getSchemaPath(MfaRequiredDto) }] },
  })
  signIn(@Body() body: LoginDto, @Meta() meta: RequestMeta): Promise<LoginResult> {
    return this.login.login(body, meta);
  }
}
