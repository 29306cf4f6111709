import { Body, Controller, HttpCode, Post } from '@nestjs/common';
import { ApiBearerAuth, ApiNoContentResponse, ApiOkResponse, ApiTags } from '@nestjs/swagger';
import { RateLimit } from '@sharedcare/common';
import type { AuthContext } from '../access/auth-context.js';
import { Authenticated, Caller, PublicRoute } from '../access/authenticated.decorator.js';
import { DEFAULT_RATE_LIMITS } from '../config/auth-config.js';
import { NoStore } from '../shared/no-store.decorator.js';
import { Meta, type RequestMeta } from '../shared/request-meta.js';
import { RefreshTokenDto, SessionTokensDto } from './sessions.dto.js';
import { SessionsService } from './sessions.service.js';

@ApiTags('auth')
@Controller('auth')
export class SessionsController {
  constructor(private readonly sessions: SessionsService) {}

  @Post('refresh')
  @HttpCode(200)
  @NoStore()
  @PublicRoute()
  @RateLimit({ name: 'auth.refresh', ...DEFAULT_RATE_LIMITS['auth.refresh'] })
  @ApiOkResponse({
    type: SessionTokensDto,
    description: 'A new pair; the presented refresh token is spent. Presenting a spent one revokes the session.',
  })
  refresh(@Body() body: RefreshTokenDto, @Meta() meta: RequestMeta): Promise<SessionTokensDto> {
    return this.sessions.refresh(body.refreshToken, meta);
  }

  @Post('logout')
  @HttpCode(204)
  @PublicRoute()
  @RateLimit({ name: 'auth.refresh', ...DEFAULT_RATE_LIMITS['auth.refresh'] })
  @ApiNoContentResponse({
    description: 'The session of this refresh token is over (the same answer for an unknown token).',
  })
  logout(@Body() body: RefreshTokenDto, @Meta() meta: RequestMeta): Promise<void> {
    return this.sessions.logout(body.refreshToken, meta);
  }

  @Post('logout-all')
  @HttpCode(204)
  @ApiBearerAuth()
  @Authenticated({ permission: 'session.logout_all' })
  @ApiNoContentResponse({
    description: "Every session of the caller is over; the consult service closes the caller's live connections.",
  })
  logoutAll(@Caller() caller: AuthContext, @Meta() meta: RequestMeta): Promise<void> {
    return this.sessions.logoutAll(caller, meta);
  }
}
