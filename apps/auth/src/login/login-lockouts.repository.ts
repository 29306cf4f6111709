import { Injectable } from '@nestjs/common';
import { InjectRepository } from '@nestjs/typeorm';
import type { Repository } from 'typeorm';
import { LoginLockout } from './login-lockout.entity.js';

export type AttemptClaim = { claimed: true; attempt: number } | { claimed: false; lockedUntil: Date | null };

@Injectable()
export class LoginLockoutsRepository {
  constructor(@InjectRepository(LoginLockout) private readonly lockouts: Repository<LoginLockout>) {}

  /**
   * Takes one attempt from the email's budget in a single statement, so concurrent attempts
   * cannot all see the same count. A row starts afresh when its window began at or before
   * `windowStartedAfter` or its cool-down has ended at `now`. Refused while cooling down or once
   * `budget` attempts are held in the window; a refusal says until when it is cooling down.
   */
  async claimAttempt(emailHash: string, now: Date, windowStartedAfter: Date, budget: number): Promise<AttemptClaim> {
    const fresh = `(login_lockouts.window_started_at <= $3 OR login_lockouts.locked_until <= $2)`;
    const rows: { failure_count: number }[] = await this.lockouts.query(
      `INSERT INTO login_lockouts (email_hash, failure_count, window_started_at, locked_until)
       VALUES ($1, 1, $2, NULL)
       ON CONFLICT (email_hash) DO UPDATE SET
         failure_count = CASE WHEN ${fresh} THEN 1 ELSE login_lockouts.failure_count + 1 END,
         window_started_at = CASE WHEN ${fresh} THEN $2 ELSE login_lockouts.window_started_at END,
         locked_until = CASE WHEN ${fresh} THEN NULL ELSE login_lockouts.locked_until END
       WHERE (login_lockouts.locked_until IS NULL OR login_lockouts.locked_until <= $2)
         AND (${fresh} OR login_lockouts.failure_count < $4)
       RETURNING failure_count`,
      [emailHash, now, windowStartedAfter, budget],
    );
    if (rows.length === 1) return { claimed: true, attempt: rows[0].failure_count };
    const lockout = await this.lockouts.findOneBy({ emailHash });
    return { claimed: false, lockedUntil: lockout?.lockedUntil ?? null };
  }

  /**
   * Starts a cool-down lasting until `until` when the budget is spent and none is running at
   * `now`; true when this call started it (so it is reported once).
   */
  async lockIfSpent(emailHash: string, budget: number, now: Date, until: Date): Promise<boolean> {
    const result = await this.lockouts
      .createQueryBuilder()
      .update()
      .set({ lockedUntil: until })
      .where('email_hash = :emailHash AND failure_count >= :budget', { emailHash, budget })
      .andWhere('(locked_until IS NULL OR locked_until <= :now)', { now })
      .execute();
    return result.affected === 1;
  }

  /** Gives one claimed attempt back. */
  async release(emailHash: string): Promise<void> {
    await this.lockouts
      .createQueryBuilder()
      .update()
      .set({ failureCount: () => 'failure_count - 1' })
      .where('email_hash = :emailHash AND failure_count > 0', { emailHash })
      .execute();
  }

  async clear(emailHash: string): Promise<void> {
    await this.lockouts.delete({ emailHash });
  }
}
