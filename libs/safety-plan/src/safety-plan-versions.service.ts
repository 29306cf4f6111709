import { randomUUID } from 'node:crypto';
import { Injectable } from '@nestjs/common';
import { AuditService } from '@sharedcare/audit';
import type { AuthContext } from '@sharedcare/auth';
import { Clock, DomainException } from '@sharedcare/common';
import { AccessService } from '@sharedcare/consent';
import { ClientKeyring } from '@sharedcare/crypto';
import * as Y from 'yjs';
import { planAuditEntry, requirePlanAccess } from './safety-plan-access.js';
import { comparePlans, type SectionComparison } from './safety-plan-compare.js';
import { createPlanDocument, type PlanSectionJson, planToJson } from './safety-plan-document.js';
import { PlanHistory } from './safety-plan-history.js';
import type { SafetyPlanVersion } from './safety-plan.entity.js';
import { SafetyPlanRepository } from './safety-plan.repository.js';

export const VERSION_LABEL_MAX = 200;
/** Named versions listed at once, newest first (a plan is reviewed now and then, not hourly). */
export const NAMED_VERSIONS_LISTED = 200;

const labelContext = (versionId: string) => `safety_plan.version_label:${versionId}`;
const stateContext = (versionId: string) => `safety_plan.version:${versionId}`;

export interface NamedVersion {
  id: string;
  clientId: string;
  /** The last change the version includes. */
  seq: number;
  label: string;
  authorId: string;
  createdAt: Date;
}

export interface NamedVersionPlan extends NamedVersion {
  sections: PlanSectionJson[];
}

/** A point in a plan's history: a named version, a change's sequence (0: the new plan), or now. */
export type PlanPoint = { versionId: string } | { seq: number } | 'current';

export interface PlanComparison {
  clientId: string;
  from: { seq: number; versionId: string | null };
  to: { seq: number; versionId: string | null };
  sections: SectionComparison[];
}

/**
 * Named versions of a client's safety plan ("reviewed with the client on ..."), read back and
 * compared section by section. Same access decision as the plan itself: `safety_plan.edit` to
 * name one, `safety_plan.read` for the rest; every call is audited.
 */
@Injectable()
export class SafetyPlanVersionsService {
  constructor(
    private readonly access: AccessService,
    private readonly repository: SafetyPlanRepository,
    private readonly history: PlanHistory,
    private readonly keyring: ClientKeyring,
    private readonly audit: AuditService,
    private readonly clock: Clock,
  ) {}

  /** Names the plan as it stands now; the label and the whole plan are stored sealed. */
  async name(auth: AuthContext, clientId: string, label: string): Promise<NamedVersion> {
    const grant = await requirePlanAccess(this.access, auth, 'safety_plan.edit', clientId);
    const text = label.trim();
    if (text.length === 0 || text.length > VERSION_LABEL_MAX) {
      throw DomainException.invalid('Request validation failed', [{ field: 'label', problems: ['length'] }]);
    }
    const plan = await this.history.load(grant.clientId);
    const id = randomUUID();
    // Sealed before the transaction: the embedded database has one connection, and the keyring may need it.
    const labelSealed = await this.keyring.encryptForClient(grant.clientId, Buffer.from(text), labelContext(id));
    const stateSealed = await this.keyring.encryptForClient(
      grant.clientId,
      Buffer.from(Y.encodeStateAsUpdate(plan.doc)),
      stateContext(id),
    );
    const version: SafetyPlanVersion = {
      id,
      clientId: grant.clientId,
      seq: plan.seq,
      authorId: auth.providerId,
      createdAt: this.clock.now(),
      labelSealed,
      stateSealed,
    };
    await this.repository.transaction(async (manager) => {
      await this.repository.insertVersionWithin(manager, version);
      await this.audit.recordWithin(
        manager,
        planAuditEntry(auth, grant, 'safety_plan.version_named', { versionId: id, seq: plan.seq }),
      );
    });
    return {
      id,
      clientId: grant.clientId,
      seq: plan.seq,
      label: text,
      authorId: auth.providerId,
      createdAt: version.createdAt,
    };
  }

