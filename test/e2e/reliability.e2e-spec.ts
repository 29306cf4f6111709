import { type ChildProcess, spawn } from 'node:child_process';
import { randomUUID } from 'node:crypto';
import { existsSync, mkdirSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { performance } from 'node:perf_hooks';
import { io, type Socket } from 'socket.io-client';
import { demoLogin } from '../support/demo.js';
import { findPostgresBin, type PrivateCluster, startPrivateCluster } from '../support/private-cluster.js';
import { freePort, type Platform, type RunningService, startPlatform, startService } from '../support/services.js';

/**
 * Reliability (it must never lose a message): the consult service's processes and the servers it
 * leans on fail under a sending client, and come back.
 * 1. The gateway is SIGKILLed right after a send and restarted: the retry stores the note once.
 * 2. A private PostgreSQL cluster stops and starts again under a sending client.
 * 3. A private Redis stops and starts again under two gateways.
 * The clusters and servers are private (temporary folders, free ports): the machine's shared ones
 * are never touched.
 */

const ci = Boolean(process.env.CI);
const suiteDatabaseUrl = process.env.DATABASE_URL || undefined;

interface Message {
  messageId: string;
  threadId: string;
  seq: number;
  clientId: string;
  senderId: string;
  clientMessageId: string;
}
type Answer = { ok: true; message: Message } | { ok: false; error: { code: string; message: string } };

function findRedisServer(): string | undefined {
  return [...(process.env.PATH ?? '').split(':').filter(Boolean), '/usr/bin']
    .map((dir) => join(dir, 'redis-server'))
    .find((path) => existsSync(path));
}

const postgresBin = findPostgresBin();
const redisServer = findRedisServer();
const canScaleOut = Boolean((suiteDatabaseUrl || postgresBin) && redisServer);
if (!ci && !postgresBin) console.warn('reliability: no initdb/pg_ctl found; the PostgreSQL restart test is skipped');
if (!ci && !canScaleOut)
  console.warn('reliability: no PostgreSQL or no redis-server; the Redis outage test is skipped');

interface RedisServer {
  url: string;
  process: ChildProcess;
  /** SIGTERM to the redis-server this test started; resolves when it has exited. */
  stop(): Promise<void>;
}

/** A redis-server of its own, nothing persisted, on `port`; resolves once it accepts connections. */
async function startRedis(path: string, port: number, dir: string): Promise<RedisServer> {
  const args = ['--port', String(port), '--bind', '127.0.0.1', '--save', '', '--appendonly', 'no', '--dir', dir];
  const child = spawn(path, args, { cwd: dir, stdio: ['ignore', 'pipe', 'pipe'] });
  let output = '';
  await new Promise<void>((resolve, reject) => {
    const onData = (chunk: Buffer) => {
      output += chunk.toString();
      if (output.includes('Ready to accept connections')) resolve();
    };
    child.stdout.on('data', onData);
    child.stderr.on('data', onData);
    child.once('error', reject);
    child.once('exit', (code) => reject(new Error(`redis-server exited with ${code}:\n${output}`)));
  });
  return {
    url: `redis://127.0.0.1:${port}`,
    process: child,
    stop: () =>
      new Promise((resolve) => {
        if (child.exitCode !== null || child.signalCode !== null) return resolve();
        child.once('exit', () => resolve());
        child.kill('SIGTERM');
      }),
  };
}

/** Something to wait on that is re-checked whenever the test learns something new (no sleeping). */
class Changes {
  private readonly checks = new Set<() => void>();

  notify(): void {
    for (const check of [...this.checks]) check();
  }

  until(condition: () => boolean, timeoutMs: number, what: string): Promise<void> {
    return new Promise((resolve, reject) => {
      const finish = () => {
        clearTimeout(timer);
        this.checks.delete(check);
      };
      const check = () => {
        if (!condition()) return;
        finish();
        resolve();
      };
      const timer = setTimeout(() => {
        finish();
        reject(new Error(`timed out after ${timeoutMs} ms waiting for ${what}`));
      }, timeoutMs);
      this.checks.add(check);
      check();
    });
  }
}

function exited(child: ChildProcess): Promise<void> {
  return new Promise((resolve) => {
    if (child.exitCode !== null || child.signalCode !== null) return resolve();
    child.once('exit', () => resolve());
  });
}

async function accessToken(platform: Platform, email: string): Promise<string> {
  const response = await demoLogin(platform.auth.url, email);
  expect(response.status).toBe(200);
  return ((await response.json()) as { accessToken: string }).accessToken;
}

async function getJson<T>(url: string, token: string): Promise<T> {
  const response = await fetch(url, { headers: { authorization: `Bearer ${token}` } });
  expect(response.status).toBe(200);
  return (await response.json()) as T;
}

interface Conversation {
  therapist: string;
  psychiatrist: string;
  psychiatristId: string;
  threadId: string;
}

/** The demo therapist opens a thread with the demo psychiatrist on the demo client. */
async function openThread(platform: Platform, subject: string): Promise<Conversation> {
  const therapist = await accessToken(platform, 'therapist@demo.test');
  const psychiatrist = await accessToken(platform, 'psychiatrist@demo.test');
  const gateway = platform.gateway.url;
  const { clients } = await getJson<{ clients: { clientId: string; displayName: string }[] }>(
    `${gateway}/api/clients`,
    therapist,
  );
  const client = clients.find((candidate) => candidate.displayName === 'Jordan Lee (demo)');
  expect(client).toBeDefined();
  const me = await getJson<{ providerId: string }>(`${gateway}/api/me`, psychiatrist);
  const response = await fetch(`${gateway}/api/threads`, {
    method: 'POST',
    headers: { authorization: `Bearer ${therapist}`, 'content-type': 'application/json' },
    body: JSON.stringify({ clientId: client!.clientId, subject, participantIds: [me.providerId] }),
  });
  expect(response.status).toBe(201);
  const { threadId } = (await response.json()) as { threadId: string };
  return { therapist, psychiatrist, psychiatristId: me.providerId, threadId };
}

/** Every stored message of the thread, through REST, following `nextAfter`. */
async function storedMessages(gatewayUrl: string, token: string, threadId: string): Promise<Message[]> {
  const messages: Message[] = [];
  let after: number | null = 0;
  while (after !== null) {
    const page: { messages: Message[]; nextAfter: number | null } = await getJson(
      `${gatewayUrl}/api/threads/${threadId}/messages?after=${after}&limit=200`,
      token,
    );
    messages.push(...page.messages);
    after = page.nextAfter;
  }
  return messages;
}

function note(threadId: string, clientMessageId: string, text: string) {
  return { threadId, clientMessageId, kind: 'note', category: 'general', body: { text } };
}

/** One send and its answer; an answer that never comes (the connection died) is an error too. */
async function send(socket: Socket, payload: ReturnType<typeof note>, timeoutMs = 15_000): Promise<Answer> {
  try {
    return (await socket.timeout(timeoutMs).emitWithAck('message.send', payload)) as Answer;
  } catch (error) {
    return { ok: false, error: { code: 'no_answer', message: (error as Error).message } };
  }
}

function seqs(messages: Message[]): number[] {
  return messages.map((message) => message.seq);
}

describe('reliability: processes and servers fail under sending clients', () => {
  const cleanups: (() => Promise<unknown>)[] = [];
  const sockets: Socket[] = [];
  let root: string;
  /** TMPDIR of the services: what a SIGKILLed process leaves in its temp folder is cleaned up too. */
  let serviceTmp: string;
  let cluster: PrivateCluster | undefined;

  function connect(url: string, token: string): Promise<Socket> {
    // websocket only: an emit is on the wire before the next line of the test runs.
    const socket = io(`${url}/consult`, {
      auth: { token },
      reconnection: false,
      forceNew: true,
      transports: ['websocket'],
    });
    sockets.push(socket);
    return new Promise((resolve, reject) => {
      socket.once('connect', () => resolve(socket));
      socket.once('connect_error', reject);
    });
  }

  /** Collects the socket's live `message.new` events into `into`. */
  function record(socket: Socket, changes?: Changes, into: Message[] = []): Message[] {
    socket.on('message.new', ({ message }: { message: Message }) => {
      into.push(message);
      changes?.notify();
    });
    return into;
  }

  async function platformOn(env: Record<string, string>, databaseUrl?: string): Promise<Platform> {
    const platform = await startPlatform({ TMPDIR: serviceTmp, ...env }, { databaseUrl });
    cleanups.push(async () => {
      await platform.stop();
      rmSync(platform.dataDir, { recursive: true, force: true });
    });
    return platform;
  }

  async function gatewayOn(port: number, env: Record<string, string>): Promise<RunningService> {
    const gateway = await startService('gateway', port, env);
    cleanups.push(() => gateway.stop());
    return gateway;
  }

  beforeAll(async () => {
    root = mkdtempSync(join(tmpdir(), 'sharedcare-reliability-'));
    serviceTmp = join(root, 'tmp');
    mkdirSync(serviceTmp);
    if (postgresBin) cluster = await startPrivateCluster(postgresBin);
  }, 60_000);

  afterAll(async () => {
    for (const socket of sockets) socket.disconnect();
    // Each step runs even when one before it fails; the first failure is reported after all ran.
    const failures: unknown[] = [];
    for (const cleanup of cleanups.reverse()) await cleanup().catch((error: unknown) => failures.push(error));
    await cluster?.destroy().catch((error: unknown) => failures.push(error));
    if (root) rmSync(root, { recursive: true, force: true });
    if (failures.length > 0) throw failures[0];
  }, 60_000);

  it('notes sent as the gateway is SIGKILLed are stored once after the restart and retry, and caught up once', async () => {
    // The suite's PostgreSQL, else the embedded default (served by the gateway from its DATA_DIR,
    // which survives the process).
    const platform = await platformOn({});
    const { therapist, psychiatrist, threadId } = await openThread(platform, 'Gateway crash');
    const samLive: Message[] = [];
    let gateway = platform.gateway;
    // One socket of the psychiatrist's on the running gateway at a time (a second would see each event too).
    record(await connect(gateway.url, psychiatrist), undefined, samLive);
    const rounds = [
      // The brief's case: killed right after the emit, before or after the commit, whichever happens.
      { notes: 1, kill: 'after the emit' },
      // A burst killed at its first acknowledgement: the others are caught at every stage of a send.
      { notes: 5, kill: 'at the first acknowledgement' },
    ];
    for (const round of rounds) {
      const baseline = Math.max(...seqs(await storedMessages(gateway.url, therapist, threadId)));
      const dana = await connect(gateway.url, therapist);
      const payloads = Array.from({ length: round.notes }, (_, index) =>
        note(threadId, randomUUID(), `Sent as the gateway dies (${index + 1})`),
      );
      const answers = payloads.map((payload) => send(dana, payload, 5_000));
      if (round.notes > 1) {
        const oneAcknowledged = new Promise<void>((resolve) =>
          answers.forEach((answer) => void answer.then(({ ok }) => ok && resolve())),
        );
        await Promise.race([oneAcknowledged, Promise.all(answers)]);
      }
      gateway.process.kill('SIGKILL');
      await exited(gateway.process);
      // Answered (committed before the kill) or not; either way the client retries every one.
      const firsts = await Promise.all(answers);

      gateway = await gatewayOn(platform.gateway.port, platform.env);
      const sam = await connect(gateway.url, psychiatrist);
      record(sam, undefined, samLive);
      const beforeRetry = await storedMessages(gateway.url, therapist, threadId);
      for (const payload of payloads) {
        expect(beforeRetry.filter((m) => m.clientMessageId === payload.clientMessageId).length).toBeLessThanOrEqual(1);
      }
      const retrying = await connect(gateway.url, therapist);
      const retried: Message[] = [];
      for (const [index, payload] of payloads.entries()) {
        const answer = await send(retrying, payload);
        expect(answer).toEqual({
          ok: true,
          message: expect.objectContaining({ threadId, clientMessageId: payload.clientMessageId }),
        });
        if (firsts[index].ok) expect(answer).toEqual(firsts[index]);
        retried.push((answer as { message: Message }).message);
      }

      const stored = await storedMessages(gateway.url, therapist, threadId);
      expect(seqs(stored)).toEqual(stored.map((_, index) => index + 1));
      for (const message of retried) {
        expect(stored.filter((m) => m.clientMessageId === message.clientMessageId)).toEqual([
          expect.objectContaining({ messageId: message.messageId, seq: message.seq }),
        ]);
      }
      // Every stored note is accounted for in the audit trail, whenever the kill came.
      const report = await getJson<{ entries: { action: string; resourceId: string }[] }>(
        `${gateway.url}/api/clients/${retried[0].clientId}/access-report?limit=200`,
        therapist,
      );
      for (const message of retried) {
        expect(report.entries).toContainEqual(
          expect.objectContaining({ action: 'message.send', resourceId: message.messageId }),
        );
      }
      // The psychiatrist catches up from what they had before the round: each note exactly once.
      const caughtUp = (await sam.emitWithAck('thread.join', { threadId, afterSeq: baseline })) as {
        ok: boolean;
        messages: Message[];
      };
      expect(caughtUp.ok).toBe(true);
      expect(caughtUp.messages.map((m) => m.messageId)).toEqual(stored.slice(baseline).map((m) => m.messageId));
      for (const message of retried) {
        expect(caughtUp.messages.filter((m) => m.clientMessageId === message.clientMessageId)).toEqual([
          expect.objectContaining({ messageId: message.messageId, seq: message.seq }),
        ]);
        // Live, before the crash or on the retry, at most once.
        expect(samLive.filter((m) => m.messageId === message.messageId).length).toBeLessThanOrEqual(1);
      }
    }
  });

  (postgresBin || ci ? it : it.skip)(
    `PostgreSQL stops and starts under a sending client: error acks, then recovery, no duplicate${
      postgresBin ? '' : ' (skipped: no initdb/pg_ctl on PATH or in /usr/lib/postgresql/*/bin)'
    }`,
    async () => {
      if (!cluster) throw new Error('CI is set but there are no PostgreSQL binaries (initdb, pg_ctl) to run a cluster');
      if (!cluster.running) await cluster.start();
      // The budget is raised: the retries during the outage are not what this test is about.
      const platform = await platformOn({ SOCKET_EVENT_BUDGET: '100000' }, cluster.url);
      const { therapist, threadId } = await openThread(platform, 'Database restart');
      const dana = await connect(platform.gateway.url, therapist);

      const changes = new Changes();
      const attempts: { clientMessageId: string; sentAt: number; answeredAt: number; answer: Answer }[] = [];
      const acked = new Map<string, Message>();
      const sent: string[] = [];
      let sending = true;
      let givenUp = false;
      // The client: one note after another; each is retried with its clientMessageId until acked.
      const sender = (async () => {
        for (let index = 1; sending; index++) {
          const payload = note(threadId, `pg-restart-${index}-${randomUUID()}`, `Note ${index}`);
          sent.push(payload.clientMessageId);
          const deadline = performance.now() + 45_000;
          for (;;) {
            const sentAt = performance.now();
            const answer = await send(dana, payload);
            attempts.push({ clientMessageId: payload.clientMessageId, sentAt, answeredAt: performance.now(), answer });
            changes.notify();
            if (answer.ok) {
              acked.set(payload.clientMessageId, answer.message);
              break;
            }
            if (givenUp || performance.now() > deadline) throw new Error(`${payload.clientMessageId} not acknowledged`);
            await new Promise((resolve) => setTimeout(resolve, 50)); // a client's short back-off
          }
        }
      })();
      sender.catch(() => changes.notify());

      try {
        await changes.until(() => acked.size >= 3, 20_000, 'three acknowledged notes before the outage');
        await cluster.stop();
        const down = performance.now();
        const duringOutage = () => attempts.filter((attempt) => attempt.sentAt >= down);
        await changes.until(() => duringOutage().length >= 3, 20_000, 'three answers while PostgreSQL is down');
        expect(platform.gateway.process.exitCode).toBeNull();
        expect(platform.gateway.process.signalCode).toBeNull();
        expect((await fetch(`${platform.gateway.url}/health`)).status).toBe(503);
        const outageAnswers = duringOutage().map((attempt) => attempt.answer);
        const up = performance.now();
        await cluster.start();
        const ackedAtRestart = acked.size;
        await changes.until(() => acked.size >= ackedAtRestart + 3, 30_000, 'three acknowledged notes after restart');

        // Sent after the stop had finished: every answer is an error, none a timeout.
        expect(outageAnswers).toEqual(
          outageAnswers.map(() => ({ ok: false, error: { code: expect.any(String), message: expect.any(String) } })),
        );
        expect(outageAnswers.filter((answer) => !answer.ok && answer.error.code === 'no_answer')).toEqual([]);
        const okBetween = attempts.filter((a) => a.sentAt >= down && a.answeredAt <= up && a.answer.ok);
        expect(okBetween).toEqual([]);
      } catch (error) {
        givenUp = true;
        throw error;
      } finally {
        sending = false;
        await sender.catch(() => undefined);
      }
      await sender;
      expect(dana.connected).toBe(true);
      expect((await fetch(`${platform.gateway.url}/health`)).status).toBe(200);

      const stored = await storedMessages(platform.gateway.url, therapist, threadId);
      expect(seqs(stored)).toEqual(stored.map((_, index) => index + 1));
      const ours = stored.filter((message) => message.clientMessageId.startsWith('pg-restart-'));
      // Each note once, in the order sent, the one each acknowledgement named.
      expect(ours.map((message) => message.clientMessageId)).toEqual(sent);
      expect(ours.map((message) => message.messageId)).toEqual(sent.map((id) => acked.get(id)?.messageId));
    },
    60_000,
  );

  (canScaleOut || ci ? it : it.skip)(
    `Redis stops under two gateways: sends succeed, catch-up loses nothing, live delivery resumes${
      canScaleOut ? '' : ' (skipped: needs a PostgreSQL server or its binaries, and redis-server)'
    }`,
    async () => {
      if (!redisServer) throw new Error('CI is set but there is no redis-server');
      const databaseUrl = suiteDatabaseUrl ?? cluster?.url;
      if (!databaseUrl) throw new Error('CI is set but there is neither DATABASE_URL nor PostgreSQL binaries');
      if (!suiteDatabaseUrl && cluster && !cluster.running) await cluster.start();

      const redisPort = await freePort();
      const redisDir = join(root, 'redis');
      mkdirSync(redisDir);
      let redis = await startRedis(redisServer, redisPort, redisDir);
      cleanups.push(() => redis.stop());
      const platform = await platformOn({ REDIS_URL: redis.url }, databaseUrl);
      const port = await freePort();
      // Same database, keys and Redis; the demo was seeded once, by the first.
      const b = await gatewayOn(port, { ...platform.env, GATEWAY_PORT: String(port), DEMO: 'false' });
      const { therapist, psychiatrist, threadId } = await openThread(platform, 'Redis outage');

      const changes = new Changes();
      const sam = await connect(b.url, psychiatrist);
      const samLive = record(sam, changes);
      const dana = await connect(platform.gateway.url, therapist);
      const arrived = (message: Message) => samLive.some((live) => live.messageId === message.messageId);
      const sendOk = async (clientMessageId: string) => {
        const answer = await send(dana, note(threadId, clientMessageId, clientMessageId));
        expect(answer).toEqual({ ok: true, message: expect.objectContaining({ clientMessageId }) });
        return (answer as { message: Message }).message;
      };

      const before = await sendOk('redis-before');
      await changes.until(() => arrived(before), 10_000, 'live delivery across the gateways before the outage');

      await redis.stop();
      const duringOutage: Message[] = [];
      for (let index = 1; index <= 5; index++) duringOutage.push(await sendOk(`redis-down-${index}`));
      expect(platform.gateway.process.exitCode).toBeNull();
      expect(b.process.exitCode).toBeNull();
      const caughtUp = (await sam.emitWithAck('thread.join', { threadId, afterSeq: before.seq })) as {
        ok: boolean;
        messages: Message[];
      };
      expect(caughtUp.ok).toBe(true);
      expect(caughtUp.messages.map((message) => message.messageId)).toEqual(duringOutage.map((m) => m.messageId));
      expect(duringOutage.filter(arrived)).toEqual([]);

      redis = await startRedis(redisServer, redisPort, redisDir);
      // node-redis reconnects with a back-off of up to 5 s: send until one arrives live on B.
      const probes: Message[] = [];
      for (let index = 1; !probes.some(arrived); index++) {
        expect(index).toBeLessThan(100);
        probes.push(await sendOk(`redis-probe-${index}`));
        // Not within a quarter second: the next probe.
        await changes.until(() => probes.some(arrived), 250, 'a probe delivered live').catch(() => undefined);
      }
      // Reconnected: the next message arrives live.
      const after = await sendOk('redis-after');
      await changes.until(() => arrived(after), 10_000, 'live delivery after Redis is back');

      // Nothing lost, nothing twice: B's live events and catch-ups cover every stored message once.
      const stored = await storedMessages(platform.gateway.url, therapist, threadId);
      expect(seqs(stored)).toEqual(stored.map((_, index) => index + 1));
      const finalJoin = (await sam.emitWithAck('thread.join', { threadId, afterSeq: 0 })) as { messages: Message[] };
      expect(finalJoin.messages.map((message) => message.messageId)).toEqual(stored.map((m) => m.messageId));
      expect(new Set(samLive.map((m) => m.messageId)).size).toBe(samLive.length);
      expect(stored.filter((m) => m.clientMessageId.startsWith('redis-')).map((m) => m.clientMessageId)).toEqual([
        'redis-before',
        ...duringOutage.map((m) => m.clientMessageId),
        ...probes.map((m) => m.clientMessageId),
        'redis-after',
      ]);
    },
    60_000,
  );
});
