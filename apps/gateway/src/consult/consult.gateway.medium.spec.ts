import { randomUUID } from 'node:crypto';
import { FixedClock } from '@sharedcare/common';
import { ATTACKS, attackToken } from '../../../../test/support/access-tokens.js';
import {
  ALLOWED_ORIGIN,
  connectOutcome,
  startTestGateway,
  type TestGateway,
} from '../../../../test/support/gateway-app.js';
import { ConsultGateway, MAX_SOCKETS_PER_PROVIDER, providerRoom } from './consult.gateway.js';

describe('/consult handshake (socket authentication)', () => {
  // The gateway and the verifier read this clock; tokens are minted on it too.
  const clock = new FixedClock(new Date());
  const nowSeconds = () => Math.floor(clock.now().getTime() / 1000);
  let gateway: TestGateway;

  beforeAll(async () => {
    gateway = await startTestGateway({ clock });
  });
  afterAll(async () => {
    await gateway?.stop();
  });

  const mint = (claims: Record<string, unknown> = {}) => gateway.issuer.mint({ nowSeconds: nowSeconds(), claims });

  async function expectRefused(token: unknown, extra: Record<string, unknown> = {}): Promise<void> {
    const outcome = await connectOutcome(gateway.socket({ auth: token === undefined ? {} : { token }, ...extra }));
    expect(outcome.connected).toBe(false);
    if (!outcome.connected)
      expect(outcome.error.data).toEqual({ code: 'unauthenticated', message: expect.any(String) });
  }

  it('connects with a valid token and joins the provider’s room, answering nothing', async () => {
    const socket = gateway.socket({ auth: { token: await mint() } });
    const received: string[] = [];
    socket.onAny((event: string) => received.push(event));
    expect(await connectOutcome(socket)).toEqual({ connected: true });
    const namespace = gateway.app.get(ConsultGateway).namespace;
    const inRoom = await namespace.in(providerRoom(String(gateway.issuer.claims().sub))).fetchSockets();
    expect(inRoom.map((s) => s.id)).toEqual([socket.id]);
    expect(received).toEqual([]);
    socket.disconnect();
  });

  it('refuses a handshake without a token', async () => {
    await expectRefused(undefined);
    await expectRefused('');
  });

  it.each(ATTACKS)('refuses %s with connect_error unauthenticated', async (attack) => {
    await expectRefused(await attackToken(gateway.issuer, attack, nowSeconds()));
  });

  it('ignores a token offered anywhere but the handshake auth payload', async () => {
    const token = await mint();
    await expectRefused(undefined, { query: { token }, extraHeaders: { authorization: `Bearer ${token}` } });
  });

  it('refuses a browser origin outside the allow-list, on both transports, before authentication', async () => {
    const token = await mint();
    for (const transports of [['polling'], ['websocket']]) {
      const refused = await connectOutcome(
        gateway.socket({ auth: { token }, transports, extraHeaders: { origin: 'http://evil.test' } }),
      );
      expect(refused.connected).toBe(false);
      const allowed = gateway.socket({ auth: { token }, transports, extraHeaders: { origin: ALLOWED_ORIGIN } });
      expect(await connectOutcome(allowed)).toEqual({ connected: true });
      allowed.disconnect();
    }
    const handshake = await fetch(`${gateway.url}/socket.io/?EIO=4&transport=polling`, {
      headers: { origin: 'http://evil.test' },
    });
    expect(handshake.status).toBe(403);
  });

  it('closes a connection whose message exceeds 64 KB', async () => {
    const socket = gateway.socket({ auth: { token: await mint() }, transports: ['websocket'] });
    expect(await connectOutcome(socket)).toEqual({ connected: true });
    const closed = new Promise<string>((resolve) => socket.once('disconnect', resolve));
    socket.emit('thread.join', { padding: 'x'.repeat(70 * 1024) });
    expect(await closed).toBe('transport close');
  });

  it('drops a client that sends a malformed packet, and keeps serving everyone else', async () => {
    const bystander = gateway.socket({ auth: { token: await mint() } });
    expect(await connectOutcome(bystander)).toEqual({ connected: true });
    const socket = gateway.socket({ auth: { token: await mint() }, transports: ['websocket'] });
    expect(await connectOutcome(socket)).toEqual({ connected: true });
    const closed = new Promise<string>((resolve) => socket.once('disconnect', resolve));
    // Below socket.io's encoder: an engine.io message whose socket.io packet is cut mid-JSON.
    (socket.io.engine as unknown as { send(data: string): void }).send('2/consult,["thread.join",{"threadId":');
    expect(await closed).toBe('transport close');
    expect(bystander.connected).toBe(true);
    expect((await fetch(`${gateway.url}/health`)).status).toBe(200);
    const again = gateway.socket({ auth: { token: await mint() } });
    expect(await connectOutcome(again)).toEqual({ connected: true });
    for (const open of [bystander, again]) open.disconnect();
  });

  it('refuses a provider’s socket over the limit in the handshake, and takes one again once a socket closes', async () => {
    const sub = randomUUID();
    const open = async () => {
      const socket = gateway.socket({ auth: { token: await mint({ sub }) } });
      return { socket, outcome: await connectOutcome(socket) };
    };
    const sockets = [];
    for (let count = 0; count < MAX_SOCKETS_PER_PROVIDER; count++) {
      const { socket, outcome } = await open();
      expect(outcome).toEqual({ connected: true });
      sockets.push(socket);
    }
    const rateLimited = {
      code: 'rate_limited',
      message: expect.any(String),
      details: { limit: MAX_SOCKETS_PER_PROVIDER },
    };
    const over = await open();
    expect(over.outcome.connected).toBe(false);
    if (!over.outcome.connected) expect(over.outcome.error.data).toEqual(rateLimited);
    // Another provider is not held back by this one's sockets.
    const someoneElse = gateway.socket({ auth: { token: await mint() } });
    expect(await connectOutcome(someoneElse)).toEqual({ connected: true });
    someoneElse.disconnect();

    // The refused socket took no slot: once one socket has closed (as the server sees it), one more connects.
    const namespace = gateway.app.get(ConsultGateway).namespace;
    const leaving = sockets.shift();
    const closed = new Promise((resolve) => namespace.sockets.get(String(leaving?.id))?.once('disconnect', resolve));
    leaving?.disconnect();
    await closed;
    const again = await open();
    expect(again.outcome).toEqual({ connected: true });
    sockets.push(again.socket);
    const stillOver = await open();
    expect(stillOver.outcome.connected).toBe(false);
    if (!stillOver.outcome.connected) expect(stillOver.outcome.error.data).toEqual(rateLimited);
    for (const socket of sockets) socket.disconnect();
  });

  it('tells the client its session expired and disconnects it when the token expires', async () => {
    const token = await mint();
    const expiresAt = (nowSeconds() + 600) * 1000;
    clock.set(new Date(expiresAt - 50));
    try {
      const socket = gateway.socket({ auth: { token } });
      const events: string[] = [];
      const disconnected = new Promise<string>((resolve) => socket.once('disconnect', resolve));
      socket.on('session.expired', () => events.push('session.expired'));
      expect(await connectOutcome(socket)).toEqual({ connected: true });
      expect(await disconnected).toBe('io server disconnect');
      expect(events).toEqual(['session.expired']);
    } finally {
      clock.set(new Date());
    }
  });
});
