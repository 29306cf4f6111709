import { Injectable } from '@nestjs/common';
import type { Bundle, Resource } from '@medplum/fhirtypes';
import { AuditService, callerEntry, type ReadAudit } from '@sharedcare/audit';
import type { AuthContext } from '@sharedcare/auth';
import { Clock } from '@sharedcare/common';
import { AccessReportService, AccessService, type AccessGrant, ConsentsService } from '@sharedcare/consent';
import { isReferralOpening, ReferralsRepository, type ReferralBody, SENDABLE_KINDS } from '@sharedcare/consult';
import { SafetyPlanService } from '@sharedcare/safety-plan';
import { CareRecordService } from './care-record.service.js';
import { ClientMessages } from './client-messages.js';
import {
  auditEventResource,
  carePlanResource,
  communicationResource,
  consentResource,
  medicationStatementResource,
  observationResource,
  searchset,
  serviceRequestResource,
} from './fhir-resources.js';

/** The resource types the export serves. */
export const FHIR_RESOURCE_TYPES = [
  'AuditEvent',
  'CarePlan',
  'Communication',
  'Consent',
  'MedicationStatement',
  'Observation',
  'ServiceRequest',
] as const;
export type FhirResourceType = (typeof FHIR_RESOURCE_TYPES)[number];

/** The newest audit records an AuditEvent export carries (older ones: the paged access report). */
export const AUDIT_EVENT_EXPORT_MAX = 1000;

const exported = (resourceType: FhirResourceType): ReadAudit => ({
  action: 'fhir.export',
  details: { resourceType },
});

/**
 * The FHIR R4 export of one client (issue 5): each resource type under exactly the rule of the API
 * it mirrors, by calling the same service methods (consents, access report, medication list,
 * measures) or the same reading of messages; each export is one audit record, `fhir.export`.
 */
@Injectable()
export class FhirExportService {
  constructor(
    private readonly access: AccessService,
    private readonly messages: ClientMessages,
    private readonly referrals: ReferralsRepository,
    private readonly careRecord: CareRecordService,
    private readonly consentRecords: ConsentsService,
    private readonly accessReport: AccessReportService,
    private readonly safetyPlan: SafetyPlanService,
    private readonly audit: AuditService,
    private readonly clock: Clock,
  ) {}

  async consents(auth: AuthContext, clientId: string): Promise<Bundle> {
    const consents = await this.consentRecords.list(auth, clientId, exported('Consent'));
    return this.bundle(consents.map(consentResource));
  }

  /** The safety plan as it stands, under the plan's own rule (the safety_plan category). */
  async carePlans(auth: AuthContext, clientId: string): Promise<Bundle> {
    const plan = await this.safetyPlan.read(auth, clientId, exported('CarePlan'));
    return this.bundle([carePlanResource(plan)]);
  }

  async medicationStatements(auth: AuthContext, clientId: string): Promise<Bundle> {
    const list = await this.careRecord.medications(auth, clientId, exported('MedicationStatement'));
    return this.bundle(list.medications.map((entry) => medicationStatementResource(list.clientId, entry)));
  }

  async observations(auth: AuthContext, clientId: string): Promise<Bundle> {
    const measures = await this.careRecord.measures(auth, clientId, exported('Observation'));
    const points = measures.series.flatMap((series) => series.points);
    return this.bundle(points.map((point) => observationResource(measures.clientId, point)));
  }

  /** The accounting of disclosures, for the access report's audience and under its Part 2 scoping. */
  async auditEvents(auth: AuthContext, clientId: string): Promise<Bundle> {
    const report = await this.accessReport.report(
      auth,
      clientId,
      { limit: AUDIT_EVENT_EXPORT_MAX },
      exported('AuditEvent'),
    );
    return this.bundle(report.entries.map((entry) => auditEventResource(clientId.toLowerCase(), entry)));
  }

  /**
   * The messages the caller reads, as in the thread history, except that a message outside their
   * consent's categories is left out rather than withheld, and an amended original is left out for
   * its amendment. Thread notices (`system`) are the service's, not a communication: left out.
   */
  async communications(auth: AuthContext, clientId: string): Promise<Bundle> {
    const grant = await this.requireMessages(auth, clientId);
    const readable = (await this.messages.readable(auth, grant, SENDABLE_KINDS)).filter(
      ({ message }) => message.state !== 'amended',
    );
    await this.record(
      auth,
      grant,
      'Communication',
      readable.map(({ message }) => message.category),
    );
    return this.bundle(readable.map(({ view }) => communicationResource(view)));
  }

  /** The referrals the caller reads, as GET /api/threads/:threadId/referrals shows them, across threads. */
  async serviceRequests(auth: AuthContext, clientId: string): Promise<Bundle> {
    const grant = await this.requireMessages(auth, clientId);
    const openings = (await this.messages.readable(auth, grant, ['referral'])).filter(({ view }) =>
      isReferralOpening(view.body as ReferralBody),
    );
    const statuses = await this.referrals.statuses(openings.map(({ message }) => message.id));
    const shown = openings.filter(({ message }) => statuses.has(message.id));
    await this.record(
      auth,
      grant,
      'ServiceRequest',
      shown.map(({ message }) => message.category),
    );
    return this.bundle(shown.map(({ view }) => serviceRequestResource(view, statuses.get(view.messageId)!)));
  }

  private async requireMessages(auth: AuthContext, clientId: string): Promise<AccessGrant> {
    const [grant] = (
      await this.access.requireAccess({ auth, permission: 'client.messages', ids: [clientId] })
    ).values();
    return grant;
  }

  private async record(
    auth: AuthContext,
    grant: AccessGrant,
    resourceType: FhirResourceType,
    categories: string[],
  ): Promise<void> {
    const disclosed = [...new Set(categories)].sort();
    await this.audit.record(
      callerEntry(auth, {
        ...exported(resourceType),
        resourceType: 'client',
        resourceId: grant.clientId,
        clientId: grant.clientId,
        category: disclosed.includes('substance_use') ? 'substance_use' : null,
        outcome: 'success',
        details: { basis: grant.basis, count: categories.length, categories: disclosed, resourceType },
      }),
    );
  }

  private bundle(resources: Resource[]): Bundle {
    return searchset(resources, this.clock.now());
  }
}
