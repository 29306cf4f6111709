import { randomUUID } from 'node:crypto';
import { Injectable, Logger } from '@nestjs/common';
import { AuditService, type ReadAudit } from '@sharedcare/audit';
import type { AuthContext } from '@sharedcare/auth';
import { Clock, DomainException } from '@sharedcare/common';
import { type AccessGrant, AccessService } from '@sharedcare/consent';
import { ClientKeyring } from '@sharedcare/crypto';
import * as Y from 'yjs';
import { planAuditEntry, requirePlanAccess } from './safety-plan-access.js';
import {
  type PlanSectionId,
  type PlanSectionJson,
  planProblem,
  planToJson,
  sectionsChanged,
  withUpdate,
} from './safety-plan-document.js';
import { type LoadedPlan, PlanHistory, snapshotContext, updateContext } from './safety-plan-history.js';
import { SafetyPlanRepository } from './safety-plan.repository.js';

/** A snapshot of the whole plan is written after every this many updates. */
export const SNAPSHOT_EVERY = 100;
/** Plans kept in memory per process; the least recently used is dropped (it reloads from the database). */
const CACHED_PLANS = 500;
const MAX_CHANGES_PAGE = 100;

export interface SafetyPlan {
  clientId: string;
  seq: number;
  sections: PlanSectionJson[];
}

export interface AcceptedUpdate {
  clientId: string;
  seq: number;
  sections: PlanSectionId[];
}

export interface PlanChange {
  seq: number;
  authorId: string;
  createdAt: Date;
  sections: string[];
}

/**
 * The shared safety plan (DESIGN.md, The safety plan): one Yjs document per client, kept in
 * memory while in use and rebuilt from the latest snapshot plus the updates after it. An update
 * is checked on a copy, then stored sealed with its audit record in one transaction, and only
 * then applied here and acknowledged. The transaction holds the plan's lock and first takes any
 * change another process stored since this one caught up, so every check sees every
 * acknowledged change.
 */
@Injectable()
export class SafetyPlanService {
  private readonly logger = new Logger(SafetyPlanService.name);
  private readonly plans = new Map<string, LoadedPlan>();
  /** Per client, the tail of the work on its plan in this process: one thing at a time. */
  private readonly queues = new Map<string, Promise<unknown>>();

  constructor(
    private readonly access: AccessService,
    private readonly repository: SafetyPlanRepository,
    private readonly history: PlanHistory,
    private readonly keyring: ClientKeyring,
    private readonly audit: AuditService,
    private readonly clock: Clock,
  ) {}

  /**
   * The whole document as one Yjs update, for a live editor to start from (audited read).
   * `subscribe` runs after the access check and before the read, so no change falls between the
   * state handed over and the live updates that follow (Yjs ignores one received twice).
   */
  async state(
    auth: AuthContext,
    clientId: string,
    subscribe: (clientId: string) => Promise<void>,
  ): Promise<{ clientId: string; update: Uint8Array }> {
    const grant = await this.require(auth, 'safety_plan.read', clientId);
    await subscribe(grant.clientId);
    const plan = await this.serialised(grant.clientId, () => this.caughtUp(grant.clientId));
    await this.recordRead(auth, grant, 'safety_plan.join', plan.seq);
    return { clientId: grant.clientId, update: Y.encodeStateAsUpdate(plan.doc) };
  }

  /** The plan in section order (audited read; `audit` names another action, such as a FHIR export). */
  async read(auth: AuthContext, clientId: string, audit?: ReadAudit): Promise<SafetyPlan> {
    const grant = await this.require(auth, 'safety_plan.read', clientId);
    const plan = await this.serialised(grant.clientId, () => this.caughtUp(grant.clientId));
    await this.audit.record(
      planAuditEntry(auth, grant, audit?.action ?? 'safety_plan.read', { count: plan.seq, ...audit?.details }),
    );
    return { clientId: grant.clientId, seq: plan.seq, sections: planToJson(plan.doc) };
  }

