import { randomUUID } from 'node:crypto';
import { io, type Socket } from 'socket.io-client';
import { demoLogin } from '../support/demo.js';
import { freePort, type Platform, type RunningService, startPlatform, startService } from '../support/services.js';

const redisUrl = process.env.REDIS_URL;
const databaseUrl = process.env.DATABASE_URL;

/**
 * Scale-out (issue 4): two consult-service processes on one PostgreSQL and one Redis. A message
 * sent through one reaches a recipient connected to the other. Needs a real server for both
 * (the embedded database serves one process): CI runs it in its PostgreSQL + Redis pass.
 */
(redisUrl && databaseUrl ? describe : describe.skip)('two consult-service processes', () => {
  let platform: Platform;
  let second: RunningService;

  beforeAll(async () => {
    platform = await startPlatform({ REDIS_URL: redisUrl as string });
    const port = await freePort();
    // Same database, keys and Redis; the demo was seeded once, by the first.
    second = await startService('gateway', port, { ...platform.env, GATEWAY_PORT: String(port), DEMO: 'false' });
  });
  afterAll(async () => {
    await second?.stop();
    await platform?.stop();
  });

  async function token(email: string): Promise<string> {
    const response = await demoLogin(platform.auth.url, email);
    return ((await response.json()) as { accessToken: string }).accessToken;
  }

  function connect(url: string, accessToken: string): Promise<Socket> {
    const socket = io(`${url}/consult`, { auth: { token: accessToken }, reconnection: false, forceNew: true });
    return new Promise((resolve, reject) => {
      socket.once('connect', () => resolve(socket));
      socket.once('connect_error', reject);
    });
  }

  it('delivers a message sent on one process to the recipient on the other, and both serve the same history', async () => {
    const therapist = await token('therapist@demo.test');
    const psychiatrist = await token('psychiatrist@demo.test');
    const headers = { authorization: `Bearer ${therapist}`, 'content-type': 'application/json' };
    const { clients } = (await (await fetch(`${platform.gateway.url}/api/clients`, { headers })).json()) as {
      clients: { clientId: string }[];
    };
    const me = (await (
      await fetch(`${second.url}/api/me`, { headers: { authorization: `Bearer ${psychiatrist}` } })
    ).json()) as { providerId: string };
    const thread = (await (
      await fetch(`${platform.gateway.url}/api/threads`, {
        method: 'POST',
        headers,
        body: JSON.stringify({
          clientId: clients[0].clientId,
          subject: 'Across processes',
          participantIds: [me.providerId],
        }),
      })
    ).json()) as { threadId: string };

    const sam = await connect(second.url, psychiatrist);
    const dana = await connect(platform.gateway.url, therapist);
    try {
      const arriving = new Promise<{ message: unknown }>((resolve) => sam.once('message.new', resolve));
      const sent = (await dana.emitWithAck('message.send', {
        threadId: thread.threadId,
        clientMessageId: randomUUID(),
        kind: 'note',
        category: 'general',
        body: { text: 'Seen on the other process?' },
      })) as { ok: boolean; message: { seq: number } };
      expect(sent.ok).toBe(true);
      expect(await arriving).toEqual({ message: sent.message });
      const history = (await sam.emitWithAck('thread.join', { threadId: thread.threadId, afterSeq: 0 })) as {
        messages: { seq: number }[];
      };
      expect(history.messages.map((message) => message.seq)).toEqual([1, sent.message.seq]);
    } finally {
      sam.disconnect();
      dana.disconnect();
    }
  });
});
