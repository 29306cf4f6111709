import type { AuthContext } from '@sharedcare/auth';
import type { AuditEntry } from './audit.service.js';

/** An audit entry for something the verified caller did, from where they did it. */
export function callerEntry(
  auth: AuthContext,
  entry: Omit<AuditEntry, 'actorId' | 'actorRole' | 'organisationId' | 'ip' | 'userAgent'>,
): AuditEntry {
  return {
    actorId: auth.providerId,
    actorRole: auth.role,
    organisationId: auth.organisationId,
    ip: auth.origin?.ip ?? 'unknown',
    userAgent: auth.origin?.userAgent ?? null,
    ...entry,
  };
}
