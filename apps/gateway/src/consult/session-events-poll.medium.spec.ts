import { randomBytes, randomUUID } from 'node:crypto';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import type { Socket as ClientSocket } from 'socket.io-client';
import { TEST_AUDIENCE, TEST_ISSUER } from '../../../../test/support/access-tokens.js';
import { testProvider } from '../../../../test/support/api.js';
import { connectOutcome, startTestGateway, type TestGateway } from '../../../../test/support/gateway-app.js';

interface FeedEvent {
  id: string;
  type: 'provider.sessions_revoked' | 'provider.disabled';
  providerId: string;
  organisationId: string;
  sessionIds?: string[];
  at: string;
}

const ZERO_ID = '00000000-0000-0000-0000-000000000000';

/**
 * A stand-in for the auth service's internal routes: the session-events feed (cursor `<ms>:<id>`,
 * as apps/auth serves it) and an empty provider directory. It can refuse for a while, and tells
 * the test of each request instead of being waited on.
 */
class AuthFeed {
  readonly events: FeedEvent[] = [];
  readonly asked: string[] = [];
  refusing = false;
  private server!: Server;
  private readonly waiting: { count: number; resolve: () => void }[] = [];

  constructor(private readonly key: Buffer) {}

  async start(): Promise<string> {
    this.server = createServer((request, response) => {
      const url = new URL(request.url ?? '/', 'http://feed');
      const answer = (status: number, body: unknown) => {
        response.writeHead(status, { 'content-type': 'application/json' }).end(JSON.stringify(body));
      };
      if (request.headers.authorization !== `Bearer ${this.key.toString('base64url')}`) return answer(401, {});
      if (url.pathname === '/internal/providers') return answer(200, { providers: [], nextAfter: null });
      if (url.pathname !== '/internal/session-events') return answer(404, {});
      const after = url.searchParams.get('after') ?? `0:${ZERO_ID}`;
      this.asked.push(after);
      for (const waiter of this.waiting.filter((waiter) => this.asked.length >= waiter.count)) waiter.resolve();
      if (this.refusing) return answer(503, {});
      const [millis, id] = after.split(':');
      const position = (event: FeedEvent) => `${String(Date.parse(event.at)).padStart(15, '0')}:${event.id}`;
      const from = `${millis.padStart(15, '0')}:${id}`;
      const page = this.events
        .filter((event) => position(event) > from)
        .sort((a, b) => (position(a) < position(b) ? -1 : 1));
      const last = page.at(-1);
      answer(200, {
        events: page.map(({ id: _id, ...event }) => event),
        nextAfter: last ? `${Date.parse(last.at)}:${last.id}` : after,
      });
    });
    await new Promise<void>((resolve) => this.server.listen(0, '127.0.0.1', resolve));
    return `http://127.0.0.1:${(this.server.address() as AddressInfo).port}`;
  }

  /** Resolves once the feed has been asked `count` times in all. */
  askedTimes(count: number): Promise<void> {
    return new Promise((resolve) => {
      if (this.asked.length >= count) resolve();
      else this.waiting.push({ count, resolve });
    });
  }

  add(event: Omit<FeedEvent, 'id' | 'organisationId'>): void {
    this.events.push({ id: randomUUID(), organisationId: randomUUID(), ...event });
  }

  close(): Promise<void> {
    return new Promise((resolve) => this.server.close(() => resolve()));
  }
}

/**
 * The consult service without Redis learns of logout-all and disable from the auth service's feed:
 * what ended before it started (read at boot, before it listens), and what ends while it runs.
 */
