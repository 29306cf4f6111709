import { randomUUID } from 'node:crypto';
import { Body, Controller, Get, type INestApplication, Post, UseFilters, UsePipes } from '@nestjs/common';
import { Test } from '@nestjs/testing';
import { MessageBody, type OnGatewayInit, SubscribeMessage, WebSocketGateway } from '@nestjs/websockets';
import { IsString, MaxLength } from 'class-validator';
import type { Namespace } from 'socket.io';
import { io, type Socket as ClientSocket } from 'socket.io-client';
import { ContractExceptionFilter, createValidationPipe, FixedClock, WsContractFilter } from '@sharedcare/common';
import { createTestIssuer, type TestIssuer } from '../../../test/support/access-tokens.js';
import type { AuthContext } from './auth-context.js';
import { Auth, Authenticated, Public } from './auth.decorators.js';
import { AuthVerificationModule } from './auth-verification.module.js';
import { describeEndpoints } from './endpoint-declarations.js';
import { EndedSessions } from './ended-sessions.js';
import { PERMISSIONS, type PermissionGrants } from './permissions.js';
import { createSocketAuthMiddleware } from './socket-auth.middleware.js';
import { localKeySource, TokenVerifier } from './token-verifier.js';

class EchoBody {
  @IsString()
  @MaxLength(20)
  text: string;
}

@Controller('probe')
class ProbeController {
  @Public()
  @Get('open')
  open() {
    return { ok: true };
  }

  @Authenticated({ permission: 'provider.me' })
  @Get('me')
  me(@Auth() auth: AuthContext) {
    return { providerId: auth.providerId };
  }

  @Authenticated({ permission: 'provider.me' })
  @Post('echo')
  echo(@Body() body: EchoBody) {
    return body;
  }

  // The defect under test: a route that declares nothing.
  @Get('forgotten')
  forgotten() {
    return { leaked: true };
  }
}

@WebSocketGateway({ namespace: '/probe' })
@UsePipes(createValidationPipe())
@UseFilters(new WsContractFilter())
class ProbeGateway implements OnGatewayInit {
  constructor(private readonly verifier: TokenVerifier) {}

  afterInit(namespace: Namespace) {
    namespace.use(createSocketAuthMiddleware(this.verifier));
  }

  @Authenticated({ permission: 'provider.me' })
  @SubscribeMessage('echo')
  echo(@MessageBody() body: EchoBody, @Auth() auth: AuthContext) {
    return { ok: true, text: body.text, providerId: auth.providerId };
  }

  @SubscribeMessage('forgotten')
  forgotten() {
    return { ok: true, leaked: true };
  }
}

/**
 * The guard's contract on a small app of its own: every route and event declares `@Public` or
 * `@Authenticated`, anything undeclared is refused, and a role without the permission is
 * refused like a missing resource, over REST and socket.io alike.
 */
