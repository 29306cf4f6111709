import { createHash } from 'node:crypto';
import type { AuditDetails, AuditRecord } from './audit-record.entity.js';

/** The prevHash of record 1. */
export const GENESIS_HASH = '0'.repeat(64);

/** Names the serialisation, so a future format change cannot be mistaken for tampering. */
const FORMAT = 'sharedcare.audit.v1';

/** Everything the hash covers: the record minus its own hash. */
export type AuditHashInput = Omit<AuditRecord, 'hash'>;

/** JSON with object keys sorted at every level: jsonb does not keep the order they were written in. */
export function canonicalJson(value: unknown): string {
  if (Array.isArray(value)) return `[${value.map(canonicalJson).join(',')}]`;
  if (value !== null && typeof value === 'object') {
    const entries = Object.keys(value)
      .sort()
      .map((key) => `${JSON.stringify(key)}:${canonicalJson((value as Record<string, unknown>)[key])}`);
    return `{${entries.join(',')}}`;
  }
  return JSON.stringify(value ?? null);
}

/**
 * The canonical serialisation: a JSON array of the content fields in a fixed order, so no two
 * different records serialise alike (every string is quoted and escaped, every field has a
 * place, absent values are `null`).
 */
export function canonicalAuditRecord(record: AuditHashInput): string {
  return JSON.stringify([
    FORMAT,
    record.id,
    record.sequence,
    record.occurredAt.toISOString(),
    record.actorId,
    record.actorRole,
    record.organisationId,
    record.action,
    record.resourceType,
    record.resourceId,
    record.clientId ?? null,
    record.category ?? null,
    record.outcome,
    record.ip,
    record.userAgent ?? null,
    canonicalJson(record.details satisfies AuditDetails),
    record.prevHash,
  ]);
}

/** SHA-256 (hex) over the canonical serialisation, which includes the previous record's hash. */
export function hashAuditRecord(record: AuditHashInput): string {
  return createHash('sha256').update(canonicalAuditRecord(record), 'utf8').digest('hex');
}
