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
 */
@Injectable()
export class LoginLockoutService {
  constructor(
    private readonly lockouts: LoginLockoutsRepository,
    private readonly audit: AuthAuditService,
    private readonly clock: Clock,
  ) {}

  /** Throws rate_limited while the email is cooling down. */
  async assertNotLocked(email: string, providerId: string | null, meta: RequestMeta): Promise<void> {
    const lockout = await this.lockouts.find(sha256Hex(email));
    const remainingMs = (lockout?.lockedUntil?.getTime() ?? 0) - this.clock.now().getTime();
    if (remainingMs > 0) {
      await this.audit.record('login.refused', 'refused', { providerId, reason: 'cooling_down' }, meta);
      throw DomainException.rateLimited(Math.ceil(remainingMs / 1000), 'Too many failed attempts; try again later');
    }
  }

  async recordFailure(email: string, providerId: string | null, meta: RequestMeta): Promise<void> {
    const now = this.clock.now();
    const emailHash = sha256Hex(email);
    const windowStartedAfter = new Date(now.getTime() - AUTH_POLICY.lockoutWindowSeconds * 1000);
    const failures = await this.lockouts.recordFailure(emailHash, now, windowStartedAfter);
    if (failures >= AUTH_POLICY.lockoutThreshold) {
      await this.lockouts.lock(emailHash, new Date(now.getTime() + AUTH_POLICY.lockoutCooldownSeconds * 1000), now);
      await this.audit.record('login.locked', 'refused', { providerId, reason: 'too_many_failures' }, meta);
    }
  }

  async clear(email: string): Promise<void> {
    await this.lockouts.clear(sha256Hex(email));
  }
}