describe('AuthenticationGuard', () => {
  const clock = new FixedClock(new Date());
  const nowSeconds = () => Math.floor(clock.now().getTime() / 1000);
  let issuer: TestIssuer;
  let app: INestApplication;
  let url: string;
  const sockets: ClientSocket[] = [];

  // provider.me is granted to every role in the real table; here admins only, to see a refusal.
  const grants: PermissionGrants = { ...PERMISSIONS, 'provider.me': { roles: ['admin'], description: 'test' } };

  beforeAll(async () => {
    issuer = await createTestIssuer();
    const moduleRef = await Test.createTestingModule({
      imports: [
        AuthVerificationModule.forRoot({
          issuer: issuer.issuer,
          audience: issuer.audience,
          keys: localKeySource(issuer.jwks),
          clock,
          grants,
        }),
      ],
      controllers: [ProbeController],
      providers: [ProbeGateway],
    })
      .setLogger({ log: () => undefined, error: () => undefined, warn: () => undefined })
      .compile();
    app = moduleRef.createNestApplication();
    app.useGlobalPipes(createValidationPipe());
    app.useGlobalFilters(new ContractExceptionFilter());
    await app.listen(0, '127.0.0.1');
    url = (await app.getUrl()).replace('[::1]', '127.0.0.1');
  });
  afterAll(async () => {
    for (const socket of sockets) socket.disconnect();
    await app?.close();
  });

  const token = (role = 'admin') => issuer.mint({ nowSeconds: nowSeconds(), claims: { role } });
  const get = async (path: string, role?: string) =>
    fetch(`${url}${path}`, role ? { headers: { authorization: `Bearer ${await token(role)}` } } : {});

  /** The socket once connected, or the `connect_error` that refused it. */
  function handshake(bearer: string): Promise<{ socket: ClientSocket; error?: Error & { data?: unknown } }> {
    const socket = io(`${url}/probe`, { auth: { token: bearer }, reconnection: false, forceNew: true });
    sockets.push(socket);
    return new Promise((resolve) => {
      socket.once('connect', () => resolve({ socket }));
      socket.once('connect_error', (error) => resolve({ socket, error }));
    });
  }

  async function connected(role = 'admin'): Promise<ClientSocket> {
    const { socket, error } = await handshake(await token(role));
    if (error) throw error;
    return socket;
  }

  it('lets anyone reach a @Public route and a caller with the permission reach an @Authenticated one', async () => {
    expect((await get('/probe/open')).status).toBe(200);
    const me = await get('/probe/me', 'admin');
    expect(me.status).toBe(200);
    expect(await me.json()).toEqual({ providerId: issuer.claims().sub });
    expect((await get('/probe/me')).status).toBe(401);
  });

  it('refuses a route that declares nothing, even to a valid caller (fail closed)', async () => {
    for (const role of [undefined, 'admin']) {
      const response = await get('/probe/forgotten', role);
      expect(response.status).toBe(404);
      expect(await response.json()).toEqual({ error: { code: 'not_found', message: 'Not found' } });
    }
  });

  it('refuses a role without the permission as not_found', async () => {
    const response = await get('/probe/me', 'therapist');
    expect(response.status).toBe(404);
    expect(await response.json()).toEqual({ error: { code: 'not_found', message: 'Not found' } });
  });

  it('authenticates before validating the body', async () => {
    const post = async (body: unknown, role?: string) =>
      fetch(`${url}/probe/echo`, {
        method: 'POST',
        headers: {
          'content-type': 'application/json',
          ...(role ? { authorization: `Bearer ${await token(role)}` } : {}),
        },
        body: JSON.stringify(body),
      });
    expect((await post({ text: 'hi', extra: 1 })).status).toBe(401);
    const invalid = await post({ text: 'hi', extra: 1 }, 'admin');
    expect(invalid.status).toBe(400);
    expect(await invalid.json()).toMatchObject({
      error: { code: 'invalid', details: [{ field: 'extra', problems: ['whitelistValidation'] }] },
    });
  });

  it('answers a declared event, validating its payload, with the caller from the handshake', async () => {
    const socket = await connected('admin');
    expect(await socket.emitWithAck('echo', { text: 'hello' })).toEqual({
      ok: true,
      text: 'hello',
      providerId: issuer.claims().sub,
    });
    const refused = await socket.emitWithAck('echo', { text: 'x'.repeat(21), extra: true });
    expect(refused).toEqual({
      ok: false,
      error: { code: 'invalid', message: 'Request validation failed', details: expect.any(Array) },
    });
    expect(refused.error.details).toHaveLength(2);
    expect(refused.error.details).toEqual(
      expect.arrayContaining([
        { field: 'text', problems: ['maxLength'] },
        { field: 'extra', problems: ['whitelistValidation'] },
      ]),
    );
  });

  it('refuses an event that declares nothing, and one the role lacks the permission for', async () => {
    const admin = await connected('admin');
    expect(await admin.emitWithAck('forgotten', {})).toEqual({
      ok: false,
      error: { code: 'not_found', message: 'Not found' },
    });
    const therapist = await connected('therapist');
    expect(await therapist.emitWithAck('echo', { text: 'hello' })).toEqual({
      ok: false,
      error: { code: 'not_found', message: 'Not found' },
    });
  });

  it('refuses events once the token the socket was opened with has expired', async () => {
    const socket = await connected('admin');
    clock.advance(601_000);
    try {
      expect(await socket.emitWithAck('echo', { text: 'hello' })).toEqual({
        ok: false,
        error: { code: 'unauthenticated', message: 'Access token expired' },
      });
    } finally {
      clock.set(new Date());
    }
  });

  it('refuses a token of an ended session on REST, at the handshake and on an open socket’s next event; a new session passes', async () => {
    const [endedSession, freshSession] = [randomUUID(), randomUUID()];
    const sessionToken = (sid: string) => issuer.mint({ nowSeconds: nowSeconds(), claims: { role: 'admin', sid } });
    const me = async (bearer: string) => {
      const response = await fetch(`${url}/probe/me`, { headers: { authorization: `Bearer ${bearer}` } });
      return { status: response.status, body: (await response.json()) as unknown };
    };
    const old = await sessionToken(endedSession);
    const open = await handshake(old);
    expect(open.error).toBeUndefined();
    expect(await open.socket.emitWithAck('echo', { text: 'before' })).toMatchObject({ ok: true });
    expect((await me(old)).status).toBe(200);

    app
      .get(EndedSessions)
      .end({ providerId: issuer.claims().sub as string, sessionIds: [endedSession], at: clock.now() });

    const refused = { code: 'unauthenticated', message: 'Session has ended' };
    expect(await me(old)).toEqual({ status: 401, body: { error: refused } });
    expect(await open.socket.emitWithAck('echo', { text: 'after' })).toEqual({ ok: false, error: refused });
    const reconnect = await handshake(old);
    expect(reconnect.socket.connected).toBe(false);
    expect(reconnect.error?.data).toEqual(refused);

    // A login after the end, in the same second: its own session, untouched.
    const fresh = await sessionToken(freshSession);
    expect(await me(fresh)).toEqual({ status: 200, body: { providerId: issuer.claims().sub } });
    const again = await handshake(fresh);
    expect(again.error).toBeUndefined();
    expect(await again.socket.emitWithAck('echo', { text: 'fresh' })).toMatchObject({ ok: true });
  });

  it('answers a refused event without an acknowledgement through an error event', async () => {
    const socket = await connected('admin');
    const error = new Promise((resolve) => socket.once('error', resolve));
    socket.emit('forgotten', {});
    expect(await error).toEqual({ code: 'not_found', message: 'Not found' });
  });

  it('lists every route and event with its declaration, undeclared ones included', () => {
    expect(describeEndpoints(app)).toEqual([
      {
        transport: 'http',
        endpoint: 'GET /probe/forgotten',
        handler: 'ProbeController.forgotten',
        access: 'UNDECLARED',
      },
      { transport: 'http', endpoint: 'GET /probe/me', handler: 'ProbeController.me', access: 'provider.me' },
      { transport: 'http', endpoint: 'GET /probe/open', handler: 'ProbeController.open', access: 'public' },
      { transport: 'http', endpoint: 'POST /probe/echo', handler: 'ProbeController.echo', access: 'provider.me' },
      { transport: 'socket.io', endpoint: '/probe echo', handler: 'ProbeGateway.echo', access: 'provider.me' },
      { transport: 'socket.io', endpoint: '/probe forgotten', handler: 'ProbeGateway.forgotten', access: 'UNDECLARED' },
    ]);
  });
});
