import { type AuditDetails, type AuditEntry, callerEntry } from '@sharedcare/audit';
import type { AuthContext } from '@sharedcare/auth';
import type { AccessGrant, AccessService } from '@sharedcare/consent';

/** The one access decision for a plan (the safety_plan category); `not_found` otherwise. */
export async function requirePlanAccess(
  access: AccessService,
  auth: AuthContext,
  permission: 'safety_plan.read' | 'safety_plan.edit',
  clientId: string,
): Promise<AccessGrant> {
  const [grant] = (await access.requireAccess({ auth, permission, ids: [clientId], category: 'safety_plan' })).values();
  return grant;
}

/** The audit record of something done to a client's plan (ids and counts only, never its text). */
export function planAuditEntry(
  auth: AuthContext,
  grant: AccessGrant,
  action: string,
  details: AuditDetails,
): AuditEntry {
  return callerEntry(auth, {
    action,
    resourceType: 'client',
    resourceId: grant.clientId,
    clientId: grant.clientId,
    category: 'safety_plan',
    outcome: 'success',
    details: { basis: grant.basis, ...details },
  });
}