describe('session events from the auth service’s feed', () => {
  const key = randomBytes(32);
  const therapist = testProvider('therapist', randomUUID(), 'Dana Reyes', 'LCSW');
  let feed: AuthFeed;
  let feedUrl: string;
  const gateways: TestGateway[] = [];

  beforeEach(async () => {
    feed = new AuthFeed(key);
    feedUrl = await feed.start();
  });
  afterEach(async () => {
    for (const gateway of gateways.splice(0)) await gateway.stop();
    await feed.close();
  });

  function start(): Promise<TestGateway> {
    return startTestGateway({
      authService: true,
      config: {
        auth: { url: feedUrl, jwksUrl: feedUrl, issuer: TEST_ISSUER, audience: TEST_AUDIENCE },
        internalApiKey: key,
        demo: false,
        directorySyncSeconds: 0,
      },
    }).then((gateway) => {
      gateways.push(gateway);
      return gateway;
    });
  }

  const nowSeconds = () => Math.floor(Date.now() / 1000);
  const tokenOf = (gateway: TestGateway, sid: string, issuedAt = nowSeconds()) =>
    gateway.issuer.mint({ claims: { ...therapist, sid }, nowSeconds: issuedAt });

  async function me(gateway: TestGateway, token: string): Promise<{ status: number; body: unknown }> {
    const response = await fetch(`${gateway.url}/api/me`, { headers: { authorization: `Bearer ${token}` } });
    return { status: response.status, body: await response.json() };
  }

  async function connected(gateway: TestGateway, token: string): Promise<ClientSocket> {
    const socket = gateway.socket({ auth: { token } });
    expect(await connectOutcome(socket)).toEqual({ connected: true });
    return socket;
  }

  const ended = { status: 401, body: { error: { code: 'unauthenticated', message: 'Session has ended' } } };

  it('a process started after a logout-all refuses the ended session’s token, on REST and at the handshake', async () => {
    const session = randomUUID();
    const fiveMinutesAgo = Date.now() - 5 * 60_000;
    feed.add({
      type: 'provider.sessions_revoked',
      providerId: therapist.sub,
      sessionIds: [session],
      at: new Date(fiveMinutesAgo).toISOString(),
    });
    const gateway = await start();
    // Read from one token-acceptance window back (15 min age + 5 s tolerance + a minute's margin).
    const [millis] = feed.asked[0].split(':');
    expect(Date.now() - Number(millis)).toBeGreaterThanOrEqual(965_000);
    expect(Date.now() - Number(millis)).toBeLessThan(975_000);

    const old = await tokenOf(gateway, session, Math.floor(fiveMinutesAgo / 1000) - 60);
    expect(await me(gateway, old)).toEqual(ended);
    const outcome = await connectOutcome(gateway.socket({ auth: { token: old } }));
    expect(outcome.connected === false && outcome.error.data).toEqual(ended.body.error);
    // A login since is a session of its own.
    expect((await me(gateway, await tokenOf(gateway, randomUUID()))).status).toBe(200);
  });

  it('does not listen until the feed has been read; it retries until the auth service answers', async () => {
    const session = randomUUID();
    feed.add({
      type: 'provider.sessions_revoked',
      providerId: therapist.sub,
      sessionIds: [session],
      at: new Date().toISOString(),
    });
    feed.refusing = true;
    let started = false;
    const starting = start().then((gateway) => {
      started = true;
      return gateway;
    });
    await feed.askedTimes(2);
    expect(started).toBe(false);
    feed.refusing = false;
    const gateway = await starting;
    expect(await me(gateway, await tokenOf(gateway, session))).toEqual(ended);
  });

  it('a logout-all while it runs closes that session’s sockets and refuses its token; a login after it, even in the same second, works', async () => {
    const gateway = await start();
    const [session, fresh] = [randomUUID(), randomUUID()];
    const old = await tokenOf(gateway, session);
    const socket = await connected(gateway, old);
    const closed = new Promise((resolve) => socket.once('disconnect', resolve));
    const expired = new Promise((resolve) => socket.once('session.expired', resolve));
    const at = new Date();
    feed.add({
      type: 'provider.sessions_revoked',
      providerId: therapist.sub,
      sessionIds: [session],
      at: at.toISOString(),
    });
    await Promise.all([expired, closed]);
    expect(await me(gateway, old)).toEqual(ended);

    // Issued in the second of the logout: `iat` cannot tell it from the old one, its `sid` can.
    const after = await tokenOf(gateway, fresh, Math.floor(at.getTime() / 1000));
    expect((await me(gateway, after)).status).toBe(200);
    const kept = await connected(gateway, after);
    // The same event again (Redis and the feed both deliver it) spares the new session's socket.
    const seen = feed.asked.length;
    feed.events.push({ ...feed.events[0], id: randomUUID() });
    await feed.askedTimes(seen + 2);
    expect(kept.connected).toBe(true);
    expect(await kept.emitWithAck('thread.leave', { threadId: randomUUID() })).toEqual({ ok: true });
  });

  it('an event that names no sessions (from an older auth service) refuses every token issued up to its second', async () => {
    const gateway = await start();
    const before = await tokenOf(gateway, randomUUID(), nowSeconds() - 30);
    const socket = await connected(gateway, before);
    const closed = new Promise((resolve) => socket.once('disconnect', resolve));
    const at = new Date();
    feed.add({ type: 'provider.sessions_revoked', providerId: therapist.sub, at: at.toISOString() });
    await closed;
    expect(await me(gateway, before)).toEqual(ended);
    const later = await tokenOf(gateway, randomUUID(), Math.floor(at.getTime() / 1000) + 1);
    expect((await me(gateway, later)).status).toBe(200);
  });
});
