/** The fixed lists of DESIGN.md (Interfaces → Auth service); roles are shared with the verifying side. */
export { ROLES, type Role } from '@sharedcare/auth';

export const CREDENTIALS = ['LMFT', 'LPC', 'LCSW', 'PsyD', 'PhD', 'MD', 'DO', 'PMHNP', 'RN', 'other'] as const;
export type Credential = (typeof CREDENTIALS)[number];

/** Licensing jurisdictions: the states, DC and the territories with their own boards. */
export const LICENSE_STATES = [
  'AL',
  'AK',
  'AZ',
  'AR',
  'CA',
  'CO',
  'CT',
  'DE',
  'FL',
  'GA',
  'HI',
  'ID',
  'IL',
  'IN',
  'IA',
  'KS',
  'KY',
  'LA',
  'ME',
  'MD',
  'MA',
  'MI',
  'MN',
  'MS',
  'MO',
  'MT',
  'NE',
  'NV',
  'NH',
  'NJ',
  'NM',
  'NY',
  'NC',
  'ND',
  'OH',
  'OK',
  'OR',
  'PA',
  'RI',
  'SC',
  'SD',
  'TN',
  'TX',
  'UT',
  'VT',
  'VA',
  'WA',
  'WV',
  'WI',
  'WY',
  'DC',
  'PR',
  'GU',
  'VI',
  'AS',
  'MP',
] as const;

/** Emails are compared and stored in one form: trimmed and lower-cased. */
export function normaliseEmail(email: string): string {
  return email.trim().toLowerCase();
}
