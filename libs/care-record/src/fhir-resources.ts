import type {
  AuditEvent,
  Bundle,
  CarePlan,
  Coding,
  Communication,
  Consent,
  Meta,
  MedicationStatement,
  Observation,
  OperationOutcome,
  Patient,
  Practitioner,
  Reference,
  Resource,
  ServiceRequest,
} from '@medplum/fhirtypes';
import type { ErrorCode } from '@sharedcare/common';
import type { AccessReportEntry, ConsentView } from '@sharedcare/consent';
import type { Instrument, MessageView, ReferralBody, ReferralStatus } from '@sharedcare/consult';
import type { PlanItem, SafetyPlan } from '@sharedcare/safety-plan';
import type { MeasurePoint } from './measures.js';
import type { MedicationListEntry } from './medication-list.js';

/**
 * FHIR R4 shapes of the care record (issue 5), pure mappings. Types only from @medplum/fhirtypes:
 * nothing here needs a FHIR library at run time. Local code systems are URNs under
 * `urn:sharedcare:` until the organisation publishes canonical URLs of its own.
 */
export const FHIR_SYSTEMS = {
  loinc: 'http://loinc.org',
  rxnorm: 'http://www.nlm.nih.gov/research/umls/rxnorm',
  actCode: 'http://terminology.hl7.org/CodeSystem/v3-ActCode',
  actReason: 'http://terminology.hl7.org/CodeSystem/v3-ActReason',
  confidentiality: 'http://terminology.hl7.org/CodeSystem/v3-Confidentiality',
  participationType: 'http://terminology.hl7.org/CodeSystem/v3-ParticipationType',
  consentScope: 'http://terminology.hl7.org/CodeSystem/consentscope',
  observationCategory: 'http://terminology.hl7.org/CodeSystem/observation-category',
  auditEventType: 'http://terminology.hl7.org/CodeSystem/audit-event-type',
  snomed: 'http://snomed.info/sct',
  /** Our stable error codes (`not_found`, `invalid`, ...) in OperationOutcome.issue.details. */
  errorCode: 'urn:sharedcare:code-system:error-code',
  messageKind: 'urn:sharedcare:code-system:message-kind',
  consentCategory: 'urn:sharedcare:code-system:consent-category',
  referralReason: 'urn:sharedcare:code-system:referral-reason',
  measure: 'urn:sharedcare:code-system:measure',
  auditAction: 'urn:sharedcare:code-system:audit-action',
  messageId: 'urn:sharedcare:identifier:message',
  carePlanCategory: 'urn:sharedcare:code-system:care-plan-category',
  safetyPlanStep: 'urn:sharedcare:code-system:safety-plan-step',
} as const;

/**
 * 42 CFR Part 2 (DS4P): the Part 2 policy, restricted confidentiality, and the prohibition on
 * redisclosure without consent (the coded form of the 42 CFR 2.32 notice).
 */
export const PART2_SECURITY: Coding[] = [
  { system: FHIR_SYSTEMS.actCode, code: '42CFRPart2', display: '42 CFR Part2' },
  { system: FHIR_SYSTEMS.confidentiality, code: 'R', display: 'restricted' },
  { system: FHIR_SYSTEMS.actCode, code: 'NORDSCLCD', display: 'no redisclosure without consent directive' },
];

/**
 * LOINC for the screener totals. The C-SSRS screener has none: its score here is the number of
 * yes answers to the six screening questions, which LOINC does not define (its C-SSRS terms are the
 * full scale's panels and single questions), so it carries a local code.
 */
export const INSTRUMENT_CODES: Record<Instrument, Coding> = {
  'PHQ-9': {
    system: FHIR_SYSTEMS.loinc,
    code: '44261-6',
    display: 'Patient Health Questionnaire 9 item (PHQ-9) total score [Reported]',
  },
  'GAD-7': {
    system: FHIR_SYSTEMS.loinc,
    code: '70274-6',
    display: 'Generalized anxiety disorder 7 item (GAD-7) total score [Reported.PHQ]',
  },
  'C-SSRS': {
    system: FHIR_SYSTEMS.measure,
    code: 'c-ssrs-screener-yes-count',
    display: 'C-SSRS screener: questions answered yes',
  },
};

