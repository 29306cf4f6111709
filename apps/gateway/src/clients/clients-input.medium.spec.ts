import { randomUUID } from 'node:crypto';
import { FixedClock } from '@sharedcare/common';
import { startTestGateway, type TestGateway } from '../../../../test/support/gateway-app.js';

type Json = Record<string, unknown>;
interface Reply {
  status: number;
  body: Json;
}

const MINUTE = 60_000;
const DAY = 24 * 60 * MINUTE;
const NOT_FOUND = { status: 404, body: { error: { code: 'not_found', message: 'Not found' } } };
/** What a body the JSON parser refuses answers (a forbidden key such as `__proto__`). */
const MALFORMED = { status: 400, body: { error: { code: 'invalid', message: 'Malformed request' } } };
/** The 42 CFR 2.32 statement every substance-use disclosure carries. */
const REDISCLOSURE_NOTICE = '42 CFR part 2 prohibits unauthorized use or disclosure of these records.';

/** The answer to a body the validation refuses, naming the fields and their problems. */
const invalid = (...details: { field: string; problems: string[] }[]) => ({
  status: 400,
  body: { error: { code: 'invalid', message: expect.any(String), details } },
});

const PROVIDERS = {
  therapist: { role: 'therapist', org: 'home', name: 'Dana Reyes', cred: 'LCSW' },
  psychiatrist: { role: 'psychiatrist', org: 'home', name: 'Sam Okafor', cred: 'MD' },
  careManager: { role: 'care_manager', org: 'home', name: 'Ria Banerjee', cred: 'RN' },
  admin: { role: 'admin', org: 'home', name: 'Ana Costa', cred: 'other' },
  otherTherapist: { role: 'therapist', org: 'other', name: 'Ola Berg', cred: 'LPC' },
  otherPsychiatrist: { role: 'psychiatrist', org: 'other', name: 'Tom Hale', cred: 'DO' },
} as const;
type Who = keyof typeof PROVIDERS;

