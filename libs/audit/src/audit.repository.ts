import { Injectable } from '@nestjs/common';
import { insertRows } from '@sharedcare/common';
import { DataSource, type EntityManager } from 'typeorm';
import { AuditRecord } from './audit-record.entity.js';

/** The last link of the chain, or none before the first record. */
export interface AuditChainHead {
  sequence: number;
  hash: string;
}

/**
 * Every writer of the chain takes this transaction-scoped advisory lock first, so appends are
 * serialised across connections and processes sharing the database.
 */
const CHAIN_LOCK_SQL = `SELECT pg_advisory_xact_lock(hashtext('sharedcare.audit_records.chain'))`;

/** SQL for audit records; the only code that touches TypeORM for them (CONVENTIONS 9). */
@Injectable()
export class AuditRepository {
  constructor(private readonly dataSource: DataSource) {}

  /**
   * In one transaction: takes the chain lock, reads the head, asks `build` for the next records
   * (each linked to the one before) and inserts them. The head is read after the lock, and under
   * READ COMMITTED each statement sees what committed before it, so no two records ever share a
   * predecessor.
   */
  async append(
    build: (head: AuditChainHead | null) => AuditRecord[],
    /** A transaction of the caller's to append within, so the record commits with the change it records. */
    within?: EntityManager,
  ): Promise<AuditRecord[]> {
    if (within) return this.appendWithin(within, build);
    return this.dataSource.transaction((manager) => this.appendWithin(manager, build));
  }

  private async appendWithin(
    manager: EntityManager,
    build: (head: AuditChainHead | null) => AuditRecord[],
  ): Promise<AuditRecord[]> {
    await manager.query(CHAIN_LOCK_SQL);
    const rows = (await manager.query(
      `SELECT "sequence", "hash" FROM "audit_records" ORDER BY "sequence" DESC LIMIT 1`,
    )) as { sequence: string; hash: string }[];
    const head = rows.length === 0 ? null : { sequence: Number(rows[0].sequence), hash: rows[0].hash };
    const records = build(head);
    await insertRows(manager, AuditRecord, records);
    return records;
  }

  /** Up to `limit` records after `afterSequence`, in chain order. */
  async page(afterSequence: number, limit: number): Promise<AuditRecord[]> {
    return this.dataSource
      .getRepository(AuditRecord)
      .createQueryBuilder('record')
      .where('record.sequence > :afterSequence', { afterSequence })
      .orderBy('record.sequence', 'ASC')
      .limit(limit)
      .getMany();
  }

  /** One client's records, newest first, before `beforeSequence` when given. */
  async forClient(clientId: string, beforeSequence: number | undefined, limit: number): Promise<AuditRecord[]> {
    const query = this.dataSource
      .getRepository(AuditRecord)
      .createQueryBuilder('record')
      .where('record.clientId = :clientId', { clientId })
      .orderBy('record.sequence', 'DESC')
      .limit(limit);
    if (beforeSequence !== undefined) query.andWhere('record.sequence < :beforeSequence', { beforeSequence });
    return query.getMany();
  }
}
