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
 * Not per client, so not here: /health, /api/me, /api/providers, /api/audit/verify,
 * POST/GET /api/clients (the client list is held to GET /api/clients/:clientId in the spec) and
 * GET /api/acknowledgements/overdue (held to the acknowledge rows in the spec), and
 * GET /fhir/R4/:resourceType (the types the export does not serve: always invalid). POST
 * /api/threads, GET /api/threads?clientId= and the FHIR types served (?patient=) name no record in
 * their path but act on one client: they are here.
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
  active: 'an unexpired, unrevoked consent names the recipients for general, symptoms, medications and the safety plan',
  expired: 'the consent naming the recipients has passed its expiresAt',
  revoked: 'the consent naming the recipients was revoked by the care team',
  category: 'an active consent names the recipients for medications only (the category asked about is not covered)',
  emergency: 'no consent; the recipients and the outsider each opened emergency access, still inside its 60 minutes',
};

/** The categories of the consent naming CONSENT_RECIPIENTS in each state (empty: no such consent). */
export const RECIPIENT_CATEGORIES: Record<ConsentState, readonly string[]> = {
  none: [],
  active: ['general', 'symptoms', 'medications', 'safety_plan'],
  expired: ['general', 'symptoms', 'medications', 'safety_plan'],
  revoked: ['general', 'symptoms', 'medications', 'safety_plan'],
  category: ['medications'],
  emergency: [],
};
/** The states whose recipients' consent is live (neither expired nor revoked) when the rows run. */
const LIVE_CONSENT_STATES: readonly ConsentState[] = ['active', 'category'];

/**
 * The threads of each state's client, all opened while the state's consent was still live (a
 * thread may only hold covered providers, so before it expired or was revoked):
 * - "the state's thread", opened by the therapist alone. Alone, the therapist opened a referral tagged
 *   `general`, posted a PHQ-9 (a `symptoms` symptom update) and the correcting rows' notes their
 *   callers could not post themselves (below);
 *   then added every recipient the state's consent named (threadParticipants) and opened a referral
 *   tagged `medications`. Each recipient then posted the correcting rows' notes of their own, the
 *   medication-change sender (below) a medication change (clinical acknowledgement due in a day, so
 *   overdue when the rows run) and the therapist a note tagged `medications`. So in the category
 *   state the thread holds `general` messages its recipients' consent never covered. Every thread
 *   row but POST participants aims at this thread or its messages.
 * - "the participants thread", opened by the therapist with the same participants: POST participants
 *   adds the bystander to it (the bystander's `general` consent covers them while those rows run).
 * - "the psychiatrist's own thread", where the consent named the psychiatrist: opened by them alone.
 *   Nobody else takes part, the care team included.
 * In the emergency state the openers of emergency access take part in no thread.
 */
export function threadParticipants(state: ConsentState): Caller[] {
  return ['therapist', ...(RECIPIENT_CATEGORIES[state].length > 0 ? CONSENT_RECIPIENTS : [])];
}
/** Who posted the medication change: the psychiatrist where they take part, else the therapist. */
export function medicationChangeSender(state: ConsentState): Caller {
  return threadParticipants(state).includes('psychiatrist') ? 'psychiatrist' : 'therapist';
}

/**
 * The correcting routes: each row amends or marks entered in error a note of its own in the
 * state's thread (correcting changes a message's state, so no two rows share one), tagged with
 * the category in the route's name.
 */
export const CORRECTED_CATEGORIES = {
  'POST amend medications': 'medications',
  'POST in-error general': 'general',
} as const satisfies Partial<Record<RouteName, string>>;
export type CorrectingRoute = keyof typeof CORRECTED_CATEGORIES;
export const CORRECTING_ROUTES = Object.keys(CORRECTED_CATEGORIES) as CorrectingRoute[];

/**
 * Who posted the note a correcting row aims at: its caller where they could send it while the
 * thread was set up (a participant the care team or the then-live consent covered for the
 * category), else the therapist.
 */
export function correctionNoteSender(route: CorrectingRoute, caller: Caller, state: ConsentState): Caller {
  const category = CORRECTED_CATEGORIES[route];
  const couldSend =
    threadParticipants(state).includes(caller) &&
    (caller === 'therapist' || RECIPIENT_CATEGORIES[state].includes(category));
  return couldSend ? caller : 'therapist';
}

