/** The fixed roles of the contract (DESIGN.md, Interfaces → Auth service). */
export const ROLES = ['therapist', 'psychiatrist', 'care_manager', 'primary_care', 'admin'] as const;
export type Role = (typeof ROLES)[number];

export function isRole(value: unknown): value is Role {
  return typeof value === 'string' && (ROLES as readonly string[]).includes(value);
}
