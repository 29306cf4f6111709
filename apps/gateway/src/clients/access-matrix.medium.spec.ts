import { randomUUID } from 'node:crypto';
import { describeEndpoints } from '@sharedcare/auth';
import { FixedClock } from '@sharedcare/common';
import { startTestGateway, type TestGateway } from '../../../../test/support/gateway-app.js';
import {
  ACCESS_MATRIX,
  CALLER_PROFILES,
  CALLERS,
  type Caller,
  CONSENT_RECIPIENTS,
  CONSENT_STATES,
  type ConsentState,
  EMERGENCY_OPENERS,
  expectedBasis,
  expectedOutcome,
  type MatrixRow,
  READABLE_MATRIX,
  renderMatrix,
  ROUTE_NAMES,
  ROUTES,
  type RouteName,
} from '../../test/access-matrix.js';
import { servedPath } from '../gateway-app.js';

const NOT_FOUND = { status: 404, body: { error: { code: 'not_found', message: 'Not found' } } };
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
  /** Per client, a consent naming only the bystander: what the revoke rows aim at. */
  const bystanderConsents = {} as Record<ConsentState, string>;
  /** The grant each emergency opener got on the emergency state's client. */
  const emergencyGrants = {} as Record<Caller, string>;
  let otherOrganisationClient: string;
  /** The outsider treats a client of their own: care team elsewhere must not count here. */
  let outsiderClient: string;
  /** The latest emergency access opened by any row, for the expiry check at the end. */
  let latestEmergencyOpening = new Date(0);

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

  /** Everything a write could change on one client, straight from the database. */
  async function footprint(clientId: string) {
    const rows = (sql: string) => gateway.db.dataSource.query(sql, [clientId]) as Promise<Json[]>;
    return {
      client: await rows(`SELECT * FROM clients WHERE id = $1`),
      careTeam: await rows(`SELECT * FROM care_team_members WHERE client_id = $1 ORDER BY provider_id`),
      consents: await rows(`SELECT * FROM consents WHERE client_id = $1 ORDER BY id`),
      grants: await rows(`SELECT * FROM emergency_access_grants WHERE client_id = $1 ORDER BY id`),
      notices: await rows(`SELECT * FROM client_notices WHERE client_id = $1 ORDER BY id`),
    };
  }
  type Footprint = Awaited<ReturnType<typeof footprint>>;
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
    await grantToRecipients('active', ['general', 'symptoms', 'medications'], 365);
    await grantToRecipients('expired', ['general', 'symptoms', 'medications'], 1);
    const revoked = await grantToRecipients('revoked', ['general', 'symptoms', 'medications'], 365);
    await must(
      200,
      call('therapist', 'POST', `/api/consents/${String(revoked.consentId)}/revoke`, { reason: 'Client withdrew' }),
    );
    await grantToRecipients('category', ['medications'], 365);
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
    const perRecord = describeEndpoints(gateway.app, servedPath)
      .filter((row) => row.transport === 'http' && row.endpoint.includes('/:'))
      .map((row) => row.endpoint);
    expect(perRecord.sort()).toEqual(
      Object.values(ROUTES)
        .map((route) => `${route.method} ${route.path}`)
        .sort(),
    );
  });

  it('sets each client up in the consent state it is named after', async () => {
    const statuses = async (state: ConsentState) => {
      const reply = await call('therapist', 'GET', `/api/clients/${clients[state]}/consents`);
      expect(reply.status).toBe(200);
      return (reply.body.consents as Json[])
        .filter((consent) => consent.consentId !== bystanderConsents[state])
        .map((consent) => ({ status: consent.status, categories: consent.categories }));
    };
    const full = ['general', 'symptoms', 'medications'];
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
  });

  const rowName = (row: MatrixRow) => `${row.caller} [${row.state}] → ${row.expected}`;

  function pathOf(row: MatrixRow): string {
    const path = ROUTES[row.route].path
      .replace(':clientId', clients[row.state])
      .replace(':consentId', bystanderConsents[row.state]);
    // The whole report: the client.create entry is the oldest, and many rows came since.
    return row.route === 'GET access-report' ? `${path}?limit=200` : path;
  }

  function bodyOf(route: RouteName): unknown {
    switch (route) {
      case 'POST consents':
        return consentBody(['bystander'], ['general'], new Date(clock.now().getTime() + 30 * DAY));
      case 'POST revoke':
        return { reason: 'Matrix check revocation' };
      case 'POST emergency-access':
        return EMERGENCY_REASON;
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
    'GET consents': async ({ state }, reply) => {
      expect(reply.status).toBe(200);
      const listed = (reply.body.consents as Json[]).map((consent) => consent.consentId).sort();
      expect(listed).toEqual((await footprint(clients[state])).consents.map((consent) => consent.id));
      expect(listed).toContain(bystanderConsents[state]);
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
  };

  async function runRow(row: MatrixRow): Promise<void> {
    const { method, writes } = ROUTES[row.route];
    const clientId = clients[row.state];
    const before = writes ? await footprint(clientId) : undefined;
    const reply = await call(row.caller, method, pathOf(row), bodyOf(row.route));
    if (row.expected === 'ok') return CHECK_OK[row.route](row, reply, before);
    // Exactly what a client that does not exist answers, and nothing written.
    expect(reply).toEqual(NOT_FOUND);
    if (before) expect(await footprint(clientId)).toEqual(before);
  }

  const rowsOf = (route: RouteName) => {
    const rows = ACCESS_MATRIX.filter((row) => row.route === route);
    // A write that succeeds runs after the refused ones on its client, so they find it untouched.
    return [...rows.filter((row) => row.expected === 'not_found'), ...rows.filter((row) => row.expected === 'ok')];
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

  describe.each(ROUTE_NAMES.filter((route) => ROUTES[route].writes))('%s', (route) => {
    it.each(rowsOf(route).map((row) => [rowName(row), row] as const))('%s', async (_name, row) => runRow(row));
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
