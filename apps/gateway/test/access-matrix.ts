/**
 * Who may reach each per-client route of the consult service: every caller × consent state ×
 * route, with the expected outcome. Review a change to READABLE_MATRIX as a change to who can
 * see what. access-matrix.medium.spec.ts runs every row against the real service and holds the
 * rules below to READABLE_MATRIX.
 *
 * The expectations come from what the product promises (DESIGN.md, Security; the permission
 * descriptions), written out here on their own. They are never computed from libs/consent's
 * ACCESS_RULES: a table derived from the policy under test would agree with any bug in it.
 *
 * Not per client, so not here: /health, /api/me, /api/providers, /api/audit/verify, and
 * POST/GET /api/clients (the client list is held to GET /api/clients/:clientId in the spec).
 */

/** Who calls. Every client of the matrix is registered by `therapist` (the care team). */
export const CALLERS = [
  'therapist',
  'psychiatrist',
  'care_manager',
  'primary_care',
  'admin',
  'outsider',
  'other_org_clinician',
  'other_org_admin',
] as const;
export type Caller = (typeof CALLERS)[number];

export interface CallerProfile {
  role: 'therapist' | 'psychiatrist' | 'care_manager' | 'primary_care' | 'admin';
  /** `home` is the organisation of every matrix client. */
  organisation: 'home' | 'other';
  name: string;
  credential: string;
  /** What this caller is to the matrix's clients, in words. */
  standing: string;
}

export const CALLER_PROFILES: Record<Caller, CallerProfile> = {
  therapist: {
    role: 'therapist',
    organisation: 'home',
    name: 'Dana Reyes',
    credential: 'LCSW',
    standing: 'registered the client: its care team',
  },
  psychiatrist: {
    role: 'psychiatrist',
    organisation: 'home',
    name: 'Sam Okafor',
    credential: 'MD',
    standing: 'named in the state’s consent; opened emergency access in the emergency state',
  },
  care_manager: {
    role: 'care_manager',
    organisation: 'home',
    name: 'Ria Banerjee',
    credential: 'RN',
    standing: 'named in the state’s consent; opened emergency access in the emergency state',
  },
  primary_care: {
    role: 'primary_care',
    organisation: 'home',
    name: 'Lee Moreau',
    credential: 'DO',
    standing: 'named in the state’s consent; opened emergency access in the emergency state',
  },
  admin: {
    role: 'admin',
    organisation: 'home',
    name: 'Ana Costa',
    credential: 'other',
    standing: 'the organisation’s admin',
  },
  outsider: {
    role: 'therapist',
    organisation: 'home',
    name: 'Kim Novak',
    credential: 'LPC',
    standing:
      'a clinician of the organisation with no relation to the client (on the care team of a client of their own); opened emergency access in the emergency state',
  },
  other_org_clinician: {
    role: 'psychiatrist',
    organisation: 'other',
    name: 'Ola Berg',
    credential: 'MD',
    standing: 'a clinician of another organisation',
  },
  other_org_admin: {
    role: 'admin',
    organisation: 'other',
    name: 'Tom Hale',
    credential: 'other',
    standing: 'the admin of another organisation',
  },
};

/** The callers the state's consent names. */
export const CONSENT_RECIPIENTS: readonly Caller[] = ['psychiatrist', 'care_manager', 'primary_care'];
/** The callers who broke the glass on the emergency state's client. */
export const EMERGENCY_OPENERS: readonly Caller[] = ['psychiatrist', 'care_manager', 'primary_care', 'outsider'];

/** One client per state, all registered by `therapist`. */
export const CONSENT_STATES = ['none', 'active', 'expired', 'revoked', 'category', 'emergency'] as const;
export type ConsentState = (typeof CONSENT_STATES)[number];

export const STATE_DESCRIPTIONS: Record<ConsentState, string> = {
  none: 'no consent names the recipients',
  active: 'an unexpired, unrevoked consent names the recipients for general, symptoms and medications',
  expired: 'the consent naming the recipients has passed its expiresAt',
  revoked: 'the consent naming the recipients was revoked by the care team',
  category: 'an active consent names the recipients for medications only (the category asked about is not covered)',
  emergency: 'no consent; the recipients and the outsider each opened emergency access, still inside its 60 minutes',
};