describe('clients and consents: bad input', () => {
  const clock = new FixedClock(new Date('2026-01-05T09:00:00Z'));
  let gateway: TestGateway;
  const organisations = { home: randomUUID(), other: randomUUID() };
  const ids = Object.fromEntries(Object.keys(PROVIDERS).map((who) => [who, randomUUID()])) as Record<Who, string>;
  let client: string;
  let consent: string;
  let otherClient: string;
  let otherConsent: string;

  async function send(who: Who | null, method: string, path: string, body?: unknown): Promise<Reply> {
    const headers: Record<string, string> = {};
    if (who) {
      const { role, org, name, cred } = PROVIDERS[who];
      headers.authorization = `Bearer ${await gateway.issuer.mint({
        nowSeconds: Math.floor(clock.now().getTime() / 1000),
        claims: { sub: ids[who], org: organisations[org], role, name, cred },
      })}`;
    }
    if (body !== undefined) headers['content-type'] = 'application/json';
    const response = await fetch(`${gateway.url}${path}`, {
      method,
      headers,
      // A string is sent as written: JSON.stringify cannot produce an own `__proto__` key.
      body: body === undefined ? undefined : typeof body === 'string' ? body : JSON.stringify(body),
    });
    return { status: response.status, body: (await response.json()) as Json };
  }
  const call = (who: Who, method: string, path: string, body?: unknown) => send(who, method, path, body);

  async function must(status: number, reply: Promise<Reply>): Promise<Json> {
    const { status: got, body } = await reply;
    if (got !== status) throw new Error(`setup call answered ${got}, not ${status}: ${JSON.stringify(body)}`);
    return body;
  }

  const inDays = (days: number) => new Date(clock.now().getTime() + days * DAY).toISOString();
  const consentBody = (overrides: Json = {}): Json => ({
    recipientIds: [ids.psychiatrist],
    categories: ['general', 'medications'],
    purpose: 'treatment',
    expiresAt: inDays(180),
    attestation: { method: 'signature_on_file', signerName: 'Jordan Lee' },
    ...overrides,
  });
  const clientBody = (overrides: Json = {}): Json => ({
    displayName: 'Jordan Lee',
    dateOfBirth: '1990-04-12',
    externalId: 'MRN-00412',
    ...overrides,
  });
  const EMERGENCY = { reason: 'Client called the crisis line; on-call needs the plan now.' };

  /** Every row a request could write (the directory and the audit trail aside). */
  async function everything(): Promise<Record<string, Json[]>> {
    const tables = ['clients', 'care_team_members', 'consents', 'emergency_access_grants', 'client_notices'];
    const dump: Record<string, Json[]> = {};
    for (const table of tables) {
      dump[table] = (await gateway.db.dataSource.query(`SELECT * FROM ${table} ORDER BY 1, 2`)) as Json[];
    }
    return dump;
  }
  async function expectNothingWritten(attempt: () => Promise<void>): Promise<void> {
    const before = await everything();
    await attempt();
    expect(await everything()).toEqual(before);
  }

  beforeAll(async () => {
    gateway = await startTestGateway({ clock });
    // Providers enter the directory on their first authenticated call.
    for (const who of Object.keys(PROVIDERS) as Who[]) await must(200, call(who, 'GET', '/api/me'));
    client = String((await must(201, call('therapist', 'POST', '/api/clients', clientBody()))).clientId);
    consent = String(
      (await must(201, call('therapist', 'POST', `/api/clients/${client}/consents`, consentBody()))).consentId,
    );
    otherClient = String(
      (await must(201, call('otherTherapist', 'POST', '/api/clients', clientBody({ displayName: 'Elsewhere' }))))
        .clientId,
    );
    otherConsent = String(
      (
        await must(
          201,
          call(
            'otherTherapist',
            'POST',
            `/api/clients/${otherClient}/consents`,
            consentBody({ recipientIds: [ids.otherPsychiatrist] }),
          ),
        )
      ).consentId,
    );
  });
  afterAll(async () => {
    await gateway?.stop();
  });

  describe('mass assignment', () => {
    it.each(['authorId', 'organisationId', 'createdBy', 'id', 'clientId', 'careTeamIds'])(
      'refuses POST /api/clients with %s, writing nothing',
      async (field) => {
        await expectNothingWritten(async () => {
          expect(await call('therapist', 'POST', '/api/clients', clientBody({ [field]: ids.admin }))).toEqual(
            invalid({ field, problems: ['whitelistValidation'] }),
          );
        });
      },
    );

    it.each([
      'authorId',
      'organisationId',
      'createdBy',
      'recordedBy',
      'clientId',
      'status',
      'revokedAt',
      'effectiveFrom',
    ])('refuses POST /api/clients/:clientId/consents with %s, writing nothing', async (field) => {
      await expectNothingWritten(async () => {
        expect(
          await call('therapist', 'POST', `/api/clients/${client}/consents`, consentBody({ [field]: ids.admin })),
        ).toEqual(invalid({ field, problems: ['whitelistValidation'] }));
      });
    });

    it('refuses a field smuggled into the consent’s attestation', async () => {
      await expectNothingWritten(async () => {
        const attestation = { method: 'verbal', signerName: 'Jordan Lee', recordedBy: ids.admin };
        expect(
          await call('therapist', 'POST', `/api/clients/${client}/consents`, consentBody({ attestation })),
        ).toEqual(invalid({ field: 'attestation.recordedBy', problems: ['whitelistValidation'] }));
      });
    });

    it.each(['revokedBy', 'revokedAt', 'authorId'])('refuses a revocation with %s, writing nothing', async (field) => {
      await expectNothingWritten(async () => {
        expect(
          await call('therapist', 'POST', `/api/consents/${consent}/revoke`, {
            reason: 'Withdrawn',
            [field]: ids.admin,
          }),
        ).toEqual(invalid({ field, problems: ['whitelistValidation'] }));
      });
    });

    it.each(['expiresAt', 'minutes', 'providerId', 'authorId'])(
      'refuses an emergency access request with %s, writing nothing',
      async (field) => {
        await expectNothingWritten(async () => {
          expect(
            await call('careManager', 'POST', `/api/clients/${client}/emergency-access`, {
              ...EMERGENCY,
              [field]: field === 'minutes' ? 600 : ids.psychiatrist,
            }),
          ).toEqual(invalid({ field, problems: ['whitelistValidation'] }));
        });
      },
    );

    const pollution = (key: string) => `"${key}": {"polluted": true, "role": "admin"}`;
    const rawBodies = (key: string): [string, string, string][] => [
      ['POST', '/api/clients', `{"displayName": "Jordan Lee", "dateOfBirth": "1990-04-12", ${pollution(key)}}`],
      [
        'POST',
        `/api/clients/${client}/consents`,
        `{"recipientIds": ["${ids.psychiatrist}"], "categories": ["general"], "purpose": "treatment", "expiresAt": "${inDays(30)}", "attestation": {"method": "verbal", "signerName": "Jordan Lee", ${pollution(key)}}}`,
      ],
      ['POST', `/api/consents/${consent}/revoke`, `{"reason": "Withdrawn", ${pollution(key)}}`],
      ['POST', `/api/clients/${client}/emergency-access`, `{"reason": "${EMERGENCY.reason}", ${pollution(key)}}`],
    ];

    it.each(['__proto__', 'constructor', 'prototype'])(
      'refuses %s anywhere in a body as malformed, writing nothing and polluting nothing',
      async (key) => {
        await expectNothingWritten(async () => {
          for (const [method, path, body] of rawBodies(key)) {
            expect({ path, reply: await send('therapist', method, path, body) }).toEqual({ path, reply: MALFORMED });
          }
        });
        expect(({} as Json).polluted).toBeUndefined();
        expect(({} as Json).role).toBeUndefined();
      },
    );
  });

  describe('malformed ids in paths', () => {
    const MALFORMED_IDS = [
      'not-a-uuid',
      '12345',
      'ffffffff-ffff-ffff-ffff-fffffffffffg',
      `${randomUUID()}0`,
      `${randomUUID()}%20OR%201%3D1`,
      encodeURIComponent("1' OR '1'='1"),
      encodeURIComponent('{"$ne":null}'),
      '%00',
    ];
    const ROUTES: [string, string, string, unknown][] = [
      ['GET', '/api/clients/:id', 'clientId', undefined],
      ['GET', '/api/clients/:id/notices', 'clientId', undefined],
      ['GET', '/api/clients/:id/consents', 'clientId', undefined],
      ['GET', '/api/clients/:id/access-report', 'clientId', undefined],
      ['POST', '/api/clients/:id/consents', 'clientId', consentBody],
      ['POST', '/api/clients/:id/emergency-access', 'clientId', EMERGENCY],
      ['POST', '/api/consents/:id/revoke', 'consentId', { reason: 'Withdrawn' }],
    ];

    it.each(ROUTES)('answers %s %s with a malformed id 400 invalid naming %s', async (method, path, field, body) => {
      await expectNothingWritten(async () => {
        for (const id of MALFORMED_IDS) {
          const payload = typeof body === 'function' ? (body as () => Json)() : body;
          expect({ id, reply: await call('therapist', method, path.replace(':id', id), payload) }).toEqual({
            id,
            reply: invalid({ field, problems: ['isUuid'] }),
          });
        }
      });
    });
  });

  describe('another organisation’s ids', () => {
    const attempts = (clientId: string, consentId: string, recipient: string): [string, string, unknown][] => [
      ['GET', `/api/clients/${clientId}`, undefined],
      ['GET', `/api/clients/${clientId}/notices`, undefined],
      ['GET', `/api/clients/${clientId}/consents`, undefined],
      ['GET', `/api/clients/${clientId}/access-report`, undefined],
      ['POST', `/api/clients/${clientId}/consents`, consentBody({ recipientIds: [recipient] })],
      ['POST', `/api/clients/${clientId}/emergency-access`, EMERGENCY],
      ['POST', `/api/consents/${consentId}/revoke`, { reason: 'Withdrawn' }],
    ];

    it('answers every route 404 not_found across organisations, both ways, writing nothing', async () => {
      await expectNothingWritten(async () => {
        for (const [method, path, body] of attempts(otherClient, otherConsent, ids.psychiatrist)) {
          expect({ path, reply: await call('therapist', method, path, body) }).toEqual({ path, reply: NOT_FOUND });
        }
        for (const [method, path, body] of attempts(client, consent, ids.otherPsychiatrist)) {
          expect({ path, reply: await call('otherTherapist', method, path, body) }).toEqual({
            path,
            reply: NOT_FOUND,
          });
        }
      });
    });

    it('answers the organisation’s admin 404 for another organisation’s client, exactly as for none', async () => {
      expect(await call('admin', 'GET', `/api/clients/${otherClient}`)).toEqual(NOT_FOUND);
      expect(await call('admin', 'GET', `/api/clients/${randomUUID()}`)).toEqual(NOT_FOUND);
    });

    it('takes an id in upper case as the same id', async () => {
      const upper = await call('therapist', 'GET', `/api/clients/${client.toUpperCase()}`);
      expect(upper).toMatchObject({ status: 200, body: { clientId: client } });
      expect(await call('therapist', 'GET', `/api/clients/${otherClient.toUpperCase()}`)).toEqual(NOT_FOUND);
    });

    it('lists no client of another organisation', async () => {
      const list = await call('therapist', 'GET', '/api/clients');
      expect(list.status).toBe(200);
      expect((list.body.clients as Json[]).map((entry) => entry.clientId)).toEqual([client]);
    });
  });

  describe('consent content', () => {
    const recipientRefusal = (...indexes: number[]) =>
      invalid(...indexes.map((index) => ({ field: `recipientIds.${index}`, problems: ['unknownProvider'] })));
    const CASES: [string, () => Json, ReturnType<typeof invalid>][] = [
      ['a recipient not in the directory', () => consentBody({ recipientIds: [randomUUID()] }), recipientRefusal(0)],
      [
        'a recipient of another organisation',
        () => consentBody({ recipientIds: [ids.otherPsychiatrist] }),
        recipientRefusal(0),
      ],
      ['the admin as recipient', () => consentBody({ recipientIds: [ids.admin] }), recipientRefusal(0)],
      [
        'a good recipient and an unknown one',
        () => consentBody({ recipientIds: [ids.psychiatrist, randomUUID()] }),
        recipientRefusal(1),
      ],
      [
        'the same recipient twice',
        () => consentBody({ recipientIds: [ids.psychiatrist, ids.psychiatrist] }),
        invalid({ field: 'recipientIds', problems: ['unique'] }),
      ],
      [
        'the same recipient twice, in different case',
        () => consentBody({ recipientIds: [ids.psychiatrist, ids.psychiatrist.toUpperCase()] }),
        invalid({ field: 'recipientIds', problems: ['unique'] }),
      ],
      [
        'no recipient',
        () => consentBody({ recipientIds: [] }),
        invalid({ field: 'recipientIds', problems: ['arrayMinSize'] }),
      ],
      [
        'expiresAt in the past',
        () => consentBody({ expiresAt: inDays(-1) }),
        invalid({ field: 'expiresAt', problems: ['range'] }),
      ],
      [
        'expiresAt now',
        () => consentBody({ expiresAt: clock.now().toISOString() }),
        invalid({ field: 'expiresAt', problems: ['range'] }),
      ],
      [
        'expiresAt more than five years ahead',
        () => consentBody({ expiresAt: new Date(Date.UTC(2031, 0, 5, 9, 0, 0, 1)).toISOString() }),
        invalid({ field: 'expiresAt', problems: ['range'] }),
      ],
      [
        'expiresAt that is not a date',
        () => consentBody({ expiresAt: 'next tuesday' }),
        invalid({ field: 'expiresAt', problems: ['isIso8601'] }),
      ],
      [
        'an unknown category',
        () => consentBody({ categories: ['general', 'hiv_status'] }),
        invalid({ field: 'categories', problems: ['isIn'] }),
      ],
      [
        'a category twice',
        () => consentBody({ categories: ['general', 'general'] }),
        invalid({ field: 'categories', problems: ['unique'] }),
      ],
      [
        'no category',
        () => consentBody({ categories: [] }),
        invalid({ field: 'categories', problems: ['arrayMinSize'] }),
      ],
      [
        'an unknown purpose',
        () => consentBody({ purpose: 'marketing' }),
        invalid({ field: 'purpose', problems: ['isIn'] }),
      ],
      [
        'an unknown attestation method',
        () => consentBody({ attestation: { method: 'telepathy', signerName: 'Jordan Lee' } }),
        invalid({ field: 'attestation.method', problems: ['isIn'] }),
      ],
      [
        'a blank signer name',
        () => consentBody({ attestation: { method: 'verbal', signerName: '   ' } }),
        invalid({ field: 'attestation.signerName', problems: ['minLength'] }),
      ],
      [
        'more than 20 recipients',
        () => consentBody({ recipientIds: Array.from({ length: 21 }, () => randomUUID()) }),
        invalid({ field: 'recipientIds', problems: ['arrayMaxSize'] }),
      ],
      [
        'a recipient id that is not a uuid',
        () => consentBody({ recipientIds: ['dr-okafor'] }),
        invalid({ field: 'recipientIds', problems: ['isUuid'] }),
      ],
      [
        'notes over 2000 characters',
        () => consentBody({ notes: 'n'.repeat(2001) }),
        invalid({ field: 'notes', problems: ['maxLength'] }),
      ],
    ];

    it.each(CASES)('refuses %s with 400 invalid naming the field, writing nothing', async (_name, body, expected) => {
      await expectNothingWritten(async () => {
        expect(await call('therapist', 'POST', `/api/clients/${client}/consents`, body())).toEqual(expected);
      });
    });

    it('refuses a recipient whose account is disabled, writing nothing', async () => {
      // The directory sync marks disabled accounts; seeded here as the sync would store it.
      await gateway.db.dataSource.query(`UPDATE directory_providers SET status = 'disabled' WHERE id = $1`, [
        ids.careManager,
      ]);
      try {
        await expectNothingWritten(async () => {
          expect(
            await call(
              'therapist',
              'POST',
              `/api/clients/${client}/consents`,
              consentBody({ recipientIds: [ids.careManager] }),
            ),
          ).toEqual(invalid({ field: 'recipientIds.0', problems: ['unknownProvider'] }));
        });
      } finally {
        await gateway.db.dataSource.query(`UPDATE directory_providers SET status = 'active' WHERE id = $1`, [
          ids.careManager,
        ]);
      }
    });

    it('accepts an expiry exactly five years ahead', async () => {
      const reply = await call(
        'therapist',
        'POST',
        `/api/clients/${client}/consents`,
        consentBody({ expiresAt: '2031-01-05T09:00:00.000Z' }),
      );
      expect(reply).toMatchObject({ status: 201, body: { status: 'active', expiresAt: '2031-01-05T09:00:00.000Z' } });
    });

    it('puts the redisclosure notice on a substance-use consent, and only there', async () => {
      const substance = await call(
        'therapist',
        'POST',
        `/api/clients/${client}/consents`,
        consentBody({ categories: ['general', 'substance_use'] }),
      );
      expect(substance).toMatchObject({ status: 201, body: { redisclosureNotice: REDISCLOSURE_NOTICE } });
      const plain = await call('therapist', 'POST', `/api/clients/${client}/consents`, consentBody());
      expect(plain.status).toBe(201);
      expect(plain.body).not.toHaveProperty('redisclosureNotice');

      for (const who of ['therapist', 'psychiatrist'] as const) {
        const list = await call(who, 'GET', `/api/clients/${client}/consents`);
        expect(list.status).toBe(200);
        const listed = new Map((list.body.consents as Json[]).map((entry) => [entry.consentId, entry]));
        expect(listed.get(substance.body.consentId)).toMatchObject({ redisclosureNotice: REDISCLOSURE_NOTICE });
        expect(listed.get(plain.body.consentId)).not.toHaveProperty('redisclosureNotice');
      }
    });

    it('answers a second revocation 409 conflict and keeps the first', async () => {
      const created = await must(201, call('therapist', 'POST', `/api/clients/${client}/consents`, consentBody()));
      const path = `/api/consents/${String(created.consentId)}/revoke`;
      const first = await call('therapist', 'POST', path, { reason: 'Client withdrew by phone' });
      expect(first).toMatchObject({ status: 200, body: { status: 'revoked' } });
      clock.advance(MINUTE);
      await expectNothingWritten(async () => {
        expect(await call('therapist', 'POST', path, { reason: 'Second thoughts' })).toEqual({
          status: 409,
          body: { error: { code: 'conflict', message: expect.any(String) } },
        });
      });
      const list = await call('therapist', 'GET', `/api/clients/${client}/consents`);
      expect((list.body.consents as Json[]).find((entry) => entry.consentId === created.consentId)).toMatchObject({
        status: 'revoked',
        revokedAt: first.body.revokedAt,
        revocationReason: 'Client withdrew by phone',
      });
    });

    it('lets exactly one of several simultaneous revocations through', async () => {
      const created = await must(201, call('therapist', 'POST', `/api/clients/${client}/consents`, consentBody()));
      const path = `/api/consents/${String(created.consentId)}/revoke`;
      const replies = await Promise.all(
        ['First', 'Second', 'Third', 'Fourth'].map((word) =>
          call('therapist', 'POST', path, { reason: `${word} try` }),
        ),
      );
      expect(replies.map((reply) => reply.status).sort()).toEqual([200, 409, 409, 409]);
      const winner = replies.find((reply) => reply.status === 200)!;
      const list = await call('therapist', 'GET', `/api/clients/${client}/consents`);
      expect((list.body.consents as Json[]).find((entry) => entry.consentId === created.consentId)).toMatchObject({
        status: 'revoked',
        revocationReason: winner.body.revocationReason,
      });
    });

    it('refuses a revocation without a reason', async () => {
      await expectNothingWritten(async () => {
        expect(await call('therapist', 'POST', `/api/consents/${consent}/revoke`, { reason: '  ' })).toEqual(
          invalid({ field: 'reason', problems: ['minLength'] }),
        );
        const missing = await call('therapist', 'POST', `/api/consents/${consent}/revoke`, {});
        expect(missing).toMatchObject({ status: 400, body: { error: { code: 'invalid' } } });
        expect((missing.body.error as { details: Json[] }).details.map((detail) => detail.field)).toEqual(['reason']);
      });
    });
  });

  describe('query strings and sizes', () => {
    it.each([['limit=0'], ['limit=201'], ['limit=ten'], ['before=0'], ['before=abc'], ['clientId=' + randomUUID()]])(
      'refuses an access report asked with %s as invalid',
      async (query) => {
        const reply = await call('therapist', 'GET', `/api/clients/${client}/access-report?${query}`);
        expect(reply).toMatchObject({ status: 400, body: { error: { code: 'invalid' } } });
        expect((reply.body.error as { details: Json[] }).details.map((detail) => detail.field)).toEqual([
          query.split('=')[0],
        ]);
      },
    );

    it('refuses a body over the size limit, writing nothing', async () => {
      await expectNothingWritten(async () => {
        const reply = await call(
          'therapist',
          'POST',
          `/api/clients/${client}/consents`,
          consentBody({ notes: 'n'.repeat(70_000) }),
        );
        expect(reply).toEqual({ status: 413, body: { error: { code: 'invalid', message: expect.any(String) } } });
      });
    });

    it('refuses an emergency reason over 1000 characters, opening nothing', async () => {
      await expectNothingWritten(async () => {
        expect(
          await call('careManager', 'POST', `/api/clients/${client}/emergency-access`, { reason: 'r'.repeat(1001) }),
        ).toEqual(invalid({ field: 'reason', problems: ['maxLength'] }));
      });
    });
  });

  describe('emergency access reason', () => {
    it.each([
      ['under 20 characters', 'Needs the plan now.'],
      ['under 20 characters once trimmed', `   ${'x'.repeat(19)}          `],
    ])('refuses a reason %s with 400 invalid naming reason, opening nothing', async (_name, reason) => {
      expect(reason.trim()).toHaveLength(19);
      await expectNothingWritten(async () => {
        expect(await call('careManager', 'POST', `/api/clients/${client}/emergency-access`, { reason })).toEqual(
          invalid({ field: 'reason', problems: ['minLength'] }),
        );
      });
      expect(await call('careManager', 'GET', `/api/clients/${client}/notices`)).toEqual(NOT_FOUND);
    });

    it('refuses a missing or non-text reason, opening nothing', async () => {
      await expectNothingWritten(async () => {
        for (const body of [{}, { reason: 123456789012345 }, { reason: ['a reason of twenty characters'] }]) {
          const reply = await call('careManager', 'POST', `/api/clients/${client}/emergency-access`, body);
          expect(reply).toMatchObject({ status: 400, body: { error: { code: 'invalid' } } });
          expect((reply.body.error as { details: Json[] }).details.map((detail) => detail.field)).toEqual(['reason']);
        }
      });
    });
  });

  describe('client details', () => {
    it.each([
      ['dateOfBirth', 'a date that does not exist', { dateOfBirth: '1990-02-30' }],
      ['dateOfBirth', 'a date in the future', { dateOfBirth: '2099-01-01' }],
      ['dateOfBirth', 'another format', { dateOfBirth: '04/12/1990' }],
      ['displayName', 'a blank name', { displayName: '   ' }],
      ['externalId', 'an external id with spaces', { externalId: 'MRN 00412' }],
    ])('refuses %s as %s, writing nothing', async (field, _name, overrides) => {
      await expectNothingWritten(async () => {
        const reply = await call('therapist', 'POST', '/api/clients', clientBody(overrides));
        expect(reply).toMatchObject({ status: 400, body: { error: { code: 'invalid' } } });
        expect((reply.body.error as { details: Json[] }).details.map((detail) => detail.field)).toEqual([field]);
      });
    });

    it('refuses a body that is not JSON, or not well-formed JSON, writing nothing', async () => {
      await expectNothingWritten(async () => {
        const token = await gateway.issuer.mint({
          nowSeconds: Math.floor(clock.now().getTime() / 1000),
          claims: { sub: ids.therapist, org: organisations.home, role: 'therapist', name: 'Dana Reyes', cred: 'LCSW' },
        });
        const form = await fetch(`${gateway.url}/api/clients`, {
          method: 'POST',
          headers: { authorization: `Bearer ${token}`, 'content-type': 'application/x-www-form-urlencoded' },
          body: 'displayName=Jordan&dateOfBirth=1990-04-12',
        });
        expect(form.status).toBe(415);
        expect(await form.json()).toEqual({ error: { code: 'invalid', message: expect.any(String) } });
        expect(await send('therapist', 'POST', '/api/clients', '{"displayName": "Jordan",')).toEqual(MALFORMED);
      });
    });
  });

  // Last: everything above was refused without harm.
  it('keeps serving, with an intact audit chain, after all of it', async () => {
    const health = await fetch(`${gateway.url}/health`);
    expect(health.status).toBe(200);
    expect(await health.json()).toEqual({ status: 'ok' });
    const list = await call('therapist', 'GET', '/api/clients');
    expect(list).toMatchObject({ status: 200, body: { clients: [{ clientId: client, displayName: 'Jordan Lee' }] } });
    const verify = await call('admin', 'GET', '/api/audit/verify');
    expect(verify).toEqual({ status: 200, body: { ok: true, count: expect.any(Number) } });
  });
});
