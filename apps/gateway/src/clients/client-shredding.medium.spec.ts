import { randomUUID } from 'node:crypto';
import { ClientKeyring } from '@sharedcare/crypto';
import { startTestGateway, type TestGateway } from '../../../../test/support/gateway-app.js';

/** A crypto-shredded client (its data key destroyed) has nothing left to show, and nothing else breaks. */
describe('a crypto-shredded client', () => {
  let gateway: TestGateway;
  const therapist = { sub: randomUUID(), org: randomUUID(), role: 'therapist', name: 'Dana Reyes', cred: 'LCSW' };

  beforeAll(async () => {
    gateway = await startTestGateway();
  });
  afterAll(async () => {
    await gateway?.stop();
  });

  async function call(method: string, path: string, body?: unknown) {
    const token = await gateway.issuer.mint({ claims: therapist });
    const response = await fetch(`${gateway.url}/api${path}`, {
      method,
      headers: { authorization: `Bearer ${token}`, 'content-type': 'application/json' },
      body: body === undefined ? undefined : JSON.stringify(body),
    });
    return { status: response.status, body: (await response.json()) as Record<string, unknown> };
  }

  it('drops out of the list and reads as not_found, while the care team’s other clients stay readable', async () => {
    const kept = await call('POST', '/clients', { displayName: 'Kept Client', dateOfBirth: '1980-01-01' });
    const shredded = await call('POST', '/clients', { displayName: 'Shredded Client', dateOfBirth: '1981-02-02' });
    const shreddedId = shredded.body.clientId as string;
    await gateway.app.get(ClientKeyring).destroyClientKey(shreddedId);

    expect((await call('GET', '/clients')).body.clients).toEqual([
      expect.objectContaining({ clientId: kept.body.clientId, displayName: 'Kept Client' }),
    ]);
    expect(await call('GET', `/clients/${shreddedId}`)).toEqual({
      status: 404,
      body: { error: { code: 'not_found', message: expect.any(String) } },
    });
    expect((await call('GET', `/clients/${kept.body.clientId as string}`)).status).toBe(200);
  });
});