/**
 * Every client also has a "bystander" consent naming a provider who is none of the callers (for
 * `general`): the target of the revoke rows, so a successful revocation changes no caller's access.
 *
 * What the thread routes are called with: POST thread names the state's client and the
 * psychiatrist as the one other participant; GET threads asks for the state's client; the message
 * sends are `note`s tagged with the category in the route's name; POST read reads up to sequence 1;
 * the acknowledge rows acknowledge the medication change, or the note (which takes none); GET
 * referrals lists the state's thread's two referrals; POST amend gives the note a new body (with a
 * reason), POST in-error marks it entered in error (with a reason).
 */
export const ROUTES = {
  'GET client': { method: 'GET', path: '/api/clients/:clientId', writes: false },
  'GET notices': { method: 'GET', path: '/api/clients/:clientId/notices', writes: false },
  'GET consents': { method: 'GET', path: '/api/clients/:clientId/consents', writes: false },
  'GET access-report': { method: 'GET', path: '/api/clients/:clientId/access-report', writes: false },
  'POST consents': { method: 'POST', path: '/api/clients/:clientId/consents', writes: true },
  'POST revoke': { method: 'POST', path: '/api/consents/:consentId/revoke', writes: true },
  'POST emergency-access': { method: 'POST', path: '/api/clients/:clientId/emergency-access', writes: true },
  'POST thread': { method: 'POST', path: '/api/threads', writes: true },
  'GET threads': { method: 'GET', path: '/api/threads', writes: false },
  'GET thread': { method: 'GET', path: '/api/threads/:threadId', writes: false },
  'GET messages': { method: 'GET', path: '/api/threads/:threadId/messages', writes: false },
  'GET referrals': { method: 'GET', path: '/api/threads/:threadId/referrals', writes: false },
  'GET medications': { method: 'GET', path: '/api/clients/:clientId/medications', writes: false },
  'GET measures': { method: 'GET', path: '/api/clients/:clientId/measures', writes: false },
  'GET safety-plan': { method: 'GET', path: '/api/clients/:clientId/safety-plan', writes: false },
  'GET safety-plan versions': { method: 'GET', path: '/api/clients/:clientId/safety-plan/versions', writes: false },
  'GET safety-plan named-versions': {
    method: 'GET',
    path: '/api/clients/:clientId/safety-plan/named-versions',
    writes: false,
  },
  'GET safety-plan named-version': {
    method: 'GET',
    path: '/api/clients/:clientId/safety-plan/named-versions/:versionId',
    writes: false,
  },
  'GET safety-plan compare': { method: 'GET', path: '/api/clients/:clientId/safety-plan/compare', writes: false },
  'POST safety-plan named-version': {
    method: 'POST',
    path: '/api/clients/:clientId/safety-plan/named-versions',
    writes: true,
  },
  'FHIR Consent': { method: 'GET', path: '/fhir/R4/Consent', writes: false },
  'FHIR AuditEvent': { method: 'GET', path: '/fhir/R4/AuditEvent', writes: false },
  'FHIR MedicationStatement': { method: 'GET', path: '/fhir/R4/MedicationStatement', writes: false },
  'FHIR Observation': { method: 'GET', path: '/fhir/R4/Observation', writes: false },
  'FHIR Communication': { method: 'GET', path: '/fhir/R4/Communication', writes: false },
  'FHIR ServiceRequest': { method: 'GET', path: '/fhir/R4/ServiceRequest', writes: false },
  'FHIR CarePlan': { method: 'GET', path: '/fhir/R4/CarePlan', writes: false },
  'POST message general': { method: 'POST', path: '/api/threads/:threadId/messages', writes: true },
  'POST message medications': { method: 'POST', path: '/api/threads/:threadId/messages', writes: true },
  'POST read': { method: 'POST', path: '/api/threads/:threadId/read', writes: true },
  'POST participants': { method: 'POST', path: '/api/threads/:threadId/participants', writes: true },
  'POST ack medication_change': { method: 'POST', path: '/api/messages/:messageId/acknowledge', writes: true },
  'POST ack note': { method: 'POST', path: '/api/messages/:messageId/acknowledge', writes: true },
  'POST amend medications': { method: 'POST', path: '/api/messages/:messageId/amend', writes: true },
  'POST in-error general': { method: 'POST', path: '/api/messages/:messageId/entered-in-error', writes: true },
} as const;
export type RouteName = keyof typeof ROUTES;
export const ROUTE_NAMES = Object.keys(ROUTES) as RouteName[];

/**
 * `not_found` is also what a caller without access gets (DESIGN.md: they learn nothing, not even
 * that the record exists), so it comes before any other refusal; `consent_required` (403): the
 * caller may act, but the consent does not cover every participant; `invalid` (400): the caller
 * may act, but not on this record (acknowledging their own message, or one that takes none;
 * correcting another's message or a system message). Every correcting row aims at a note of its
 * own that nothing has corrected yet, so `conflict` (409, no longer current) is no row's outcome:
 * the spec checks it apart, with the other refusals no row reaches.
 */
