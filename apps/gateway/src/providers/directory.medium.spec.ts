import { randomBytes, randomUUID } from 'node:crypto';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import type { AuthContext } from '@sharedcare/auth';
import { DirectoryService, DirectorySync } from '@sharedcare/directory';
import { startTestGateway, type TestGateway } from '../../../../test/support/gateway-app.js';

const organisationId = randomUUID();

function entry(overrides: Record<string, unknown> = {}) {
  return {
    providerId: randomUUID(),
    organisationId,
    email: `${randomUUID().slice(0, 8)}@clinic.test`,
    displayName: 'Sam Okafor',
    role: 'psychiatrist',
    credential: 'MD',
    status: 'active',
    ...overrides,
  };
}

/**
 * Stands in for the auth service's `GET /internal/providers`: ordered by providerId, paged two at
 * a time with the last id as the cursor, behind the internal key.
 */
async function serveDirectory(key: Buffer, providers: { providerId: string }[]) {
  const sorted = [...providers].sort((a, b) => a.providerId.localeCompare(b.providerId));
  const calls: string[] = [];
  const server: Server = createServer((request, response) => {
    const url = new URL(request.url ?? '/', 'http://auth.test');
    calls.push(url.searchParams.get('after') ?? 'first');
    if (
      url.pathname !== '/internal/providers' ||
      request.headers.authorization !== `Bearer ${key.toString('base64url')}`
    ) {
      response.writeHead(401, { 'content-type': 'application/json' }).end('{"error":{"code":"unauthenticated"}}');
      return;
    }
    const after = url.searchParams.get('after');
    const rest = after ? sorted.filter((provider) => provider.providerId > after) : sorted;
    const page = rest.slice(0, 2);
    response.writeHead(200, { 'content-type': 'application/json' });
    response.end(JSON.stringify({ providers: page, nextAfter: rest.length > 2 ? page[1].providerId : null }));
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  return { url: `http://127.0.0.1:${(server.address() as AddressInfo).port}`, calls, close: () => server.close() };
}

describe('provider directory', () => {
  let gateway: TestGateway;
  let directory: DirectoryService;

  beforeAll(async () => {
    gateway = await startTestGateway();
    directory = gateway.app.get(DirectoryService);
  });
  afterAll(async () => {
    await gateway?.stop();
  });

  const caller = (claims: Record<string, unknown>) => ({ organisationId, ...claims }) as unknown as AuthContext;

  async function api(claims: Record<string, unknown>, path: string) {
    const token = await gateway.issuer.mint({ claims: { org: organisationId, ...claims } });
    const response = await fetch(`${gateway.url}/api${path}`, { headers: { authorization: `Bearer ${token}` } });
    return { status: response.status, body: (await response.json()) as Record<string, unknown> };
  }

  it('syncs every page of the auth service’s directory, keeps disabled accounts, and skips malformed entries', async () => {
    const key = randomBytes(32);
    const disabled = entry({ status: 'disabled', displayName: 'Former Colleague' });
    const good = [entry({ displayName: 'Alex Kim', role: 'therapist', credential: 'LPC' }), disabled, entry(), entry()];
    const bad = [entry({ role: 'superuser' }), entry({ organisationId: 'not-a-uuid' }), entry({ status: 'unknown' })];
    const auth = await serveDirectory(key, [...good, ...bad]);
    try {
      const sync = new DirectorySync(directory, { authUrl: auth.url, internalApiKey: key, intervalSeconds: 0 });
      expect(await sync.sync()).toBe(good.length);
      expect(auth.calls).toHaveLength(4); // 7 entries, two per page
      const stored = await directory.inOrganisation(
        organisationId,
        [...good, ...bad].map((provider) => provider.providerId),
      );
      expect(stored.map((provider) => provider.id).sort()).toEqual(good.map((provider) => provider.providerId).sort());
      expect(stored.find((provider) => provider.id === disabled.providerId)).toMatchObject({
        status: 'disabled',
        email: disabled.email,
      });
      // Kept, but not offered as someone to share with.
      const listed = await directory.search(caller({ providerId: good[0].providerId }), undefined, 50);
      expect(listed.map((provider) => provider.id)).toEqual(
        expect.arrayContaining(good.filter((p) => p !== disabled).map((provider) => provider.providerId)),
      );
      expect(listed.map((provider) => provider.id)).not.toContain(disabled.providerId);
    } finally {
      auth.close();
    }
  });

  it('refuses a wrong internal key without storing anything, and keeps serving from what it has', async () => {
    const auth = await serveDirectory(randomBytes(32), [entry({ organisationId: randomUUID() })]);
    try {
      const sync = new DirectorySync(directory, {
        authUrl: auth.url,
        internalApiKey: randomBytes(32),
        intervalSeconds: 0,
      });
      await expect(sync.sync()).rejects.toThrow('auth directory answered 401');
      await expect(sync.ready()).resolves.toBeUndefined();
    } finally {
      auth.close();
    }
  });

  it('lists a provider from their first call, keeps the synced email and status, and stays in its organisation', async () => {
    const newcomer = { sub: randomUUID(), role: 'care_manager', name: 'Riley Park', cred: 'RN' };
    const elsewhere = { sub: randomUUID(), role: 'therapist', name: 'Riley Parker', cred: 'LPC', org: randomUUID() };
    expect((await api(newcomer, '/me')).status).toBe(200);
    expect((await api(elsewhere, '/me')).status).toBe(200);

    const found = await api(newcomer, '/providers?query=riley');
    expect(found.body.providers).toEqual([
      {
        providerId: newcomer.sub,
        displayName: 'Riley Park',
        role: 'care_manager',
        credential: 'RN',
        email: null,
        status: 'active',
      },
    ]);
    await directory.store([
      {
        id: newcomer.sub,
        organisationId,
        email: 'riley@clinic.test',
        displayName: 'Riley Park',
        role: 'care_manager',
        credential: 'RN',
        status: 'active',
      },
    ]);
    // A renamed account's next token renames it here too; the synced email stays.
    const renamed = { ...newcomer, name: 'Riley Park-Lee' };
    expect((await api(renamed, '/providers?query=riley')).body.providers).toEqual([
      expect.objectContaining({ displayName: 'Riley Park-Lee', email: 'riley@clinic.test' }),
    ]);
    // Wildcards are literal: `%` matches only a `%`.
    expect((await api(newcomer, '/providers?query=%25')).body.providers).toEqual([]);
    expect((await api(newcomer, '/providers?limit=0')).status).toBe(400);
  });

  it('keeps a disable that arrived while a sync page was on its way', async () => {
    const provider = entry({ displayName: 'Pat Lane' });
    const synced = {
      id: provider.providerId,
      organisationId,
      email: provider.email,
      displayName: 'Pat Lane',
      role: 'psychiatrist',
      credential: 'MD',
      status: 'active' as const,
    };
    const askedAt = new Date();
    await directory.store([synced], askedAt);
    await directory.markDisabled(provider.providerId);
    // The page asked for before the disable still says active: it must not win.
    await directory.store([synced], askedAt);
    const [stored] = await directory.inOrganisation(organisationId, [provider.providerId]);
    expect(stored.status).toBe('disabled');
    // A page asked for later is newer than the disable, and is believed.
    await directory.store([synced], new Date(Date.now() + 60_000));
    expect((await directory.inOrganisation(organisationId, [provider.providerId]))[0].status).toBe('active');
  });

  it('leaves disabled accounts out of GET /api/providers, and refuses it and GET /api/me to a disabled caller', async () => {
    const colleague = { sub: randomUUID(), role: 'psychiatrist', name: 'Morgan Hale', cred: 'MD' };
    const caller = { sub: randomUUID(), role: 'therapist', name: 'Morgan Vale', cred: 'LPC' };
    expect((await api(colleague, '/me')).status).toBe(200);
    expect((await api(caller, '/me')).body).toMatchObject({ providerId: caller.sub });
    const listed = async () =>
      ((await api(caller, '/providers?query=morgan')).body.providers as { providerId: string }[]).map(
        (provider) => provider.providerId,
      );
    expect((await listed()).sort()).toEqual([caller.sub, colleague.sub].sort());

    await directory.markDisabled(colleague.sub);
    expect(await listed()).toEqual([caller.sub]);
    // The colleague's token still verifies (the disable is known here before it expires): refused all the same.
    const unauthenticated = { status: 401, body: { error: { code: 'unauthenticated', message: expect.any(String) } } };
    expect(await api(colleague, '/me')).toEqual(unauthenticated);
    expect(await api(colleague, '/providers?query=morgan')).toEqual(unauthenticated);
    // Its next call does not bring the account back.
    expect(await listed()).toEqual([caller.sub]);
  });

  it('refuses every client route to a provider the directory knows as disabled', async () => {
    const therapist = { sub: randomUUID(), role: 'therapist', name: 'Dana Reyes', cred: 'LCSW' };
    const token = await gateway.issuer.mint({ claims: { org: organisationId, ...therapist } });
    const created = await fetch(`${gateway.url}/api/clients`, {
      method: 'POST',
      headers: { authorization: `Bearer ${token}`, 'content-type': 'application/json' },
      body: JSON.stringify({ displayName: 'Jordan Lee', dateOfBirth: '1990-04-12' }),
    });
    const { clientId } = (await created.json()) as { clientId: string };
    expect((await api(therapist, `/clients/${clientId}`)).status).toBe(200);
    await directory.store([
      {
        id: therapist.sub,
        organisationId,
        email: 'dana@clinic.test',
        displayName: 'Dana Reyes',
        role: 'therapist',
        credential: 'LCSW',
        status: 'disabled',
      },
    ]);
    expect((await api(therapist, `/clients/${clientId}`)).status).toBe(404);
    expect((await api(therapist, '/clients')).body).toEqual({ clients: [] });
  });
});
