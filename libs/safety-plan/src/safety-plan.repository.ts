import { Injectable } from '@nestjs/common';
import { InjectDataSource } from '@nestjs/typeorm';
import type { DataSource, EntityManager } from 'typeorm';
import { SafetyPlanSnapshot, SafetyPlanUpdate, SafetyPlanVersion } from './safety-plan.entity.js';

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

  /** The latest snapshot, or the latest up to `atMostSeq` when given. */
  latestSnapshot(clientId: string, atMostSeq?: number): Promise<SafetyPlanSnapshot | null> {
    const query = this.dataSource
      .getRepository(SafetyPlanSnapshot)
      .createQueryBuilder('snapshot')
      .where('snapshot.clientId = :clientId', { clientId })
      .orderBy('snapshot.seq', 'DESC')
      .limit(1);
    if (atMostSeq !== undefined) query.andWhere('snapshot.seq <= :atMostSeq', { atMostSeq });
    return query.getOne();
  }

  /** The client's updates after `afterSeq` (up to `atMostSeq` when given), in order. */
  updatesAfter(clientId: string, afterSeq: number, atMostSeq?: number): Promise<SafetyPlanUpdate[]> {
    return this.updatesAfterWithin(this.dataSource.manager, clientId, afterSeq, atMostSeq);
  }

  /** As `updatesAfter`, in the caller's transaction (under the plan's lock, the last word). */
  updatesAfterWithin(
    manager: EntityManager,
    clientId: string,
    afterSeq: number,
    atMostSeq?: number,
  ): Promise<SafetyPlanUpdate[]> {
    const query = manager
      .getRepository(SafetyPlanUpdate)
      .createQueryBuilder('planUpdate')
      .where('planUpdate.clientId = :clientId AND planUpdate.seq > :afterSeq', { clientId, afterSeq })
      .orderBy('planUpdate.seq', 'ASC');
    if (atMostSeq !== undefined) query.andWhere('planUpdate.seq <= :atMostSeq', { atMostSeq });
    return query.getMany();
  }

  /** Runs `work` in one transaction (a named version commits with its audit record); the manager is for `*Within`. */
  transaction<T>(work: (manager: EntityManager) => Promise<T>): Promise<T> {
    return this.dataSource.transaction(work);
  }

  async insertVersionWithin(manager: EntityManager, version: SafetyPlanVersion): Promise<void> {
    await manager.insert(SafetyPlanVersion, version);
  }

  /** The client's named versions, newest first, at most `limit`. */
  versions(clientId: string, limit: number): Promise<SafetyPlanVersion[]> {
    return this.dataSource.getRepository(SafetyPlanVersion).find({
      where: { clientId },
      order: { createdAt: 'DESC', seq: 'DESC' },
      take: limit,
    });
  }

  /** One of the client's named versions (a version of another client's plan is none). */
  version(clientId: string, id: string): Promise<SafetyPlanVersion | null> {
    return this.dataSource.getRepository(SafetyPlanVersion).findOne({ where: { clientId, id } });
  }

  async insertUpdateWithin(manager: EntityManager, update: SafetyPlanUpdate): Promise<void> {
    await manager.insert(SafetyPlanUpdate, update);
  }

  /** A snapshot; one already written for the same sequence is kept. */
  async insertSnapshot(snapshot: SafetyPlanSnapshot): Promise<void> {
    await this.dataSource.createQueryBuilder().insert().into(SafetyPlanSnapshot).values(snapshot).orIgnore().execute();
  }

  /** The change log, newest first, before `beforeSeq` when given; without the sealed updates. */
  changes(clientId: string, beforeSeq: number | undefined, limit: number): Promise<SafetyPlanUpdate[]> {
    const query = this.dataSource
      .getRepository(SafetyPlanUpdate)
      .createQueryBuilder('planUpdate')
      .select([
        'planUpdate.id',
        'planUpdate.clientId',
        'planUpdate.seq',
        'planUpdate.authorId',
        'planUpdate.createdAt',
        'planUpdate.sections',
      ])
      .where('planUpdate.clientId = :clientId', { clientId })
      .orderBy('planUpdate.seq', 'DESC')
      .limit(limit);
    if (beforeSeq !== undefined) query.andWhere('planUpdate.seq < :beforeSeq', { beforeSeq });
    return query.getMany();
  }
}
