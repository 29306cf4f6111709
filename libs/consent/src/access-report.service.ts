import { Injectable } from '@nestjs/common';
import { AuditService, callerEntry, type AuditRecord, type ReadAudit } from '@sharedcare/audit';
import type { AuthContext } from '@sharedcare/auth';
import { DirectoryService } from '@sharedcare/directory';
import { AccessService } from './access.service.js';

export type AccessReportEntry = Pick<
  AuditRecord,
  | 'sequence'
  | 'occurredAt'
  | 'actorId'
  | 'actorRole'
  | 'action'
  | 'resourceType'
  | 'resourceId'
  | 'category'
  | 'outcome'
> & { actorName: string | null };

export interface AccessReportPage {
  entries: AccessReportEntry[];
  /** Pass as `before` for the next (older) page; null at the start of the trail. */
  nextBefore: number | null;
}

/**
 * The accounting of disclosures (issue 3): every audited access to one client's information,
 * newest first, for the care team, the consent recipients and the organisation's admins.
 */
@Injectable()
export class AccessReportService {
  constructor(
    private readonly access: AccessService,
    private readonly audit: AuditService,
    private readonly directory: DirectoryService,
  ) {}

  async report(
    auth: AuthContext,
    clientId: string,
    page: { before?: number; limit: number },
    as?: ReadAudit,
  ): Promise<AccessReportPage> {
    const [grant] = (
      await this.access.requireAccess({ auth, permission: 'client.access_report', ids: [clientId] })
    ).values();
    const client = grant.clientId;
    const records = await this.audit.forClient(client, page);
    // A consent recipient sees what touched the categories they may know of, never that records
    // of other categories (substance use above all, 42 CFR Part 2) exist.
    const shown =
      grant.basis === 'consent'
        ? records.filter((record) => record.category === null || grant.categories.includes(record.category))
        : records;
    const actors = await this.directory.inOrganisation(auth.organisationId, [...new Set(shown.map((r) => r.actorId))]);
    const names = new Map(actors.map((actor) => [actor.id, actor.displayName]));
    const entries = shown.map((record) => ({
      sequence: record.sequence,
      occurredAt: record.occurredAt,
      actorId: record.actorId,
      actorRole: record.actorRole,
      action: record.action,
      resourceType: record.resourceType,
      resourceId: record.resourceId,
      category: record.category,
      outcome: record.outcome,
      actorName: names.get(record.actorId) ?? null,
    }));
    await this.audit.record(
      callerEntry(auth, {
        action: as?.action ?? 'access_report.read',
        resourceType: 'client',
        resourceId: client,
        clientId: client,
        outcome: 'success',
        ...(as?.details ? { details: { count: entries.length, ...as.details } } : {}),
      }),
    );
    return {
      entries,
      nextBefore: records.length === page.limit ? records[records.length - 1].sequence : null,
    };
  }
}
