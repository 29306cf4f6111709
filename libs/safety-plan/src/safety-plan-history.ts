import { Injectable } from '@nestjs/common';
import { ClientKeyring } from '@sharedcare/crypto';
import type { EntityManager } from 'typeorm';
import * as Y from 'yjs';
import { createPlanDocument } from './safety-plan-document.js';
import { SafetyPlanRepository } from './safety-plan.repository.js';

export const updateContext = (updateId: string) => `safety_plan.update:${updateId}`;
export const snapshotContext = (seq: number) => `safety_plan.snapshot:${seq}`;

export interface LoadedPlan {
  doc: Y.Doc;
  /** The last update applied to `doc`. */
  seq: number;
}

/** Rebuilds a plan from what is stored: the latest snapshot, then the sealed updates after it. */
@Injectable()
export class PlanHistory {
  constructor(
    private readonly repository: SafetyPlanRepository,
    private readonly keyring: ClientKeyring,
  ) {}

  /** The plan as of `atMostSeq` (as of now without it); its `seq` is lower when fewer are stored. */
  async load(clientId: string, atMostSeq?: number): Promise<LoadedPlan> {
    const plan = { doc: createPlanDocument(), seq: 0 };
    const snapshot = await this.repository.latestSnapshot(clientId, atMostSeq);
    if (snapshot) {
      Y.applyUpdate(
        plan.doc,
        await this.keyring.decryptForClient(clientId, snapshot.stateSealed, snapshotContext(snapshot.seq)),
      );
      plan.seq = snapshot.seq;
    }
    return this.catchUp(clientId, plan, atMostSeq);
  }

  /** Applies to `plan` the updates stored after its `seq` (up to `atMostSeq`). */
  async catchUp(clientId: string, plan: LoadedPlan, atMostSeq?: number): Promise<LoadedPlan> {
    // The key is checked even when nothing new is stored: a crypto-shredded client's plan, one held
    // in memory or one never written, is gone (ClientKeyDestroyedError, answered not_found).
    const open = await this.keyring.openerFor(clientId);
    const rows = await this.repository.updatesAfter(clientId, plan.seq, atMostSeq);
    for (const row of rows) {
      Y.applyUpdate(plan.doc, open(row.updateSealed, updateContext(row.id)));
      plan.seq = row.seq;
    }
    return plan;
  }

  /**
   * As `catchUp`, reading in the caller's transaction and opening with `open` (the client's key,
   * fetched before the transaction: ClientKeyring.openerFor), so nothing here waits for another
   * connection while the transaction holds one.
   */
  async catchUpWithin(
    manager: EntityManager,
    clientId: string,
    plan: LoadedPlan,
    open: (sealed: string, context: string) => Buffer,
  ): Promise<LoadedPlan> {
    for (const row of await this.repository.updatesAfterWithin(manager, clientId, plan.seq)) {
      Y.applyUpdate(plan.doc, open(row.updateSealed, updateContext(row.id)));
      plan.seq = row.seq;
    }
    return plan;
  }
}
