import { randomUUID } from 'node:crypto';
import type { Socket as ClientSocket } from 'socket.io-client';
import { FixedClock } from '@sharedcare/common';
import { apiAs, type TestProvider, testProvider } from '../../../../test/support/api.js';
import { ConsultGateway, threadRoom } from './consult.gateway.js';
import { connectOutcome, startTestGateway, type TestGateway } from '../../../../test/support/gateway-app.js';

const org = randomUUID();
const therapist = testProvider('therapist', org, 'Dana Reyes', 'LCSW');
const psychiatrist = testProvider('psychiatrist', org, 'Sam Okafor', 'MD');
const onCall = testProvider('care_manager', org, 'Ria Banerjee', 'RN');
const HOUR = 3_600_000;

/**
 * Access that ends by time (a consent's expiry, the end of an emergency window) closes live views
 * like a revocation does, though nothing is published when it happens.
 */
describe('consents and emergency access ending by time, live', () => {
  const clock = new FixedClock(new Date());
  let gateway: TestGateway;
  let call: ReturnType<typeof apiAs>;
  const sockets: ClientSocket[] = [];

  beforeAll(async () => {
    gateway = await startTestGateway({ clock });
    call = apiAs(gateway, clock);
    for (const provider of [psychiatrist, onCall]) await call(provider, 'GET', '/me');
  });
  afterAll(async () => {
    for (const socket of sockets) socket.disconnect();
    await gateway?.stop();
  });

  async function connect(provider: TestProvider): Promise<ClientSocket> {
    const token = await gateway.issuer.mint({
      claims: { ...provider },
      nowSeconds: Math.floor(clock.now().getTime() / 1000),
    });
    const socket = gateway.socket({ auth: { token } });
    expect(await connectOutcome(socket)).toEqual({ connected: true });
    sockets.push(socket);
    return socket;
  }

  async function clientWithThread(consentHours: number) {
    const clientId = (
      await call(therapist, 'POST', '/clients', { displayName: 'Jordan Lee', dateOfBirth: '1990-04-12' })
    ).body.clientId as string;
    await call(therapist, 'POST', `/clients/${clientId}/consents`, {
      recipientIds: [psychiatrist.sub],
      categories: ['general'],
      purpose: 'treatment',
      expiresAt: new Date(clock.now().getTime() + consentHours * HOUR).toISOString(),
      attestation: { method: 'verbal', signerName: 'Jordan Lee' },
    });
    const thread = await call(therapist, 'POST', '/threads', {
      clientId,
      subject: 'x',
      participantIds: [psychiatrist.sub],
    });
    return { clientId, threadId: thread.body.threadId as string };
  }

  it('sends access.revoked when a consent expires, and takes the socket out of the thread', async () => {
    const { clientId, threadId } = await clientWithThread(2);
    const sam = await connect(psychiatrist);
    expect(await sam.emitWithAck('thread.join', { threadId, afterSeq: 0 })).toMatchObject({ ok: true });
    const revoked = new Promise((resolve) => sam.once('access.revoked', resolve));
    clock.advance(2 * HOUR);
    expect(await revoked).toEqual({ clientId, threadIds: [threadId] });
  });

  it('closes an emergency reader’s view when the 60 minutes are over', async () => {
    const { clientId, threadId } = await clientWithThread(24);
    const opened = await call(onCall, 'POST', `/clients/${clientId}/emergency-access`, {
      reason: 'Client called the crisis line; on-call needs the plan',
    });
    expect(opened.status).toBe(201);
    const ria = await connect(onCall);
    expect(await ria.emitWithAck('thread.join', { threadId, afterSeq: 0 })).toMatchObject({ ok: true });
    const revoked = new Promise((resolve) => ria.once('access.revoked', resolve));
    clock.advance(HOUR);
    expect(await revoked).toEqual({ clientId, threadIds: [] });
    const rooms = await gateway.app.get(ConsultGateway).namespace.in(threadRoom(threadId)).fetchSockets();
    expect(rooms.map((socket) => socket.id)).not.toContain(ria.id);
  });
});
