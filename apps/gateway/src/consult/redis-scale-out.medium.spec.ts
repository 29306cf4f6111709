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

async function connect(gateway: TestGateway, provider: TestProvider): Promise<ClientSocket> {
  const socket = gateway.socket({ auth: { token: await gateway.issuer.mint({ claims: { ...provider } }) } });
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

  it('closes a provider’s sockets on every process when the auth service reports logout-all', async () => {
    const onFirst = await connect(first, psychiatrist);
    const onSecond = await connect(second, psychiatrist);
    const expired = [next(onFirst, 'session.expired'), next(onSecond, 'session.expired')];
    const closed = [next(onFirst, 'disconnect'), next(onSecond, 'disconnect')];
    const publisher = createClient({ url: redisUrl });
    await publisher.connect();
    try {
      const event = {
        type: 'provider.sessions_revoked',
        providerId: psychiatrist.sub,
        organisationId: org,
        at: new Date().toISOString(),
      };
      await publisher.publish(AUTH_EVENTS_CHANNEL, JSON.stringify(event));
      await Promise.all([...expired, ...closed]);
    } finally {
      await publisher.close();
    }
    expect(onFirst.connected || onSecond.connected).toBe(false);
  });

  it('refuses a disabled provider everywhere at once', async () => {
    const { clientId } = await sharedThread(first);
    const call = apiAs(second);
    expect((await call(psychiatrist, 'GET', `/clients/${clientId}`)).status).toBe(200);
    const socket = await connect(second, psychiatrist);
    const closed = next(socket, 'disconnect');
    const publisher = createClient({ url: redisUrl });
    await publisher.connect();
    try {
      const event = {
        type: 'provider.disabled',
        providerId: psychiatrist.sub,
        organisationId: org,
        at: new Date().toISOString(),
      };
      await publisher.publish(AUTH_EVENTS_CHANNEL, JSON.stringify(event));
      await closed;
    } finally {
      await publisher.close();
    }
    expect((await call(psychiatrist, 'GET', `/clients/${clientId}`)).status).toBe(404);
  });
});