/**
 * Every client also has a "bystander" consent naming a provider who is none of the callers: the
 * target of the revoke rows, so a successful revocation changes no caller's access.
 */
export const ROUTES = {
  'GET client': { method: 'GET', path: '/api/clients/:clientId', writes: false },
  'GET notices': { method: 'GET', path: '/api/clients/:clientId/notices', writes: false },
  'GET consents': { method: 'GET', path: '/api/clients/:clientId/consents', writes: false },
  'GET access-report': { method: 'GET', path: '/api/clients/:clientId/access-report', writes: false },
  'POST consents': { method: 'POST', path: '/api/clients/:clientId/consents', writes: true },
  'POST revoke': { method: 'POST', path: '/api/consents/:consentId/revoke', writes: true },
  'POST emergency-access': { method: 'POST', path: '/api/clients/:clientId/emergency-access', writes: true },
} as const;
export type RouteName = keyof typeof ROUTES;
export const ROUTE_NAMES = Object.keys(ROUTES) as RouteName[];

export type Outcome = 'ok' | 'not_found';

export interface MatrixRow {
  route: RouteName;
  caller: Caller;
  state: ConsentState;
  expected: Outcome;
}

/** What a caller holds on the client of a state, in the product's own terms. */
interface Standing {
  careTeam: boolean;
  organisationAdmin: boolean;
  organisationClinician: boolean;
  /**
   * Named in a consent that is neither expired nor revoked, whatever its categories: categories
   * scope clinical content (messages, the safety plan), not the client's identity or consents.
   */
  liveConsent: boolean;
  openEmergencyAccess: boolean;
}

function standing(caller: Caller, state: ConsentState): Standing {
  const profile = CALLER_PROFILES[caller];
  const home = profile.organisation === 'home';
  return {
    careTeam: caller === 'therapist',
    organisationAdmin: home && profile.role === 'admin',
    organisationClinician: home && profile.role !== 'admin',
    liveConsent: CONSENT_RECIPIENTS.includes(caller) && (state === 'active' || state === 'category'),
    openEmergencyAccess: EMERGENCY_OPENERS.includes(caller) && state === 'emergency',
  };
}

/**
 * The rules, one line per route (DESIGN.md Security and the permission descriptions):
 * - a client's identifying details, its consents and the notices to its care team: its care team,
 *   the recipients of a live consent, whoever holds open emergency access (read-only), and the
 *   organisation's admins;
 * - the access report (accounting of disclosures): the care team, live-consent recipients and the
 *   organisation's admins, not an emergency reader;
 * - recording and revoking consent: the care team only;
 * - breaking the glass: any clinician of the client's organisation, never an admin;
 * - another organisation never reaches anything, admin or not.
 */
const MAY: Record<RouteName, (s: Standing) => boolean> = {
  'GET client': (s) => s.careTeam || s.liveConsent || s.openEmergencyAccess || s.organisationAdmin,
  'GET notices': (s) => s.careTeam || s.liveConsent || s.openEmergencyAccess || s.organisationAdmin,
  'GET consents': (s) => s.careTeam || s.liveConsent || s.openEmergencyAccess || s.organisationAdmin,
  'GET access-report': (s) => s.careTeam || s.liveConsent || s.organisationAdmin,
  'POST consents': (s) => s.careTeam,
  'POST revoke': (s) => s.careTeam,
  'POST emergency-access': (s) => s.organisationClinician,
};

export function expectedOutcome(route: RouteName, caller: Caller, state: ConsentState): Outcome {
  return MAY[route](standing(caller, state)) ? 'ok' : 'not_found';
}

/** Why GET /api/clients/:clientId lets the caller in (its `access` field), when it does. */
export function expectedBasis(caller: Caller, state: ConsentState): 'care_team' | 'consent' | 'emergency' | 'admin' {
  const s = standing(caller, state);
  if (s.careTeam) return 'care_team';
  if (s.organisationAdmin) return 'admin';
  if (s.liveConsent) return 'consent';
  if (s.openEmergencyAccess) return 'emergency';
  throw new Error(`${caller} has no access in state ${state}`);
}

export const ACCESS_MATRIX: readonly MatrixRow[] = ROUTE_NAMES.flatMap((route) =>
  CONSENT_STATES.flatMap((state) =>
    CALLERS.map((caller) => ({ route, caller, state, expected: expectedOutcome(route, caller, state) })),
  ),
);