  /** The plan's named versions, newest first. */
  async list(auth: AuthContext, clientId: string): Promise<{ clientId: string; versions: NamedVersion[] }> {
    const grant = await requirePlanAccess(this.access, auth, 'safety_plan.read', clientId);
    const rows = await this.repository.versions(grant.clientId, NAMED_VERSIONS_LISTED);
    const versions = await Promise.all(rows.map((row) => this.opened(row)));
    await this.audit.record(planAuditEntry(auth, grant, 'safety_plan.versions_read', { count: versions.length }));
    return { clientId: grant.clientId, versions };
  }

  /** One named version with the plan as it was; `not_found` for an id that is not one of this plan's. */
  async read(auth: AuthContext, clientId: string, versionId: string): Promise<NamedVersionPlan> {
    const grant = await requirePlanAccess(this.access, auth, 'safety_plan.read', clientId);
    const row = await this.repository.version(grant.clientId, versionId.toLowerCase());
    if (!row) throw DomainException.notFound();
    const version = await this.opened(row);
    const doc = await this.stateOf(row);
    await this.audit.record(
      planAuditEntry(auth, grant, 'safety_plan.version_read', { versionId: row.id, seq: row.seq }),
    );
    return { ...version, sections: planToJson(doc) };
  }

  /**
   * What changed between two points of the plan's history, section by section. A version id that
   * is not one of this plan's, or a sequence beyond the last change, is `invalid` (naming `from`
   * or `to`).
   */
  async compare(auth: AuthContext, clientId: string, from: PlanPoint, to: PlanPoint): Promise<PlanComparison> {
    const grant = await requirePlanAccess(this.access, auth, 'safety_plan.read', clientId);
    const before = await this.at(grant.clientId, from, 'from');
    const after = await this.at(grant.clientId, to, 'to');
    await this.audit.record(
      planAuditEntry(auth, grant, 'safety_plan.compared', { fromSeq: before.seq, toSeq: after.seq }),
    );
    return {
      clientId: grant.clientId,
      from: { seq: before.seq, versionId: before.versionId },
      to: { seq: after.seq, versionId: after.versionId },
      sections: comparePlans(before.doc, after.doc),
    };
  }

  private async at(
    clientId: string,
    point: PlanPoint,
    field: 'from' | 'to',
  ): Promise<{ doc: Y.Doc; seq: number; versionId: string | null }> {
    const unknown = (problem: string) =>
      DomainException.invalid('No such point in the plan’s history', [{ field, problems: [problem] }]);
    if (point === 'current') return { ...(await this.history.load(clientId)), versionId: null };
    if ('versionId' in point) {
      const row = await this.repository.version(clientId, point.versionId.toLowerCase());
      if (!row) throw unknown('unknownVersion');
      return { doc: await this.stateOf(row), seq: row.seq, versionId: row.id };
    }
    if (point.seq === 0) return { doc: createPlanDocument(), seq: 0, versionId: null };
    const plan = await this.history.load(clientId, point.seq);
    if (plan.seq !== point.seq) throw unknown('unknownSeq');
    return { ...plan, versionId: null };
  }

  private async opened(row: SafetyPlanVersion): Promise<NamedVersion> {
    const label = await this.keyring.decryptForClient(row.clientId, row.labelSealed, labelContext(row.id));
    return {
      id: row.id,
      clientId: row.clientId,
      seq: row.seq,
      label: label.toString('utf8'),
      authorId: row.authorId,
      createdAt: row.createdAt,
    };
  }

  private async stateOf(row: SafetyPlanVersion): Promise<Y.Doc> {
    const doc = new Y.Doc();
    Y.applyUpdate(doc, await this.keyring.decryptForClient(row.clientId, row.stateSealed, stateContext(row.id)));
    return doc;
  }
}
