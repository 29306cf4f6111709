/** Message kinds (DESIGN.md, The consult thread). `system` is written by the service only. */
export const MESSAGE_KINDS = [
  'note',
  'symptom_update',
  'medication_change',
  'referral',
  'safety_concern',
  'system',
] as const;
export type MessageKind = (typeof MESSAGE_KINDS)[number];
export const SENDABLE_KINDS = MESSAGE_KINDS.filter((kind) => kind !== 'system');

export const INSTRUMENTS = ['PHQ-9', 'GAD-7', 'C-SSRS'] as const;
export type Instrument = (typeof INSTRUMENTS)[number];

/**
 * Item count and per-item range of each instrument. The C-SSRS screener is six yes/no questions
 * (0 no, 1 yes); its score here is the number answered yes.
 */
export const INSTRUMENT_ITEMS: Record<Instrument, { count: number; max: number }> = {
  'PHQ-9': { count: 9, max: 3 },
  'GAD-7': { count: 7, max: 3 },
  'C-SSRS': { count: 6, max: 1 },
};

export const MEDICATION_ACTIONS = ['start', 'stop', 'increase', 'decrease', 'switch', 'hold'] as const;
export type MedicationAction = (typeof MEDICATION_ACTIONS)[number];

export const REFERRAL_DIRECTIONS = ['to_psychiatry', 'to_therapy'] as const;
export type ReferralDirection = (typeof REFERRAL_DIRECTIONS)[number];

/** The fixed referral taxonomy, per direction (DESIGN.md). */
export const REFERRAL_REASONS = {
  to_psychiatry: [
    'severe_or_persistent_symptoms',
    'suicidal_thoughts_or_self_harm',
    'suspected_medical_condition',
    'formal_diagnosis_needed',
    'client_requests_medication',
  ],
  to_therapy: [
    'skill_building',
    'trauma_processing',
    'persistent_symptoms_despite_medication',
    'psychosocial_stressors',
    'life_transition',
    'insight_and_growth',
    'behavioural_concerns',
    'substance_use',
    'parenting_family_support',
    'suicidality_or_self_harm',
  ],
} as const satisfies Record<ReferralDirection, readonly string[]>;
export const ALL_REFERRAL_REASONS = [...REFERRAL_REASONS.to_psychiatry, ...REFERRAL_REASONS.to_therapy];

export const REFERRAL_URGENCIES = ['routine', 'soon', 'urgent'] as const;
export const REFERRAL_STATUSES = ['sent', 'accepted', 'declined', 'completed'] as const;
export type ReferralStatus = (typeof REFERRAL_STATUSES)[number];
/** The status changes a follow-up `referral` message may make. */
export const REFERRAL_UPDATES = ['accepted', 'declined', 'completed'] as const;

export const RISK_LEVELS = ['low', 'moderate', 'high', 'imminent'] as const;
export type RiskLevel = (typeof RISK_LEVELS)[number];

/** The US crisis line, carried in every imminent-risk safety concern. */
export const CRISIS_LINE = { name: '988 Suicide & Crisis Lifeline', phone: '988', text: '988' } as const;

/** Sequence numbers are Postgres integers: anything larger names no message. */
export const MAX_SEQ = 2_147_483_647;