const patient = (clientId: string): Reference<Patient> => ({ reference: `Patient/${clientId}` });
const practitioner = (providerId: string): Reference<Practitioner> => ({ reference: `Practitioner/${providerId}` });
const communication = (messageId: string): Reference<Communication> => ({ reference: `Communication/${messageId}` });
const disclosedUnder = (categories: readonly string[]): Meta | undefined =>
  categories.includes('substance_use') ? { security: PART2_SECURITY } : undefined;
const withMeta = <T extends Resource>(resource: T, meta: Meta | undefined): T =>
  meta ? { ...resource, meta } : resource;

export function searchset(resources: readonly Resource[], now: Date): Bundle {
  return {
    resourceType: 'Bundle',
    type: 'searchset',
    timestamp: now.toISOString(),
    total: resources.length,
    entry: resources.map((resource) => ({ resource, search: { mode: 'match' } })),
  };
}

const ISSUE_TYPES: Record<ErrorCode, OperationOutcome['issue'][number]['code']> = {
  unauthenticated: 'login',
  not_found: 'not-found',
  invalid: 'invalid',
  consent_required: 'forbidden',
  conflict: 'conflict',
  rate_limited: 'throttled',
  unavailable: 'transient',
  internal: 'exception',
};

/**
 * A refusal as FHIR: the issue type FHIR knows, and our stable code in `details.coding` (system
 * FHIR_SYSTEMS.errorCode), so a client branches on the same code as on the REST API.
 */
export function operationOutcome(
  code: ErrorCode,
  message: string,
  options: { fields?: string[]; issueType?: OperationOutcome['issue'][number]['code'] } = {},
): OperationOutcome {
  return {
    resourceType: 'OperationOutcome',
    issue: [
      {
        severity: 'error',
        code: options.issueType ?? ISSUE_TYPES[code],
        details: { coding: [{ system: FHIR_SYSTEMS.errorCode, code }], text: message },
        ...(options.fields && options.fields.length > 0 ? { expression: options.fields } : {}),
      },
    ],
  };
}

const CONSENT_PURPOSES: Record<string, Coding> = {
  treatment: { system: FHIR_SYSTEMS.actReason, code: 'TREAT', display: 'treatment' },
  care_coordination: { system: FHIR_SYSTEMS.actReason, code: 'CAREMGT', display: 'care management' },
  payment: { system: FHIR_SYSTEMS.actReason, code: 'HPAYMT', display: 'healthcare payment' },
  healthcare_operations: { system: FHIR_SYSTEMS.actReason, code: 'HOPERAT', display: 'healthcare operations' },
};

export function consentResource(consent: ConsentView): Consent {
  return withMeta(
    {
      resourceType: 'Consent',
      id: consent.consentId,
      status: consent.status === 'active' ? 'active' : 'inactive',
      scope: { coding: [{ system: FHIR_SYSTEMS.consentScope, code: 'patient-privacy' }] },
      category: [{ coding: [{ system: FHIR_SYSTEMS.loinc, code: '59284-0', display: 'Patient Consent' }] }],
      patient: patient(consent.clientId),
      dateTime: consent.createdAt.toISOString(),
      performer: [{ display: consent.attestation.signerName }],
      policyRule: { coding: [{ system: FHIR_SYSTEMS.actCode, code: 'OPTIN', display: 'opt-in' }] },
      provision: {
        type: 'permit',
        period: {
          start: consent.effectiveFrom.toISOString(),
          end: (consent.revokedAt ?? consent.expiresAt).toISOString(),
        },
        actor: consent.recipientIds.map((providerId) => ({
          role: { coding: [{ system: FHIR_SYSTEMS.participationType, code: 'IRCP' }] },
          reference: practitioner(providerId),
        })),
        purpose: [CONSENT_PURPOSES[consent.purpose]],
        code: consent.categories.map((category) => ({
          coding: [{ system: FHIR_SYSTEMS.consentCategory, code: category }],
        })),
      },
    },
    disclosedUnder(consent.categories),
  );
}

