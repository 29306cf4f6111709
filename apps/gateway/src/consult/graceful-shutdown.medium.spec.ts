import { randomUUID } from 'node:crypto';
import { jest } from '@jest/globals';
import { ServiceDrain } from '@sharedcare/common';
import { MessagesService, ThreadsRepository } from '@sharedcare/consult';
import {
  apiAs,
  grantConsent,
  type Json,
  openThread,
  registerClient,
  testProvider,
} from '../../../../test/support/api.js';
import { connectOutcome, startTestGateway, type TestGateway } from '../../../../test/support/gateway-app.js';
import { ConsultGateway } from './consult.gateway.js';

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

    // Both sends stop inside the service until the test lets each go: in flight, deterministically.
    const messages = gateway.app.get(MessagesService);
    const send = messages.send.bind(messages);
    const overSocket = note('sent over the socket as the service stops');
    const overRest = note('sent over REST as the service stops');
    const gates = new Map<string, { open: () => void; opened: Promise<void> }>();
    for (const { clientMessageId } of [overSocket, overRest]) {
      let open = () => {};
      const opened = new Promise<void>((resolve) => (open = resolve));
      gates.set(clientMessageId, { open, opened });
    }
    let bothInside = () => {};
    const inside = new Promise<void>((resolve) => (bothInside = resolve));
    let entered = 0;
    const held = jest.spyOn(messages, 'send').mockImplementation(async (auth, input) => {
      if (++entered === 2) bothInside();
      await gates.get(input.clientMessageId)?.opened;
      return send(auth, input);
    });
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

      // The REST send is answered first: the socket send alone still holds the drain open.
      gates.get(overRest.clientMessageId)?.open();
      expect(await restAnswer).toEqual({ status: 201, body: expect.objectContaining({ threadId, ...overRest }) });
      await new Promise((resolve) => setImmediate(resolve)); // every promise callback queued so far has run
      expect(drained).toBeUndefined();
      expect(timeline).toEqual([]);
    } finally {
      for (const gate of gates.values()) gate.open();
      held.mockRestore();
    }

    expect(await settled).toBe(true);
    const answer = await socketAnswer;
    expect(answer).toEqual({ ok: true, message: expect.objectContaining({ threadId, ...overSocket }) });
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

  it('writes the answer of a send whose batch commits as the shutdown begins before the shutdown notice', async () => {
    const stopping = await startTestGateway();
    try {
      const call = apiAs(stopping);
      await call(psychiatrist, 'GET', '/me');
      const clientId = await registerClient(call, therapist);
      await grantConsent(call, therapist, clientId, [psychiatrist.sub], ['general'], new Date(Date.now() + 86_400_000));
      const threadId = await openThread(call, therapist, clientId, [psychiatrist.sub]);
      const token = await stopping.issuer.mint({ claims: { ...therapist } });
      const dana = stopping.socket({ auth: { token }, transports: ['websocket'] });
      expect(await connectOutcome(dana)).toEqual({ connected: true });

      // What the server hands its transport, in order, and when its drain ends; what the client
      // receives, in order (socket.io packets as they arrive: 3 is an ack, 2 an event).
      const server: string[] = [];
      const client: string[] = [];
      const label = (type: number, data: unknown) =>
        type === 3 ? 'ack' : type === 2 && Array.isArray(data) ? String(data[0]) : `packet ${type}`;
      const connection = stopping.app.get(ConsultGateway).namespace.sockets.get(String(dana.id))?.conn;
      connection?.on('flush', (packets: { data?: unknown }[]) => {
        for (const { data } of packets) {
          if (typeof data === 'string')
            server.push(`${label(Number(data[0]), JSON.parse(data.slice(data.indexOf('['))))} written`);
        }
      });
      (
        dana.io as unknown as {
          on(event: 'packet', listener: (packet: { type: number; data?: unknown }) => void): void;
        }
      ).on('packet', ({ type, data }) => client.push(label(type, data)));

      // The send's batch is held in the group commit until the shutdown has begun.
      const repository = stopping.app.get(ThreadsRepository);
      const transaction = repository.transaction.bind(repository);
      let release = () => {};
      const released = new Promise<void>((resolve) => (release = resolve));
      let holding = () => {};
      const held = new Promise<void>((resolve) => (holding = resolve));
      const spy = jest.spyOn(repository, 'transaction').mockImplementation(async (work) => {
        holding();
        await released;
        return transaction(work);
      });
      const sent = note('committed as the service stops');
      const answer = dana.emitWithAck('message.send', { threadId, ...sent });
      await held;

      // What runService does at SIGTERM: the drain begins, and once it has settled the app closes.
      const drain = stopping.app.get(ServiceDrain);
      drain.begin();
      const closed = drain.settled(30_000).then(async (idle) => {
        server.push('settled');
        await stopping.app.close();
        return idle;
      });
      release();
      expect(await closed).toBe(true);
      spy.mockRestore();
      expect(await answer).toEqual({ ok: true, message: expect.objectContaining({ threadId, ...sent }) });
      // The sender's own message.new goes first (the send fans out before it answers), then the ack;
      // the drain ends only once the ack is written, and the notice follows it.
      expect(server).toEqual(['message.new written', 'ack written', 'settled', 'server.shutdown written']);
      expect(client).toEqual(['message.new', 'ack', 'server.shutdown']);
    } finally {
      await stopping.stop();
    }
  });
});
