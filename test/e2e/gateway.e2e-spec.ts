import { io, type Socket } from 'socket.io-client';
import { DEMO_EMAILS, DEMO_PASSWORD, demoLogin } from '../support/demo.js';
import { type Platform, readInternalApiKey, startPlatform } from '../support/services.js';

/**
 * The consult service as a user runs it, next to the real auth service: a token the auth service
 * issues is accepted by the gateway over REST and socket.io, verified against the auth service's
 * JWKS; a tampered one is refused on both.
 */
async function login(platform: Platform, email: string): Promise<string> {
  const response = await demoLogin(platform.auth.url, email);
  expect(response.status).toBe(200);
  const body = (await response.json()) as { accessToken: string };
  expect(typeof body.accessToken).toBe('string');
  return body.accessToken;
}

function connect(platform: Platform, token: string): Promise<{ socket: Socket; error?: Error & { data?: unknown } }> {
  const socket = io(`${platform.gateway.url}/consult`, { auth: { token }, reconnection: false, forceNew: true });
  return new Promise((resolve) => {
    socket.once('connect', () => resolve({ socket }));
    socket.once('connect_error', (error) => resolve({ socket, error }));
  });
}

/** The same token with one character of its signature changed. */
function tamper(token: string): string {
  const [header, payload, signature] = token.split('.');
  const flipped = signature[0] === 'A' ? 'B' : 'A';
  return `${header}.${payload}.${flipped}${signature.slice(1)}`;
}

