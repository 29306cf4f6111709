import { Column, Entity, PrimaryColumn } from 'typeorm';

/**
 * Failed-login bookkeeping per email, kept for unknown emails too so a cool-down does not
 * reveal whether an account exists. Keyed by a hash: typed addresses are not kept.
 */
@Entity({ name: 'login_lockouts' })
export class LoginLockout {
  @PrimaryColumn({ name: 'email_hash', type: 'varchar', length: 64 })
  emailHash: string;

  /** Attempts held in the window: failures, and attempts claimed but still being checked. */
  @Column({ name: 'failure_count', type: 'integer' })
  failureCount: number;

  @Column({ name: 'window_started_at', type: 'timestamptz' })
  windowStartedAt: Date;

  @Column({ name: 'locked_until', type: 'timestamptz', nullable: true })
  lockedUntil: Date | null;
}
