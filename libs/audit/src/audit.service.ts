import { randomUUID } from 'node:crypto';
import { type BeforeApplicationShutdown, Injectable, Logger, type OnModuleInit } from '@nestjs/common';
import { Clock, DomainException } from '@sharedcare/common';
import type { EntityManager } from 'typeorm';
import { assertAuditDetails } from './audit-details.js';
import { GENESIS_HASH, hashAuditRecord } from './audit-hash.js';
import {
  AUDIT_OUTCOMES,
  type AuditContent,
  type AuditDetails,
  type AuditOutcome,
  AuditPending,
  AuditRecord,
} from './audit-record.entity.js';
import { type AuditChainHead, AuditRepository } from './audit.repository.js';

/** What a caller says about an event; the id, time, sequence and hashes are the service's. */
export interface AuditEntry {
  actorId: string;
  actorRole: string;
  organisationId: string;
  /** Dotted, lower case: `client.read`, `access.refused`. */
  action: string;
  resourceType: string;
  resourceId: string;
  clientId?: string | null;
  category?: string | null;
  outcome: AuditOutcome;
  ip: string;
  userAgent?: string | null;
  /** Ids, codes, integers and booleans only: never clinical text (see assertAuditDetails). */
  details?: AuditDetails;
}

export type AuditVerification =
  { ok: true; count: number } | { ok: false; count: number; firstBrokenSequence: number; reason: AuditBreak };

/** Why a record breaks the chain. */
export type AuditBreak = 'missing_record' | 'prev_hash_mismatch' | 'hash_mismatch';

const ACTION = /^[a-z][a-z_]*(\.[a-z][a-z_]*)+$/;
const CODE = /^[a-z][a-z0-9_]{0,63}$/;
const USER_AGENT_MAX = 512;
/** Pending records linked per transaction, at most. */
export const AUDIT_LINK_BATCH = 500;
/**
 * How long records wait to be linked after their transaction commits, at most (but for a read of
 * the trail, which links first): under load, the records of the batches committed meanwhile go
 * into the chain together, with one lock of its head.
 */
const AUDIT_LINK_DELAY_MS = 50;
/** How often each process links what others left pending (a process that stopped before linking). */
const AUDIT_SWEEP_MS = 1_000;
/** Records read per query while verifying: the chain is walked, never loaded whole. */
export const AUDIT_VERIFY_PAGE_SIZE = 500;

function checkEntry(entry: AuditEntry): void {
  assertAuditDetails(entry.details ?? {});
  if (!ACTION.test(entry.action) || entry.action.length > 64) {
    throw DomainException.invalid('Audit action must be dotted, like client.read');
  }
  if (!(AUDIT_OUTCOMES as readonly string[]).includes(entry.outcome)) {
    throw DomainException.invalid('Audit outcome must be success, refused or failure');
  }
  if (!CODE.test(entry.resourceType)) throw DomainException.invalid('Audit resource type must be a code');
  if (entry.category != null && !CODE.test(entry.category)) {
    throw DomainException.invalid('Audit category must be a code');
  }
}

/** An entry's content as stored. */
function content(entry: AuditEntry): Omit<AuditContent, 'occurredAt'> {
  return {
    actorId: entry.actorId,
    actorRole: entry.actorRole,
    organisationId: entry.organisationId,
    action: entry.action,
    resourceType: entry.resourceType,
    resourceId: entry.resourceId,
    clientId: entry.clientId ?? null,
    category: entry.category ?? null,
    outcome: entry.outcome,
    ip: entry.ip,
    userAgent: entry.userAgent ? entry.userAgent.slice(0, USER_AGENT_MAX) : null,
    details: entry.details ?? {},
  };
}

/** Records in the order given, each linked to the one before, the first to `head`. */
function linked(
  head: AuditChainHead | null,
  contents: readonly (AuditContent & { id: string; position?: string })[],
): AuditRecord[] {
  let previous = head;
  // A pending record's place in the queue is not part of the record.
  return contents.map(({ position: _position, ...content }) => {
    const record = Object.assign(new AuditRecord(), {
      ...content,
      sequence: (previous?.sequence ?? 0) + 1,
      prevHash: previous?.hash ?? GENESIS_HASH,
    });
    record.hash = hashAuditRecord(record);
    previous = record;
    return record;
  });
}

/**
 * The audit trail (DESIGN.md, Security): append-only records, each carrying the SHA-256 of its
 * content and of the record before it, so an altered, removed or reordered record is found.
 * A chain alone cannot show that records were cut off its end; that needs the head hash kept
 * elsewhere.
 */
@Injectable()
export class AuditService implements OnModuleInit, BeforeApplicationShutdown {
  private readonly logger = new Logger(AuditService.name);
  /** The linking pass under way, and the one to start after it. */
  private linking: Promise<void> | null = null;
  private queued: Promise<void> | null = null;
  /** Set at shutdown: no more background linking (the pool is about to close). */
  private stopped = false;
  private sweep?: NodeJS.Timeout;
  private linkTimer?: NodeJS.Timeout;

  constructor(
    private readonly records: AuditRepository,
    private readonly clock: Clock,
  ) {}

  /** Links, every second, records another process wrote and did not link (it stopped first). */
  onModuleInit(): void {
    this.sweep = setInterval(() => {
      this.records.hasPending().then(
        (waiting) => waiting && this.linkSoon(),
        (error: unknown) => this.linkFailed(error),
      );
    }, AUDIT_SWEEP_MS);
    this.sweep.unref();
  }