  /**
   * Applies an editor's update if the plan stays valid (`invalid` otherwise, nothing kept); the
   * answer comes after the commit, so an acknowledged change survives a restart.
   */
  async update(auth: AuthContext, clientId: string, update: Uint8Array): Promise<AcceptedUpdate> {
    // An editor's updates build on one another: they take their place in the plan's queue in the
    // order they arrive, before anything that waits on the database (the access check) could
    // let a later one overtake an earlier one, which would then be refused as depending on
    // changes not seen.
    return this.serialised(clientId.toLowerCase(), async () => {
      const grant = await this.require(auth, 'safety_plan.edit', clientId);
      const id = grant.clientId;
      // Catching up and sealing happen before the lock, so it is held briefly; keys are read here
      // too, outside the transaction (the embedded database has one connection).
      const plan = await this.caughtUp(id);
      const updateId = randomUUID();
      const updateSealed = await this.keyring.encryptForClient(id, Buffer.from(update), updateContext(updateId));
      const open = await this.keyring.openerFor(id);
      const accepted = await this.repository.lockedTransaction(id, async (manager) => {
        // Under the lock no other process can store a change: take the ones stored since (by
        // another process) and check against the plan as it now stands, so an editor is never
        // refused because others were busy.
        await this.history.catchUpWithin(manager, id, plan, open);
        // Checked again in the transaction: it waits for a revocation in flight, never overtakes it.
        if ((await this.access.uncovered(id, [auth.providerId], 'safety_plan', manager)).length > 0) {
          throw DomainException.notFound();
        }
        const next = checked(plan.doc, update);
        const sections = sectionsChanged(planToJson(plan.doc), planToJson(next));
        const seq = plan.seq + 1;
        await this.repository.insertUpdateWithin(manager, {
          id: updateId,
          clientId: id,
          seq,
          authorId: auth.providerId,
          createdAt: this.clock.now(),
          sections,
          updateSealed,
        });
        await this.audit.recordWithin(manager, planAuditEntry(auth, grant, 'safety_plan.update', { seq, sections }));
        return { clientId: id, seq, sections };
      });
      // Committed: now this process's copy may move on.
      Y.applyUpdate(plan.doc, update);
      plan.seq = accepted.seq;
      if (accepted.seq % SNAPSHOT_EVERY === 0) await this.snapshot(id, plan);
      return accepted;
    });
  }

  /** Compaction: loading reads the latest snapshot and only the updates after it. */
  private async snapshot(clientId: string, plan: LoadedPlan): Promise<void> {
    try {
      const state = Buffer.from(Y.encodeStateAsUpdate(plan.doc));
      await this.repository.insertSnapshot({
        clientId,
        seq: plan.seq,
        createdAt: this.clock.now(),
        stateSealed: await this.keyring.encryptForClient(clientId, state, snapshotContext(plan.seq)),
      });
    } catch (error) {
      // The change is stored either way; the next load reads a few more updates.
      this.logger.warn(
        { clientId, error: error instanceof Error ? error.name : 'unknown' },
        'plan snapshot not written',
      );
    }
  }

  /** Who changed which sections when, newest first, `before` a sequence for the next page. */
  async changes(
    auth: AuthContext,
    clientId: string,
    page: { before?: number; limit?: number },
  ): Promise<{ clientId: string; changes: PlanChange[]; nextBefore: number | null }> {
    const grant = await this.require(auth, 'safety_plan.read', clientId);
    const limit = Math.min(page.limit ?? 50, MAX_CHANGES_PAGE);
    const rows = await this.repository.changes(grant.clientId, page.before, limit);
    await this.recordRead(auth, grant, 'safety_plan.changes_read', rows.length);
    const changes = rows.map(({ seq, authorId, createdAt, sections }) => ({ seq, authorId, createdAt, sections }));
    return { clientId: grant.clientId, changes, nextBefore: rows.length === limit ? rows[rows.length - 1].seq : null };
  }

  /** The check live presence goes through: the caller may still read the plan. */
  async requireReader(auth: AuthContext, clientId: string): Promise<string> {
    return (await this.require(auth, 'safety_plan.read', clientId)).clientId;
  }

  private require(
    auth: AuthContext,
    permission: 'safety_plan.read' | 'safety_plan.edit',
    clientId: string,
  ): Promise<AccessGrant> {
    return requirePlanAccess(this.access, auth, permission, clientId);
  }

  private async recordRead(auth: AuthContext, grant: AccessGrant, action: string, count: number): Promise<void> {
    await this.audit.record(planAuditEntry(auth, grant, action, { count }));
  }

  /** The plan with every stored update applied (loaded on first use; other processes' updates read since). */
  private async caughtUp(clientId: string): Promise<LoadedPlan> {
    const cached = this.plans.get(clientId);
    const plan = cached ? await this.history.catchUp(clientId, cached) : await this.history.load(clientId);
    this.plans.delete(clientId);
    this.plans.set(clientId, plan);
    if (this.plans.size > CACHED_PLANS) {
      // Dropped, not destroyed: work in flight may still hold it.
      const [oldest] = this.plans.keys();
      this.plans.delete(oldest);
    }
    return plan;
  }

  private serialised<T>(clientId: string, work: () => Promise<T>): Promise<T> {
    const previous = this.queues.get(clientId) ?? Promise.resolve();
    const result = previous.then(work, work);
    const tail = result.catch(() => undefined);
    this.queues.set(clientId, tail);
    void tail.then(() => {
      if (this.queues.get(clientId) === tail) this.queues.delete(clientId);
    });
    return result;
  }
}

/** The plan with `update` applied, on a copy; `invalid` (naming where) if it would not be a valid plan. */
function checked(doc: Y.Doc, update: Uint8Array): Y.Doc {
  let next: Y.Doc;
  try {
    next = withUpdate(doc, update);
  } catch {
    throw DomainException.invalid('The update is not a well-formed Yjs update');
  }
  const problem = planProblem(next);
  if (problem)
    throw DomainException.invalid(`The update would make the plan invalid: ${problem.reason}`, { at: problem.at });
  return next;
}
