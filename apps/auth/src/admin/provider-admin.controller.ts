import { Controller, HttpCode, Param, ParseUUIDPipe, Post } from '@nestjs/common';
import { ApiBearerAuth, ApiNoContentResponse, ApiTags } from '@nestjs/swagger';
import { DomainException } from '@sharedcare/common';
import type { AuthContext } from '../access/auth-context.js';
import { Authenticated, Caller } from '../access/authenticated.decorator.js';
import { Meta, type RequestMeta } from '../shared/request-meta.js';
import { ProviderAdminService } from './provider-admin.service.js';

@ApiTags('admin')
@ApiBearerAuth()
@Controller('auth/providers')
export class ProviderAdminController {
  constructor(private readonly admin: ProviderAdminService) {}

  @Post(':providerId/disable')
  @HttpCode(204)
  @Authenticated({ permission: 'provider.disable' })
  @ApiNoContentResponse({ description: 'Disabled; every session revoked; provider.disabled published.' })
  disable(
    @Caller() caller: AuthContext,
    @Param('providerId', new ParseUUIDPipe({ exceptionFactory: () => DomainException.notFound() })) providerId: string,
    @Meta() meta: RequestMeta,
  ): Promise<void> {
    return this.admin.disable(caller, providerId, meta);
  }
}
