import { Body, Controller, Post } from '@nestjs/common';
import { ApiBearerAuth, ApiCreatedResponse, ApiTags } from '@nestjs/swagger';
import type { AuthContext } from '../access/auth-context.js';
import { Authenticated, Caller } from '../access/authenticated.decorator.js';
import { Meta, type RequestMeta } from '../shared/request-meta.js';
import { CreateInviteDto, InviteCreatedDto } from './invites.dto.js';
import { InvitesService } from './invites.service.js';

@ApiTags('auth')
@ApiBearerAuth()
@Controller('auth/invites')
export class InvitesController {
  constructor(private readonly invites: InvitesService) {}

  @Post()
  @Authenticated({ permission: 'invite.create' })
  @ApiCreatedResponse({ type: InviteCreatedDto })
  async create(
    @Caller() caller: AuthContext,
    @Body() body: CreateInviteDto,
    @Meta() meta: RequestMeta,
  ): Promise<InviteCreatedDto> {
    const invite = await this.invites.create(caller, body, meta);
    return { inviteCode: invite.inviteCode, expiresAt: invite.expiresAt.toISOString() };
  }
}
