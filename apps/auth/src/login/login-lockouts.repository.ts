import { Injectable } from '@nestjs/common';
import { InjectRepository } from '@nestjs/typeorm';
import type { Repository } from 'typeorm';
import { LoginLockout } from './login-lockout.entity.js';

@Injectable()
export class LoginLockoutsRepository {
  constructor(@InjectRepository(LoginLockout) private readonly lockouts: Repository<LoginLockout>) {}

  find(emailHash: string): Promise<LoginLockout | null> {
    return this.lockouts.findOneBy({ emailHash });
  }

  /**
   * Counts one failure, atomically: the count restarts when its window began before
   * `windowStartedAfter`. Returns the count now in the window.
   */
  async recordFailure(emailHash: string, now: Date, windowStartedAfter: Date): Promise<number> {
    const rows: { failure_count: number }[] = await this.lockouts.query(
      `INSERT INTO login_lockouts (email_hash, failure_count, window_started_at, locked_until)
       VALUES ($1, 1, $2, NULL)
       ON CONFLICT (email_hash) DO UPDATE SET
         failure_count = CASE WHEN login_lockouts.window_started_at <= $3 THEN 1 ELSE login_lockouts.failure_count + 1 END,
         window_started_at = CASE WHEN login_lockouts.window_started_at <= $3 THEN $2 ELSE login_lockouts.window_started_at END
       RETURNING failure_count`,
      [emailHash, now, windowStartedAfter],
    );
    return rows[0].failure_count;
  }

  /** Starts a cool-down; the failures that caused it are cleared. */
  async lock(emailHash: string, until: Date, now: Date): Promise<void> {
    await this.lockouts.update({ emailHash }, { lockedUntil: until, failureCount: 0, windowStartedAt: now });
  }

  async clear(emailHash: string): Promise<void> {
    await this.lockouts.delete({ emailHash });
  }
}
