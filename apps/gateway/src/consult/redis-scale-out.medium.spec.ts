import { randomUUID } from 'node:crypto';
import { createServer, type Server, type Socket as TcpSocket } from 'node:net';
import type { AddressInfo } from 'node:net';
import { createClient } from 'redis';
import type { Socket as ClientSocket } from 'socket.io-client';
import {
  apiAs,
  grantConsent,
  type Json,
  openThread,
  registerClient,
  type TestProvider,
  testProvider,
} from '../../../../test/support/api.js';
import { connectOutcome, startTestGateway, type TestGateway } from '../../../../test/support/gateway-app.js';
import { AUTH_EVENTS_CHANNEL } from './redis-scale-out.js';

const org = randomUUID();
const therapist = testProvider('therapist', org, 'Dana Reyes', 'LCSW');
const psychiatrist = testProvider('psychiatrist', org, 'Sam Okafor', 'MD');

function next<T = Json>(socket: ClientSocket, event: string): Promise<T> {
  return new Promise((resolve) => socket.once(event, (payload: T) => resolve(payload)));
}

async function connect(gateway: TestGateway, provider: TestProvider, sid?: string): Promise<ClientSocket> {
  const claims = { ...provider, ...(sid ? { sid } : {}) };
  const socket = gateway.socket({ auth: { token: await gateway.issuer.mint({ claims }) } });
  expect(await connectOutcome(socket)).toEqual({ connected: true });
  return socket;
}

/** A client shared between the therapist and psychiatrist, and a thread between them. */
async function sharedThread(gateway: TestGateway): Promise<{ clientId: string; threadId: string }> {
  const call = apiAs(gateway);
  await call(psychiatrist, 'GET', '/me');
  const clientId = await registerClient(call, therapist);
  await grantConsent(call, therapist, clientId, [psychiatrist.sub], ['general'], new Date(Date.now() + 86_400_000));
  return { clientId, threadId: await openThread(call, therapist, clientId, [psychiatrist.sub]) };
}

const note = (text: string) => ({ clientMessageId: randomUUID(), kind: 'note', category: 'general', body: { text } });

describe('a Redis that accepts connections and never answers', () => {
  let silent: Server;
  const held: TcpSocket[] = [];
  let gateway: TestGateway;
  const rejections: unknown[] = [];
  const onRejection = (reason: unknown) => rejections.push(reason);

  beforeAll(async () => {
    process.on('unhandledRejection', onRejection);
    silent = createServer((socket) => held.push(socket));
    await new Promise<void>((resolve) => silent.listen(0, '127.0.0.1', resolve));
    const { port } = silent.address() as AddressInfo;
    gateway = await startTestGateway({ config: { redisUrl: `redis://127.0.0.1:${port}` } });
  });
  afterAll(async () => {
    await gateway?.stop();
    for (const socket of held) socket.destroy();
    silent?.close();
    process.off('unhandledRejection', onRejection);
  });

  it('does not stop the gateway: it boots, stores and answers, and delivers to its own sockets', async () => {
    const { threadId } = await sharedThread(gateway);
    const sam = await connect(gateway, psychiatrist);
    const arriving = next(sam, 'message.new');
    const sent = await apiAs(gateway)(therapist, 'POST', `/threads/${threadId}/messages`, note('during the stall'));
    expect(sent.status).toBe(201);
    expect((await arriving).message).toMatchObject({ messageId: sent.body.messageId });
    expect((await fetch(`${gateway.url}/health`)).status).toBe(200);
    expect(rejections).toEqual([]);
    sam.disconnect();
  });
});

const redisUrl = process.env.REDIS_URL;

