import { Column, Entity, Index, PrimaryColumn, PrimaryGeneratedColumn } from 'typeorm';

/** bigint columns come back from `pg` as strings; audit sequences stay far below 2^53. */
const bigintAsNumber = {
  to: (value: number | undefined) => value,
  from: (value: string | null) => (value === null ? null : Number(value)),
};

/**
 * What an audit record says: everything but its place in the chain. `details` holds ids, codes,
 * numbers and booleans only, never clinical text or free prose: `assertAuditDetails` enforces that
 * before anything is written.
 */
export abstract class AuditContent {
  @Column({ name: 'occurred_at', type: 'timestamptz' })
  occurredAt: Date;

  @Column({ name: 'actor_id', type: 'uuid' })
  actorId: string;

  @Column({ name: 'actor_role', type: 'varchar', length: 32 })
  actorRole: string;

  @Column({ name: 'organisation_id', type: 'uuid' })
  organisationId: string;

  /** Dotted: `client.read`, `access.refused`. */
  @Column({ type: 'varchar', length: 64 })
  action: string;

  @Column({ name: 'resource_type', type: 'varchar', length: 64 })
  resourceType: string;

  @Column({ name: 'resource_id', type: 'varchar', length: 128 })
  resourceId: string;

  @Column({ name: 'client_id', type: 'uuid', nullable: true })
  clientId: string | null;

  @Column({ type: 'varchar', length: 64, nullable: true })
  category: string | null;

  @Column({ type: 'varchar', length: 16 })
  outcome: AuditOutcome;

  @Column({ type: 'varchar', length: 64 })
  ip: string;

  /** Absent when the caller sent no User-Agent header. */
  @Column({ name: 'user_agent', type: 'varchar', length: 512, nullable: true })
  userAgent: string | null;

  @Column({ type: 'jsonb' })
  details: AuditDetails;
}

/**
 * One append-only audit record, a link of the hash chain (DESIGN.md, Security). The database
 * refuses UPDATE, DELETE and TRUNCATE on this table (see the gateway's audit migration).
 */
@Entity({ name: 'audit_records' })
@Index('IDX_audit_records_client', ['clientId', 'sequence'])
export class AuditRecord extends AuditContent {
  @PrimaryColumn({ type: 'uuid' })
  id: string;

  /** 1, 2, 3, ... with no gaps: assigned under the chain lock, never from a Postgres sequence. */
  @Column({ type: 'bigint', unique: true, transformer: bigintAsNumber })
  sequence: number;

  @Column({ name: 'prev_hash', type: 'varchar', length: 64 })
  prevHash: string;

  @Column({ type: 'varchar', length: 64 })
  hash: string;
}

/**
 * An audit record written in the transaction of the change it records and not linked into the
 * chain yet (AuditService.recordLater): the chain's lock is then taken by one linking transaction
 * for many records, never by the change's own. Linked moments later, in the order the linker finds
 * them committed (by `position` among those), and deleted as it is linked; never updated.
 */
@Entity({ name: 'audit_pending' })
export class AuditPending extends AuditContent {
  /** A bigint, as `pg` returns it: a string. */
  @PrimaryGeneratedColumn({ type: 'bigint' })
  position: string;

  /** The id the record keeps once linked. */
  @Column({ type: 'uuid', unique: true })
  id: string;
}

export const AUDIT_OUTCOMES = ['success', 'refused', 'failure'] as const;
export type AuditOutcome = (typeof AUDIT_OUTCOMES)[number];

/** A value `details` may hold: an id or code, a number, a boolean, or a short list of ids/codes. */
export type AuditDetailValue = string | number | boolean | null | string[];
export type AuditDetails = Record<string, AuditDetailValue>;
