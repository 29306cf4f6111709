import { Column, Entity, Index, PrimaryColumn } from 'typeorm';

/**
 * Append-only record of what happened in the auth service: who, when, from where, with what
 * outcome. Never a password, token, code or secret; no foreign keys, so records outlive rows.
 */
@Entity({ name: 'auth_audit_events' })
@Index(['providerId', 'occurredAt'])
export class AuthAuditEvent {
  @PrimaryColumn({ type: 'uuid' })
  id: string;

  @Column({ type: 'varchar', length: 48 })
  type: string;

  @Column({ type: 'varchar', length: 16 })
  outcome: string;

  /** The account the event is about, when known. */
  @Column({ name: 'provider_id', type: 'uuid', nullable: true })
  providerId: string | null;

  /** Who acted, when that is someone else (an admin disabling an account). */
  @Column({ name: 'actor_id', type: 'uuid', nullable: true })
  actorId: string | null;

  @Column({ name: 'organisation_id', type: 'uuid', nullable: true })
  organisationId: string | null;

  /** The session (refresh-token family) concerned, when there is one. */
  @Column({ name: 'session_id', type: 'uuid', nullable: true })
  sessionId: string | null;

  @Column({ type: 'varchar', length: 64, nullable: true })
  reason: string | null;

  @Column({ type: 'varchar', length: 64, nullable: true })
  ip: string | null;

  @Column({ name: 'user_agent', type: 'varchar', length: 256, nullable: true })
  userAgent: string | null;

  @Index()
  @Column({ name: 'occurred_at', type: 'timestamptz' })
  occurredAt: Date;
}