/** A consult message; its body travels as its JSON (notes as their text). */
export function communicationResource(view: MessageView): Communication {
  const body = view.body as unknown as Record<string, unknown>;
  const text = view.kind === 'note' ? String(body.text) : JSON.stringify(body);
  return withMeta(
    {
      resourceType: 'Communication',
      id: view.messageId,
      identifier: [{ system: FHIR_SYSTEMS.messageId, value: view.messageId }],
      status: view.state === 'entered_in_error' ? 'entered-in-error' : 'completed',
      category: [{ coding: [{ system: FHIR_SYSTEMS.messageKind, code: view.kind }] }],
      priority: view.priority ? 'urgent' : 'routine',
      subject: patient(view.clientId),
      sent: view.createdAt.toISOString(),
      sender: practitioner(view.senderId),
      ...(view.amendsMessageId ? { inResponseTo: [communication(view.amendsMessageId)] } : {}),
      payload: [{ contentString: text }],
    },
    disclosedUnder([view.category]),
  );
}

const MEDICATION_STATUS = { active: 'active', stopped: 'stopped', on_hold: 'on-hold' } as const;

export function medicationStatementResource(clientId: string, entry: MedicationListEntry): MedicationStatement {
  const first = entry.history[0];
  const dosageText = [entry.dose && `${entry.dose.value} ${entry.dose.unit}`, entry.frequency, entry.route].filter(
    Boolean,
  );
  return withMeta(
    {
      resourceType: 'MedicationStatement',
      id: first.originalMessageId,
      status: MEDICATION_STATUS[entry.status],
      medicationCodeableConcept: {
        ...(entry.rxnormCode ? { coding: [{ system: FHIR_SYSTEMS.rxnorm, code: entry.rxnormCode }] } : {}),
        text: entry.name,
      },
      subject: patient(clientId),
      effectiveDateTime: entry.statusSince,
      dateAsserted: entry.lastChange.recordedAt.toISOString(),
      informationSource: practitioner(entry.lastChange.changedBy),
      derivedFrom: entry.history.map((change) => communication(change.messageId)),
      ...(dosageText.length > 0
        ? {
            dosage: [
              {
                text: dosageText.join(', '),
                ...(entry.frequency ? { timing: { code: { text: entry.frequency } } } : {}),
                ...(entry.route ? { route: { text: entry.route } } : {}),
                ...(entry.dose
                  ? { doseAndRate: [{ doseQuantity: { value: entry.dose.value, unit: entry.dose.unit } }] }
                  : {}),
              },
            ],
          }
        : {}),
    },
    disclosedUnder(entry.categories),
  );
}

export function observationResource(clientId: string, point: MeasurePoint): Observation {
  const code = INSTRUMENT_CODES[point.instrument];
  return withMeta(
    {
      resourceType: 'Observation',
      id: `${point.messageId}-${point.index}`,
      status: point.amended ? 'amended' : 'final',
      category: [{ coding: [{ system: FHIR_SYSTEMS.observationCategory, code: 'survey' }] }],
      code: { coding: [code], text: point.instrument },
      subject: patient(clientId),
      effectiveDateTime: point.observedAt,
      issued: point.recordedAt.toISOString(),
      performer: [practitioner(point.recordedBy)],
      valueInteger: point.score,
      ...(point.flags.length > 0 ? { interpretation: point.flags.map((flag) => ({ text: flag })) } : {}),
      derivedFrom: [{ reference: `Communication/${point.messageId}` }],
    },
    disclosedUnder([point.category]),
  );
}

const REFERRAL_STATUS: Record<ReferralStatus, ServiceRequest['status']> = {
  sent: 'active',
  accepted: 'active',
  declined: 'revoked',
  completed: 'completed',
};
/** FHIR orders urgent below asap: our `soon` is FHIR's urgent, our `urgent` FHIR's asap. */
const REFERRAL_PRIORITY = { routine: 'routine', soon: 'urgent', urgent: 'asap' } as const;

