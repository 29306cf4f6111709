import { DataSource } from 'typeorm';
import { ATTACKS, attackToken } from '../../../../test/support/access-tokens.js';
import { ALLOWED_ORIGIN, startTestGateway, type TestGateway } from '../../../../test/support/gateway-app.js';

describe('GET /api/me (REST authentication)', () => {
  let gateway: TestGateway;

  beforeAll(async () => {
    gateway = await startTestGateway();
  });
  afterAll(async () => {
    await gateway?.stop();
  });

  const me = (headers: Record<string, string> = {}, path = '/api/me') => fetch(`${gateway.url}${path}`, { headers });
  const bearer = (token: string) => ({ authorization: `Bearer ${token}` });

  async function expectUnauthenticated(response: Response): Promise<void> {
    expect(response.status).toBe(401);
    expect(await response.json()).toEqual({ error: { code: 'unauthenticated', message: expect.any(String) } });
  }

  it('answers the verified caller, and only the fields of the contract', async () => {
    const claims = gateway.issuer.claims();
    const response = await me(bearer(await gateway.issuer.mint()));
    expect(response.status).toBe(200);
    expect(await response.json()).toEqual({
      providerId: claims.sub,
      organisationId: claims.org,
      role: 'therapist',
      displayName: 'Dana Reyes',
      credential: 'LCSW',
    });
  });

  it('refuses a request without a token, or with another scheme, as unauthenticated', async () => {
    await expectUnauthenticated(await me());
    await expectUnauthenticated(await me({ authorization: 'Basic dGhlcmFwaXN0OnB3' }));
    await expectUnauthenticated(await me({ authorization: 'Bearer' }));
    await expectUnauthenticated(await me({ authorization: `Bearer ${await gateway.issuer.mint()} extra` }));
  });

  it.each(ATTACKS)('refuses %s with 401 unauthenticated', async (attack) => {
    await expectUnauthenticated(await me(bearer(await attackToken(gateway.issuer, attack))));
  });

  it('accepts the token only in the Authorization header, never in the URL', async () => {
    const token = await gateway.issuer.mint();
    await expectUnauthenticated(await me({}, `/api/me?access_token=${token}`));
    await expectUnauthenticated(await me(bearer(token), `/api/me?access_token=${token}`));
  });

  it('answers malformed JSON with 400 invalid, before and regardless of authentication', async () => {
    for (const headers of [{}, bearer(await gateway.issuer.mint())]) {
      const response = await fetch(`${gateway.url}/api/me`, {
        method: 'POST',
        headers: { ...headers, 'content-type': 'application/json' },
        body: '{"displayName": "x",',
      });
      expect(response.status).toBe(400);
      expect(await response.json()).toEqual({ error: { code: 'invalid', message: expect.any(String) } });
    }
  });

  it('answers CORS preflights for allowed origins only', async () => {
    const preflight = (origin: string) =>
      fetch(`${gateway.url}/api/me`, {
        method: 'OPTIONS',
        headers: { origin, 'access-control-request-method': 'GET', 'access-control-request-headers': 'authorization' },
      });
    const allowed = await preflight(ALLOWED_ORIGIN);
    expect(allowed.status).toBe(204);
    expect(allowed.headers.get('access-control-allow-origin')).toBe(ALLOWED_ORIGIN);
    expect(allowed.headers.get('access-control-allow-headers')).toContain('authorization');
    const refused = await preflight('http://evil.test');
    expect(refused.headers.get('access-control-allow-origin')).toBeNull();
  });

  it('publishes the route in the OpenAPI document as bearer-protected', async () => {
    const document = (await (await fetch(`${gateway.url}/docs-json`)).json()) as {
      paths: Record<string, { get?: { security?: unknown[] } }>;
    };
    expect(document.paths['/api/me']?.get?.security).toEqual([{ bearer: [] }]);
    expect(document.paths['/health']?.get?.security).toBeUndefined();
  });

  it('answers /health at the root while the database answers', async () => {
    const health = await fetch(`${gateway.url}/health`);
    expect(health.status).toBe(200);
    expect(await health.json()).toEqual({ status: 'ok' });
    expect((await fetch(`${gateway.url}/api/health`)).status).toBe(404);
  });

  // Last in this file: it closes the app's connection pool.
  it('answers /health 503 once the database stops answering', async () => {
    await gateway.app.get(DataSource).destroy();
    const health = await fetch(`${gateway.url}/health`);
    expect(health.status).toBe(503);
    expect(await health.json()).toEqual({ error: { code: 'internal', message: 'Internal error' } });
  });
});
