import { Injectable } from '@nestjs/common';
import { InjectDataSource } from '@nestjs/typeorm';
import type { DataSource, EntityManager } from 'typeorm';
import { SafetyPlanSnapshot, SafetyPlanUpdate } from './safety-plan.entity.js';

/** SQL for safety plans (CONVENTIONS 9). */
@Injectable()
export class SafetyPlanRepository {
  constructor(@InjectDataSource() private readonly dataSource: DataSource) {}

  /**
   * Runs `work` in one transaction holding the client's plan lock, so changes to one plan are
   * serialised across connections and processes; the manager is an opaque handle for `*Within`.
   */
  lockedTransaction<T>(clientId: string, work: (manager: EntityManager) => Promise<T>): Promise<T> {
    return this.dataSource.transaction(async (manager) => {
      await manager.query(`SELECT pg_advisory_xact_lock(hashtext('sharedcare.safety_plan:' || $1))`, [clientId]);
      return work(manager);
    });
  }

  latestSnapshot(clientId: string, manager?: EntityManager): Promise<SafetyPlanSnapshot | null> {
    return (manager ?? this.dataSource.manager)
      .getRepository(SafetyPlanSnapshot)
      .findOne({ where: { clientId }, order: { seq: 'DESC' } });
  }

  /** The client's updates after `afterSeq`, in order. */
  updatesAfter(clientId: string, afterSeq: number, manager?: EntityManager): Promise<SafetyPlanUpdate[]> {
    return (manager ?? this.dataSource.manager)
      .getRepository(SafetyPlanUpdate)
      .createQueryBuilder('update')
      .where('update.clientId = :clientId AND update.seq > :afterSeq', { clientId, afterSeq })
      .orderBy('update.seq', 'ASC')
      .getMany();
  }

  async insertUpdateWithin(manager: EntityManager, update: SafetyPlanUpdate): Promise<void> {
    await manager.insert(SafetyPlanUpdate, update);
  }

  async insertSnapshotWithin(manager: EntityManager, snapshot: SafetyPlanSnapshot): Promise<void> {
    await manager.insert(SafetyPlanSnapshot, snapshot);
  }

  /** The change log, newest first, before `beforeSeq` when given; without the sealed updates. */
  changes(clientId: string, beforeSeq: number | undefined, limit: number): Promise<SafetyPlanUpdate[]> {
    const query = this.dataSource
      .getRepository(SafetyPlanUpdate)
      .createQueryBuilder('update')
      .select(['update.clientId', 'update.seq', 'update.authorId', 'update.createdAt', 'update.sections'])
      .where('update.clientId = :clientId', { clientId })
      .orderBy('update.seq', 'DESC')
      .limit(limit);
    if (beforeSeq !== undefined) query.andWhere('update.seq < :beforeSeq', { beforeSeq });
    return query.getMany();
  }
}
