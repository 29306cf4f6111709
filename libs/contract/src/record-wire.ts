// The care record, the safety plan's change log and the access report, as the REST routes answer
// them (README: The care record; The safety plan; Who sees what). Enumerations are typed as the
// service's DTOs declare them (string), with their values named here.

export interface MedicationChange {
  messageId: string;
  threadId: string;
  /** A MedicationAction. */
  action: string;
  dose: { value: number; unit: string } | null;
  frequency: string | null;
  route: string | null;
  effectiveDate: string;
  reason: string;
  monitoring: string | null;
  changedBy: string;
  recordedAt: string;
  /** A ConsentCategory. */
  category: string;
  amended: boolean;
  originalMessageId: string;
}
export interface Medication {
  name: string;
  rxnormCode: string | null;
  /** active, stopped or on_hold. */
  status: string;
  dose: { value: number; unit: string } | null;
  frequency: string | null;
  route: string | null;
  statusSince: string;
  lastChange: MedicationChange;
  history: MedicationChange[];
  /** ConsentCategory values. */
  categories: string[];
}
export interface MedicationList {
  clientId: string;
  medications: Medication[];
  redisclosureNotice?: string;
}

export interface MeasurePoint {
  messageId: string;
  index: number;
  threadId: string;
  /** An Instrument. */
  instrument: string;
  score: number;
  items: number[] | null;
  observedAt: string;
  recordedBy: string;
  recordedAt: string;
  /** A ConsentCategory. */
  category: string;
  amended: boolean;
  /** PHQ-9: `severe` (20 or more), `safety` (item 9 above 0). */
  flags: string[];
}
export interface Measures {
  clientId: string;
  series: { instrument: string; points: MeasurePoint[] }[];
  phq9: {
    baseline: MeasurePoint;
    latest: MeasurePoint;
    windowStart: string;
    windowEnd: string;
    /** too_early, awaiting_measure, response, remission, not_improving or missed. */
    response: string;
    evaluated: MeasurePoint | null;
    flags: { severe: boolean; safety: boolean | null; notImproving: boolean };
  } | null;
  redisclosureNotice?: string;
}

export interface SafetyPlanView {
  clientId: string;
  /** The last change included. */
  seq: number;
  sections: { id: string; heading: string; help: string; items: { text: string; name?: string; phone?: string }[] }[];
}
export interface SafetyPlanItem {
  text: string;
  name?: string;
  phone?: string;
}
/** A named version of the plan ("Reviewed with the client on ..."). */
export interface SafetyPlanNamedVersion {
  id: string;
  clientId: string;
  /** The last change the version includes (0: none). */
  seq: number;
  label: string;
  authorId: string;
  createdAt: string;
}
export interface SafetyPlanNamedVersions {
  clientId: string;
  /** Newest first. */
  versions: SafetyPlanNamedVersion[];
}
/** A named version with the plan as it was, sections in order. */
export interface SafetyPlanNamedVersionPlan extends SafetyPlanNamedVersion {
  sections: SafetyPlanView['sections'];
}
/** Two points of the plan's history, section by section (items matched by identity, not text). */
export interface SafetyPlanComparison {
  clientId: string;
  from: { seq: number; versionId: string | null };
  to: { seq: number; versionId: string | null };
  /** Every section, in plan order. */
  sections: {
    id: string;
    heading: string;
    added: SafetyPlanItem[];
    removed: SafetyPlanItem[];
    changed: { before: SafetyPlanItem; after: SafetyPlanItem }[];
    unchanged: number;
  }[];
}
export interface SafetyPlanChanges {
  clientId: string;
  /** Newest first. */
  changes: { seq: number; authorId: string; createdAt: string; sections: string[] }[];
  nextBefore: number | null;
}

export interface AccessReportEntry {
  sequence: number;
  occurredAt: string;
  actorId: string;
  actorName: string | null;
  actorRole: string;
  action: string;
  resourceType: string;
  resourceId: string;
  category: string | null;
  /** success, refused or failure. */
  outcome: string;
}
export interface AccessReport {
  /** Newest first. */
  entries: AccessReportEntry[];
  nextBefore: number | null;
}