export type Outcome = 'ok' | 'not_found' | 'consent_required' | 'invalid';

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
  /** The categories that live consent names (none without one). */
  liveCategories: readonly string[];
  openEmergencyAccess: boolean;
  /** Takes part in the state's thread (and its participants thread). */
  participant: boolean;
  /** Posted the state's medication change. */
  medicationChangeSender: boolean;
  /** The correcting routes whose note they posted themselves (the therapist posted the others). */
  ownNotes: readonly RouteName[];
}

function standing(caller: Caller, state: ConsentState): Standing {
  const profile = CALLER_PROFILES[caller];
  const home = profile.organisation === 'home';
  const liveConsent = CONSENT_RECIPIENTS.includes(caller) && LIVE_CONSENT_STATES.includes(state);
  return {
    careTeam: caller === 'therapist',
    organisationAdmin: home && profile.role === 'admin',
    organisationClinician: home && profile.role !== 'admin',
    liveConsent,
    liveCategories: liveConsent ? RECIPIENT_CATEGORIES[state] : [],
    openEmergencyAccess: EMERGENCY_OPENERS.includes(caller) && state === 'emergency',
    participant: threadParticipants(state).includes(caller),
    medicationChangeSender: medicationChangeSender(state) === caller,
    ownNotes: CORRECTING_ROUTES.filter((route) => correctionNoteSender(route, caller, state) === caller),
  };
}

/**
 * Whether the care team or a live consent covers the provider: for `category`, or without one for
 * anything at all (what a participant of a thread must be).
 */
const covers = (s: Standing, category?: string) =>
  s.careTeam || (s.liveConsent && (category === undefined || s.liveCategories.includes(category)));

/** The participants of the state's thread whom nothing covers for `category` now. */
export function uncoveredParticipants(state: ConsentState, category: string): Caller[] {
  return threadParticipants(state).filter((who) => !covers(standing(who, state), category));
}

/** A thread's clinical conversation: its participants the care team or a live consent covers. */
const converses = (s: Standing) => s.participant && (s.careTeam || s.liveConsent);

const okIf = (may: boolean): Outcome => (may ? 'ok' : 'not_found');

/** Sending a message tagged `category` into the state's thread. */
const send =
  (category: string) =>
  (s: Standing, state: ConsentState): Outcome => {
    if (!(s.participant && covers(s, category))) return 'not_found';
    return uncoveredParticipants(state, category).length === 0 ? 'ok' : 'consent_required';
  };

/**
 * Correcting the row's note, tagged `category`: a participant covered for the category (care team:
 * any) reaches it; only its sender corrects it (else invalid); an amendment, like a send, is
 * refused with consent_required while any participant is not covered for it, but marking a note
 * entered in error is not: withdrawing what was said stays possible. Emergency access never writes.
 */
const correct =
  (route: CorrectingRoute, amends: boolean) =>
  (s: Standing, state: ConsentState): Outcome => {
    const category = CORRECTED_CATEGORIES[route];
    if (!(s.participant && covers(s, category))) return 'not_found';
    if (!s.ownNotes.includes(route)) return 'invalid';
    return amends && uncoveredParticipants(state, category).length > 0 ? 'consent_required' : 'ok';
  };