/** A referral, from its opening message and where it stands now. */
export function serviceRequestResource(opening: MessageView, status: ReferralStatus): ServiceRequest {
  const body = opening.body as ReferralBody;
  return withMeta(
    {
      resourceType: 'ServiceRequest',
      id: opening.messageId,
      identifier: [{ system: FHIR_SYSTEMS.messageId, value: opening.messageId }],
      status: opening.state === 'entered_in_error' ? 'entered-in-error' : REFERRAL_STATUS[status],
      intent: 'order',
      category: [{ coding: [{ system: FHIR_SYSTEMS.snomed, code: '3457005', display: 'Patient referral' }] }],
      priority: REFERRAL_PRIORITY[body.urgency ?? 'routine'],
      code: { text: body.direction === 'to_psychiatry' ? 'Referral to psychiatry' : 'Referral to therapy' },
      subject: patient(opening.clientId),
      authoredOn: opening.createdAt.toISOString(),
      requester: practitioner(opening.senderId),
      ...(body.reasons && body.reasons.length > 0
        ? {
            reasonCode: body.reasons.map((reason) => ({
              coding: [{ system: FHIR_SYSTEMS.referralReason, code: reason }],
            })),
          }
        : {}),
      ...(body.notes ? { note: [{ text: body.notes }] } : {}),
    },
    disclosedUnder([opening.category]),
  );
}

/** FHIR's verb for an audited action: read, create, or execute (everything else). */
function auditAction(action: string): AuditEvent['action'] {
  if (/\.(read|list|export)$/.test(action) || action === 'access.refused') return 'R';
  if (/\.(create|send|grant|open)$/.test(action)) return 'C';
  return 'E';
}
const AUDIT_OUTCOME = { success: '0', refused: '4', failure: '8' } as const;

export function auditEventResource(clientId: string, entry: AccessReportEntry): AuditEvent {
  return withMeta(
    {
      resourceType: 'AuditEvent',
      id: `audit-${entry.sequence}`,
      type: { system: FHIR_SYSTEMS.auditEventType, code: 'rest', display: 'RESTful Operation' },
      subtype: [{ system: FHIR_SYSTEMS.auditAction, code: entry.action }],
      action: auditAction(entry.action),
      recorded: entry.occurredAt.toISOString(),
      outcome: AUDIT_OUTCOME[entry.outcome],
      agent: [
        {
          who: { ...practitioner(entry.actorId), ...(entry.actorName ? { display: entry.actorName } : {}) },
          role: [{ text: entry.actorRole }],
          requestor: true,
        },
      ],
      source: { observer: { display: 'SharedCare consult service' } },
      entity: [
        { what: patient(clientId) },
        ...(entry.resourceType === 'client'
          ? []
          : [
              {
                what: {
                  identifier: { system: `urn:sharedcare:identifier:${entry.resourceType}`, value: entry.resourceId },
                },
              },
            ]),
      ],
    },
    disclosedUnder(entry.category ? [entry.category] : []),
  );
}

/** What an item says, contacts with their name and number first. */
function itemDescription(item: PlanItem): string {
  const contact = [item.name, item.phone && `(${item.phone})`].filter(Boolean).join(' ');
  return [contact, item.text].filter(Boolean).join(': ');
}

/**
 * The safety plan as one CarePlan, as it stands (`meta.versionId` is its last change): one activity
 * per item, in plan order, its `detail.code` naming the step (section) it belongs to. A step
 * with no items has no activity. The 988 line is an activity of `crisis_contacts` like any other.
 */
export function carePlanResource(plan: SafetyPlan): CarePlan {
  return {
    resourceType: 'CarePlan',
    id: plan.clientId,
    meta: { versionId: String(plan.seq) },
    status: 'active',
    intent: 'plan',
    category: [
      { coding: [{ system: FHIR_SYSTEMS.carePlanCategory, code: 'safety-plan', display: 'Suicide safety plan' }] },
    ],
    title: 'Safety plan',
    subject: patient(plan.clientId),
    activity: plan.sections.flatMap((section) =>
      section.items.map((item) => ({
        detail: {
          code: {
            coding: [{ system: FHIR_SYSTEMS.safetyPlanStep, code: section.id, display: section.heading }],
          },
          status: 'in-progress' as const,
          description: itemDescription(item),
        },
      })),
    ),
  };
}