(redisUrl ? describe : describe.skip)('two gateway processes sharing one database and one Redis', () => {
  let first: TestGateway;
  let second: TestGateway;

  beforeAll(async () => {
    first = await startTestGateway({ config: { redisUrl } });
    second = await startTestGateway({
      config: { redisUrl },
      sharing: { db: first.db, issuer: first.issuer, jwks: first.jwks, masterKey: first.masterKey },
    });
  });
  afterAll(async () => {
    await second?.stop();
    await first?.stop();
  });

  it('delivers a message sent on one process to a recipient connected to the other', async () => {
    const { threadId } = await sharedThread(first);
    const sam = await connect(second, psychiatrist);
    const dana = await connect(first, therapist);
    const arriving = next(sam, 'message.new');
    const sent = await dana.emitWithAck('message.send', { threadId, ...note('across processes') });
    expect(sent.ok).toBe(true);
    expect(await arriving).toEqual({ message: sent.message });
    // And the catch-up on the other process has it too: Postgres is the source of truth.
    const joined = await sam.emitWithAck('thread.join', { threadId, afterSeq: 1 });
    expect(joined.messages).toEqual([sent.message]);
    sam.disconnect();
    dana.disconnect();
  });

  /** Publishes a session event on the auth service's channel, as the auth service does. */
  async function publish(event: Record<string, unknown>): Promise<void> {
    const publisher = createClient({ url: redisUrl });
    await publisher.connect();
    try {
      await publisher.publish(AUTH_EVENTS_CHANNEL, JSON.stringify({ organisationId: org, ...event }));
    } finally {
      await publisher.close();
    }
  }

  /** GET /api/me on `gateway` with `token`: its status and error code, if any. */
  async function me(gateway: TestGateway, token: string): Promise<{ status: number; code?: string }> {
    const response = await fetch(`${gateway.url}/api/me`, { headers: { authorization: `Bearer ${token}` } });
    const body = (await response.json()) as Json;
    return { status: response.status, code: body.error?.code as string | undefined };
  }

  it('on logout-all, closes the ended session’s sockets on every process and refuses its token everywhere; a new session stays', async () => {
    const [ended, fresh] = [randomUUID(), randomUUID()];
    const oldToken = await first.issuer.mint({ claims: { ...psychiatrist, sid: ended } });
    const onFirst = await connect(first, psychiatrist, ended);
    const onSecond = await connect(second, psychiatrist, ended);
    const kept = await connect(second, psychiatrist, fresh);
    const expired = [next(onFirst, 'session.expired'), next(onSecond, 'session.expired')];
    const closed = [next(onFirst, 'disconnect'), next(onSecond, 'disconnect')];
    await publish({
      type: 'provider.sessions_revoked',
      providerId: psychiatrist.sub,
      sessionIds: [ended],
      at: new Date().toISOString(),
    });
    await Promise.all([...expired, ...closed]);
    expect(onFirst.connected || onSecond.connected).toBe(false);
    for (const gateway of [first, second]) {
      expect(await me(gateway, oldToken)).toEqual({ status: 401, code: 'unauthenticated' });
      const reconnect = gateway.socket({ auth: { token: oldToken } });
      const outcome = await connectOutcome(reconnect);
      expect(outcome.connected === false && outcome.error.data).toEqual({
        code: 'unauthenticated',
        message: 'Session has ended',
      });
    }
    // The session the event did not name: its socket still answers, its tokens still pass.
    expect(kept.connected).toBe(true);
    expect(await kept.emitWithAck('thread.leave', { threadId: randomUUID() })).toEqual({ ok: true });
    const freshToken = await first.issuer.mint({ claims: { ...psychiatrist, sid: fresh } });
    for (const gateway of [first, second]) expect((await me(gateway, freshToken)).status).toBe(200);
    kept.disconnect();
  });

  it('refuses a disabled provider everywhere at once', async () => {
    const { clientId } = await sharedThread(first);
    const call = apiAs(second);
    expect((await call(psychiatrist, 'GET', `/clients/${clientId}`)).status).toBe(200);
    const session = randomUUID();
    const socket = await connect(second, psychiatrist, session);
    // A socket of a session the event does not name goes too: the account is what ended.
    const unnamed = await connect(first, psychiatrist, randomUUID());
    const closed = [next(socket, 'disconnect'), next(unnamed, 'disconnect')];
    await publish({
      type: 'provider.disabled',
      providerId: psychiatrist.sub,
      sessionIds: [session],
      at: new Date().toISOString(),
    });
    await Promise.all(closed);
    // The directory refuses any token of theirs, the session ended refuses its own.
    expect((await call(psychiatrist, 'GET', `/clients/${clientId}`)).status).toBe(404);
    const ended = await first.issuer.mint({ claims: { ...psychiatrist, sid: session } });
    expect(await me(first, ended)).toEqual({ status: 401, code: 'unauthenticated' });
  });
});
