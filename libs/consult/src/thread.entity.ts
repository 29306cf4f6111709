import { Column, Entity, Index, PrimaryColumn } from 'typeorm';

/** A conversation about one client among some of its care team. */
@Entity({ name: 'threads' })
@Index('IDX_threads_client', ['clientId', 'createdAt'])
export class Thread {
  @PrimaryColumn({ type: 'uuid' })
  id: string;

  @Column({ name: 'client_id', type: 'uuid' })
  clientId: string;

  @Column({ name: 'organisation_id', type: 'uuid' })
  organisationId: string;

  @Column({ name: 'subject_sealed', type: 'text' })
  subjectSealed: string;

  @Column({ name: 'created_by', type: 'uuid' })
  createdBy: string;

  @Column({ name: 'created_at', type: 'timestamptz' })
  createdAt: Date;

  /** The last sequence number given out; incremented under the row lock by each send. */
  @Column({ name: 'last_seq', type: 'integer', default: 0 })
  lastSeq: number;
}

@Entity({ name: 'thread_participants' })
@Index('IDX_thread_participants_provider', ['providerId'])
export class ThreadParticipant {
  @PrimaryColumn({ name: 'thread_id', type: 'uuid' })
  threadId: string;

  @PrimaryColumn({ name: 'provider_id', type: 'uuid' })
  providerId: string;

  @Column({ name: 'added_by', type: 'uuid' })
  addedBy: string;

  @Column({ name: 'added_at', type: 'timestamptz' })
  addedAt: Date;

  /** Everything up to this sequence has reached one of the participant's devices. */
  @Column({ name: 'delivered_seq', type: 'integer', default: 0 })
  deliveredSeq: number;

  /** Everything up to this sequence has been read by the participant. */
  @Column({ name: 'read_seq', type: 'integer', default: 0 })
  readSeq: number;
}
