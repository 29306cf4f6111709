import { randomUUID } from 'node:crypto';
import { Injectable } from '@nestjs/common';
import { Clock } from '@sharedcare/common';
import type { AuthContext } from '../access/auth-context.js';
import { AuthAuditService } from '../audit/auth-audit.service.js';
import { AUTH_POLICY } from '../config/auth-config.js';
import { normaliseEmail, type Role } from '../providers/provider-vocabulary.js';
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
    private readonly audit: AuthAuditService,
    private readonly clock: Clock,
  ) {}

  /**
   * An admin invites someone into the admin's own organisation, with a fixed role. The answer is
   * the same whether or not the email already has an account somewhere.
   */
  async create(caller: AuthContext, input: { email: string; role: Role }, meta: RequestMeta): Promise<CreatedInvite> {
    // No look-up of the email here: answering conflict would tell an admin who is registered in
    // any organisation. Registration refuses a taken email instead, to the invitee alone.
    const email = normaliseEmail(input.email);
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
