import { Controller, Get } from '@nestjs/common';
import { ApiBearerAuth, ApiOkResponse, ApiTags } from '@nestjs/swagger';
import type { AuthContext } from '../access/auth-context.js';
import { Authenticated, Caller } from '../access/authenticated.decorator.js';
import { AccountService } from './account.service.js';
import { mapProfile, ProfileDto } from './profile.dto.js';

@ApiTags('auth')
@ApiBearerAuth()
@Controller('auth')
export class AccountController {
  constructor(private readonly account: AccountService) {}

  @Get('me')
  @Authenticated({ permission: 'account.read' })
  @ApiOkResponse({ type: ProfileDto })
  async me(@Caller() caller: AuthContext): Promise<ProfileDto> {
    return mapProfile(await this.account.me(caller));
  }
}
