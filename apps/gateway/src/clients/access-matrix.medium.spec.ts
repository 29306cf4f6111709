import { randomUUID } from 'node:crypto';
import { describeEndpoints } from '@sharedcare/auth';
import { FixedClock } from '@sharedcare/common';
import { CRISIS_LINE_ITEM } from '@sharedcare/safety-plan';
import { startTestGateway, type TestGateway } from '../../../../test/support/gateway-app.js';
import {
  ACCESS_MATRIX,
  CALLER_PROFILES,
  CALLERS,
  type Caller,
  CONSENT_RECIPIENTS,
  CONSENT_STATES,
  type ConsentState,
  CORRECTED_CATEGORIES,
  CORRECTING_ROUTES,
  type CorrectingRoute,
  correctionNoteSender,
  EMERGENCY_OPENERS,
  expectedBasis,
  expectedOutcome,
  expectedThreadBasis,
  expectedUncovered,
  KNOWN_DISAGREEMENTS,
  type MatrixRow,
  medicationChangeSender,
  type Outcome,
  READABLE_MATRIX,
  RECIPIENT_CATEGORIES,
  renderMatrix,
  ROUTE_NAMES,
  ROUTES,
  type RouteName,
  threadParticipants,
} from '../../test/access-matrix.js';
import { fhirErrors } from '../../../../test/support/fhir-validation.js';
import { servedPath } from '../gateway-app.js';

const NOT_FOUND = { status: 404, body: { error: { code: 'not_found', message: 'Not found' } } };
/** The same refusal from the FHIR export. */
const FHIR_NOT_FOUND = {
  status: 404,
  body: {
    resourceType: 'OperationOutcome',
    issue: [
      {
        severity: 'error',
        code: 'not-found',
        details: {
          coding: [{ system: 'urn:sharedcare:code-system:error-code', code: 'not_found' }],
          text: 'Not found',
        },
      },
    ],
  },
};
const isFhir = (route: RouteName) => route.startsWith('FHIR ');
const SECOND = 1_000;
const MINUTE = 60 * SECOND;
const DAY = 24 * 60 * MINUTE;

type Who = Caller | 'bystander';
type Json = Record<string, unknown>;
interface Reply {
  status: number;
  body: Json;
}