/**
 * The rules, one line per route (DESIGN.md Security and The consult thread, the permission
 * descriptions):
 * - a client's identifying details, its consents and the notices to its care team: its care team,
 *   the recipients of a live consent, whoever holds open emergency access (read-only), and the
 *   organisation's admins;
 * - the access report (accounting of disclosures): the care team, live-consent recipients and the
 *   organisation's admins, not an emergency reader;
 * - recording and revoking consent: the care team only;
 * - breaking the glass: any clinician of the client's organisation, never an admin;
 * - opening a thread: the care team and live-consent recipients (any category); every participant
 *   must be covered, else consent_required;
 * - a client's thread list: the care team and live-consent recipients (the threads they take part
 *   in) and emergency readers (every thread); a thread and its messages: its participants whom the
 *   care team or a live consent covers, and emergency readers of the client; admins never; so
 *   are its referrals, whose direction and status a consent recipient reads only in the categories
 *   their consent names;
 * - a client's medication list and measures (derived from the threads the caller reads, in the
 *   categories their consent names): the care team, live-consent recipients whose consent names
 *   medications (for the list) or symptoms (for the measures), and emergency readers; admins never;
 * - a client's safety plan, its change log, its named versions and their comparison: the care team,
 *   live-consent recipients whose consent names safety_plan, and emergency readers; admins never;
 *   naming a version: the care team and those recipients, not an emergency reader;
 * - the FHIR export (/fhir/R4/<type>?patient=), by the rule of the data it carries: Consent as the
 *   consents, AuditEvent as the access report, MedicationStatement as the medication list,
 *   Observation as the measures, CarePlan as the safety plan; Communication and ServiceRequest (messages and referrals of the
 *   threads one reads) for the care team, live-consent recipients and emergency readers, never
 *   admins; refused as a FHIR OperationOutcome with the same `not_found`;
 * - sending: a participant covered for the message's category (care team: any); refused with
 *   consent_required while any participant is not covered for it; emergency access never writes;
 * - read receipts, adding participants, clinical acknowledgements: participants the care team or a
 *   live consent covers; only a medication change or safety concern, and never by its sender, is
 *   acknowledged (else invalid);
 * - correcting (amending, marking entered in error): its sender only, never a system message (else
 *   invalid), a participant covered for the message's category (care team: any); amending, like
 *   sending, refused with consent_required while any participant is not covered for it; emergency
 *   access never writes;
 * - another organisation never reaches anything, admin or not.
 */
const RULES: Record<RouteName, (s: Standing, state: ConsentState) => Outcome> = {
  'GET client': (s) => okIf(s.careTeam || s.liveConsent || s.openEmergencyAccess || s.organisationAdmin),
  'GET notices': (s) => okIf(s.careTeam || s.liveConsent || s.openEmergencyAccess || s.organisationAdmin),
  'GET consents': (s) => okIf(s.careTeam || s.liveConsent || s.openEmergencyAccess || s.organisationAdmin),
  'GET access-report': (s) => okIf(s.careTeam || s.liveConsent || s.organisationAdmin),
  'POST consents': (s) => okIf(s.careTeam),
  'POST revoke': (s) => okIf(s.careTeam),
  'POST emergency-access': (s) => okIf(s.organisationClinician),
  'POST thread': (s, state) => {
    if (!(s.organisationClinician && (s.careTeam || s.liveConsent))) return 'not_found';
    return covers(standing('psychiatrist', state)) ? 'ok' : 'consent_required';
  },
  'GET threads': (s) => okIf(s.careTeam || s.liveConsent || s.openEmergencyAccess),
  'GET thread': (s) => okIf(converses(s) || s.openEmergencyAccess),
  'GET messages': (s) => okIf(converses(s) || s.openEmergencyAccess),
  'GET referrals': (s) => okIf(converses(s) || s.openEmergencyAccess),
  'GET medications': (s) => okIf(covers(s, 'medications') || s.openEmergencyAccess),
  'GET measures': (s) => okIf(covers(s, 'symptoms') || s.openEmergencyAccess),
  'GET safety-plan': (s) => okIf(covers(s, 'safety_plan') || s.openEmergencyAccess),
  'GET safety-plan versions': (s) => okIf(covers(s, 'safety_plan') || s.openEmergencyAccess),
  'GET safety-plan named-versions': (s) => okIf(covers(s, 'safety_plan') || s.openEmergencyAccess),
  'GET safety-plan named-version': (s) => okIf(covers(s, 'safety_plan') || s.openEmergencyAccess),
  'GET safety-plan compare': (s) => okIf(covers(s, 'safety_plan') || s.openEmergencyAccess),
  'POST safety-plan named-version': (s) => okIf(covers(s, 'safety_plan')),
  'FHIR Consent': (s) => okIf(s.careTeam || s.liveConsent || s.openEmergencyAccess || s.organisationAdmin),
  'FHIR AuditEvent': (s) => okIf(s.careTeam || s.liveConsent || s.organisationAdmin),
  'FHIR MedicationStatement': (s) => okIf(covers(s, 'medications') || s.openEmergencyAccess),
  'FHIR Observation': (s) => okIf(covers(s, 'symptoms') || s.openEmergencyAccess),
  'FHIR Communication': (s) => okIf(s.careTeam || s.liveConsent || s.openEmergencyAccess),
  'FHIR ServiceRequest': (s) => okIf(s.careTeam || s.liveConsent || s.openEmergencyAccess),
  'FHIR CarePlan': (s) => okIf(covers(s, 'safety_plan') || s.openEmergencyAccess),
  'POST message general': send('general'),
  'POST message medications': send('medications'),
  'POST read': (s) => okIf(converses(s)),
  'POST participants': (s) => okIf(converses(s)),
  'POST ack medication_change': (s) => (!converses(s) ? 'not_found' : s.medicationChangeSender ? 'invalid' : 'ok'),
  'POST ack note': (s) => (!converses(s) ? 'not_found' : 'invalid'),
  'POST amend medications': correct('POST amend medications', true),
  'POST in-error general': correct('POST in-error general', false),
};

