import { CLINICAL_ROLES, type Role } from '@sharedcare/auth';
import type { ConsentCategory } from './consent-vocabulary.js';

/** What a permission's ids name; the access query resolves each to its client. */
export type AccessResource = 'client' | 'consent' | 'thread' | 'message';

/**
 * Who may do what to a client's records, per permission (CONVENTIONS 3). Role grants are the
 * first, coarse gate (PERMISSIONS in libs/auth); this is the second, per record:
 * - `careTeam`: providers who treat the client directly;
 * - `consent`: recipients of an active consent, for any category (`any`) or only when the consent
 *   names the category asked about (`category`; `substance_use` is never implied by another);
 * - `emergency`: an open break-the-glass grant (read-only permissions only);
 * - `admin`: the organisation's admins (identifying details, consents and the access report;
 *   never clinical content);
 * - `organisationClinician`: any clinician of the client's organisation (opening emergency access);
 * - `participant`: the care-team and consent grants count only for a participant of the thread
 *   (the thread, or the thread of the message, the ids name);
 * - `outlivesShredding`: still granted once the client is crypto-shredded (its data key destroyed),
 *   and then only to the care team and admins: a consent can no longer be revoked, so it grants
 *   nothing. Only the access report outlives it (the audit trail outlives the record); every other
 *   permission reads or writes the record, sealed values and metadata alike, gone with the key.
 */
export interface AccessRule {
  resource: AccessResource;
  participant: boolean;
  careTeam: boolean;
  consent: 'any' | 'category' | false;
  emergency: boolean;
  admin: boolean;
  organisationClinician: boolean;
  outlivesShredding: boolean;
}

const rule = (resource: AccessResource, grants: Partial<Omit<AccessRule, 'resource'>>): AccessRule => ({
  resource,
  careTeam: false,
  consent: false,
  emergency: false,
  admin: false,
  organisationClinician: false,
  participant: false,
  outlivesShredding: false,
  ...grants,
});

export const ACCESS_RULES = {
  'client.read': rule('client', { careTeam: true, consent: 'any', emergency: true, admin: true }),
  'consent.read': rule('client', { careTeam: true, consent: 'any', emergency: true, admin: true }),
  'consent.grant': rule('client', { careTeam: true }),
  'consent.revoke': rule('consent', { careTeam: true }),
  'emergency_access.open': rule('client', { organisationClinician: true }),
  'client.access_report': rule('client', { careTeam: true, consent: 'any', admin: true, outlivesShredding: true }),
  'thread.create': rule('client', { careTeam: true, consent: 'any' }),
  'thread.list': rule('client', { careTeam: true, consent: 'any', emergency: true }),
  'thread.manage': rule('thread', { careTeam: true, consent: 'any', participant: true }),
  'thread.read': rule('thread', { careTeam: true, consent: 'any', emergency: true, participant: true }),
  'message.send': rule('thread', { careTeam: true, consent: 'category', participant: true }),
  'message.receipt': rule('thread', { careTeam: true, consent: 'any', participant: true }),
  'message.acknowledge': rule('message', { careTeam: true, consent: 'category', participant: true }),
  'message.correct': rule('message', { careTeam: true, consent: 'category', participant: true }),
  // Derived from messages: the threads the caller reads, and only the categories their consent names.
  'client.medications': rule('client', { careTeam: true, consent: 'category', emergency: true }),
  'client.measures': rule('client', { careTeam: true, consent: 'category', emergency: true }),
  'client.messages': rule('client', { careTeam: true, consent: 'any', emergency: true }),
  // The plan is its own category: a consent must name safety_plan; emergency access reads only.
  'safety_plan.read': rule('client', { careTeam: true, consent: 'category', emergency: true }),
  'safety_plan.edit': rule('client', { careTeam: true, consent: 'category' }),
} as const satisfies Record<string, AccessRule>;

export type ClientPermission = keyof typeof ACCESS_RULES;

/** What the database says about one caller and one client, at one instant. */
export interface AccessFacts {
  /** The client belongs to the caller's organisation. */
  sameOrganisation: boolean;
  /** The caller's directory entry is not disabled. */
  callerActive: boolean;
  onCareTeam: boolean;
  /** Categories named by the caller's active (unrevoked, unexpired) consents for this client. */
  consentCategories: readonly string[];
  /** End of the caller's open emergency access, if any. */
  emergencyUntil: Date | null;
  /** The caller takes part in the thread the id names (false for client and consent ids). */
  participant: boolean;
  /** The client's data key was destroyed (crypto-shredding): its record is gone for good. */
  shredded: boolean;
}

export type AccessBasis = 'care_team' | 'consent' | 'emergency' | 'admin' | 'organisation';

const isClinical = (role: Role) => (CLINICAL_ROLES as readonly Role[]).includes(role);

/** Why the caller may act on this client under `rule`, or null when they may not. */
export function accessBasis(
  rule: AccessRule,
  role: Role,
  facts: AccessFacts,
  category?: ConsentCategory,
): AccessBasis | null {
  const basis = recordBasis(rule, role, facts, category);
  if (!facts.shredded) return basis;
  return rule.outlivesShredding && (basis === 'care_team' || basis === 'admin') ? basis : null;
}

/** {@link accessBasis} while the client's record exists. */
function recordBasis(rule: AccessRule, role: Role, facts: AccessFacts, category?: ConsentCategory): AccessBasis | null {
  if (!facts.sameOrganisation || !facts.callerActive) return null;
  if (role === 'admin') return rule.admin ? 'admin' : null;
  if (!isClinical(role)) return null;
  const member = !rule.participant || facts.participant;
  if (member && rule.careTeam && facts.onCareTeam) return 'care_team';
  if (member && rule.consent === 'any' && facts.consentCategories.length > 0) return 'consent';
  if (member && rule.consent === 'category' && category !== undefined && facts.consentCategories.includes(category)) {
    return 'consent';
  }
  if (rule.emergency && facts.emergencyUntil !== null) return 'emergency';
  if (rule.organisationClinician) return 'organisation';
  return null;
}
