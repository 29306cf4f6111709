import { randomUUID } from 'node:crypto';
import { jest } from '@jest/globals';
import { ServiceDrain } from '@sharedcare/common';
import { MessagesService } from '@sharedcare/consult';
import {
  apiAs,
  grantConsent,
  type Json,
  openThread,
  registerClient,
  testProvider,
} from '../../../../test/support/api.js';
import { connectOutcome, startTestGateway, type TestGateway } from '../../../../test/support/gateway-app.js';

const org = randomUUID();
const therapist = testProvider('therapist', org, 'Dana Reyes', 'LCSW');
const psychiatrist = testProvider('psychiatrist', org, 'Sam Okafor', 'MD');
const note = (text: string) => ({ clientMessageId: randomUUID(), kind: 'note', category: 'general', body: { text } });
const SHUTTING_DOWN = { code: 'unavailable', message: expect.any(String) };

/**
 * What runService does at SIGTERM, step by step in one process: the drain begins, the sends under
 * way are answered, new work is refused, and app.close() tells the sockets to reconnect.
 */
describe('consult service graceful shutdown', () => {
  let gateway: TestGateway;

  beforeAll(async () => {
    gateway = await startTestGateway();
  });
  afterAll(async () => {
    await gateway?.stop();
  });

  it('answers the sends under way, refuses new work, then tells its sockets to reconnect', async () => {
    const call = apiAs(gateway);
    await call(psychiatrist, 'GET', '/me');
    const clientId = await registerClient(call, therapist);
    await grantConsent(call, therapist, clientId, [psychiatrist.sub], ['general'], new Date(Date.now() + 86_400_000));
    const threadId = await openThread(call, therapist, clientId, [psychiatrist.sub]);

    // socket.io-client's defaults (reconnection on): its reaction to the shutdown is a real client's.
    const token = await gateway.issuer.mint({ claims: { ...therapist } });
    const dana = gateway.socket({ auth: { token }, reconnection: true });
    expect(await connectOutcome(dana)).toEqual({ connected: true });
    const timeline: string[] = [];
    dana.on('server.shutdown', () => timeline.push('server.shutdown'));
    const disconnected = new Promise<string>((resolve) => dana.once('disconnect', resolve));

    // Both sends stop inside the service until the test lets them go: in flight, deterministically.
    const messages = gateway.app.get(MessagesService);
    const send = messages.send.bind(messages);
    let release = () => {};
    const released = new Promise<void>((resolve) => (release = resolve));
    let bothInside = () => {};
    const inside = new Promise<void>((resolve) => (bothInside = resolve));
    let entered = 0;
    const held = jest.spyOn(messages, 'send').mockImplementation(async (...args) => {
      if (++entered === 2) bothInside();
      await released;
      return send(...args);
    });
    const overSocket = note('sent over the socket as the service stops');
    const overRest = note('sent over REST as the service stops');
    const socketAnswer = dana.emitWithAck('message.send', { threadId, ...overSocket }).then((answer: Json) => {
      timeline.push('ack');
      return answer;
    });
    const restAnswer = call(therapist, 'POST', `/threads/${threadId}/messages`, overRest);
    await inside;

    const drain = gateway.app.get(ServiceDrain);
    drain.begin();
    let drained: boolean | undefined;
    const settled = drain.settled(30_000).then((idle) => (drained = idle));
    try {
      const ready = await fetch(`${gateway.url}/health/ready`);
      expect(ready.status).toBe(503);
      expect(await ready.json()).toEqual({ status: 'shutting_down', checks: {} });
      expect((await fetch(`${gateway.url}/health/live`)).status).toBe(200);
      // New work is refused, and stores nothing.
      const later = note('sent after the drain began');
      expect(await call(therapist, 'POST', `/threads/${threadId}/messages`, later)).toEqual({
        status: 503,
        body: { error: SHUTTING_DOWN },
      });
      expect(await dana.emitWithAck('message.send', { threadId, ...later })).toEqual({
        ok: false,
        error: SHUTTING_DOWN,
      });
      expect((await fetch(`${gateway.url}/health`)).status).toBe(503);
      const newcomer = await connectOutcome(gateway.socket({ auth: { token } }));
      expect(newcomer.connected).toBe(false);
      expect(entered).toBe(2);
      expect(drained).toBeUndefined();
    } finally {
      release();
      held.mockRestore();
    }

    expect(await settled).toBe(true);
    const answer = await socketAnswer;
    expect(answer).toEqual({ ok: true, message: expect.objectContaining({ threadId, ...overSocket }) });
    const rest = await restAnswer;
    expect(rest).toEqual({ status: 201, body: expect.objectContaining({ threadId, ...overRest }) });
    const stored = (await gateway.db.dataSource.query(
      `SELECT client_message_id AS "clientMessageId", seq FROM messages WHERE thread_id = $1 AND kind = 'note' ORDER BY seq`,
      [threadId],
    )) as { clientMessageId: string; seq: number }[];
    // Each once; the note refused during the drain is not there.
    expect(stored.map((row) => row.clientMessageId).sort()).toEqual(
      [overSocket.clientMessageId, overRest.clientMessageId].sort(),
    );

    await gateway.app.close();
    // A transport close, not `io server disconnect`: socket.io-client reconnects by itself.
    expect(await disconnected).toBe('transport close');
    expect(timeline).toEqual(['ack', 'server.shutdown']);
    expect(dana.active).toBe(true);
    dana.disconnect();
  });
});
