import { Column, Entity, Index, PrimaryColumn } from 'typeorm';

/** Session events for the gateway, kept until published (and afterwards, as a record). */
@Entity({ name: 'auth_outbox' })
export class OutboxEvent {
  @PrimaryColumn({ type: 'uuid' })
  id: string;

  @Column({ type: 'varchar', length: 48 })
  type: string;

  @Column({ name: 'provider_id', type: 'uuid' })
  providerId: string;

  @Column({ name: 'organisation_id', type: 'uuid' })
  organisationId: string;

  @Index()
  @Column({ name: 'occurred_at', type: 'timestamptz' })
  occurredAt: Date;

  /** The sessions the event ended; null on rows from before events named them. */
  @Column({ name: 'session_ids', type: 'uuid', array: true, nullable: true })
  sessionIds: string[] | null;

  @Column({ name: 'published_at', type: 'timestamptz', nullable: true })
  publishedAt: Date | null;
}
