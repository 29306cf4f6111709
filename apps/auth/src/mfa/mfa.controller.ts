import { Body, Controller, HttpCode, Post } from '@nestjs/common';
import { ApiBearerAuth, ApiOkResponse, ApiTags } from '@nestjs/swagger';
import { RateLimit } from '@sharedcare/common';
import type { AuthContext } from '../access/auth-context.js';
import { Authenticated, Caller, PublicRoute } from '../access/authenticated.decorator.js';
import { DEFAULT_RATE_LIMITS } from '../config/auth-config.js';
import { SessionTokensDto } from '../sessions/sessions.dto.js';
import { NoStore } from '../shared/no-store.decorator.js';
import { Meta, type RequestMeta } from '../shared/request-meta.js';
import { MfaCodeDto, MfaEnrollDto, MfaEnrollmentDto, MfaStatusDto, MfaVerifyDto } from './mfa.dto.js';
import { MfaService } from './mfa.service.js';

@ApiTags('mfa')
@Controller('auth/mfa')
export class MfaController {
  constructor(private readonly mfa: MfaService) {}

  @Post('enroll')
  @HttpCode(200)
  @NoStore()
  @ApiBearerAuth()
  @Authenticated({ permission: 'mfa.manage' })
  @ApiOkResponse({
    type: MfaEnrollmentDto,
    description: '401 for a wrong password (it counts towards the cool-down); 429 during a cool-down.',
  })
  enroll(
    @Caller() caller: AuthContext,
    @Body() body: MfaEnrollDto,
    @Meta() meta: RequestMeta,
  ): Promise<MfaEnrollmentDto> {
    return this.mfa.enroll(caller, body.password, meta);
  }

  @Post('confirm')
  @HttpCode(200)
  @ApiBearerAuth()
  @Authenticated({ permission: 'mfa.manage' })
  @ApiOkResponse({ type: MfaStatusDto })
  async confirm(
    @Caller() caller: AuthContext,
    @Body() body: MfaCodeDto,
    @Meta() meta: RequestMeta,
  ): Promise<MfaStatusDto> {
    await this.mfa.confirm(caller, body.code, meta);
    return { mfaEnabled: true };
  }

  @Post('verify')
  @HttpCode(200)
  @NoStore()
  @PublicRoute()
  @RateLimit({ name: 'auth.mfa', ...DEFAULT_RATE_LIMITS['auth.mfa'] })
  @ApiOkResponse({ type: SessionTokensDto })
  verify(@Body() body: MfaVerifyDto, @Meta() meta: RequestMeta): Promise<SessionTokensDto> {
    return this.mfa.verify(body.mfaToken, body.code, meta);
  }
}
