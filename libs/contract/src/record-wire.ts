import type { ConsentCategory } from './consent-vocabulary.js';
import type { Instrument, MedicationAction } from './message-vocabulary.js';

// The care record, the safety plan's change log and the access report, as the REST routes answer
// them (README: The care record; The safety plan; Who sees what).

export interface MedicationChange {
  messageId: string;
  threadId: string;
  action: MedicationAction;
  dose: { value: number; unit: string } | null;
  frequency: string | null;
  route: string | null;
  effectiveDate: string;
  reason: string;
  monitoring: string | null;
  changedBy: string;
  recordedAt: string;
  category: ConsentCategory;
  amended: boolean;
  originalMessageId: string;
}
export interface Medication {
  name: string;
  rxnormCode: string | null;
  status: 'active' | 'stopped' | 'on_hold';
  dose: { value: number; unit: string } | null;
  frequency: string | null;
  route: string | null;
  statusSince: string;
  lastChange: MedicationChange;
  history: MedicationChange[];
  categories: ConsentCategory[];
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
  instrument: Instrument;
  score: number;
  items: number[] | null;
  observedAt: string;
  recordedBy: string;
  recordedAt: string;
  category: ConsentCategory;
  amended: boolean;
  flags: ('severe' | 'safety')[];
}
export interface Measures {
  clientId: string;
  series: { instrument: Instrument; points: MeasurePoint[] }[];
  phq9: {
    baseline: MeasurePoint;
    latest: MeasurePoint;
    windowStart: string;
    windowEnd: string;
    response: 'too_early' | 'awaiting_measure' | 'response' | 'remission' | 'not_improving' | 'missed';
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
  outcome: 'success' | 'refused' | 'failure';
}
export interface AccessReport {
  /** Newest first. */
  entries: AccessReportEntry[];
  nextBefore: number | null;
}