/** Every row of apps/gateway/test/access-matrix.ts against the real service, on one gateway. */
describe('access matrix: per-client routes × callers × consent states', () => {
  // The service, the token verifier and the minted tokens all read this clock.
  const clock = new FixedClock(new Date('2026-01-05T09:00:00Z'));
  let gateway: TestGateway;
  const organisations = { home: randomUUID(), other: randomUUID() };
  const providerIds = Object.fromEntries([...CALLERS, 'bystander'].map((who) => [who, randomUUID()])) as Record<
    Who,
    string
  >;
  /** One client per consent state, registered by the therapist. */
  const clients = {} as Record<ConsentState, string>;
  /** Per client, the safety plan's named version (the new plan) the therapist made: what GET named-version reads. */
  const namedVersions = {} as Record<ConsentState, string>;
  /** Per client, a consent naming only the bystander: what the revoke rows aim at. */
  const bystanderConsents = {} as Record<ConsentState, string>;
  /** The grant each emergency opener got on the emergency state's client. */
  const emergencyGrants = {} as Record<Caller, string>;
  let otherOrganisationClient: string;
  /** The outsider treats a client of their own: care team elsewhere must not count here. */
  let outsiderClient: string;
  /** The latest emergency access opened by any row, for the expiry check at the end. */
  let latestEmergencyOpening = new Date(0);
  /** Per client, the state's thread (see threadParticipants) and the one POST participants aims at. */
  const threads = {} as Record<ConsentState, string>;
  const participantsThreads = {} as Record<ConsentState, string>;
  /** The psychiatrist's own thread, where the state's consent named them. */
  const ownThreads: Partial<Record<ConsentState, string>> = {};
  /** Every thread of each client as set up (rows may open more): id and who takes part. */
  const setUpThreads = {} as Record<ConsentState, { id: string; participants: Who[] }[]>;
  /** The medication change and the note in each state's thread. */
  const medicationChanges = {} as Record<ConsentState, string>;
  const notes = {} as Record<ConsentState, string>;
  /** The PHQ-9 the therapist posted in each state's thread before anyone else took part. */
  const symptomUpdates = {} as Record<ConsentState, string>;
  /** The referrals opened in each state's thread (`general`, then `medications`), as sent. */
  const referralOpenings = {} as Record<ConsentState, Json[]>;
  /** Per correcting route, state and caller: the note that row corrects, as sent. */
  const correctionNotes = Object.fromEntries(
    CORRECTING_ROUTES.map((route) => [route, Object.fromEntries(CONSENT_STATES.map((state) => [state, {}]))]),
  ) as Record<CorrectingRoute, Record<ConsentState, Record<Caller, Json>>>;

  const profile = (who: Who) =>
    who === 'bystander'
      ? { role: 'psychiatrist', organisation: 'home' as const, name: 'Bea Stander', credential: 'PMHNP' }
      : CALLER_PROFILES[who];

  async function call(who: Who, method: string, path: string, body?: unknown): Promise<Reply> {
    const { role, organisation, name, credential } = profile(who);
    const token = await gateway.issuer.mint({
      nowSeconds: Math.floor(clock.now().getTime() / 1000),
      claims: { sub: providerIds[who], org: organisations[organisation], role, name, cred: credential },
    });
    const response = await fetch(`${gateway.url}${path}`, {
      method,
      headers: {
        authorization: `Bearer ${token}`,
        ...(body === undefined ? {} : { 'content-type': 'application/json' }),
      },
      body: body === undefined ? undefined : JSON.stringify(body),
    });
    return { status: response.status, body: (await response.json()) as Json };
  }

  /** For setup: the body of a call that must succeed, or a failure naming what it got. */
  async function must(status: number, reply: Promise<Reply>): Promise<Json> {
    const { status: got, body } = await reply;
    if (got !== status) throw new Error(`setup call answered ${got}, not ${status}: ${JSON.stringify(body)}`);
    return body;
  }

  const consentBody = (recipients: Who[], categories: string[], expiresAt: Date) => ({
    recipientIds: recipients.map((who) => providerIds[who]),
    categories,
    purpose: 'treatment',
    expiresAt: expiresAt.toISOString(),
    attestation: { method: 'signature_on_file', signerName: 'Jordan Lee' },
  });
  const EMERGENCY_REASON = { reason: 'Crisis line reports imminent risk; on-call needs the safety plan.' };

  /** Everything a write could change on one client, straight from the database (messages with their states). */
  const FOOTPRINT = {
    client: `SELECT * FROM clients WHERE id = $1`,
    careTeam: `SELECT * FROM care_team_members WHERE client_id = $1 ORDER BY provider_id`,
    consents: `SELECT * FROM consents WHERE client_id = $1 ORDER BY id`,
    grants: `SELECT * FROM emergency_access_grants WHERE client_id = $1 ORDER BY id`,
    notices: `SELECT * FROM client_notices WHERE client_id = $1 ORDER BY id`,
    threads: `SELECT * FROM threads WHERE client_id = $1 ORDER BY id`,
    participants: `SELECT p.* FROM thread_participants p JOIN threads t ON t.id = p.thread_id
                   WHERE t.client_id = $1 ORDER BY p.thread_id, p.provider_id`,
    messages: `SELECT * FROM messages WHERE client_id = $1 ORDER BY id`,
    acknowledgements: `SELECT a.* FROM message_acknowledgements a JOIN messages m ON m.id = a.message_id
                       WHERE m.client_id = $1 ORDER BY a.message_id, a.provider_id`,
    referrals: `SELECT * FROM referrals WHERE client_id = $1 ORDER BY message_id`,
    planVersions: `SELECT id, seq, author_id FROM safety_plan_versions WHERE client_id = $1 ORDER BY id`,
  };
  async function footprint(clientId: string): Promise<Record<keyof typeof FOOTPRINT, Json[]>> {
    const tables = Object.keys(FOOTPRINT) as (keyof typeof FOOTPRINT)[];
    const rows = await Promise.all(
      tables.map((table) => gateway.db.dataSource.query(FOOTPRINT[table], [clientId]) as Promise<Json[]>),
    );
    return Object.fromEntries(tables.map((table, index) => [table, rows[index]])) as Record<
      keyof typeof FOOTPRINT,
      Json[]
    >;
  }
  type Footprint = Awaited<ReturnType<typeof footprint>>;
  /** Per table, the rows a call added and removed (an updated row is both). */
  function changes(before: Footprint, after: Footprint) {
    const changed: Record<string, { added: Json[]; removed: Json[] }> = {};
    for (const table of Object.keys(after) as (keyof Footprint)[]) {
      const keys = (rows: Json[]) => new Set(rows.map((row) => JSON.stringify(row)));
      const [had, has] = [keys(before[table]), keys(after[table])];
      const added = after[table].filter((row) => !had.has(JSON.stringify(row)));
      const removed = before[table].filter((row) => !has.has(JSON.stringify(row)));
      if (added.length > 0 || removed.length > 0) changed[table] = { added, removed };
    }
    return changed;
  }
  const sorted = (ids: unknown) => [...(ids as string[])].sort();
  const idsOf = (who: readonly Who[]) => who.map((one) => providerIds[one]).sort();

  // Postgres orders uuids by their bytes: for lower-case text, the same as comparing code units.
  const byId = (a: Json, b: Json) => (String(a.id) < String(b.id) ? -1 : 1);

  beforeAll(async () => {
    gateway = await startTestGateway({ clock });
    // Consent recipients must be in the directory: a provider enters it on their first call.
    for (const who of [...CALLERS, 'bystander'] as Who[]) await must(200, call(who, 'GET', '/api/me'));

    const start = clock.now();
    const inDays = (days: number) => new Date(start.getTime() + days * DAY);
    for (const state of CONSENT_STATES) {
      const client = await must(
        201,
        call('therapist', 'POST', '/api/clients', { displayName: `Matrix client ${state}`, dateOfBirth: '1984-06-02' }),
      );
      clients[state] = String(client.clientId);
      const bystander = await must(
        201,
        call(
          'therapist',
          'POST',
          `/api/clients/${clients[state]}/consents`,
          consentBody(['bystander'], ['general'], inDays(365)),
        ),
      );
      bystanderConsents[state] = String(bystander.consentId);
      const version = await must(
        201,
        call('therapist', 'POST', `/api/clients/${clients[state]}/safety-plan/named-versions`, { label: 'Set up' }),
      );
      namedVersions[state] = String(version.id);
    }
    const grantToRecipients = (state: ConsentState, categories: string[], days: number) =>
      must(
        201,
        call(
          'therapist',
          'POST',
          `/api/clients/${clients[state]}/consents`,
          consentBody([...CONSENT_RECIPIENTS], categories, inDays(days)),
        ),
      );
    await grantToRecipients('active', [...RECIPIENT_CATEGORIES.active], 365);
    await grantToRecipients('expired', [...RECIPIENT_CATEGORIES.expired], 1);
    const revoked = await grantToRecipients('revoked', [...RECIPIENT_CATEGORIES.revoked], 365);
    await grantToRecipients('category', [...RECIPIENT_CATEGORIES.category], 365);

    // Threads, while every state's consent is still live: a thread holds covered providers only.
    const openThread = async (state: ConsentState, opener: Caller, participants: Who[], subject: string) => {
      const thread = await must(
        201,
        call(opener, 'POST', '/api/threads', {
          clientId: clients[state],
          subject,
          participantIds: participants.map((who) => providerIds[who]),
        }),
      );
      setUpThreads[state].push({ id: String(thread.threadId), participants: [...new Set([opener, ...participants])] });
      return String(thread.threadId);
    };
    const send = (who: Caller, threadId: string, message: Json) =>
      must(201, call(who, 'POST', `/api/threads/${threadId}/messages`, message));
    const post = async (who: Caller, threadId: string, message: Json) =>
      String((await send(who, threadId, message)).messageId);
    const referral = (category: string) => ({
      clientMessageId: `setup-referral-${category}`,
      kind: 'referral',
      category,
      body: {
        direction: 'to_psychiatry',
        reasons: ['severe_or_persistent_symptoms'],
        urgency: 'soon',
        notes: 'PHQ-9 has stayed above 15 for six weeks.',
      },
    });
    /** Each correcting row's note, posted by correctionNoteSender: the therapist's before the others join. */
    const postCorrectionNotes = async (state: ConsentState, byTherapist: boolean) => {
      for (const route of CORRECTING_ROUTES) {
        for (const caller of CALLERS) {
          const sender = correctionNoteSender(route, caller, state);
          if ((sender === 'therapist') !== byTherapist) continue;
          correctionNotes[route][state][caller] = await send(sender, threads[state], {
            clientMessageId: `setup-${route.replace(/ /g, '-')}-${caller}`,
            kind: 'note',
            category: CORRECTED_CATEGORIES[route],
            body: { text: `Matrix note for the ${caller} row` },
          });
        }
      }
    };
    for (const state of CONSENT_STATES) {
      setUpThreads[state] = [];
      const participants = threadParticipants(state);
      // The state's thread: the therapist alone first (so `general` messages the recipients'
      // consent may not cover can be in it), then everyone.
      threads[state] = await openThread(state, 'therapist', [], `Matrix thread ${state}`);
      referralOpenings[state] = [await send('therapist', threads[state], referral('general'))];
      symptomUpdates[state] = await post('therapist', threads[state], {
        clientMessageId: `setup-symptom-update-${state}`,
        kind: 'symptom_update',
        category: 'symptoms',
        body: { measures: [{ instrument: 'PHQ-9', score: 16, observedAt: clock.now().toISOString() }] },
      });
      await postCorrectionNotes(state, true);
      const joining = participants.filter((who) => who !== 'therapist');
      if (joining.length > 0) {
        await must(
          200,
          call('therapist', 'POST', `/api/threads/${threads[state]}/participants`, { providerIds: idsOf(joining) }),
        );
      }
      setUpThreads[state].find((thread) => thread.id === threads[state])!.participants = participants;
      referralOpenings[state].push(await send('therapist', threads[state], referral('medications')));
      await postCorrectionNotes(state, false);
      participantsThreads[state] = await openThread(state, 'therapist', participants, `Matrix participants ${state}`);
      if (participants.includes('psychiatrist')) {
        ownThreads[state] = await openThread(state, 'psychiatrist', ['psychiatrist'], `Psychiatrist's own ${state}`);
      }
      medicationChanges[state] = await post(medicationChangeSender(state), threads[state], {
        clientMessageId: `setup-medication-change-${state}`,
        kind: 'medication_change',
        category: 'medications',
        body: {
          action: 'increase',
          medication: { name: 'sertraline' },
          dose: { value: 100, unit: 'mg' },
          effectiveDate: '2026-01-06',
          reason: 'Partial response at 50 mg',
        },
      });
      notes[state] = await post('therapist', threads[state], {
        clientMessageId: `setup-note-${state}`,
        kind: 'note',
        category: 'medications',
        body: { text: 'Tolerating the current dose.' },
      });
    }
    await must(
      200,
      call('therapist', 'POST', `/api/consents/${String(revoked.consentId)}/revoke`, { reason: 'Client withdrew' }),
    );
    const other = await must(
      201,
      call('other_org_clinician', 'POST', '/api/clients', { displayName: 'Elsewhere', dateOfBirth: '1990-01-01' }),
    );
    otherOrganisationClient = String(other.clientId);
    const own = await must(
      201,
      call('outsider', 'POST', '/api/clients', { displayName: 'Outsider own client', dateOfBirth: '1975-03-09' }),
    );
    outsiderClient = String(own.clientId);

    // Past the expired state's consent; emergency access opens now and lasts 60 minutes.
    clock.advance(2 * DAY);
    for (const opener of EMERGENCY_OPENERS) {
      const grant = await must(
        201,
        call(opener, 'POST', `/api/clients/${clients.emergency}/emergency-access`, EMERGENCY_REASON),
      );
      emergencyGrants[opener] = String(grant.grantId);
    }
    latestEmergencyOpening = clock.now();
  });
  afterAll(async () => {
    await gateway?.stop();
  });

  it('generates from its rules exactly the reviewed table, one row per route, caller and state', () => {
    expect(renderMatrix(ACCESS_MATRIX)).toBe(READABLE_MATRIX);
    const keys = new Set(ACCESS_MATRIX.map((row) => `${row.route}|${row.caller}|${row.state}`));
    expect(keys.size).toBe(ROUTE_NAMES.length * CALLERS.length * CONSENT_STATES.length);
    expect(ACCESS_MATRIX).toHaveLength(keys.size);
  });

  it('covers every route the service serves for one client or consent', () => {
    const served = describeEndpoints(gateway.app, servedPath)
      .filter((row) => row.transport === 'http')
      .map((row) => row.endpoint);
    const covered = [...new Set(Object.values(ROUTES).map((route) => `${route.method} ${route.path}`))];
    // The FHIR types the export does not serve name no client: always invalid (fhir-export.medium.spec.ts).
    const perRecord = served.filter((endpoint) => endpoint.includes('/:') && endpoint !== 'GET /fhir/R4/:resourceType');
    expect(perRecord.sort()).toEqual(covered.filter((endpoint) => endpoint.includes('/:')).sort());
    // The per-client routes whose path names no record (POST /api/threads, GET /api/threads).
    expect(served).toEqual(expect.arrayContaining(covered.filter((endpoint) => !endpoint.includes('/:'))));
  });

  it('lists as disagreements only rows of the matrix that the service answers otherwise', () => {
    for (const { route, caller, state, service, why } of KNOWN_DISAGREEMENTS) {
      const row = ACCESS_MATRIX.find((one) => one.route === route && one.caller === caller && one.state === state);
      expect({ route, caller, state, listed: row !== undefined, explained: why.length > 0 }).toEqual({
        route,
        caller,
        state,
        listed: true,
        explained: true,
      });
      expect({ route, caller, state, promised: row!.expected }).not.toEqual({
        route,
        caller,
        state,
        promised: service,
      });
    }
  });

  it('sets each client up in the consent state it is named after', async () => {
    const statuses = async (state: ConsentState) => {
      const reply = await call('therapist', 'GET', `/api/clients/${clients[state]}/consents`);
      expect(reply.status).toBe(200);
      return (reply.body.consents as Json[])
        .filter((consent) => consent.consentId !== bystanderConsents[state])
        .map((consent) => ({ status: consent.status, categories: consent.categories }));
    };
    const full = ['general', 'symptoms', 'medications', 'safety_plan'];
    expect(await statuses('none')).toEqual([]);
    expect(await statuses('active')).toEqual([{ status: 'active', categories: full }]);
    expect(await statuses('expired')).toEqual([{ status: 'expired', categories: full }]);
    expect(await statuses('revoked')).toEqual([{ status: 'revoked', categories: full }]);
    expect(await statuses('category')).toEqual([{ status: 'active', categories: ['medications'] }]);
    expect(await statuses('emergency')).toEqual([]);
    const grants = (await gateway.db.dataSource.query(
      `SELECT provider_id FROM emergency_access_grants WHERE client_id = $1 AND expires_at > $2 ORDER BY provider_id`,
      [clients.emergency, clock.now()],
    )) as { provider_id: string }[];
    expect(grants.map((grant) => grant.provider_id)).toEqual(EMERGENCY_OPENERS.map((who) => providerIds[who]).sort());
    for (const state of CONSENT_STATES) {
      const taking = async (threadId: string) =>
        (
          (await gateway.db.dataSource.query(
            `SELECT provider_id FROM thread_participants WHERE thread_id = $1 ORDER BY provider_id`,
            [threadId],
          )) as { provider_id: string }[]
        ).map((row) => row.provider_id);
      const expected = { state, participants: idsOf(threadParticipants(state)) };
      expect({ state, participants: await taking(threads[state]) }).toEqual(expected);
      expect({ state, participants: await taking(participantsThreads[state]) }).toEqual(expected);
      const [medicationChange] = (await gateway.db.dataSource.query(
        `SELECT sender_id, acknowledge_by FROM messages WHERE id = $1`,
        [medicationChanges[state]],
      )) as { sender_id: string; acknowledge_by: Date }[];
      expect(medicationChange.sender_id).toBe(providerIds[medicationChangeSender(state)]);
      expect(medicationChange.acknowledge_by.getTime()).toBeLessThan(clock.now().getTime());
      expect({ state, referrals: referralOpenings[state].map((opening) => opening.category) }).toEqual({
        state,
        referrals: ['general', 'medications'],
      });
      for (const route of CORRECTING_ROUTES) {
        for (const caller of CALLERS) {
          const note = correctionNotes[route][state][caller];
          expect({ route, state, caller, sender: note.senderId, category: note.category }).toEqual({
            route,
            state,
            caller,
            sender: providerIds[correctionNoteSender(route, caller, state)],
            category: CORRECTED_CATEGORIES[route],
          });
        }
      }
    }
  });

  const rowName = (row: MatrixRow) => {
    const disagreement = KNOWN_DISAGREEMENTS.find(
      (one) => one.route === row.route && one.caller === row.caller && one.state === row.state,
    );
    const name = `${row.caller} [${row.state}] → ${row.expected}`;
    return disagreement ? `${name} (KNOWN DISAGREEMENT: the service answers ${disagreement.service})` : name;
  };

  const threadOf = (row: MatrixRow) =>
    row.route === 'POST participants' ? participantsThreads[row.state] : threads[row.state];

  const isCorrecting = (route: RouteName): route is CorrectingRoute =>
    (CORRECTING_ROUTES as readonly RouteName[]).includes(route);
  /** The note a correcting row corrects, as sent. */
  const correctionNoteOf = (row: MatrixRow) => correctionNotes[row.route as CorrectingRoute][row.state][row.caller];

  function messageOf(row: MatrixRow): string {
    if (isCorrecting(row.route)) return String(correctionNoteOf(row).messageId);
    return row.route === 'POST ack note' ? notes[row.state] : medicationChanges[row.state];
  }

  function pathOf(row: MatrixRow): string {
    const path = ROUTES[row.route].path
      .replace(':clientId', clients[row.state])
      .replace(':consentId', bystanderConsents[row.state])
      .replace(':threadId', threadOf(row))
      .replace(':messageId', messageOf(row))
      .replace(':versionId', namedVersions[row.state]);
    // The whole report: the client.create entry is the oldest, and many rows came since.
    if (row.route === 'GET access-report') return `${path}?limit=200`;
    if (row.route === 'GET threads') return `${path}?clientId=${clients[row.state]}`;
    if (row.route === 'GET safety-plan compare') return `${path}?from=0&to=${namedVersions[row.state]}`;
    if (isFhir(row.route)) return `${path}?patient=${clients[row.state]}`;
    return path;
  }

  const categoryOf = (route: RouteName) => (route === 'POST message general' ? 'general' : 'medications');
  const AMENDED = (caller: Caller) => `Amended by ${caller}`;
  const AMEND_REASON = 'Matrix check amendment';
  const IN_ERROR_REASON = 'Matrix check: entered in error';

  function bodyOf(row: MatrixRow): unknown {
    switch (row.route) {
      case 'POST consents':
        return consentBody(['bystander'], ['general'], new Date(clock.now().getTime() + 30 * DAY));
      case 'POST revoke':
        return { reason: 'Matrix check revocation' };
      case 'POST emergency-access':
        return EMERGENCY_REASON;
      case 'POST thread':
        return {
          clientId: clients[row.state],
          subject: 'Matrix check thread',
          participantIds: [providerIds.psychiatrist],
        };
      case 'POST message general':
      case 'POST message medications':
        return {
          clientMessageId: `matrix-${row.caller}-${row.route.replace(/ /g, '-')}`,
          kind: 'note',
          category: categoryOf(row.route),
          body: { text: `Matrix check by ${row.caller}` },
        };
      case 'POST read':
        return { uptoSeq: 1 };
      case 'POST participants':
        return { providerIds: [providerIds.bystander] };
      case 'POST amend medications':
        return {
          clientMessageId: `matrix-amend-${row.caller}`,
          body: { text: AMENDED(row.caller) },
          reason: AMEND_REASON,
        };
      case 'POST in-error general':
        return { reason: IN_ERROR_REASON };
      case 'POST safety-plan named-version':
        return { label: `Matrix check by ${row.caller}` };
      default:
        return undefined;
    }
  }

  /** What an allowed call must answer and change, per route. */
  const CHECK_OK: Record<RouteName, (row: MatrixRow, reply: Reply, before?: Footprint) => Promise<void>> = {
    'GET client': async ({ caller, state }, reply) => {
      expect(reply).toEqual({
        status: 200,
        body: {
          clientId: clients[state],
          displayName: `Matrix client ${state}`,
          dateOfBirth: '1984-06-02',
          externalId: null,
          createdAt: expect.any(String),
          access: expectedBasis(caller, state),
          careTeamIds: [providerIds.therapist],
        },
      });
    },
    'GET notices': async ({ state }, reply) => {
      expect(reply.status).toBe(200);
      const notices = reply.body.notices as Json[];
      expect(notices.map((notice) => notice.actorId).sort()).toEqual(
        state === 'emergency' ? EMERGENCY_OPENERS.map((who) => providerIds[who]).sort() : [],
      );
      expect(notices.every((notice) => notice.kind === 'emergency_access')).toBe(true);
    },
    'GET consents': async ({ caller, state }, reply) => {
      expect(reply.status).toBe(200);
      const listed = (reply.body.consents as Json[]).map((consent) => consent.consentId).sort();
      // Someone who reaches the client only through their own consent sees the consents naming
      // them; the care team, emergency access and admins see them all (42 CFR Part 2: others'
      // consents can show that substance-use records exist).
      const throughOwnConsent =
        (['psychiatrist', 'care_manager', 'primary_care'] as Caller[]).includes(caller) &&
        (state === 'active' || state === 'category');
      const all = (await footprint(clients[state])).consents;
      const expected = throughOwnConsent
        ? all.filter((consent) => (consent.recipient_ids as string[]).includes(providerIds[caller]))
        : all;
      expect(listed).toEqual(expected.map((consent) => consent.id));
      if (!throughOwnConsent) expect(listed).toContain(bystanderConsents[state]);
    },
    'GET access-report': async ({ state }, reply) => {
      expect(reply.status).toBe(200);
      expect(reply.body.entries).toContainEqual(
        expect.objectContaining({
          actorId: providerIds.therapist,
          action: 'client.create',
          resourceId: clients[state],
          outcome: 'success',
        }),
      );
    },
    'POST consents': async ({ state }, reply, before) => {
      expect(reply).toMatchObject({
        status: 201,
        body: { clientId: clients[state], recipientIds: [providerIds.bystander], status: 'active' },
      });
      const after = await footprint(clients[state]);
      const created = after.consents.find((consent) => consent.id === reply.body.consentId);
      expect(created).toBeDefined();
      expect(after).toEqual({ ...before!, consents: [...before!.consents, created!].sort(byId) });
    },
    'POST revoke': async ({ state }, reply, before) => {
      const now = clock.now();
      expect(reply).toMatchObject({
        status: 200,
        body: {
          consentId: bystanderConsents[state],
          status: 'revoked',
          revokedAt: now.toISOString(),
          revokedBy: providerIds.therapist,
          revocationReason: 'Matrix check revocation',
        },
      });
      const after = await footprint(clients[state]);
      const target = after.consents.find((consent) => consent.id === bystanderConsents[state])!;
      expect(target).toMatchObject({ revoked_at: now, revoked_by: providerIds.therapist });
      expect(after).toEqual({
        ...before!,
        consents: before!.consents.map((consent) => (consent.id === target.id ? target : consent)),
      });
    },
    'POST emergency-access': async ({ caller, state }, reply, before) => {
      const now = clock.now();
      expect(reply).toEqual({
        status: 201,
        body: {
          grantId: expect.any(String),
          clientId: clients[state],
          openedAt: now.toISOString(),
          expiresAt: new Date(now.getTime() + 60 * MINUTE).toISOString(),
          readOnly: true,
        },
      });
      latestEmergencyOpening = now;
      const after = await footprint(clients[state]);
      const grant = after.grants.find((row) => row.id === reply.body.grantId);
      expect(grant).toMatchObject({ provider_id: providerIds[caller], opened_at: now });
      const notice = after.notices.find((row) => row.subject_id === reply.body.grantId);
      expect(notice).toMatchObject({ kind: 'emergency_access', actor_id: providerIds[caller] });
      expect(after).toEqual({
        ...before!,
        grants: [...before!.grants, grant!].sort(byId),
        notices: [...before!.notices, notice!].sort(byId),
      });
    },
    'POST thread': async ({ caller, state }, reply, before) => {
      expect(reply).toEqual({
        status: 201,
        body: {
          threadId: expect.any(String),
          clientId: clients[state],
          subject: 'Matrix check thread',
          participantIds: expect.any(Array),
          createdBy: providerIds[caller],
          createdAt: clock.now().toISOString(),
          lastSeq: 1,
          unread: 0,
        },
      });
      const taking = [...new Set<Who>([caller, 'psychiatrist'])];
      expect(sorted(reply.body.participantIds)).toEqual(idsOf(taking));
      const threadId = reply.body.threadId;
      const expected = {
        threads: {
          added: [expect.objectContaining({ id: threadId, created_by: providerIds[caller], last_seq: 1 })],
          removed: [],
        },
        participants: {
          added: idsOf(taking).map((id) => expect.objectContaining({ thread_id: threadId, provider_id: id })),
          removed: [],
        },
        messages: {
          added: [
            expect.objectContaining({ thread_id: threadId, seq: 1, kind: 'system', sender_id: providerIds[caller] }),
          ],
          removed: [],
        },
      };
      expect(changes(before!, await footprint(clients[state]))).toEqual(expected);
    },
    'GET threads': async ({ caller, state }, reply) => {
      expect(reply.status).toBe(200);
      const basis = expectedThreadBasis(caller, state);
      const expected = setUpThreads[state].filter(
        (thread) => basis === 'emergency' || thread.participants.includes(caller),
      );
      const listed = reply.body.threads as Json[];
      expect(listed.map((thread) => thread.threadId).sort()).toEqual(expected.map((thread) => thread.id).sort());
      for (const thread of expected) {
        const entry = listed.find((one) => one.threadId === thread.id)!;
        expect({ clientId: entry.clientId, participantIds: sorted(entry.participantIds) }).toEqual({
          clientId: clients[state],
          participantIds: idsOf(thread.participants),
        });
      }
    },
    'GET thread': async ({ caller, state }, reply) => {
      const [{ last_seq: lastSeq }] = (await gateway.db.dataSource.query(`SELECT last_seq FROM threads WHERE id = $1`, [
        threads[state],
      ])) as { last_seq: number }[];
      const participant = threadParticipants(state).includes(caller);
      expect(reply).toEqual({
        status: 200,
        body: {
          threadId: threads[state],
          clientId: clients[state],
          subject: `Matrix thread ${state}`,
          participantIds: expect.any(Array),
          createdBy: providerIds.therapist,
          createdAt: expect.any(String),
          lastSeq,
          // A reader who does not take part has nothing unread.
          unread: participant ? expect.any(Number) : 0,
        },
      });
      expect(sorted(reply.body.participantIds)).toEqual(idsOf(threadParticipants(state)));
    },
    'GET messages': async ({ caller, state }, reply, before) => {
      const thread = before!.threads.find((row) => row.id === threads[state])!;
      const lastSeq = Number(thread.last_seq);
      expect(reply.status).toBe(200);
      const messages = reply.body.messages as Json[];
      expect({ seqs: messages.map((message) => message.seq), nextAfter: reply.body.nextAfter }).toEqual({
        seqs: Array.from({ length: lastSeq }, (_, index) => index + 1),
        nextAfter: null,
      });
      expect(messages[0]).toMatchObject({
        kind: 'system',
        senderId: providerIds.therapist,
        body: { event: 'thread_opened', participantIds: expect.any(Array) },
      });
      expect(messages.find((message) => message.messageId === medicationChanges[state])).toMatchObject({
        kind: 'medication_change',
        senderId: providerIds[medicationChangeSender(state)],
      });
      // A consent recipient reads a body only in a category their consent names.
      const basis = expectedThreadBasis(caller, state);
      for (const message of messages) {
        const shown =
          basis !== 'consent' ||
          message.kind === 'system' ||
          RECIPIENT_CATEGORIES[state].includes(String(message.category));
        expect({ seq: message.seq, withheld: message.withheld, hasBody: message.body !== null }).toEqual({
          seq: message.seq,
          withheld: shown ? undefined : 'consent_required',
          hasBody: shown,
        });
      }
      // Handing messages over marks them delivered to a participant; an emergency reader leaves no trace.
      const own = before!.participants.find(
        (row) => row.thread_id === threads[state] && row.provider_id === providerIds[caller],
      );
      const expected =
        own && Number(own.delivered_seq) < lastSeq
          ? { participants: { added: [{ ...own, delivered_seq: lastSeq }], removed: [own] } }
          : {};
      expect(changes(before!, await footprint(clients[state]))).toEqual(expected);
    },
    'GET referrals': async ({ caller, state }, reply) => {
      // A consent recipient reads where a referral stands only in the categories their consent names.
      const basis = expectedThreadBasis(caller, state);
      const referral = (opening: Json) => {
        const shown = basis !== 'consent' || RECIPIENT_CATEGORIES[state].includes(String(opening.category));
        return {
          referralMessageId: opening.messageId,
          threadId: threads[state],
          clientId: clients[state],
          seq: opening.seq,
          category: opening.category,
          openedBy: providerIds.therapist,
          openedAt: opening.createdAt,
          messageState: 'current',
          direction: shown ? 'to_psychiatry' : null,
          status: shown ? 'sent' : null,
          updatedAt: opening.createdAt,
          updatedBy: providerIds.therapist,
          ...(shown ? {} : { withheld: 'consent_required' }),
        };
      };
      expect(reply).toEqual({ status: 200, body: { referrals: referralOpenings[state].map(referral) } });
    },
    // Everyone who may read the list reads the state's thread: its one medication change is the list.
    'GET medications': async ({ state }, reply) => {
      expect(reply.status).toBe(200);
      expect(reply.body).toEqual({ clientId: clients[state], medications: [expect.any(Object)] });
      expect((reply.body.medications as Json[])[0]).toMatchObject({
        name: 'sertraline',
        rxnormCode: null,
        status: 'active',
        dose: { value: 100, unit: 'mg' },
        statusSince: '2026-01-06',
        categories: ['medications'],
        lastChange: {
          messageId: medicationChanges[state],
          action: 'increase',
          changedBy: providerIds[medicationChangeSender(state)],
        },
      });
    },
    'GET measures': async ({ state }, reply) => {
      expect(reply.status).toBe(200);
      expect(reply.body).toMatchObject({
        clientId: clients[state],
        series: [
          {
            instrument: 'PHQ-9',
            points: [{ messageId: symptomUpdates[state], score: 16, recordedBy: providerIds.therapist, flags: [] }],
          },
        ],
        phq9: { response: 'too_early', flags: { severe: false, safety: null, notImproving: false } },
      });
    },
    // Nobody edits the matrix clients' plans: each is the new plan, 988 listed, with no change yet.
    'GET safety-plan': async ({ state }, reply) => {
      expect(reply.status).toBe(200);
      expect(reply.body).toMatchObject({ clientId: clients[state], seq: 0 });
      expect((reply.body.sections as Json[]).map((section) => section.items)).toEqual([
        [],
        [],
        [],
        [],
        [{ ...CRISIS_LINE_ITEM }],
        [],
        [],
      ]);
    },
    'GET safety-plan versions': async ({ state }, reply) => {
      expect(reply).toEqual({ status: 200, body: { clientId: clients[state], changes: [], nextBefore: null } });
    },
    'GET safety-plan named-versions': async ({ state }, reply) => {
      expect(reply.status).toBe(200);
      expect(reply.body).toEqual({
        clientId: clients[state],
        versions: [expect.objectContaining({ id: namedVersions[state], seq: 0, label: 'Set up' })],
      });
    },
    'GET safety-plan named-version': async ({ state }, reply) => {
      expect(reply.status).toBe(200);
      expect(reply.body).toMatchObject({ id: namedVersions[state], clientId: clients[state], seq: 0 });
      expect((reply.body.sections as Json[])[4].items).toEqual([{ ...CRISIS_LINE_ITEM }]);
    },
    'GET safety-plan compare': async ({ state }, reply) => {
      expect(reply.status).toBe(200);
      expect(reply.body).toMatchObject({
        clientId: clients[state],
        from: { seq: 0, versionId: null },
        to: { seq: 0, versionId: namedVersions[state] },
      });
      expect((reply.body.sections as Json[]).map((section) => section.unchanged)).toEqual([0, 0, 0, 0, 1, 0, 0]);
    },
    'POST safety-plan named-version': async ({ caller, state }, reply, before) => {
      expect(reply).toEqual({
        status: 201,
        body: {
          id: expect.any(String),
          clientId: clients[state],
          seq: 0,
          label: `Matrix check by ${caller}`,
          authorId: providerIds[caller],
          createdAt: clock.now().toISOString(),
        },
      });
      expect(changes(before!, await footprint(clients[state]))).toEqual({
        planVersions: { added: [{ id: reply.body.id, seq: 0, author_id: providerIds[caller] }], removed: [] },
      });
    },
    // Each FHIR export holds what its API route shows the same caller, as valid FHIR R4.
    'FHIR Consent': async (row, reply) => {
      const api = await call(row.caller, 'GET', `/api/clients/${clients[row.state]}/consents`);
      expect(fhirIds(reply)).toEqual((api.body.consents as Json[]).map((consent) => consent.consentId).sort());
    },
    'FHIR AuditEvent': async (_row, reply) => {
      expect(fhirResources(reply)).toContainEqual(
        expect.objectContaining({
          subtype: [{ system: 'urn:sharedcare:code-system:audit-action', code: 'client.create' }],
          agent: [
            expect.objectContaining({
              who: expect.objectContaining({ reference: `Practitioner/${providerIds.therapist}` }),
            }),
          ],
        }),
      );
    },
    'FHIR MedicationStatement': async (row, reply) => {
      expect(fhirResources(reply)).toEqual([
        expect.objectContaining({
          status: 'active',
          medicationCodeableConcept: { text: 'sertraline' },
          subject: { reference: `Patient/${clients[row.state]}` },
          derivedFrom: [{ reference: `Communication/${medicationChanges[row.state]}` }],
        }),
      ]);
    },
    'FHIR CarePlan': async (row, reply) => {
      const api = await call(row.caller, 'GET', `/api/clients/${clients[row.state]}/safety-plan`);
      const activities = (api.body.sections as Json[]).flatMap((section) => section.items as Json[]);
      expect(fhirResources(reply)).toEqual([
        expect.objectContaining({
          id: clients[row.state],
          status: 'active',
          intent: 'plan',
          subject: { reference: `Patient/${clients[row.state]}` },
          activity: activities.map(() => expect.objectContaining({ detail: expect.any(Object) })),
        }),
      ]);
    },
    'FHIR Observation': async (row, reply) => {
      expect(fhirIds(reply)).toEqual([`${symptomUpdates[row.state]}-0`]);
    },
    'FHIR Communication': async (row, reply) => {
      const ids = fhirIds(reply);
      const reader = expectedThreadBasis(row.caller, row.state);
      expect(ids).toContain(medicationChanges[row.state]);
      // A consent recipient gets only the categories their consent names: not the PHQ-9 in the category state.
      const shown = reader !== 'consent' || RECIPIENT_CATEGORIES[row.state].includes('symptoms');
      expect({ symptomUpdate: ids.includes(symptomUpdates[row.state]) }).toEqual({ symptomUpdate: shown });
    },
    'FHIR ServiceRequest': async (row, reply) => {
      const reader = expectedThreadBasis(row.caller, row.state);
      const expected = referralOpenings[row.state]
        .filter((opening) => reader !== 'consent' || RECIPIENT_CATEGORIES[row.state].includes(String(opening.category)))
        .map((opening) => String(opening.messageId));
      // The psychiatrist's own thread holds no referral; an emergency reader sees every thread.
      expect(fhirIds(reply)).toEqual(expected.sort());
    },
    'POST message general': async (row, reply, before) => checkSent(row, reply, before!),
    'POST message medications': async (row, reply, before) => checkSent(row, reply, before!),
    'POST read': async ({ caller, state }, reply, before) => {
      expect(reply).toEqual({ status: 200, body: { threadId: threads[state], readSeq: 1 } });
      const own = before!.participants.find(
        (row) => row.thread_id === threads[state] && row.provider_id === providerIds[caller],
      )!;
      const moved = { ...own, read_seq: 1, delivered_seq: Math.max(Number(own.delivered_seq), 1) };
      const expected =
        JSON.stringify(moved) === JSON.stringify(own) ? {} : { participants: { added: [moved], removed: [own] } };
      expect(changes(before!, await footprint(clients[state]))).toEqual(expected);
    },
    'POST participants': async ({ caller, state }, reply, before) => {
      const threadId = participantsThreads[state];
      const taking = [...threadParticipants(state), 'bystander'] as Who[];
      expect(reply).toEqual({
        status: 200,
        body: {
          threadId,
          clientId: clients[state],
          subject: `Matrix participants ${state}`,
          participantIds: expect.any(Array),
          createdBy: providerIds.therapist,
          createdAt: expect.any(String),
          lastSeq: expect.any(Number),
          unread: expect.any(Number),
        },
      });
      expect(sorted(reply.body.participantIds)).toEqual(idsOf(taking));
      const thread = before!.threads.find((row) => row.id === threadId)!;
      const already = before!.participants.some(
        (row) => row.thread_id === threadId && row.provider_id === providerIds.bystander,
      );
      // The first caller allowed adds the bystander; for the others they already take part.
      const expected = already
        ? {}
        : {
            threads: { added: [{ ...thread, last_seq: Number(thread.last_seq) + 1 }], removed: [thread] },
            participants: {
              added: [
                expect.objectContaining({
                  thread_id: threadId,
                  provider_id: providerIds.bystander,
                  added_by: providerIds[caller],
                }),
              ],
              removed: [],
            },
            messages: {
              added: [
                expect.objectContaining({
                  thread_id: threadId,
                  seq: Number(thread.last_seq) + 1,
                  kind: 'system',
                  sender_id: providerIds[caller],
                }),
              ],
              removed: [],
            },
          };
      expect(changes(before!, await footprint(clients[state]))).toEqual(expected);
    },
    'POST ack medication_change': async ({ caller, state }, reply, before) => {
      const now = clock.now();
      expect(reply).toEqual({
        status: 200,
        body: { messageId: medicationChanges[state], acknowledgedAt: now.toISOString() },
      });
      expect(changes(before!, await footprint(clients[state]))).toEqual({
        acknowledgements: {
          added: [{ message_id: medicationChanges[state], provider_id: providerIds[caller], acknowledged_at: now }],
          removed: [],
        },
      });
    },
    'POST ack note': async () => {
      throw new Error('a note is never acknowledged');
    },
    'POST amend medications': async (row, reply, before) => {
      const original = correctionNoteOf(row);
      const { seq, now } = next(row, before!);
      const caller = providerIds[row.caller];
      expect(reply).toEqual({
        status: 201,
        body: {
          amendment: {
            messageId: expect.any(String),
            threadId: threads[row.state],
            clientId: clients[row.state],
            seq,
            senderId: caller,
            clientMessageId: `matrix-amend-${row.caller}`,
            kind: 'note',
            category: 'medications',
            body: { text: AMENDED(row.caller) },
            createdAt: now.toISOString(),
            priority: false,
            acknowledgeBy: null,
            amendsMessageId: original.messageId,
            state: 'current',
            stateChangedAt: null,
            stateChangedBy: null,
            amendmentReason: AMEND_REASON,
          },
          original: { ...original, state: 'amended', stateChangedAt: now.toISOString(), stateChangedBy: caller },
        },
      });
      await checkCorrected(row, before!, 'amended', {
        id: (reply.body.amendment as Json).messageId,
        sender_id: caller,
        kind: 'note',
        category: 'medications',
        amends_message_id: original.messageId,
        state: 'current',
      });
    },
    'POST in-error general': async (row, reply, before) => {
      const original = correctionNoteOf(row);
      const { seq, now } = next(row, before!);
      const caller = providerIds[row.caller];
      expect(reply).toEqual({
        status: 200,
        body: {
          original: {
            ...original,
            state: 'entered_in_error',
            stateChangedAt: now.toISOString(),
            stateChangedBy: caller,
          },
          notice: {
            messageId: expect.any(String),
            threadId: threads[row.state],
            clientId: clients[row.state],
            seq,
            senderId: caller,
            clientMessageId: expect.stringMatching(/^system:/),
            kind: 'system',
            category: 'general',
            body: { event: 'entered_in_error', messageId: original.messageId, reason: IN_ERROR_REASON },
            createdAt: now.toISOString(),
            priority: false,
            acknowledgeBy: null,
            amendsMessageId: null,
            state: 'current',
            stateChangedAt: null,
            stateChangedBy: null,
          },
        },
      });
      await checkCorrected(row, before!, 'entered_in_error', {
        id: (reply.body.notice as Json).messageId,
        sender_id: caller,
        kind: 'system',
        category: 'general',
        amends_message_id: null,
        state: 'current',
      });
    },
  };

  /** A FHIR searchset answer's resources, after checking it is one and that every resource is valid R4. */
  function fhirResources(reply: Reply): Json[] {
    expect(reply.status).toBe(200);
    expect(reply.body).toMatchObject({ resourceType: 'Bundle', type: 'searchset' });
    expect(fhirErrors(reply.body as never)).toEqual([]);
    return ((reply.body.entry as Json[] | undefined) ?? []).map((entry) => entry.resource as Json);
  }
  const fhirIds = (reply: Reply) =>
    fhirResources(reply)
      .map((resource) => String(resource.id))
      .sort();

  /** The sequence the next message of the row's thread takes, and now. */
  const next = (row: MatrixRow, before: Footprint) => {
    const thread = before.threads.find((one) => one.id === threads[row.state])!;
    return { thread, seq: Number(thread.last_seq) + 1, now: clock.now() };
  };

  /**
   * A correction: the row's note kept and marked `state` by its caller, one message added after
   * it (the amendment or the notice, matching `added`), and nothing else changed.
   */
  async function checkCorrected(row: MatrixRow, before: Footprint, state: string, added: Json): Promise<void> {
    const { thread, seq, now } = next(row, before);
    const original = before.messages.find((message) => message.id === correctionNoteOf(row).messageId)!;
    expect(original.state).toBe('current');
    const changed = changes(before, await footprint(clients[row.state]));
    changed.messages?.added.sort((a, b) => Number(a.seq) - Number(b.seq));
    expect(changed).toEqual({
      threads: { added: [{ ...thread, last_seq: seq }], removed: [thread] },
      messages: {
        added: [
          { ...original, state, state_changed_at: now, state_changed_by: providerIds[row.caller] },
          expect.objectContaining({ ...added, thread_id: threads[row.state], seq, created_at: now }),
        ],
        removed: [original],
      },
    });
  }

  /** A note stored with the next sequence, as its sender sent it, and nothing else changed. */
  async function checkSent({ caller, state, route }: MatrixRow, reply: Reply, before: Footprint): Promise<void> {
    const thread = before.threads.find((row) => row.id === threads[state])!;
    const seq = Number(thread.last_seq) + 1;
    const category = categoryOf(route);
    expect(reply).toMatchObject({
      status: 201,
      body: {
        threadId: threads[state],
        clientId: clients[state],
        seq,
        senderId: providerIds[caller],
        kind: 'note',
        category,
        body: { text: `Matrix check by ${caller}` },
      },
    });
    expect(changes(before, await footprint(clients[state]))).toEqual({
      threads: { added: [{ ...thread, last_seq: seq }], removed: [thread] },
      messages: {
        added: [
          expect.objectContaining({
            id: reply.body.messageId,
            thread_id: threads[state],
            seq,
            sender_id: providerIds[caller],
            kind: 'note',
            category,
          }),
        ],
        removed: [],
      },
    });
  }

  /** Refusals other than not_found: what they must answer, given the row. */
  const refusal = (row: MatrixRow, outcome: Outcome) =>
    outcome === 'consent_required'
      ? {
          status: 403,
          body: {
            error: {
              code: 'consent_required',
              message: expect.any(String),
              details: { providerIds: idsOf(expectedUncovered(row.route, row.state)) },
            },
          },
        }
      : { status: 400, body: { error: { code: 'invalid', message: expect.any(String) } } };

  async function runRow(row: MatrixRow): Promise<void> {
    const { method, writes } = ROUTES[row.route];
    const clientId = clients[row.state];
    // Handing messages over writes a delivered receipt: GET messages is held to its footprint too.
    const before = writes || row.route === 'GET messages' ? await footprint(clientId) : undefined;
    const reply = await call(row.caller, method, pathOf(row), bodyOf(row));
    const disagreement = KNOWN_DISAGREEMENTS.find(
      (one) => one.route === row.route && one.caller === row.caller && one.state === row.state,
    );
    const outcome = disagreement?.service ?? row.expected;
    if (outcome === 'ok') return CHECK_OK[row.route](row, reply, before);
    if (outcome === 'not_found') {
      // Exactly what a record that does not exist answers.
      expect(reply).toEqual(isFhir(row.route) ? FHIR_NOT_FOUND : NOT_FOUND);
      if (isFhir(row.route)) expect(fhirErrors(reply.body as never)).toEqual([]);
    } else {
      const details = (reply.body.error as Json | undefined)?.details as Json | undefined;
      if (details?.providerIds) details.providerIds = sorted(details.providerIds);
      expect(reply).toEqual(refusal(row, outcome));
    }
    // And nothing written.
    if (before) expect(await footprint(clientId)).toEqual(before);
  }

  const rowsOf = (route: RouteName) => {
    const rows = ACCESS_MATRIX.filter((row) => row.route === route);
    // A write that succeeds runs after the refused ones on its client, so they find it untouched.
    return [...rows.filter((row) => row.expected !== 'ok'), ...rows.filter((row) => row.expected === 'ok')];
  };

  // Reads first: the writes below open emergency access, which changes what the callers may read.
  describe.each(ROUTE_NAMES.filter((route) => !ROUTES[route].writes))('%s', (route) => {
    it.each(rowsOf(route).map((row) => [rowName(row), row] as const))('%s', async (_name, row) => runRow(row));
  });

  describe('GET /api/clients', () => {
    it.each(CALLERS)('lists for %s exactly the clients GET /api/clients/:clientId answers', async (caller) => {
      const everyClient = [...CONSENT_STATES.map((state) => clients[state]), otherOrganisationClient, outsiderClient];
      const list = await call(caller, 'GET', '/api/clients');
      expect(list.status).toBe(200);
      const listed = list.body.clients as Json[];
      const readable: string[] = [];
      const bases: Record<string, unknown> = {};
      for (const clientId of everyClient) {
        const reply = await call(caller, 'GET', `/api/clients/${clientId}`);
        expect([200, 404]).toContain(reply.status);
        if (reply.status === 200) {
          readable.push(clientId);
          bases[clientId] = reply.body.access;
        }
      }
      expect(listed.map((client) => client.clientId).sort()).toEqual([...readable].sort());
      expect(Object.fromEntries(listed.map((client) => [client.clientId, client.access]))).toEqual(bases);
      const expected = CONSENT_STATES.filter((state) => expectedOutcome('GET client', caller, state) === 'ok');
      const matrixClients = new Set(CONSENT_STATES.map((state) => clients[state]));
      expect(readable.filter((id) => matrixClients.has(id)).sort()).toEqual(
        expected.map((state) => clients[state]).sort(),
      );
    });
  });

  describe('a thread the care team does not take part in', () => {
    it('is not_found for the care team, whatever they ask, and changes nothing', async () => {
      const threadId = ownThreads.active!;
      const before = await footprint(clients.active);
      const note = { clientMessageId: 'care-team-outside', kind: 'note', category: 'general', body: { text: 'x' } };
      // Its opening notice, the psychiatrist's: were it reachable, correcting it would be invalid.
      const opening = before.messages.find((message) => message.thread_id === threadId && message.seq === 1)!;
      expect(opening).toMatchObject({ kind: 'system', sender_id: providerIds.psychiatrist });
      for (const [method, path, body] of [
        ['GET', `/api/threads/${threadId}`],
        ['GET', `/api/threads/${threadId}/messages`],
        ['GET', `/api/threads/${threadId}/referrals`],
        ['POST', `/api/threads/${threadId}/messages`, note],
        ['POST', `/api/threads/${threadId}/read`, { uptoSeq: 1 }],
        ['POST', `/api/threads/${threadId}/participants`, { providerIds: [providerIds.therapist] }],
        [
          'POST',
          `/api/messages/${String(opening.id)}/amend`,
          { clientMessageId: 'care-team-outside', body: { text: 'x' } },
        ],
        ['POST', `/api/messages/${String(opening.id)}/entered-in-error`, { reason: 'x' }],
      ] as const) {
        expect({ method, path, reply: await call('therapist', method, path, body) }).toEqual({
          method,
          path,
          reply: NOT_FOUND,
        });
      }
      expect(await footprint(clients.active)).toEqual(before);
      expect((await call('psychiatrist', 'GET', `/api/threads/${threadId}`)).body.participantIds).toEqual([
        providerIds.psychiatrist,
      ]);
    });
  });

  // Before the acknowledge rows: every medication change is overdue and unacknowledged here.
  describe('GET /api/acknowledgements/overdue', () => {
    it.each(CALLERS)(
      'lists for %s exactly the overdue acknowledgements it may still give or is owed',
      async (caller) => {
        const reply = await call(caller, 'GET', '/api/acknowledgements/overdue');
        if (CALLER_PROFILES[caller].role === 'admin') {
          expect(reply).toEqual(NOT_FOUND);
          return;
        }
        const entry = (state: ConsentState, owing: Who) => ({
          messageId: medicationChanges[state],
          threadId: threads[state],
          clientId: clients[state],
          kind: 'medication_change',
          acknowledgeBy: expect.any(String),
          senderId: providerIds[medicationChangeSender(state)],
          providerId: providerIds[owing],
        });
        const ack = (state: ConsentState) => expectedOutcome('POST ack medication_change', caller, state);
        // Owed by the caller: exactly what they may acknowledge. Owed to the sender, while they may still reach it.
        const owedByMe = CONSENT_STATES.filter((state) => ack(state) === 'ok').map((state) => entry(state, caller));
        const owedToMe = CONSENT_STATES.filter(
          (state) => medicationChangeSender(state) === caller && ack(state) === 'invalid',
        ).flatMap((state) =>
          threadParticipants(state)
            .filter((who) => who !== caller)
            .map((who) => entry(state, who)),
        );
        const order = (entries: Json[]) =>
          [...entries].sort((a, b) =>
            `${String(a.messageId)}${String(a.providerId)}` < `${String(b.messageId)}${String(b.providerId)}` ? -1 : 1,
          );
        expect(reply.status).toBe(200);
        expect({
          owedByMe: order(reply.body.owedByMe as Json[]),
          owedToMe: order(reply.body.owedToMe as Json[]),
        }).toEqual({
          owedByMe: order(owedByMe),
          owedToMe: order(owedToMe),
        });
      },
    );
  });

  describe('the access report, as the care team reads it', () => {
    const reportOf = async (state: ConsentState) => {
      const reply = await call('therapist', 'GET', `/api/clients/${clients[state]}/access-report?limit=200`);
      expect(reply.status).toBe(200);
      return reply.body.entries as Json[];
    };

    it('shows each read by a consent recipient: who, what and when', async () => {
      clock.advance(SECOND);
      const at = clock.now().toISOString();
      expect((await call('psychiatrist', 'GET', `/api/clients/${clients.active}`)).status).toBe(200);
      expect((await call('psychiatrist', 'GET', `/api/clients/${clients.active}/consents`)).status).toBe(200);
      const entry = (action: string) => ({
        sequence: expect.any(Number),
        occurredAt: at,
        actorId: providerIds.psychiatrist,
        actorName: 'Sam Okafor',
        actorRole: 'psychiatrist',
        action,
        resourceType: 'client',
        resourceId: clients.active,
        category: null,
        outcome: 'success',
      });
      expect((await reportOf('active')).slice(0, 2)).toEqual([entry('consent.read'), entry('client.read')]);
    });

    it('shows the outsider’s refused attempts on that client as refused', async () => {
      clock.advance(SECOND);
      const at = clock.now().toISOString();
      expect(await call('outsider', 'GET', `/api/clients/${clients.active}`)).toEqual(NOT_FOUND);
      expect(await call('outsider', 'GET', `/api/clients/${clients.active}/access-report`)).toEqual(NOT_FOUND);
      const refusal = {
        sequence: expect.any(Number),
        occurredAt: at,
        actorId: providerIds.outsider,
        actorName: 'Kim Novak',
        actorRole: 'therapist',
        action: 'access.refused',
        resourceType: 'client',
        resourceId: clients.active,
        category: null,
        outcome: 'refused',
      };
      expect(
        await call('outsider', 'POST', `/api/consents/${bystanderConsents.active}/revoke`, { reason: 'Not mine' }),
      ).toEqual(NOT_FOUND);
      const consentRefusal = { ...refusal, resourceType: 'consent', resourceId: bystanderConsents.active };
      expect((await reportOf('active')).slice(0, 3)).toEqual([consentRefusal, refusal, refusal]);
    });

    it('shows an emergency access opening, and GET notices shows it to the care team', async () => {
      expect(await reportOf('emergency')).toContainEqual({
        sequence: expect.any(Number),
        occurredAt: latestEmergencyOpening.toISOString(),
        actorId: providerIds.outsider,
        actorName: 'Kim Novak',
        actorRole: 'therapist',
        action: 'emergency_access.open',
        resourceType: 'client',
        resourceId: clients.emergency,
        category: null,
        outcome: 'success',
      });
      const notices = await call('therapist', 'GET', `/api/clients/${clients.emergency}/notices`);
      expect(notices.status).toBe(200);
      expect(notices.body.notices).toContainEqual({
        noticeId: expect.any(String),
        kind: 'emergency_access',
        actorId: providerIds.outsider,
        subjectId: emergencyGrants.outsider,
        createdAt: latestEmergencyOpening.toISOString(),
      });
    });
  });

  // Thread writes before the client writes: the revoke rows end the bystander's consent (whom
  // POST participants adds) and the emergency-access rows change who may read.
  const clientWrites: RouteName[] = ['POST consents', 'POST revoke', 'POST emergency-access'];
  describe.each([
    ...ROUTE_NAMES.filter((route) => ROUTES[route].writes && !clientWrites.includes(route)),
    ...clientWrites,
  ])('%s', (route) => {
    it.each(rowsOf(route).map((row) => [rowName(row), row] as const))('%s', async (_name, row) => runRow(row));
  });

  // After the correcting rows: their notes are corrected now.
  describe('correcting, beyond what the rows reach', () => {
    const amend = (who: Caller, messageId: unknown) =>
      call(who, 'POST', `/api/messages/${String(messageId)}/amend`, {
        clientMessageId: `beyond-${who}`,
        body: { text: 'x' },
      });
    const markInError = (who: Caller, messageId: unknown) =>
      call(who, 'POST', `/api/messages/${String(messageId)}/entered-in-error`, { reason: 'x' });
    const refused = (status: number, code: string) => ({
      status,
      body: { error: { code, message: expect.any(String) } },
    });

    it('is invalid for a participant with access to another’s message or a system message, and changes nothing', async () => {
      const before = await footprint(clients.active);
      const opening = before.messages.find((message) => message.thread_id === threads.active && message.seq === 1)!;
      const attempts: [Caller, unknown][] = [
        ...CONSENT_RECIPIENTS.map((who): [Caller, unknown] => [who, notes.active]),
        ['therapist', opening.id],
      ];
      for (const [who, messageId] of attempts) {
        for (const correct of [amend, markInError]) {
          expect({ who, messageId, reply: await correct(who, messageId) }).toEqual({
            who,
            messageId,
            reply: refused(400, 'invalid'),
          });
        }
      }
      expect(opening).toMatchObject({ seq: 1, kind: 'system', sender_id: providerIds.therapist });
      expect(await footprint(clients.active)).toEqual(before);
    });

    it('is a conflict once the message is amended or entered in error, and changes nothing', async () => {
      const before = await footprint(clients.active);
      for (const route of CORRECTING_ROUTES) {
        for (const who of threadParticipants('active')) {
          const messageId = correctionNotes[route].active[who].messageId;
          expect(before.messages.find((message) => message.id === messageId)?.state).toBe(
            route === 'POST amend medications' ? 'amended' : 'entered_in_error',
          );
          for (const correct of [amend, markInError]) {
            expect({ route, who, reply: await correct(who, messageId) }).toEqual({
              route,
              who,
              reply: refused(409, 'conflict'),
            });
          }
        }
      }
      expect(await footprint(clients.active)).toEqual(before);
    });
  });

  // Last: it moves the clock past every emergency grant.
  it('closes emergency access 60 minutes after it opened, and nothing else', async () => {
    const read = async (who: Caller, state: ConsentState) =>
      (await call(who, 'GET', `/api/clients/${clients[state]}`)).status;
    clock.set(new Date(latestEmergencyOpening.getTime() + 60 * MINUTE - 1));
    expect(await read('outsider', 'emergency')).toBe(200);
    clock.set(new Date(latestEmergencyOpening.getTime() + 60 * MINUTE));
    for (const state of CONSENT_STATES)
      expect({ state, status: await read('outsider', state) }).toEqual({ state, status: 404 });
    expect(await read('psychiatrist', 'emergency')).toBe(404);
    expect(await read('psychiatrist', 'none')).toBe(404);
    expect(await read('psychiatrist', 'active')).toBe(200);
    expect(await read('therapist', 'emergency')).toBe(200);
  });
});
