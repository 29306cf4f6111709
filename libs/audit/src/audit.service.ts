import { randomUUID } from 'node:crypto';
import { Injectable } from '@nestjs/common';
import { Clock, DomainException } from '@sharedcare/common';
import type { EntityManager } from 'typeorm';
import { assertAuditDetails } from './audit-details.js';
import { GENESIS_HASH, hashAuditRecord } from './audit-hash.js';
import { AUDIT_OUTCOMES, type AuditDetails, type AuditOutcome, AuditRecord } from './audit-record.entity.js';
import { AuditRepository } from './audit.repository.js';

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

/**
 * The audit trail (DESIGN.md, Security): append-only records, each carrying the SHA-256 of its
 * content and of the record before it, so an altered, removed or reordered record is found.
 * A chain alone cannot show that records were cut off its end; that needs the head hash kept
 * elsewhere.
 */
@Injectable()
export class AuditService {
  constructor(
    private readonly records: AuditRepository,
    private readonly clock: Clock,
  ) {}

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
      // Read under the chain lock, so time never runs backwards along the chain.
      const occurredAt = this.clock.now();
      let previous = head;
      return entries.map((entry, index) => {
        const record = Object.assign(new AuditRecord(), {
          id: ids[index],
          sequence: (previous?.sequence ?? 0) + 1,
          occurredAt,
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
          prevHash: previous?.hash ?? GENESIS_HASH,
        });
        record.hash = hashAuditRecord(record);
        previous = record;
        return record;
      });
    }, within);
  }

  /**
   * Appends one record inside the caller's transaction (an opaque handle from a repository), so a
   * crash can never leave the change without its record, nor the record without the change.
   */
  async recordWithin(within: EntityManager, entry: AuditEntry): Promise<AuditRecord> {
    const [record] = await this.recordAll([entry], within);
    return record;
  }

  /** One client's records, newest first (the access report reads these). */
  forClient(clientId: string, page: { before?: number; limit: number }): Promise<AuditRecord[]> {
    return this.records.forClient(clientId, page.before, page.limit);
  }

  /**
   * Walks the whole chain in pages: every sequence present from 1 without a gap, every record
   * pointing at its predecessor's hash, every hash matching the record's content. Names the
   * first record that fails.
   */
  async verify(pageSize = AUDIT_VERIFY_PAGE_SIZE): Promise<AuditVerification> {
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
