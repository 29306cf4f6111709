/** Consent categories (DESIGN.md, Interfaces): what a consent lets its recipients exchange. */
export const CONSENT_CATEGORIES = [
  'general',
  'symptoms',
  'medications',
  'diagnosis',
  'safety_plan',
  'substance_use',
] as const;
export type ConsentCategory = (typeof CONSENT_CATEGORIES)[number];

export function isConsentCategory(value: unknown): value is ConsentCategory {
  return typeof value === 'string' && (CONSENT_CATEGORIES as readonly string[]).includes(value);
}

/** Why the information is disclosed (42 CFR 2.31(a)(5); FHIR Consent.provision.purpose). */
export const CONSENT_PURPOSES = ['treatment', 'care_coordination', 'payment', 'healthcare_operations'] as const;
export type ConsentPurpose = (typeof CONSENT_PURPOSES)[number];

/** How the client's consent was given and recorded. */
export const ATTESTATION_METHODS = ['signature_on_file', 'verbal', 'guardian'] as const;
export type AttestationMethod = (typeof ATTESTATION_METHODS)[number];

export const CONSENT_STATUSES = ['active', 'revoked', 'expired'] as const;
export type ConsentStatus = (typeof CONSENT_STATUSES)[number];

/**
 * The notice 42 CFR 2.32 requires on every disclosure of substance-use-disorder information
 * (the regulation's own short statement).
 */
export const REDISCLOSURE_NOTICE = '42 CFR part 2 prohibits unauthorized use or disclosure of these records.';

/** A payload that discloses `category`, with the redisclosure notice when that is substance use. */
export function withRedisclosureNotice<T extends object>(
  payload: T,
  category: ConsentCategory,
): T | (T & { redisclosureNotice: string }) {
  return category === 'substance_use' ? { ...payload, redisclosureNotice: REDISCLOSURE_NOTICE } : payload;
}

/** Emergency access lasts this long and needs a reason at least this long (issue 3). */
export const EMERGENCY_ACCESS_MINUTES = 60;
export const EMERGENCY_REASON_MIN_LENGTH = 20;
