import { randomBytes, randomUUID } from 'node:crypto';
import { Clock } from '@sharedcare/common';
import { createTestDatabase, type TestDatabase } from '../../../../test/support/test-database.js';
import { type AuthTestApp, createAuthTestApp } from '../../test/auth-testing.js';
import { createProvider, PASSWORD } from '../../test/fixtures.js';
import { authEntities, authMigrations } from '../database/schema.js';
import type { Provider } from '../providers/provider.entity.js';
import { ProvidersRepository } from '../providers/providers.repository.js';

interface DirectoryAnswer {
  providers: { providerId: string; organisationId: string }[];
  nextAfter: string | null;
  error?: { code: string; message: string; details?: unknown };
}

/** GET /internal/providers: the directory the consult service syncs from, behind INTERNAL_API_KEY. */
describe('internal provider directory over HTTP', () => {
  const internalApiKey = randomBytes(32);
  const bearer = `Bearer ${internalApiKey.toString('base64url')}`;
  let db: TestDatabase;
  let t: AuthTestApp;
  let url: string;
  let providers: Provider[];
  let disabled: Provider;

  beforeAll(async () => {
    db = await createTestDatabase('auth', authEntities, authMigrations);
    // Every rate limit at one request: a directory walk of many pages must not meet any of them.
    const one = { points: 1, durationSeconds: 60 };
    t = await createAuthTestApp(db, {
      internalApiKey,
      rateLimits: { 'auth.login': one, 'auth.register': one, 'auth.refresh': one, 'auth.mfa': one },
    });
    url = await t.listen();
    const admin = await createProvider(t, { role: 'admin', credential: 'other', organisationName: 'North Clinic' });
    providers = [admin];
    for (const role of ['therapist', 'psychiatrist', 'care_manager'] as const)
      providers.push(await createProvider(t, { role, organisationId: admin.organisationId }));
    for (let i = 0; i < 4; i++) providers.push(await createProvider(t, { organisationName: 'South Practice' }));
    disabled = providers[2];
    await t.get(ProvidersRepository).disable(disabled.id, t.get(Clock).now());
    providers.sort((a, b) => (a.id < b.id ? -1 : a.id > b.id ? 1 : 0));
  });
  afterAll(async () => {
    await t.close();
    await db.stop();
  });

  /** `authorization: null` sends no Authorization header at all. */
  async function directory(query = '', { authorization = bearer }: { authorization?: string | null } = {}) {
    const response = await fetch(`${url}/internal/providers${query}`, {
      headers: authorization === null ? {} : { authorization },
    });
    return { status: response.status, headers: response.headers, body: (await response.json()) as DirectoryAnswer };
  }

  const entry = (provider: Provider, status: 'active' | 'disabled' = 'active') => ({
    providerId: provider.id,
    organisationId: provider.organisationId,
    email: provider.email,
    displayName: provider.displayName,
    role: provider.role,
    credential: provider.credential,
    status,
  });

  it('lists every provider of every organisation in providerId order, a disabled one as disabled', async () => {
    const page = await directory();
    expect(page.status).toBe(200);
    expect(page.body).toEqual({
      providers: providers.map((provider) => entry(provider, provider.id === disabled.id ? 'disabled' : 'active')),
      nextAfter: null,
    });
    expect(new Set(page.body.providers.map((p) => p.organisationId)).size).toBe(2);
    expect(page.headers.get('cache-control')).toBe('no-store');
  });

  it('accepts the key as base64 as well as base64url', async () => {
    const page = await directory('', { authorization: `Bearer ${internalApiKey.toString('base64')}` });
    expect(page).toMatchObject({ status: 200, body: { providers: expect.any(Array) } });
    expect(page.body.providers).toHaveLength(providers.length);
  });

  it.each([1, 2, 3, 8])('walks every provider exactly once in pages of %i', async (limit) => {
    const seen: string[] = [];
    let after: string | null = null;
    let requests = 0;
    do {
      const page = await directory(after === null ? `?limit=${limit}` : `?after=${after}&limit=${limit}`);
      requests += 1;
      expect(page.status).toBe(200);
      expect(page.body.providers.length).toBeLessThanOrEqual(limit);
      seen.push(...page.body.providers.map((p) => p.providerId));
      after = page.body.nextAfter;
      if (after !== null) expect(after).toBe(seen.at(-1));
    } while (after !== null && requests <= providers.length);
    expect(seen).toEqual(providers.map((provider) => provider.id));
    expect(requests).toBe(Math.ceil(providers.length / limit));
  });

  it('starts after any id, known or not, and answers an empty last page past the end', async () => {
    const page = await directory(`?after=${providers[5].id}`);
    expect(page.body.providers.map((p) => p.providerId)).toEqual(providers.slice(6).map((provider) => provider.id));
    await expect(directory(`?after=ffffffff-ffff-4fff-bfff-ffffffffffff`)).resolves.toMatchObject({
      status: 200,
      body: { providers: [], nextAfter: null },
    });
    const unknown = randomUUID();
    const fromUnknown = await directory(`?after=${unknown}`);
    expect(fromUnknown.body.providers.map((p) => p.providerId)).toEqual(
      providers.filter((provider) => provider.id > unknown).map((provider) => provider.id),
    );
  });

  it('answers 401 unauthenticated to a missing or wrong key, and to an access token instead of the key', async () => {
    const login = await fetch(`${url}/auth/login`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      // Any provider but the disabled one (ids are random, so either may sort first).
      body: JSON.stringify({ email: providers.find((p) => p.id !== disabled.id)!.email, password: PASSWORD }),
    });
    expect(login.status).toBe(200);
    const { accessToken } = (await login.json()) as { accessToken: string };
    const refusals = [
      null,
      '',
      'Bearer',
      `Bearer ${randomBytes(32).toString('base64url')}`,
      `Bearer ${internalApiKey.toString('hex')}`,
      `Bearer ${internalApiKey.toString('base64url').slice(0, -1)}`,
      `Bearer ${internalApiKey.toString('base64url')}x`,
      `Basic ${internalApiKey.toString('base64url')}`,
      internalApiKey.toString('base64url'),
      `Bearer ${accessToken}`,
    ];
    for (const authorization of refusals) {
      const refused = await directory('', { authorization });
      expect({ authorization, status: refused.status, body: refused.body }).toEqual({
        authorization,
        status: 401,
        body: { error: { code: 'unauthenticated', message: 'Authentication required' } },
      });
    }
    // The key is checked before the query: a caller without it learns nothing about the rules.
    await expect(directory('?limit=0', { authorization: null })).resolves.toMatchObject({ status: 401 });
  });

  it.each([
    ['after not a uuid', '?after=not-a-uuid', 'after'],
    ['limit of 0', '?limit=0', 'limit'],
    ['limit over 500', '?limit=501', 'limit'],
    ['limit not a number', '?limit=lots', 'limit'],
    ['limit not an integer', '?limit=1.5', 'limit'],
    ['limit given twice', '?limit=1&limit=2', 'limit'],
    ['an unknown parameter', '?organisationId=x', 'organisationId'],
  ])('answers 400 invalid to %s', async (_, query, field) => {
    const refused = await directory(query);
    expect(refused).toMatchObject({
      status: 400,
      body: { error: { code: 'invalid', details: [expect.objectContaining({ field })] } },
    });
  });

  it('accepts the limits 1 and 500', async () => {
    await expect(directory('?limit=1')).resolves.toMatchObject({
      status: 200,
      body: {
        providers: [entry(providers[0], providers[0].id === disabled.id ? 'disabled' : 'active')],
        nextAfter: providers[0].id,
      },
    });
    const all = await directory('?limit=500');
    expect(all).toMatchObject({ status: 200, body: { nextAfter: null } });
    expect(all.body.providers).toHaveLength(providers.length);
  });

  it('is documented in the OpenAPI document under the internal tag', async () => {
    const docs = (await (await fetch(`${url}/docs-json`)).json()) as {
      paths: Record<string, { get?: { tags?: string[]; parameters?: { name: string }[] } }>;
    };
    const operation = docs.paths['/internal/providers']?.get;
    expect(operation?.tags).toEqual(['internal']);
    expect(operation?.parameters?.map((parameter) => parameter.name).sort()).toEqual(['after', 'limit']);
  });
});
