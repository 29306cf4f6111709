/** The fixed roles of the contract (DESIGN.md, Interfaces → Auth service). */
export const ROLES = ['therapist', 'psychiatrist', 'care_manager', 'primary_care', 'admin'] as const;
export type Role = (typeof ROLES)[number];

/** The roles that treat clients; an admin administers accounts and audits, and reads no clinical content. */
export const CLINICAL_ROLES = [
  'therapist',
  'psychiatrist',
  'care_manager',
  'primary_care',
] as const satisfies readonly Role[];

export function isRole(value: unknown): value is Role {
  return typeof value === 'string' && (ROLES as readonly string[]).includes(value);
}

/** The fixed credentials of the contract; a token naming any other is refused. */
export const CREDENTIALS = ['LMFT', 'LPC', 'LCSW', 'PsyD', 'PhD', 'MD', 'DO', 'PMHNP', 'RN', 'other'] as const;
export type Credential = (typeof CREDENTIALS)[number];

export function isCredential(value: unknown): value is Credential {
  return typeof value === 'string' && (CREDENTIALS as readonly string[]).includes(value);
}
