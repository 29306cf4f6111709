import { randomUUID } from 'node:crypto';
import pg from 'pg';
import { io, type Socket } from 'socket.io-client';
import { demoLogin } from '../support/demo.js';
import { scrape, valueOf } from '../support/metrics.js';
import { freePort, type Platform, type RunningService, startPlatform, startService } from '../support/services.js';

const redisUrl = process.env.REDIS_URL;
const databaseUrl = process.env.DATABASE_URL;

interface Message {
  messageId: string;
  seq: number;
  clientMessageId: string;
}

async function token(platform: Platform, email: string): Promise<string> {
  const response = await demoLogin(platform.auth.url, email);
  expect(response.status).toBe(200);
  return ((await response.json()) as { accessToken: string }).accessToken;
}

function connect(url: string, accessToken: string): Promise<Socket> {
  // websocket only: an emit is on the wire before the next line of the test runs.
  const socket = io(`${url}/consult`, {
    auth: { token: accessToken },
    reconnection: false,
    forceNew: true,
    transports: ['websocket'],
  });
  return new Promise((resolve, reject) => {
    socket.once('connect', () => resolve(socket));
    socket.once('connect_error', reject);
  });
}

/** Resolves once the service has written `text` after the call (its log is all a test can hear). */
function logged(service: RunningService, text: string): Promise<void> {
  const from = service.output().length;
  return new Promise((resolve, reject) => {
    const check = () => {
      if (!service.output().slice(from).includes(text)) return;
      service.process.stdout?.off('data', check);
      service.process.off('exit', onExit);
      resolve();
    };
    const onExit = () => reject(new Error(`exited before logging "${text}":\n${service.output().slice(from)}`));
    service.process.stdout?.on('data', check);
    service.process.once('exit', onExit);
  });
}

function exitOf(service: RunningService): Promise<{ code: number | null; signal: NodeJS.Signals | null }> {
  return new Promise((resolve) => service.process.once('exit', (code, signal) => resolve({ code, signal })));
}

/**
 * Graceful shutdown (issue 7): two consult-service processes, A and B, on one PostgreSQL and one
 * Redis; A gets SIGTERM while a socket send and a REST send are inside their transaction (held
 * there by a row lock the test takes on the thread). A turns unready and refuses new work at once,
 * answers both sends once the lock is released, tells its sockets to reconnect, and exits 0. The
 * client, told so, reconnects to B (as a load balancer would send it) and catches up with
 * `thread.join {afterSeq}`: every message once, none missed. Needs a real server for both (the
 * embedded database serves one process): CI runs it in its PostgreSQL + Redis pass.
 */
