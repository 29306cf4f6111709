import { ROLES, type Role } from '../providers/provider-vocabulary.js';

/** Who may call each protected route of the auth service. */
export const PERMISSIONS = {
  'account.read': ROLES,
  'mfa.manage': ROLES,
  'session.logout_all': ROLES,
  'invite.create': ['admin'],
  'provider.disable': ['admin'],
} as const satisfies Record<string, readonly Role[]>;

export type Permission = keyof typeof PERMISSIONS;

export function roleHas(role: Role, permission: Permission): boolean {
  return (PERMISSIONS[permission] as readonly Role[]).includes(role);
}
