import { CLINICAL_ROLES, ROLES, type Role } from './roles.js';

/**
 * Every permission a route or socket event can declare (`@Authenticated({permission})`), with the
 * roles granted it. The role grant is only the coarse first gate, checked by the guard; who may
 * see which client (care team and consent) is decided per record by the access service
 * (CONVENTIONS 3). Adding a permission here is a change to who can reach what: review it.
 */
export const PERMISSIONS = {
  'provider.me': { roles: ROLES, description: 'Read one’s own verified identity' },
  'provider.read': { roles: ROLES, description: 'Search the organisation’s provider directory' },
  'client.create': { roles: CLINICAL_ROLES, description: 'Register a client; the creator joins its care team' },
  'client.read': {
    roles: ROLES,
    description: 'Read a client’s identifying details (care team, consent, emergency, admin)',
  },
  'consent.read': { roles: ROLES, description: 'Read a client’s consents (care team, consent, emergency, admin)' },
  'consent.grant': { roles: CLINICAL_ROLES, description: 'Record a client’s consent (care team only)' },
  'consent.revoke': { roles: CLINICAL_ROLES, description: 'Record a client’s revocation of consent (care team only)' },
  'emergency_access.open': {
    roles: CLINICAL_ROLES,
    description: 'Break the glass: read a client of the organisation for 60 minutes, with a reason',
  },
  'client.access_report': {
    roles: ROLES,
    description: 'Read who accessed a client’s information (care team, consent, admin)',
  },
  'thread.create': { roles: CLINICAL_ROLES, description: 'Open a thread about a client with covered colleagues' },
  'thread.list': {
    roles: CLINICAL_ROLES,
    description: 'List a client’s threads one takes part in (all, under emergency access)',
  },
  'thread.read': {
    roles: CLINICAL_ROLES,
    description: 'Read a thread and its messages (participants; emergency access)',
  },
  'thread.manage': { roles: CLINICAL_ROLES, description: 'Add covered colleagues to a thread one takes part in' },
  'message.send': { roles: CLINICAL_ROLES, description: 'Send a message in a thread, within the consent’s categories' },
  'message.receipt': { roles: CLINICAL_ROLES, description: 'Mark a thread’s messages delivered or read' },
  'message.acknowledge': { roles: CLINICAL_ROLES, description: 'Acknowledge a medication change or safety concern' },
  'message.correct': {
    roles: CLINICAL_ROLES,
    description: 'Amend one’s own message or mark it entered in error, within the consent’s categories',
  },
  'client.medications': {
    roles: CLINICAL_ROLES,
    description:
      'Read a client’s current medication list, from the medication changes of the threads one reads (needs the medications category)',
  },
  'client.measures': {
    roles: CLINICAL_ROLES,
    description:
      'Read a client’s PHQ-9, GAD-7 and C-SSRS results and their flags, from the threads one reads (needs the symptoms category)',
  },
  'client.messages': {
    roles: CLINICAL_ROLES,
    description:
      'Export a client’s messages and referrals (FHIR) from the threads one reads, in the consent’s categories',
  },
  'fhir.search': {
    roles: ROLES,
    description:
      'Ask the FHIR export for a resource type it does not serve (answered invalid); each served type declares its own',
  },
  'safety_plan.read': {
    roles: CLINICAL_ROLES,
    description:
      'Read a client’s safety plan and its change log, and follow it live (needs the safety_plan category; emergency access)',
  },
  'safety_plan.edit': {
    roles: CLINICAL_ROLES,
    description: 'Edit a client’s safety plan (care team, or a consent naming the safety_plan category)',
  },
  'acknowledgement.read': { roles: CLINICAL_ROLES, description: 'List the acknowledgements one owes and is owed' },
  'audit.verify': { roles: ['admin'], description: 'Verify the audit trail’s hash chain' },
} as const satisfies Record<string, PermissionGrant>;

export interface PermissionGrant {
  roles: readonly Role[];
  description: string;
}

export type Permission = keyof typeof PERMISSIONS;

/** The grant table the guard consults (AuthVerificationModule's `grants`, PERMISSIONS by default). */
export type PermissionGrants = Record<Permission, PermissionGrant>;

export const PERMISSION_GRANTS = Symbol('PERMISSION_GRANTS');

export function isGranted(role: Role, permission: Permission, grants: PermissionGrants = PERMISSIONS): boolean {
  return grants[permission]?.roles.includes(role) ?? false;
}
