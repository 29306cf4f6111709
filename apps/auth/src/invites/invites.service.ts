import { randomUUID } from 'node:crypto';
import { Injectable } from '@nestjs/common';
import { Clock, DomainException } from '@sharedcare/common';
import type { AuthContext } from '../access/auth-context.js';
import { AuthAuditService } from '../audit/auth-audit.service.js';
import { AUTH_POLICY } from '../config/auth-config.js';
import { normaliseEmail, type Role } from '../providers/provider-vocabulary.js';
import { ProvidersRepository } from '../providers/providers.repository.js';
import type { RequestMeta } from '../shared/request-meta.js';
import { randomSecret, sha256Hex } from '../shared/secrets.js';
import { InvitesRepository } from './invites.repository.js';

export interface CreatedInvite {
  inviteCode: string;
  expiresAt: Date;
}

@Injectable()
export class InvitesService {
  constructor(
    private readonly invites: InvitesRepository,
    private readonly providers: ProvidersRepository,
    private readonly audit: AuthAuditService,
    private readonly clock: Clock,
  ) {}

  /** An admin invites someone into the admin's own organisation, with a fixed role. */
  async create(caller: AuthContext, input: { email: string; role: Role }, meta: RequestMeta): Promise<CreatedInvite> {
    const email = normaliseEmail(input.email);
    if (await this.providers.emailExists(email))
      throw DomainException.conflict('An account with this email already exists');
    const now = this.clock.now();
    const inviteCode = randomSecret();
    const expiresAt = new Date(now.getTime() + AUTH_POLICY.inviteTtlSeconds * 1000);
    await this.invites.create({
      id: randomUUID(),
      organisationId: caller.organisationId,
      email,
      role: input.role,
      codeHash: sha256Hex(inviteCode),
      createdBy: caller.providerId,
      createdAt: now,
      expiresAt,
      usedAt: null,
      usedBy: null,
    });
    await this.audit.record(
      'invite.created',
      'success',
      { actorId: caller.providerId, organisationId: caller.organisationId },
      meta,
    );
    return { inviteCode, expiresAt };
  }
}