  /** Leaves nothing of this process's pending at a clean stop. */
  async beforeApplicationShutdown(): Promise<void> {
    this.stopped = true;
    clearInterval(this.sweep);
    clearTimeout(this.linkTimer);
    this.linkTimer = undefined;
    await this.linkPending().catch((error: unknown) => this.linkFailed(error));
  }

  private linkFailed(error: unknown): void {
    // PostgreSQL's error code only: a driver message can quote the values it was given.
    const driverError = (error as { driverError?: { code?: unknown } }).driverError ?? error;
    this.logger.warn(
      { sqlState: (driverError as { code?: unknown }).code ?? 'unknown' },
      'could not link pending audit records; the next link or sweep retries',
    );
  }

  /** Appends one record to the chain and returns it. Refuses (`invalid`) a malformed entry. */
  async record(entry: AuditEntry): Promise<AuditRecord> {
    const [record] = await this.recordAll([entry]);
    return record;
  }

  /**
   * Appends several records in one transaction, in order (a list read, a refusal of several ids).
   * Refuses (`invalid`) the whole batch, writing nothing, if any entry is malformed.
   */
  async recordAll(entries: readonly AuditEntry[], within?: EntityManager): Promise<AuditRecord[]> {
    for (const entry of entries) checkEntry(entry);
    if (entries.length === 0) return [];
    const ids = entries.map(() => randomUUID());
    return this.records.append((head) => {
      // Read under the chain lock, so time never runs backwards along records appended this way.
      const occurredAt = this.clock.now();
      return linked(
        head,
        entries.map((entry, index) => ({ id: ids[index], occurredAt, ...content(entry) })),
      );
    }, within);
  }

  /**
   * Writes records in the caller's transaction, so they commit (or roll back) with the change they
   * record, without taking the chain's lock there: they wait in AuditPending and are linked, in
   * the order they are found committed, by one transaction for many of them (call {@link linkSoon} once
   * the caller's transaction has committed). For the hot path (message sends), where every
   * transaction taking the chain's lock until its commit made concurrent sends wait for each
   * other. Reads of the trail link first, so they never miss a record. `occurredAt` is when the
   * change happened; the chain's order is the order of linking, so the times of concurrent
   * changes can interleave along it by milliseconds. Refuses (`invalid`) the whole batch, writing
   * nothing, if any entry is malformed.
   */
  async recordLater(entries: readonly AuditEntry[], within: EntityManager): Promise<void> {
    for (const entry of entries) checkEntry(entry);
    if (entries.length === 0) return;
    const occurredAt = this.clock.now();
    await this.records.enqueueWithin(
      within,
      entries.map((entry) => Object.assign(new AuditPending(), { id: randomUUID(), occurredAt, ...content(entry) })),
    );
  }

  /**
   * Links every pending record (see {@link recordLater}): resolves once those committed before the
   * call are in the chain. A call made while a linking pass runs waits for that pass and for one
   * more, started after it (which all such calls share): never for more, however busy the sends.
   */
  linkPending(): Promise<void> {
    if (!this.linking) return this.startPass();
    this.queued ??= this.linking
      .catch(() => undefined)
      .then(() => {
        this.queued = null;
        return this.startPass();
      });
    return this.queued;
  }

  private startPass(): Promise<void> {
    const pass = this.linkAll().finally(() => {
      if (this.linking === pass) this.linking = null;
    });
    this.linking = pass;
    return pass;
  }

  private async linkAll(): Promise<void> {
    while ((await this.records.linkPending(linked, AUDIT_LINK_BATCH)) === AUDIT_LINK_BATCH);
  }

  /**
   * Links pending records in the background, after a transaction that wrote some has committed:
   * within AUDIT_LINK_DELAY_MS, so that under load one linking transaction takes the records of
   * many. A failure (the database unreachable) is logged and left to the next call or the sweep.
   */
  linkSoon(): void {
    if (this.linkTimer || this.stopped) return;
    this.linkTimer = setTimeout(() => {
      this.linkTimer = undefined;
      this.linkPending().catch((error: unknown) => this.linkFailed(error));
    }, AUDIT_LINK_DELAY_MS);
  }

  /**
   * Appends one record inside the caller's transaction (an opaque handle from a repository), so a
   * crash can never leave the change without its record, nor the record without the change.
   */
  async recordWithin(within: EntityManager, entry: AuditEntry): Promise<AuditRecord> {
    const [record] = await this.recordAll([entry], within);
    return record;
  }

  /** One client's records, newest first (the access report reads these), pending ones linked first. */
  async forClient(clientId: string, page: { before?: number; limit: number }): Promise<AuditRecord[]> {
    await this.linkPending();
    return this.records.forClient(clientId, page.before, page.limit);
  }

  /**
   * Walks the whole chain in pages: every sequence present from 1 without a gap, every record
   * pointing at its predecessor's hash, every hash matching the record's content. Names the
   * first record that fails.
   */
  async verify(pageSize = AUDIT_VERIFY_PAGE_SIZE): Promise<AuditVerification> {
    await this.linkPending();
    let count = 0;
    let previousHash = GENESIS_HASH;
    for (;;) {
      const page = await this.records.page(count, pageSize);
      for (const record of page) {
        const expected = count + 1;
        const broken = (reason: AuditBreak, sequence: number): AuditVerification => ({
          ok: false,
          count,
          firstBrokenSequence: sequence,
          reason,
        });
        if (record.sequence !== expected) return broken('missing_record', expected);
        if (record.prevHash !== previousHash) return broken('prev_hash_mismatch', expected);
        if (hashAuditRecord(record) !== record.hash) return broken('hash_mismatch', expected);
        previousHash = record.hash;
        count = expected;
      }
      if (page.length < pageSize) return { ok: true, count };
    }
  }
}
