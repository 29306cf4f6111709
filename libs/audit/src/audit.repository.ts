import { Injectable } from '@nestjs/common';
import { insertRows, preparedQuery } from '@sharedcare/common';
import { DataSource, type EntityManager } from 'typeorm';
import { AuditPending, AuditRecord } from './audit-record.entity.js';

/** The last link of the chain, or none before the first record. */
export interface AuditChainHead {
  sequence: number;
  hash: string;
}

/**
 * Every writer of the chain locks its head row (kept by a trigger on every insert, migration
 * AuditChainHead) and reads it in the same statement, so appends are serialised across
 * connections and processes sharing the database. Under READ COMMITTED, a row locked after
 * waiting for another writer is read as that writer committed it.
 */
const CHAIN_HEAD_SQL = `SELECT "sequence", "hash" FROM "audit_chain_head" FOR UPDATE`;

/** Locks and reads the head; an empty chain's (sequence 0, the genesis hash) is null: the first record links to it. */
async function lockHead(manager: EntityManager): Promise<AuditChainHead | null> {
  const [row] = await preparedQuery<{ sequence: string; hash: string }>(manager, CHAIN_HEAD_SQL, []);
  return Number(row.sequence) === 0 ? null : { sequence: Number(row.sequence), hash: row.hash };
}

/** SQL for audit records; the only code that touches TypeORM for them (CONVENTIONS 9). */
@Injectable()
export class AuditRepository {
  constructor(private readonly dataSource: DataSource) {}

  /**
   * In one transaction: locks and reads the chain's head, asks `build` for the next records (each
   * linked to the one before) and inserts them, which moves the head; so no two records ever
   * share a predecessor.
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
    const records = build(await lockHead(manager));
    await insertRows(manager, AuditRecord, records);
    return records;
  }

  /** Writes records to be linked later (AuditPending), in the caller's transaction. */
  async enqueueWithin(manager: EntityManager, pending: AuditPending[]): Promise<void> {
    await insertRows(manager, AuditPending, pending);
  }

  /**
   * In one transaction: locks the chain's head, then reads up to `limit` pending records, oldest
   * first, appends the records `link` makes of them and deletes them from pending. The lock is
   * taken first, so a linker that waited for another reads what that one left. Returns how many
   * were linked.
   */
  async linkPending(
    link: (head: AuditChainHead | null, pending: AuditPending[]) => AuditRecord[],
    limit: number,
  ): Promise<number> {
    return this.dataSource.transaction(async (manager) => {
      const head = await lockHead(manager);
      const pending = await manager.getRepository(AuditPending).find({ order: { position: 'ASC' }, take: limit });
      if (pending.length === 0) return 0;
      await insertRows(manager, AuditRecord, link(head, pending));
      await preparedQuery(manager, `DELETE FROM "audit_pending" WHERE "position" = ANY($1::bigint[])`, [
        pending.map((row) => row.position),
      ]);
      return pending.length;
    });
  }

  /** Whether any record waits to be linked. */
  async hasPending(): Promise<boolean> {
    const [row] = await preparedQuery<{ waiting: boolean }>(
      this.dataSource,
      `SELECT EXISTS (SELECT 1 FROM "audit_pending") AS "waiting"`,
      [],
    );
    return row.waiting;
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
