import { randomUUID } from 'node:crypto';
import { decodeJwt } from 'jose';
import { io, type Socket } from 'socket.io-client';
import { refusedAfter } from '../support/api.js';
import { demoLogin, type Tokens } from '../support/demo.js';
import { type Platform, type RunningService, startPlatform, startService } from '../support/services.js';

/** Issue 4: access closes within a second of what ends it. */
const WITHIN_MS = 1_000;
const UNAUTHENTICATED = { code: 'unauthenticated', message: expect.any(String) };

/**
 * Logout-all without Redis, as one consult-service process on its own runs (the embedded default,
 * or a real PostgreSQL when DATABASE_URL is set): the gateway learns of it from the auth service's
 * session-events feed, refuses the old token over REST and socket.io within a second, lets a
 * fresh login through, and still refuses the old token after a restart.
 */
describe('logout-all reaches a consult service without Redis through the auth service’s feed', () => {
  let platform: Platform;
  let restarted: RunningService | undefined;
  const sockets: Socket[] = [];

  beforeAll(async () => {
    // The runner's REDIS_URL would reach both services: this is the deployment without it.
    platform = await startPlatform({ REDIS_URL: '' });
  });
  afterAll(async () => {
    for (const socket of sockets) socket.disconnect();
    await restarted?.stop();
    await platform?.stop();
  });

  async function signIn(email: string): Promise<Tokens> {
    const response = await demoLogin(platform.auth.url, email);
    expect(response.status).toBe(200);
    return (await response.json()) as Tokens;
  }

  async function login(email: string): Promise<string> {
    return (await signIn(email)).accessToken;
  }

  /** The socket once connected, or the `connect_error` data of its refusal. */
  function handshake(gateway: RunningService, token: string): Promise<{ socket: Socket; refusal?: unknown }> {
    const socket = io(`${gateway.url}/consult`, { auth: { token }, reconnection: false, forceNew: true });
    sockets.push(socket);
    return new Promise((resolve) => {
      socket.once('connect', () => resolve({ socket }));
      socket.once('connect_error', (error: Error & { data?: unknown }) => resolve({ socket, refusal: error.data }));
    });
  }

  async function me(gateway: RunningService, token: string): Promise<{ status: number; body: unknown }> {
    const response = await fetch(`${gateway.url}/api/me`, { headers: { authorization: `Bearer ${token}` } });
    return { status: response.status, body: await response.json() };
  }

  it('logout closes the sockets of that session within a second and refuses its token; the provider’s other session stays', async () => {
    const ending = await signIn('therapist@demo.test');
    const staying = await signIn('therapist@demo.test');
    const closing = await handshake(platform.gateway, ending.accessToken);
    const kept = await handshake(platform.gateway, staying.accessToken);
    expect([closing.refusal, kept.refusal]).toEqual([undefined, undefined]);
    const expired = new Promise<number>((resolve) => closing.socket.once('session.expired', () => resolve(Date.now())));
    const closed = new Promise<string>((resolve) => closing.socket.once('disconnect', resolve));
    const keptEvents: string[] = [];
    kept.socket.onAny((event: string) => keptEvents.push(event));
    kept.socket.once('disconnect', (reason) => keptEvents.push(`disconnect: ${reason}`));

    const loggedOut = await fetch(`${platform.auth.url}/auth/logout`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ refreshToken: ending.refreshToken }),
    });
    const answeredAt = Date.now();
    expect(loggedOut.status).toBe(204);

    expect((await expired) - answeredAt).toBeLessThan(WITHIN_MS);
    expect(await closed).toBe('io server disconnect');
    expect(await refusedAfter(platform.gateway.url, ending.accessToken, answeredAt + WITHIN_MS)).toEqual({
      status: 401,
      body: { error: UNAUTHENTICATED },
    });
    expect((await handshake(platform.gateway, ending.accessToken)).refusal).toEqual(UNAUTHENTICATED);
    // The other session was closed in the same pass if at all: its socket still answers, its token still works.
    expect(await kept.socket.timeout(5_000).emitWithAck('thread.leave', { threadId: randomUUID() })).toEqual({
      ok: true,
    });
    expect(kept.socket.connected).toBe(true);
    expect(keptEvents).toEqual([]);
    expect((await me(platform.gateway, staying.accessToken)).status).toBe(200);
    kept.socket.disconnect();
  });

  it('refuses the old token within a second on REST and socket.io, and after a restart; a fresh login works', async () => {
    const old = await login('care.manager@demo.test');
    const { socket, refusal } = await handshake(platform.gateway, old);
    expect(refusal).toBeUndefined();
    const expired = new Promise<number>((resolve) => socket.once('session.expired', () => resolve(Date.now())));
    const closed = new Promise<number>((resolve) => socket.once('disconnect', () => resolve(Date.now())));

    const loggedOut = await fetch(`${platform.auth.url}/auth/logout-all`, {
      method: 'POST',
      headers: { authorization: `Bearer ${old}` },
    });
    const answeredAt = Date.now();
    expect(loggedOut.status).toBe(204);
    const fresh = await login('care.manager@demo.test');
    expect(decodeJwt(fresh).sid).not.toBe(decodeJwt(old).sid);

    expect(await refusedAfter(platform.gateway.url, old, answeredAt + WITHIN_MS)).toEqual({
      status: 401,
      body: { error: UNAUTHENTICATED },
    });
    expect((await expired) - answeredAt).toBeLessThan(WITHIN_MS);
    expect((await closed) - answeredAt).toBeLessThan(WITHIN_MS);
    expect((await handshake(platform.gateway, old)).refusal).toEqual(UNAUTHENTICATED);
    expect((await me(platform.gateway, fresh)).status).toBe(200);
    expect((await handshake(platform.gateway, fresh)).refusal).toBeUndefined();

    // A restart within the old token's lifetime: the new process reads the feed before it listens.
    expect(await platform.gateway.stop('SIGTERM')).toBe(0);
    restarted = await startService('gateway', platform.gateway.port, { ...platform.env, DEMO: 'false' });
    expect(await me(restarted, old)).toEqual({ status: 401, body: { error: UNAUTHENTICATED } });
    expect((await handshake(restarted, old)).refusal).toEqual(UNAUTHENTICATED);
    expect((await me(restarted, fresh)).status).toBe(200);
    expect((await handshake(restarted, fresh)).refusal).toBeUndefined();
  });
});
