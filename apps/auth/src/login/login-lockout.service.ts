import { Injectable } from '@nestjs/common';
import { Clock, DomainException } from '@sharedcare/common';
import { AuthAuditService } from '../audit/auth-audit.service.js';
import { AUTH_POLICY } from '../config/auth-config.js';
import type { RequestMeta } from '../shared/request-meta.js';
import { sha256Hex } from '../shared/secrets.js';
import { LoginLockoutsRepository } from './login-lockouts.repository.js';

/**
 * Five failed logins (passwords or MFA codes) for one email within fifteen minutes put it in a
 * fifteen-minute cool-down, answered rate_limited with Retry-After. Kept per email whether or not
 * an account exists, so the cool-down reveals nothing about which emails are registered.
 *
 * An attempt is claimed before the password or code is checked, atomically in SQL: a burst of
 * parallel guesses gets at most five checks, whatever the timing. A success gives the budget back
 * (`clear`, or `release` for a right password that still needs its code).
 */
@Injectable()
export class LoginLockoutService {
  constructor(
    private readonly lockouts: LoginLockoutsRepository,
    private readonly audit: AuthAuditService,
    private readonly clock: Clock,
  ) {}

  /** Takes one attempt for `email`; throws rate_limited while it is cooling down or its budget is held. */
  async claimAttempt(email: string, providerId: string | null, meta: RequestMeta): Promise<void> {
    const now = this.clock.now();
    const windowStartedAfter = new Date(now.getTime() - AUTH_POLICY.lockoutWindowSeconds * 1000);
    const claim = await this.lockouts.claimAttempt(
      sha256Hex(email),
      now,
      windowStartedAfter,
      AUTH_POLICY.lockoutThreshold,
    );
    if (claim.claimed) return;
    // Without a cool-down yet, the last attempts are still being checked: if they fail, a full one starts.
    const remainingMs =
      claim.lockedUntil && claim.lockedUntil.getTime() > now.getTime()
        ? claim.lockedUntil.getTime() - now.getTime()
        : AUTH_POLICY.lockoutCooldownSeconds * 1000;
    await this.audit.record('login.refused', 'refused', { providerId, reason: 'cooling_down' }, meta);
    throw DomainException.rateLimited(Math.ceil(remainingMs / 1000), 'Too many failed attempts; try again later');
  }

  /** The claimed attempt failed: it stays counted, and the one that spends the budget starts the cool-down. */
  async recordFailure(email: string, providerId: string | null, meta: RequestMeta): Promise<void> {
    const now = this.clock.now();
    const until = new Date(now.getTime() + AUTH_POLICY.lockoutCooldownSeconds * 1000);
    if (await this.lockouts.lockIfSpent(sha256Hex(email), AUTH_POLICY.lockoutThreshold, now, until)) {
      await this.audit.record('login.locked', 'refused', { providerId, reason: 'too_many_failures' }, meta);
    }
  }

  /** The claimed attempt was not a failure, but the login is not over (the MFA code is still due). */
  async release(email: string): Promise<void> {
    await this.lockouts.release(sha256Hex(email));
  }

  async clear(email: string): Promise<void> {
    await this.lockouts.clear(sha256Hex(email));
  }
}
