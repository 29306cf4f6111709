import { DomainException } from '@sharedcare/common';
import type { AuditDetails } from './audit-record.entity.js';

const KEY = /^[a-z][a-zA-Z0-9_]{0,63}$/;
/**
 * An id or a code: letters, digits and `.`, `_`, `:`, `-`, at most 128 characters. No spaces, so
 * no sentence (and so no clinical text) fits.
 */
const ID_OR_CODE = /^[A-Za-z0-9._:-]{1,128}$/;
const MAX_KEYS = 20;
const MAX_LIST = 50;

function problemWith(key: string, value: unknown): string | undefined {
  if (!KEY.test(key)) return `details key "${key.slice(0, 64)}" must be a camelCase name`;
  if (value === null || typeof value === 'boolean') return undefined;
  if (typeof value === 'number') return Number.isSafeInteger(value) ? undefined : `details.${key} must be an integer`;
  if (typeof value === 'string') return ID_OR_CODE.test(value) ? undefined : `details.${key} must be an id or a code`;
  if (Array.isArray(value)) {
    if (value.length > MAX_LIST) return `details.${key} holds more than ${MAX_LIST} entries`;
    return value.every((entry) => typeof entry === 'string' && ID_OR_CODE.test(entry))
      ? undefined
      : `details.${key} must list ids or codes`;
  }
  return `details.${key} must be an id, a code, an integer, a boolean or a list of ids`;
}

/**
 * The guard that keeps clinical text out of the audit trail: `details` is a flat object of ids,
 * codes, integers, booleans and short lists of ids. Throws `invalid` naming the first offending
 * key (never echoing its value).
 */
export function assertAuditDetails(details: unknown): asserts details is AuditDetails {
  if (details === null || typeof details !== 'object' || Array.isArray(details)) {
    throw DomainException.invalid('Audit details must be an object');
  }
  if (Object.getPrototypeOf(details) !== Object.prototype) {
    throw DomainException.invalid('Audit details must be a plain object');
  }
  const entries = Object.entries(details);
  if (entries.length > MAX_KEYS) throw DomainException.invalid(`Audit details hold more than ${MAX_KEYS} keys`);
  for (const [key, value] of entries) {
    const problem = problemWith(key, value);
    if (problem) throw DomainException.invalid(`Audit ${problem}`);
  }
}
