import { randomUUID } from 'node:crypto';
import { Injectable } from '@nestjs/common';
import { Clock } from '@sharedcare/common';
import { type RequestMeta, NO_REQUEST } from '../shared/request-meta.js';
import { AuthAuditRepository } from './auth-audit.repository.js';

export type AuditEventType =
  | 'login.succeeded'
  | 'login.failed'
  | 'login.locked'
  | 'login.refused'
  | 'login.mfa_required'
  | 'mfa.enrolled'
  | 'mfa.confirmed'
  | 'mfa.verified'
  | 'mfa.failed'
  | 'refresh.reused'
  | 'refresh.refused'
  | 'logout'
  | 'logout_all'
  | 'key.rotated'
  | 'invite.created'
  | 'provider.registered'
  | 'provider.disabled';

export type AuditOutcome = 'success' | 'failure' | 'refused';

export interface AuditFacts {
  providerId?: string | null;
  actorId?: string | null;
  organisationId?: string | null;
  sessionId?: string | null;
  /** A word from a fixed vocabulary (e.g. `wrong_password`), never request data. */
  reason?: string | null;
}

/**
 * The auth service's audit trail: who, when, from where, and the outcome. The signature takes
 * ids and a reason word only, so a password, token, code or secret has nowhere to go.
 */
@Injectable()
export class AuthAuditService {
  constructor(
    private readonly records: AuthAuditRepository,
    private readonly clock: Clock,
  ) {}

  async record(
    type: AuditEventType,
    outcome: AuditOutcome,
    facts: AuditFacts,
    meta: RequestMeta = NO_REQUEST,
  ): Promise<void> {
    await this.records.append({
      id: randomUUID(),
      type,
      outcome,
      providerId: facts.providerId ?? null,
      actorId: facts.actorId ?? null,
      organisationId: facts.organisationId ?? null,
      sessionId: facts.sessionId ?? null,
      reason: facts.reason ?? null,
      ip: meta.ip,
      userAgent: meta.userAgent,
      occurredAt: this.clock.now(),
    });
  }
}
