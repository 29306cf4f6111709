import { Injectable } from '@nestjs/common';
import { AuditService, callerEntry } from '@sharedcare/audit';
import { type AuthContext, type Permission, RefusalRecorder } from '@sharedcare/auth';

/**
 * Every refused request is audited (issue 3): the guard's role refusals here, the per-record
 * refusals by AccessService. The resource is the permission asked for: the guard refuses before
 * any id is read.
 */
@Injectable()
export class AuditedRefusals extends RefusalRecorder {
  constructor(private readonly audit: AuditService) {
    super();
  }

  async refused(auth: AuthContext, permission: Permission): Promise<void> {
    await this.audit.record(
      callerEntry(auth, {
        action: 'access.refused',
        resourceType: 'permission',
        resourceId: permission,
        outcome: 'refused',
        details: { permission, reason: 'role' },
      }),
    );
  }
}