describe('consult gateway with the real auth service', () => {
  let platform: Platform;

  beforeAll(async () => {
    platform = await startPlatform();
  });
  afterAll(async () => {
    await platform?.stop();
  });

  it('answers GET /api/me for the demo therapist with a token from the auth service', async () => {
    const token = await login(platform, 'therapist@demo.test');
    const response = await fetch(`${platform.gateway.url}/api/me`, { headers: { authorization: `Bearer ${token}` } });
    expect(response.status).toBe(200);
    const me = (await response.json()) as Record<string, string>;
    expect(me).toEqual({
      providerId: expect.stringMatching(/^[0-9a-f-]{36}$/),
      organisationId: expect.stringMatching(/^[0-9a-f-]{36}$/),
      role: 'therapist',
      displayName: expect.any(String),
      credential: 'LCSW',
    });

    const psychiatrist = (await (
      await fetch(`${platform.gateway.url}/api/me`, {
        headers: { authorization: `Bearer ${await login(platform, 'psychiatrist@demo.test')}` },
      })
    ).json()) as Record<string, string>;
    expect(psychiatrist).toMatchObject({ role: 'psychiatrist', credential: 'MD', organisationId: me.organisationId });
    expect(psychiatrist.providerId).not.toBe(me.providerId);
  });

  it('seeds the demo’s shared client: the therapist and psychiatrist see it, the outsider gets not_found everywhere', async () => {
    const get = async (email: string, path: string, init: RequestInit = {}) => {
      const token = await login(platform, email);
      const response = await fetch(`${platform.gateway.url}/api${path}`, {
        ...init,
        headers: { authorization: `Bearer ${token}`, 'content-type': 'application/json' },
      });
      return { status: response.status, body: (await response.json()) as Record<string, unknown> };
    };
    const therapistList = await get('therapist@demo.test', '/clients');
    const psychiatristList = await get('psychiatrist@demo.test', '/clients');
    expect(therapistList.body.clients).toEqual([
      expect.objectContaining({ displayName: 'Jordan Lee (demo)', access: 'care_team' }),
    ]);
    expect(psychiatristList.body.clients).toEqual([
      expect.objectContaining({ displayName: 'Jordan Lee (demo)', access: 'consent' }),
    ]);
    const { clientId } = (therapistList.body.clients as { clientId: string }[])[0];
    const consents = await get('psychiatrist@demo.test', `/clients/${clientId}/consents`);
    expect(consents.body.consents).toEqual([expect.objectContaining({ status: 'active' })]);

    expect((await get('outsider@demo.test', '/clients')).body).toEqual({ clients: [] });
    const notFound = { status: 404, body: { error: { code: 'not_found', message: expect.any(String) } } };
    for (const path of ['', '/consents', '/notices', '/access-report']) {
      expect(await get('outsider@demo.test', `/clients/${clientId}${path}`)).toEqual(notFound);
    }
    const consentId = (consents.body.consents as { consentId: string }[])[0].consentId;
    const writes: [string, unknown][] = [
      [
        `/clients/${clientId}/consents`,
        {
          recipientIds: [(await (await get('outsider@demo.test', '/me')).body.providerId) as string],
          categories: ['general'],
          purpose: 'treatment',
          expiresAt: new Date(Date.now() + 86_400_000).toISOString(),
          attestation: { method: 'verbal', signerName: 'Jordan Lee' },
        },
      ],
      [`/consents/${consentId}/revoke`, { reason: 'not mine to revoke' }],
    ];
    for (const [path, body] of writes) {
      expect(await get('outsider@demo.test', path, { method: 'POST', body: JSON.stringify(body) })).toEqual(notFound);
    }
    // The consent the outsider tried to revoke is untouched.
    expect((await get('therapist@demo.test', `/clients/${clientId}/consents`)).body.consents).toEqual([
      expect.objectContaining({ consentId, status: 'active' }),
    ]);
  });

  it('refuses a tampered token and no token on REST', async () => {
    const token = await login(platform, 'therapist@demo.test');
    for (const headers of [{ authorization: `Bearer ${tamper(token)}` }, {} as Record<string, string>]) {
      const response = await fetch(`${platform.gateway.url}/api/me`, { headers });
      expect(response.status).toBe(401);
      expect(await response.json()).toEqual({ error: { code: 'unauthenticated', message: expect.any(String) } });
    }
  });

  it('closes the provider’s sockets with session.expired when they log out everywhere', async () => {
    // Through Redis when the run has it, else through the auth service's session-events feed.
    const token = await login(platform, 'care.manager@demo.test');
    const { socket, error } = await connect(platform, token);
    expect(error).toBeUndefined();
    const expired = new Promise((resolve) => socket.once('session.expired', resolve));
    const closed = new Promise((resolve) => socket.once('disconnect', resolve));
    const loggedOut = await fetch(`${platform.auth.url}/auth/logout-all`, {
      method: 'POST',
      headers: { authorization: `Bearer ${token}` },
    });
    expect(loggedOut.status).toBeLessThan(300);
    await Promise.all([expired, closed]);
    expect(socket.connected).toBe(false);
  });

  it('connects to /consult with the token, and refuses a tampered one with connect_error', async () => {
    const token = await login(platform, 'therapist@demo.test');
    const good = await connect(platform, token);
    expect(good.error).toBeUndefined();
    expect(good.socket.connected).toBe(true);
    good.socket.disconnect();

    const bad = await connect(platform, tamper(token));
    expect(bad.socket.connected).toBe(false);
    expect(bad.error?.data).toEqual({ code: 'unauthenticated', message: expect.any(String) });
    bad.socket.disconnect();
  });

  it('the auth service serves its provider directory to the key both services share through DATA_DIR', async () => {
    const key = readInternalApiKey(platform);
    expect(key).toHaveLength(32);
    const response = await fetch(`${platform.auth.url}/internal/providers`, {
      headers: { authorization: `Bearer ${key.toString('base64url')}` },
    });
    expect(response.status).toBe(200);
    const page = (await response.json()) as { providers: { email: string; status: string }[]; nextAfter: unknown };
    expect(page.providers.map((provider) => provider.email).sort()).toEqual([...DEMO_EMAILS].sort());
    expect(page.nextAfter).toBeNull();
    const refused = await fetch(`${platform.auth.url}/internal/providers`, {
      headers: { authorization: `Bearer ${await login(platform, 'admin@demo.test')}` },
    });
    expect(refused.status).toBe(401);
  });

  // Last: it stops the gateway, to read its whole log.
  it('logs each request once, by id, with no token or password, and stops cleanly on SIGTERM', async () => {
    const token = await login(platform, 'therapist@demo.test');
    const requestIds = { health: `e2e-health-${Date.now()}`, me: `e2e-me-${Date.now()}` };
    await fetch(`${platform.gateway.url}/health`, { headers: { 'x-request-id': requestIds.health } });
    const refused = await fetch(`${platform.gateway.url}/api/me`, {
      headers: { authorization: `Bearer ${tamper(token)}`, 'x-request-id': requestIds.me },
    });
    expect(refused.headers.get('x-request-id')).toBe(requestIds.me);
    expect(await platform.gateway.stop('SIGTERM')).toBe(0);
    const output = platform.gateway.output();
    for (const id of Object.values(requestIds))
      expect(output.split('\n').filter((line) => line.includes(id))).toHaveLength(1);
    expect(output).toContain('Consult service listening');
    expect(output).toContain('Consult service stopping');
    expect(output).not.toContain(token.split('.')[1]);
    expect(output).not.toContain(token.split('.')[2].slice(1));
    expect(output).not.toContain(DEMO_PASSWORD);
  });

  it('the auth service logs no internal key', async () => {
    expect(await platform.auth.stop('SIGTERM')).toBe(0);
    const output = platform.auth.output();
    expect(output).toContain('/internal/providers');
    const key = readInternalApiKey(platform);
    for (const encoding of ['base64url', 'base64', 'hex'] as const)
      expect(output).not.toContain(key.toString(encoding).slice(0, 16));
  });
});