/** The matrix as the table below: a route per block, a caller per line, a state per column. */
export function renderMatrix(rows: readonly MatrixRow[]): string {
  const cell = (outcome: Outcome | undefined) => (outcome === 'ok' ? 'ok' : outcome === 'not_found' ? '404' : '?');
  const lines = [['route', 'caller', ...CONSENT_STATES]];
  for (const route of ROUTE_NAMES) {
    for (const caller of CALLERS) {
      const outcomes = CONSENT_STATES.map(
        (state) => rows.find((row) => row.route === route && row.caller === caller && row.state === state)?.expected,
      );
      lines.push([caller === CALLERS[0] ? route : '', caller, ...outcomes.map(cell)]);
    }
  }
  const widths = lines[0].map((_, column) => Math.max(...lines.map((line) => line[column].length)));
  return lines
    .map((line) =>
      line
        .map((text, column) => text.padEnd(widths[column]))
        .join('  ')
        .trimEnd(),
    )
    .join('\n');
}

/** The reviewed expectations ('404' is not_found, with the same body as a client that does not exist). */
export const READABLE_MATRIX = `
route                  caller               none  active  expired  revoked  category  emergency
GET client             therapist            ok    ok      ok       ok       ok        ok
                       psychiatrist         404   ok      404      404      ok        ok
                       care_manager         404   ok      404      404      ok        ok
                       primary_care         404   ok      404      404      ok        ok
                       admin                ok    ok      ok       ok       ok        ok
                       outsider             404   404     404      404      404       ok
                       other_org_clinician  404   404     404      404      404       404
                       other_org_admin      404   404     404      404      404       404
GET notices            therapist            ok    ok      ok       ok       ok        ok
                       psychiatrist         404   ok      404      404      ok        ok
                       care_manager         404   ok      404      404      ok        ok
                       primary_care         404   ok      404      404      ok        ok
                       admin                ok    ok      ok       ok       ok        ok
                       outsider             404   404     404      404      404       ok
                       other_org_clinician  404   404     404      404      404       404
                       other_org_admin      404   404     404      404      404       404
GET consents           therapist            ok    ok      ok       ok       ok        ok
                       psychiatrist         404   ok      404      404      ok        ok
                       care_manager         404   ok      404      404      ok        ok
                       primary_care         404   ok      404      404      ok        ok
                       admin                ok    ok      ok       ok       ok        ok
                       outsider             404   404     404      404      404       ok
                       other_org_clinician  404   404     404      404      404       404
                       other_org_admin      404   404     404      404      404       404
GET access-report      therapist            ok    ok      ok       ok       ok        ok
                       psychiatrist         404   ok      404      404      ok        404
                       care_manager         404   ok      404      404      ok        404
                       primary_care         404   ok      404      404      ok        404
                       admin                ok    ok      ok       ok       ok        ok
                       outsider             404   404     404      404      404       404
                       other_org_clinician  404   404     404      404      404       404
                       other_org_admin      404   404     404      404      404       404
POST consents          therapist            ok    ok      ok       ok       ok        ok
                       psychiatrist         404   404     404      404      404       404
                       care_manager         404   404     404      404      404       404
                       primary_care         404   404     404      404      404       404
                       admin                404   404     404      404      404       404
                       outsider             404   404     404      404      404       404
                       other_org_clinician  404   404     404      404      404       404
                       other_org_admin      404   404     404      404      404       404
POST revoke            therapist            ok    ok      ok       ok       ok        ok
                       psychiatrist         404   404     404      404      404       404
                       care_manager         404   404     404      404      404       404
                       primary_care         404   404     404      404      404       404
                       admin                404   404     404      404      404       404
                       outsider             404   404     404      404      404       404
                       other_org_clinician  404   404     404      404      404       404
                       other_org_admin      404   404     404      404      404       404
POST emergency-access  therapist            ok    ok      ok       ok       ok        ok
                       psychiatrist         ok    ok      ok       ok       ok        ok
                       care_manager         ok    ok      ok       ok       ok        ok
                       primary_care         ok    ok      ok       ok       ok        ok
                       admin                404   404     404      404      404       404
                       outsider             ok    ok      ok       ok       ok        ok
                       other_org_clinician  404   404     404      404      404       404
                       other_org_admin      404   404     404      404      404       404
`.trim();