export function expectedOutcome(route: RouteName, caller: Caller, state: ConsentState): Outcome {
  return RULES[route](standing(caller, state), state);
}

/** The participants whom a consent_required answer must name. */
export function expectedUncovered(route: RouteName, state: ConsentState): Caller[] {
  switch (route) {
    case 'POST thread':
      return ['psychiatrist'];
    case 'POST message general':
      return uncoveredParticipants(state, 'general');
    case 'POST message medications':
    case 'POST amend medications':
      return uncoveredParticipants(state, 'medications');
    default:
      throw new Error(`${route} never answers consent_required`);
  }
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

/**
 * Why the caller may read the state's threads, when they may: an emergency reader sees every
 * thread of the client and every message whole; a consent recipient sees only the threads they
 * take part in, and a message's body only when their consent names its category.
 */
export function expectedThreadBasis(caller: Caller, state: ConsentState): 'care_team' | 'consent' | 'emergency' {
  const s = standing(caller, state);
  if (s.careTeam) return 'care_team';
  if (s.liveConsent) return 'consent';
  if (s.openEmergencyAccess) return 'emergency';
  throw new Error(`${caller} reads no thread in state ${state}`);
}

/**
 * Rows where the service answers otherwise than the product promise above, pending the lead's
 * decision: READABLE_MATRIX keeps the promise; the spec holds the service to `service` (so a fix
 * shows up as a failure asking to drop the entry) and checks each entry still disagrees.
 */
export interface Disagreement {
  route: RouteName;
  caller: Caller;
  state: ConsentState;
  service: Outcome;
  why: string;
}
export const KNOWN_DISAGREEMENTS: readonly Disagreement[] = [];

export const ACCESS_MATRIX: readonly MatrixRow[] = ROUTE_NAMES.flatMap((route) =>
  CONSENT_STATES.flatMap((state) =>
    CALLERS.map((caller) => ({ route, caller, state, expected: expectedOutcome(route, caller, state) })),
  ),
);

const CELLS: Record<Outcome, string> = { ok: 'ok', not_found: '404', consent_required: '403', invalid: '400' };

/** The matrix as the table below: a route per block, a caller per line, a state per column. */
export function renderMatrix(rows: readonly MatrixRow[]): string {
  const cell = (outcome: Outcome | undefined) => (outcome === undefined ? '?' : CELLS[outcome]);
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

/**
 * The reviewed expectations: '404' is not_found, with the same body as a record that does not
 * exist; '403' consent_required; '400' invalid.
 */
export const READABLE_MATRIX = `
route                           caller               none  active  expired  revoked  category  emergency
GET client                      therapist            ok    ok      ok       ok       ok        ok
                                psychiatrist         404   ok      404      404      ok        ok
                                care_manager         404   ok      404      404      ok        ok
                                primary_care         404   ok      404      404      ok        ok
                                admin                ok    ok      ok       ok       ok        ok
                                outsider             404   404     404      404      404       ok
                                other_org_clinician  404   404     404      404      404       404
                                other_org_admin      404   404     404      404      404       404
GET notices                     therapist            ok    ok      ok       ok       ok        ok
                                psychiatrist         404   ok      404      404      ok        ok
                                care_manager         404   ok      404      404      ok        ok
                                primary_care         404   ok      404      404      ok        ok
                                admin                ok    ok      ok       ok       ok        ok
                                outsider             404   404     404      404      404       ok
                                other_org_clinician  404   404     404      404      404       404
                                other_org_admin      404   404     404      404      404       404
GET consents                    therapist            ok    ok      ok       ok       ok        ok
                                psychiatrist         404   ok      404      404      ok        ok
                                care_manager         404   ok      404      404      ok        ok
                                primary_care         404   ok      404      404      ok        ok
                                admin                ok    ok      ok       ok       ok        ok
                                outsider             404   404     404      404      404       ok
                                other_org_clinician  404   404     404      404      404       404
                                other_org_admin      404   404     404      404      404       404
GET access-report               therapist            ok    ok      ok       ok       ok        ok
                                psychiatrist         404   ok      404      404      ok        404
                                care_manager         404   ok      404      404      ok        404
                                primary_care         404   ok      404      404      ok        404
                                admin                ok    ok      ok       ok       ok        ok
                                outsider             404   404     404      404      404       404
                                other_org_clinician  404   404     404      404      404       404
                                other_org_admin      404   404     404      404      404       404
POST consents                   therapist            ok    ok      ok       ok       ok        ok
                                psychiatrist         404   404     404      404      404       404
                                care_manager         404   404     404      404      404       404
                                primary_care         404   404     404      404      404       404
                                admin                404   404     404      404      404       404
                                outsider             404   404     404      404      404       404
                                other_org_clinician  404   404     404      404      404       404
                                other_org_admin      404   404     404      404      404       404
POST revoke                     therapist            ok    ok      ok       ok       ok        ok
                                psychiatrist         404   404     404      404      404       404
                                care_manager         404   404     404      404      404       404
                                primary_care         404   404     404      404      404       404
                                admin                404   404     404      404      404       404
                                outsider             404   404     404      404      404       404
                                other_org_clinician  404   404     404      404      404       404
                                other_org_admin      404   404     404      404      404       404
POST emergency-access           therapist            ok    ok      ok       ok       ok        ok
                                psychiatrist         ok    ok      ok       ok       ok        ok
                                care_manager         ok    ok      ok       ok       ok        ok
                                primary_care         ok    ok      ok       ok       ok        ok
                                admin                404   404     404      404      404       404
                                outsider             ok    ok      ok       ok       ok        ok
                                other_org_clinician  404   404     404      404      404       404
                                other_org_admin      404   404     404      404      404       404
POST thread                     therapist            403   ok      403      403      ok        403
                                psychiatrist         404   ok      404      404      ok        404
                                care_manager         404   ok      404      404      ok        404
                                primary_care         404   ok      404      404      ok        404
                                admin                404   404     404      404      404       404
                                outsider             404   404     404      404      404       404
                                other_org_clinician  404   404     404      404      404       404
                                other_org_admin      404   404     404      404      404       404
GET threads                     therapist            ok    ok      ok       ok       ok        ok
                                psychiatrist         404   ok      404      404      ok        ok
                                care_manager         404   ok      404      404      ok        ok
                                primary_care         404   ok      404      404      ok        ok
                                admin                404   404     404      404      404       404
                                outsider             404   404     404      404      404       ok
                                other_org_clinician  404   404     404      404      404       404
                                other_org_admin      404   404     404      404      404       404
GET thread                      therapist            ok    ok      ok       ok       ok        ok
                                psychiatrist         404   ok      404      404      ok        ok
                                care_manager         404   ok      404      404      ok        ok
                                primary_care         404   ok      404      404      ok        ok
                                admin                404   404     404      404      404       404
                                outsider             404   404     404      404      404       ok
                                other_org_clinician  404   404     404      404      404       404
                                other_org_admin      404   404     404      404      404       404
GET messages                    therapist            ok    ok      ok       ok       ok        ok
                                psychiatrist         404   ok      404      404      ok        ok
                                care_manager         404   ok      404      404      ok        ok
                                primary_care         404   ok      404      404      ok        ok
                                admin                404   404     404      404      404       404
                                outsider             404   404     404      404      404       ok
                                other_org_clinician  404   404     404      404      404       404
                                other_org_admin      404   404     404      404      404       404
GET referrals                   therapist            ok    ok      ok       ok       ok        ok
                                psychiatrist         404   ok      404      404      ok        ok
                                care_manager         404   ok      404      404      ok        ok
                                primary_care         404   ok      404      404      ok        ok
                                admin                404   404     404      404      404       404
                                outsider             404   404     404      404      404       ok
                                other_org_clinician  404   404     404      404      404       404
                                other_org_admin      404   404     404      404      404       404
GET medications                 therapist            ok    ok      ok       ok       ok        ok
                                psychiatrist         404   ok      404      404      ok        ok
                                care_manager         404   ok      404      404      ok        ok
                                primary_care         404   ok      404      404      ok        ok
                                admin                404   404     404      404      404       404
                                outsider             404   404     404      404      404       ok
                                other_org_clinician  404   404     404      404      404       404
                                other_org_admin      404   404     404      404      404       404
GET measures                    therapist            ok    ok      ok       ok       ok        ok
                                psychiatrist         404   ok      404      404      404       ok
                                care_manager         404   ok      404      404      404       ok
                                primary_care         404   ok      404      404      404       ok
                                admin                404   404     404      404      404       404
                                outsider             404   404     404      404      404       ok
                                other_org_clinician  404   404     404      404      404       404
                                other_org_admin      404   404     404      404      404       404
GET safety-plan                 therapist            ok    ok      ok       ok       ok        ok
                                psychiatrist         404   ok      404      404      404       ok
                                care_manager         404   ok      404      404      404       ok
                                primary_care         404   ok      404      404      404       ok
                                admin                404   404     404      404      404       404
                                outsider             404   404     404      404      404       ok
                                other_org_clinician  404   404     404      404      404       404
                                other_org_admin      404   404     404      404      404       404
GET safety-plan versions        therapist            ok    ok      ok       ok       ok        ok
                                psychiatrist         404   ok      404      404      404       ok
                                care_manager         404   ok      404      404      404       ok
                                primary_care         404   ok      404      404      404       ok
                                admin                404   404     404      404      404       404
                                outsider             404   404     404      404      404       ok
                                other_org_clinician  404   404     404      404      404       404
                                other_org_admin      404   404     404      404      404       404
GET safety-plan named-versions  therapist            ok    ok      ok       ok       ok        ok
                                psychiatrist         404   ok      404      404      404       ok
                                care_manager         404   ok      404      404      404       ok
                                primary_care         404   ok      404      404      404       ok
                                admin                404   404     404      404      404       404
                                outsider             404   404     404      404      404       ok
                                other_org_clinician  404   404     404      404      404       404
                                other_org_admin      404   404     404      404      404       404
GET safety-plan named-version   therapist            ok    ok      ok       ok       ok        ok
                                psychiatrist         404   ok      404      404      404       ok
                                care_manager         404   ok      404      404      404       ok
                                primary_care         404   ok      404      404      404       ok
                                admin                404   404     404      404      404       404
                                outsider             404   404     404      404      404       ok
                                other_org_clinician  404   404     404      404      404       404
                                other_org_admin      404   404     404      404      404       404
GET safety-plan compare         therapist            ok    ok      ok       ok       ok        ok
                                psychiatrist         404   ok      404      404      404       ok
                                care_manager         404   ok      404      404      404       ok
                                primary_care         404   ok      404      404      404       ok
                                admin                404   404     404      404      404       404
                                outsider             404   404     404      404      404       ok
                                other_org_clinician  404   404     404      404      404       404
                                other_org_admin      404   404     404      404      404       404
POST safety-plan named-version  therapist            ok    ok      ok       ok       ok        ok
                                psychiatrist         404   ok      404      404      404       404
                                care_manager         404   ok      404      404      404       404
                                primary_care         404   ok      404      404      404       404
                                admin                404   404     404      404      404       404
                                outsider             404   404     404      404      404       404
                                other_org_clinician  404   404     404      404      404       404
                                other_org_admin      404   404     404      404      404       404
FHIR Consent                    therapist            ok    ok      ok       ok       ok        ok
                                psychiatrist         404   ok      404      404      ok        ok
                                care_manager         404   ok      404      404      ok        ok
                                primary_care         404   ok      404      404      ok        ok
                                admin                ok    ok      ok       ok       ok        ok
                                outsider             404   404     404      404      404       ok
                                other_org_clinician  404   404     404      404      404       404
                                other_org_admin      404   404     404      404      404       404
FHIR AuditEvent                 therapist            ok    ok      ok       ok       ok        ok
                                psychiatrist         404   ok      404      404      ok        404
                                care_manager         404   ok      404      404      ok        404
                                primary_care         404   ok      404      404      ok        404
                                admin                ok    ok      ok       ok       ok        ok
                                outsider             404   404     404      404      404       404
                                other_org_clinician  404   404     404      404      404       404
                                other_org_admin      404   404     404      404      404       404
FHIR MedicationStatement        therapist            ok    ok      ok       ok       ok        ok
                                psychiatrist         404   ok      404      404      ok        ok
                                care_manager         404   ok      404      404      ok        ok
                                primary_care         404   ok      404      404      ok        ok
                                admin                404   404     404      404      404       404
                                outsider             404   404     404      404      404       ok
                                other_org_clinician  404   404     404      404      404       404
                                other_org_admin      404   404     404      404      404       404
FHIR Observation                therapist            ok    ok      ok       ok       ok        ok
                                psychiatrist         404   ok      404      404      404       ok
                                care_manager         404   ok      404      404      404       ok
                                primary_care         404   ok      404      404      404       ok
                                admin                404   404     404      404      404       404
                                outsider             404   404     404      404      404       ok
                                other_org_clinician  404   404     404      404      404       404
                                other_org_admin      404   404     404      404      404       404
FHIR Communication              therapist            ok    ok      ok       ok       ok        ok
                                psychiatrist         404   ok      404      404      ok        ok
                                care_manager         404   ok      404      404      ok        ok
                                primary_care         404   ok      404      404      ok        ok
                                admin                404   404     404      404      404       404
                                outsider             404   404     404      404      404       ok
                                other_org_clinician  404   404     404      404      404       404
                                other_org_admin      404   404     404      404      404       404
FHIR ServiceRequest             therapist            ok    ok      ok       ok       ok        ok
                                psychiatrist         404   ok      404      404      ok        ok
                                care_manager         404   ok      404      404      ok        ok
                                primary_care         404   ok      404      404      ok        ok
                                admin                404   404     404      404      404       404
                                outsider             404   404     404      404      404       ok
                                other_org_clinician  404   404     404      404      404       404
                                other_org_admin      404   404     404      404      404       404
FHIR CarePlan                   therapist            ok    ok      ok       ok       ok        ok
                                psychiatrist         404   ok      404      404      404       ok
                                care_manager         404   ok      404      404      404       ok
                                primary_care         404   ok      404      404      404       ok
                                admin                404   404     404      404      404       404
                                outsider             404   404     404      404      404       ok
                                other_org_clinician  404   404     404      404      404       404
                                other_org_admin      404   404     404      404      404       404
POST message general            therapist            ok    ok      403      403      403       ok
                                psychiatrist         404   ok      404      404      404       404
                                care_manager         404   ok      404      404      404       404
                                primary_care         404   ok      404      404      404       404
                                admin                404   404     404      404      404       404
                                outsider             404   404     404      404      404       404
                                other_org_clinician  404   404     404      404      404       404
                                other_org_admin      404   404     404      404      404       404
POST message medications        therapist            ok    ok      403      403      ok        ok
                                psychiatrist         404   ok      404      404      ok        404
                                care_manager         404   ok      404      404      ok        404
                                primary_care         404   ok      404      404      ok        404
                                admin                404   404     404      404      404       404
                                outsider             404   404     404      404      404       404
                                other_org_clinician  404   404     404      404      404       404
                                other_org_admin      404   404     404      404      404       404
POST read                       therapist            ok    ok      ok       ok       ok        ok
                                psychiatrist         404   ok      404      404      ok        404
                                care_manager         404   ok      404      404      ok        404
                                primary_care         404   ok      404      404      ok        404
                                admin                404   404     404      404      404       404
                                outsider             404   404     404      404      404       404
                                other_org_clinician  404   404     404      404      404       404
                                other_org_admin      404   404     404      404      404       404
POST participants               therapist            ok    ok      ok       ok       ok        ok
                                psychiatrist         404   ok      404      404      ok        404
                                care_manager         404   ok      404      404      ok        404
                                primary_care         404   ok      404      404      ok        404
                                admin                404   404     404      404      404       404
                                outsider             404   404     404      404      404       404
                                other_org_clinician  404   404     404      404      404       404
                                other_org_admin      404   404     404      404      404       404
POST ack medication_change      therapist            400   ok      ok       ok       ok        400
                                psychiatrist         404   400     404      404      400       404
                                care_manager         404   ok      404      404      ok        404
                                primary_care         404   ok      404      404      ok        404
                                admin                404   404     404      404      404       404
                                outsider             404   404     404      404      404       404
                                other_org_clinician  404   404     404      404      404       404
                                other_org_admin      404   404     404      404      404       404
POST ack note                   therapist            400   400     400      400      400       400
                                psychiatrist         404   400     404      404      400       404
                                care_manager         404   400     404      404      400       404
                                primary_care         404   400     404      404      400       404
                                admin                404   404     404      404      404       404
                                outsider             404   404     404      404      404       404
                                other_org_clinician  404   404     404      404      404       404
                                other_org_admin      404   404     404      404      404       404
POST amend medications          therapist            ok    ok      403      403      ok        ok
                                psychiatrist         404   ok      404      404      ok        404
                                care_manager         404   ok      404      404      ok        404
                                primary_care         404   ok      404      404      ok        404
                                admin                404   404     404      404      404       404
                                outsider             404   404     404      404      404       404
                                other_org_clinician  404   404     404      404      404       404
                                other_org_admin      404   404     404      404      404       404
POST in-error general           therapist            ok    ok      ok       ok       ok        ok
                                psychiatrist         404   ok      404      404      404       404
                                care_manager         404   ok      404      404      404       404
                                primary_care         404   ok      404      404      404       404
                                admin                404   404     404      404      404       404
                                outsider             404   404     404      404      404       404
                                other_org_clinician  404   404     404      404      404       404
                                other_org_admin      404   404     404      404      404       404
`.trim();
