import { randomUUID } from 'node:crypto';
import { Injectable } from '@nestjs/common';
import { Clock, DomainException } from '@sharedcare/common';
import type { AuthContext } from '../access/auth-context.js';
import { AuthAuditService } from '../audit/auth-audit.service.js';
import { SessionEventsService } from '../events/session-events.service.js';
import type { Provider } from '../providers/provider.entity.js';
import { ProvidersRepository } from '../providers/providers.repository.js';
import type { RequestMeta } from '../shared/request-meta.js';
import { randomSecret, sha256Hex } from '../shared/secrets.js';
import { AUTH_POLICY } from '../config/auth-config.js';
import { AccessTokenService } from '../tokens/access-token.service.js';
import { familyAbsoluteExpiry, refreshRefusal, refreshTokenExpiry } from './session-lifetime.js';
import { SessionsRepository } from './sessions.repository.js';

export interface SessionTokens {
  accessToken: string;
  refreshToken: string;
  expiresIn: number;
}

/** Allowance for the clocks of several auth-service processes disagreeing. */
const CLOCK_MARGIN_SECONDS = 60;

const REFUSED = () => DomainException.unauthenticated('Refresh token is invalid or expired');

/**
 * Sessions are refresh-token families: each login starts one, each refresh rotates its token,
 * a replayed token revokes the family. The family id is the access token's `sid`.
 */
@Injectable()
export class SessionsService {
  constructor(
    private readonly sessions: SessionsRepository,
    private readonly providers: ProvidersRepository,
    private readonly accessTokens: AccessTokenService,
    private readonly events: SessionEventsService,
    private readonly audit: AuthAuditService,
    private readonly clock: Clock,
  ) {}

  /** Starts a session for a provider who has just proven who they are. */
  async start(provider: Provider): Promise<SessionTokens> {
    const now = this.clock.now();
    const familyId = randomUUID();
    const absoluteExpiresAt = familyAbsoluteExpiry(now);
    const refreshToken = randomSecret();
    await this.sessions.start(
      {
        id: familyId,
        providerId: provider.id,
        createdAt: now,
        absoluteExpiresAt,
        revokedAt: null,
        revokedReason: null,
      },
      {
        id: randomUUID(),
        familyId,
        tokenHash: sha256Hex(refreshToken),
        issuedAt: now,
        expiresAt: refreshTokenExpiry(now, absoluteExpiresAt),
        usedAt: null,
      },
    );
    const access = await this.accessTokens.issue(provider, familyId);
    return { accessToken: access.accessToken, refreshToken, expiresIn: access.expiresIn };
  }

  async refresh(presented: string, meta: RequestMeta): Promise<SessionTokens> {
    const found = await this.sessions.findToken(sha256Hex(presented));
    if (!found) throw REFUSED();
    const { token, family } = found;
    const now = this.clock.now();
    const refusal = refreshRefusal(token, family, now);
    if (refusal === 'reused') return this.reuseDetected(family.id, family.providerId, meta);
    if (refusal) {
      if (refusal !== 'revoked') await this.sessions.revokeFamily(family.id, now, refusal);
      await this.audit.record(
        'refresh.refused',
        'refused',
        { providerId: family.providerId, sessionId: family.id, reason: refusal },
        meta,
      );
      throw REFUSED();
    }
    const provider = await this.providers.findById(family.providerId);
    if (!provider || provider.disabledAt) throw REFUSED();
    const successor = randomSecret();
    const rotated = await this.sessions.rotate(
      token.id,
      {
        id: randomUUID(),
        familyId: family.id,
        tokenHash: sha256Hex(successor),
        issuedAt: now,
        expiresAt: refreshTokenExpiry(now, family.absoluteExpiresAt),
        usedAt: null,
      },
      now,
    );
    // Someone used the same token a moment ago: that is reuse too.
    if (!rotated) return this.reuseDetected(family.id, family.providerId, meta);
    const access = await this.accessTokens.issue(provider, family.id);
    return { accessToken: access.accessToken, refreshToken: successor, expiresIn: access.expiresIn };
  }

  /**
   * Ends the session the refresh token belongs to, and tells the gateway (the same event as
   * logout-all, naming this session only) to refuse its access tokens and close its sockets; the
   * provider's other sessions stay. Unknown tokens are ignored: the answer is the same.
   */
  async logout(presented: string, meta: RequestMeta): Promise<void> {
    const found = await this.sessions.findToken(sha256Hex(presented));
    if (!found) return;
    const { family } = found;
    const revoked = await this.sessions.revokeFamily(family.id, this.clock.now(), 'logout');
    if (!revoked) return;
    await this.audit.record('logout', 'success', { providerId: family.providerId, sessionId: family.id }, meta);
    const provider = await this.providers.findById(family.providerId);
    if (provider) await this.events.emit('provider.sessions_revoked', provider, [family.id]);
  }

  /** Ends every session of the caller and tells the gateway to refuse their tokens and close their sockets. */
  async logoutAll(caller: AuthContext, meta: RequestMeta): Promise<void> {
    const sessionIds = await this.revokeAll(caller.providerId, 'logout_all');
    await this.audit.record(
      'logout_all',
      'success',
      { providerId: caller.providerId, organisationId: caller.organisationId, sessionId: caller.sessionId },
      meta,
    );
    await this.events.emit(
      'provider.sessions_revoked',
      { id: caller.providerId, organisationId: caller.organisationId },
      sessionIds,
    );
  }

  /**
   * Revokes every session of a provider, and answers those whose access tokens may still be live,
   * for the event the caller publishes: the consult service refuses exactly those.
   */
  async revokeAll(providerId: string, reason: string): Promise<string[]> {
    const now = this.clock.now();
    const tokensSince = new Date(now.getTime() - (AUTH_POLICY.accessTokenTtlSeconds + CLOCK_MARGIN_SECONDS) * 1000);
    return this.sessions.endAllForProvider(providerId, now, reason, tokensSince);
  }

  /** Whether the session behind an access token is still live (not logged out, revoked or expired). */
  async isLive(sessionId: string): Promise<boolean> {
    const family = await this.sessions.findFamily(sessionId);
    return !!family && !family.revokedAt && family.absoluteExpiresAt.getTime() > this.clock.now().getTime();
  }

  private async reuseDetected(familyId: string, providerId: string, meta: RequestMeta): Promise<never> {
    await this.sessions.revokeFamily(familyId, this.clock.now(), 'reuse');
    await this.audit.record(
      'refresh.reused',
      'refused',
      { providerId, sessionId: familyId, reason: 'family_revoked' },
      meta,
    );
    throw REFUSED();
  }
}