(redisUrl && databaseUrl ? describe : describe.skip)(
  'a consult-service process stopping under a sending client',
  () => {
    let platform: Platform;
    let b: RunningService;
    let lock: pg.Client | undefined;
    const sockets: Socket[] = [];

    beforeAll(async () => {
      platform = await startPlatform({ REDIS_URL: redisUrl as string });
      const port = await freePort();
      // Same database, keys and Redis; the demo was seeded once, by A.
      b = await startService('gateway', port, { ...platform.env, GATEWAY_PORT: String(port), DEMO: 'false' });
    });
    afterAll(async () => {
      for (const socket of sockets) socket.disconnect();
      await lock?.end().catch(() => undefined);
      await b?.stop();
      await platform?.stop();
    });

    it('answers the send in flight, tells its clients to reconnect, and they catch up on the other process', async () => {
      const a = platform.gateway;
      const therapist = await token(platform, 'therapist@demo.test');
      const psychiatrist = await token(platform, 'psychiatrist@demo.test');
      const headers = { authorization: `Bearer ${therapist}`, 'content-type': 'application/json' };
      const { clients } = (await (await fetch(`${a.url}/api/clients`, { headers })).json()) as {
        clients: { clientId: string }[];
      };
      const me = (await (
        await fetch(`${b.url}/api/me`, { headers: { authorization: `Bearer ${psychiatrist}` } })
      ).json()) as {
        providerId: string;
      };
      const opened = await fetch(`${a.url}/api/threads`, {
        method: 'POST',
        headers,
        body: JSON.stringify({
          clientId: clients[0].clientId,
          subject: 'Rolling restart',
          participantIds: [me.providerId],
        }),
      });
      expect(opened.status).toBe(201);
      const { threadId } = (await opened.json()) as { threadId: string };
      const note = (text: string) => ({
        clientMessageId: randomUUID(),
        kind: 'note',
        category: 'general',
        body: { text },
      });

      // Dana (therapist) is on A; what her socket has seen, in order.
      const dana = await connect(a.url, therapist);
      sockets.push(dana);
      const danaSeen: Message[] = [];
      // The acks and the notice in the order they arrive (socket.io packets: 3 is an ack, 2 an event).
      // Not from the ack's promise: socket.io-client runs the listeners of packets that arrive
      // together before any promise callback, so a promise would hear an ack after a notice that
      // arrived behind it.
      const timeline: string[] = [];
      (
        dana.io as unknown as {
          on(event: 'packet', listener: (packet: { type: number; data?: unknown }) => void): void;
        }
      ).on('packet', ({ type, data }) => {
        if (type === 3) timeline.push('ack');
        if (type === 2 && Array.isArray(data) && data[0] === 'server.shutdown') timeline.push('server.shutdown');
      });
      dana.on('message.new', ({ message }: { message: Message }) => danaSeen.push(message));
      const toldToReconnect = new Promise<void>((resolve) => dana.once('server.shutdown', () => resolve()));
      const disconnected = new Promise<string>((resolve) => dana.once('disconnect', resolve));
      const joined = (await dana.emitWithAck('thread.join', { threadId, afterSeq: 0 })) as { messages: Message[] };
      danaSeen.push(...joined.messages);
      timeline.length = 0; // the join's ack

      // The thread's row lock, held by the test: both sends wait for it inside their transaction.
      lock = new pg.Client({ connectionString: platform.env.DATABASE_URL });
      await lock.connect();
      await lock.query('BEGIN');
      await lock.query('SELECT id FROM threads WHERE id = $1 FOR UPDATE', [threadId]);
      const overSocket = note('sent over the socket as A stops');
      const overRest = note('sent over REST as A stops');
      const socketAnswer = dana.timeout(30_000).emitWithAck('message.send', { threadId, ...overSocket }) as Promise<{
        ok: boolean;
        message: Message;
      }>;
      const restAnswer = fetch(`${a.url}/api/threads/${threadId}/messages`, {
        method: 'POST',
        headers,
        body: JSON.stringify(overRest),
      });
      // Each send's transaction waits for the lock, or, with every group-commit writer busy, the
      // send waits to go in the next batch. Polled (there is no event for a lock wait): PostgreSQL's
      // view of its sessions (inside a transaction a snapshot, hence the clear) and A's queue of
      // sends, from its metrics.
      for (let inFlight = false; !inFlight;) {
        await lock.query('SELECT pg_stat_clear_snapshot()');
        const { rows } = await lock.query<{ waiting: number }>(
          `SELECT count(*)::int AS waiting FROM pg_stat_activity
          WHERE datname = current_database() AND wait_event_type = 'Lock' AND pid <> pg_backend_pid()`,
        );
        const queued = valueOf((await scrape(a.metricsUrl)).samples, 'sharedcare_message_sends_waiting');
        inFlight = rows[0].waiting >= 1 && rows[0].waiting + (queued ?? 0) === 2;
      }

      const stopping = logged(a, 'Consult service stopping');
      const exited = exitOf(a);
      a.process.kill('SIGTERM');
      await stopping;
      // Draining: unready at once, new work refused, the sends still held.
      const ready = await fetch(`${a.url}/health/ready`);
      expect({ status: ready.status, body: await ready.json() }).toEqual({
        status: 503,
        body: { status: 'shutting_down', checks: {} },
      });
      expect((await fetch(`${a.url}/health/live`)).status).toBe(200);
      const refused = await fetch(`${a.url}/api/threads/${threadId}/messages`, {
        method: 'POST',
        headers,
        body: JSON.stringify(note('sent to A after SIGTERM')),
      });
      expect(refused.status).toBe(503);
      expect(await refused.json()).toEqual({ error: { code: 'unavailable', message: expect.any(String) } });
      await expect(connect(a.url, therapist)).rejects.toThrow();
      const readyB = await fetch(`${b.url}/health/ready`);
      expect({ status: readyB.status, body: await readyB.json() }).toEqual({
        status: 200,
        body: { status: 'ok', checks: { database: 'up', redis: 'up' } },
      });
      expect(a.process.exitCode).toBeNull();
      expect(timeline).toEqual([]);

      await lock.query('COMMIT');
      const acked = await socketAnswer;
      expect(acked).toEqual({
        ok: true,
        message: expect.objectContaining({ clientMessageId: overSocket.clientMessageId }),
      });
      danaSeen.push(acked.message);
      const rest = await restAnswer;
      expect(rest.status).toBe(201);
      const restMessage = (await rest.json()) as Message;
      expect(restMessage.clientMessageId).toBe(overRest.clientMessageId);
      await toldToReconnect;
      expect(timeline).toEqual(['ack', 'server.shutdown']);
      // A transport close, which socket.io-client (reconnection on) answers by reconnecting.
      expect(await disconnected).toBe('transport close');
      expect(await exited).toEqual({ code: 0, signal: null });

      // While Dana is away, Sam (on B) writes.
      const sam = await connect(b.url, psychiatrist);
      sockets.push(sam);
      const samNote = note('written while Dana reconnects');
      const samAnswer = (await sam.emitWithAck('message.send', { threadId, ...samNote })) as {
        ok: boolean;
        message: Message;
      };
      expect(samAnswer.ok).toBe(true);

      // Dana, told to reconnect, lands on B with a fresh token and asks for what she has not seen.
      const again = await connect(b.url, await token(platform, 'therapist@demo.test'));
      sockets.push(again);
      const lastSeen = Math.max(...danaSeen.map((message) => message.seq));
      const caughtUp = (await again.emitWithAck('thread.join', { threadId, afterSeq: lastSeen })) as {
        ok: boolean;
        messages: Message[];
      };
      expect(caughtUp.ok).toBe(true);

      const history = (await (
        await fetch(`${b.url}/api/threads/${threadId}/messages?after=0&limit=200`, { headers })
      ).json()) as { messages: Message[] };
      const stored = history.messages;
      expect(stored.map((message) => message.seq)).toEqual(stored.map((_, index) => index + 1));
      for (const clientMessageId of [overSocket, overRest, samNote].map((sent) => sent.clientMessageId)) {
        expect(stored.filter((message) => message.clientMessageId === clientMessageId)).toHaveLength(1);
      }
      // The catch-up is exactly what the socket had not seen; with it, Dana has every message.
      expect(caughtUp.messages.map((message) => message.seq)).toEqual(
        stored.filter((message) => message.seq > lastSeen).map((message) => message.seq),
      );
      const known = new Set([...danaSeen, ...caughtUp.messages, restMessage].map((message) => message.messageId));
      expect(stored.filter((message) => !known.has(message.messageId))).toEqual([]);
      expect(caughtUp.messages.map((message) => message.clientMessageId)).toContain(samNote.clientMessageId);
    });
  },
);
