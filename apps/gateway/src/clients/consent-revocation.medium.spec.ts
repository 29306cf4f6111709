import { randomUUID } from 'node:crypto';
import pg from 'pg';
import { FixedClock } from '@sharedcare/common';
import { CONSENT_EVENTS_CHANNEL, type ConsentEvent, ConsentEvents } from '@sharedcare/consent';
import { startTestGateway, type TestGateway } from '../../../../test/support/gateway-app.js';

/**
 * Revocation and expiry take effect at once (issue 3): the revoking commit ends the recipient's
 * access, and the event every gateway process acts on is published with it.
 */
describe('consent revocation and expiry', () => {
  const clock = new FixedClock(new Date());
  const organisationId = randomUUID();
  const therapist = { sub: randomUUID(), role: 'therapist', name: 'Dana Reyes', cred: 'LCSW' };
  const psychiatrist = { sub: randomUUID(), role: 'psychiatrist', name: 'Sam Okafor', cred: 'MD' };
  let gateway: TestGateway;
  let events: ConsentEvent[];
  let unsubscribe: () => void;

  beforeAll(async () => {
    gateway = await startTestGateway({ clock });
    events = [];
    unsubscribe = gateway.app.get(ConsentEvents).subscribe((event) => events.push(event));
  });
  afterAll(async () => {
    unsubscribe?.();
    await gateway?.stop();
  });

  async function call(as: typeof therapist, method: string, path: string, body?: unknown) {
    const token = await gateway.issuer.mint({
      claims: { ...as, org: organisationId },
      nowSeconds: Math.floor(clock.now().getTime() / 1000),
    });
    const response = await fetch(`${gateway.url}/api${path}`, {
      method,
      headers: { authorization: `Bearer ${token}`, ...(body ? { 'content-type': 'application/json' } : {}) },
      body: body ? JSON.stringify(body) : undefined,
    });
    // Bodies of every shape come back here; the assertions below check them field by field.
    // eslint-disable-next-line @typescript-eslint/no-explicit-any
    return { status: response.status, body: (await response.json()) as Record<string, any> };
  }

  /** A client of the therapist, shared with the psychiatrist until `expiresAt`. */
  async function sharedClient(expiresAt: Date) {
    await call(psychiatrist, 'GET', '/me');
    const client = await call(therapist, 'POST', '/clients', { displayName: 'Jordan Lee', dateOfBirth: '1990-04-12' });
    expect(client.status).toBe(201);
    const consent = await call(therapist, 'POST', `/clients/${client.body.clientId}/consents`, {
      recipientIds: [psychiatrist.sub],
      categories: ['general', 'medications'],
      purpose: 'treatment',
      expiresAt: expiresAt.toISOString(),
      attestation: { method: 'signature_on_file', signerName: 'Jordan Lee' },
    });
    expect(consent.status).toBe(201);
    expect(consent.body.status).toBe('active');
    return { clientId: client.body.clientId as string, consentId: consent.body.consentId as string };
  }

  /** Resolves with the next event matching `predicate` (already received, or still to come). */
  function nextEvent(predicate: (event: ConsentEvent) => boolean): Promise<ConsentEvent> {
    const seen = events.find(predicate);
    if (seen) return Promise.resolve(seen);
    return new Promise((resolve) => {
      const stop = gateway.app.get(ConsentEvents).subscribe((event) => {
        if (predicate(event)) {
          stop();
          resolve(event);
        }
      });
    });
  }

  it('ends the recipient’s access from the revoking commit and publishes consent.revoked', async () => {
    const { clientId, consentId } = await sharedClient(new Date(clock.now().getTime() + 86_400_000));
    expect((await call(psychiatrist, 'GET', `/clients/${clientId}`)).status).toBe(200);

    const revoked = await call(therapist, 'POST', `/consents/${consentId}/revoke`, { reason: 'Client withdrew' });
    expect(revoked.status).toBe(200);
    expect(revoked.body).toMatchObject({
      status: 'revoked',
      revokedBy: therapist.sub,
      revocationReason: 'Client withdrew',
    });

    // The very next request after the revocation's response is refused, as if the client did not exist.
    expect(await call(psychiatrist, 'GET', `/clients/${clientId}`)).toEqual({
      status: 404,
      body: { error: { code: 'not_found', message: expect.any(String) } },
    });
    expect((await call(psychiatrist, 'GET', `/clients/${clientId}/consents`)).status).toBe(404);
    expect((await call(therapist, 'GET', `/clients/${clientId}`)).status).toBe(200);
    expect(await nextEvent((event) => event.type === 'consent.revoked' && event.consentId === consentId)).toEqual({
      type: 'consent.revoked',
      clientId,
      consentId,
      providerIds: [psychiatrist.sub],
      at: clock.now().toISOString(),
    });
  });

  it('keeps the first revocation: a second one is a conflict and changes nothing', async () => {
    const { clientId, consentId } = await sharedClient(new Date(clock.now().getTime() + 86_400_000));
    await call(therapist, 'POST', `/consents/${consentId}/revoke`, { reason: 'First reason' });
    const again = await call(therapist, 'POST', `/consents/${consentId}/revoke`, { reason: 'Second reason' });
    expect(again).toEqual({ status: 409, body: { error: { code: 'conflict', message: expect.any(String) } } });
    const consents = await call(therapist, 'GET', `/clients/${clientId}/consents`);
    expect(consents.body.consents[0]).toMatchObject({ consentId, status: 'revoked', revocationReason: 'First reason' });
  });

  it('lets a consent lapse at its expiry by the clock, and a re-consent is a new record', async () => {
    const expiresAt = new Date(clock.now().getTime() + 3_600_000);
    const { clientId, consentId } = await sharedClient(expiresAt);
    clock.set(new Date(expiresAt.getTime() - 1_000));
    expect((await call(psychiatrist, 'GET', `/clients/${clientId}`)).status).toBe(200);
    clock.set(expiresAt);
    expect((await call(psychiatrist, 'GET', `/clients/${clientId}`)).status).toBe(404);
    expect((await call(therapist, 'GET', `/clients/${clientId}/consents`)).body.consents).toEqual([
      expect.objectContaining({ consentId, status: 'expired' }),
    ]);

    const renewed = await call(therapist, 'POST', `/clients/${clientId}/consents`, {
      recipientIds: [psychiatrist.sub],
      categories: ['general'],
      purpose: 'treatment',
      expiresAt: new Date(clock.now().getTime() + 86_400_000).toISOString(),
      attestation: { method: 'verbal', signerName: 'Jordan Lee' },
    });
    expect(renewed.status).toBe(201);
    expect((await call(psychiatrist, 'GET', `/clients/${clientId}`)).status).toBe(200);
    const all = (await call(therapist, 'GET', `/clients/${clientId}/consents`)).body.consents;
    expect(all.map((consent: { status: string }) => consent.status)).toEqual(['active', 'expired']);
  });

  // The embedded database serves one process, where ConsentEvents hands events over in-process.
  (process.env.DATABASE_URL ? it : it.skip)('reaches another process listening on the same PostgreSQL', async () => {
    const listener = new pg.Client({ connectionString: gateway.db.url });
    await listener.connect();
    try {
      await listener.query(`LISTEN ${CONSENT_EVENTS_CHANNEL}`);
      const received = new Promise<ConsentEvent>((resolve) =>
        listener.on('notification', (message) => resolve(JSON.parse(message.payload ?? '') as ConsentEvent)),
      );
      const { consentId } = await sharedClient(new Date(clock.now().getTime() + 86_400_000));
      await call(therapist, 'POST', `/consents/${consentId}/revoke`, { reason: 'Client withdrew' });
      expect(await received).toMatchObject({ type: 'consent.revoked', consentId, providerIds: [psychiatrist.sub] });
    } finally {
      await listener.end();
    }
  });
});
