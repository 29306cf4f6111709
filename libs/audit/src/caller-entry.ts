import type { AuthContext } from '@sharedcare/auth';
import type { AuditDetails } from './audit-record.entity.js';
import type { AuditEntry } from './audit.service.js';

/** How a read is recorded when it is not the plain API read (a FHIR export): its action, and details added. */
export interface ReadAudit {
  action: string;
  details?: AuditDetails;
}

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
