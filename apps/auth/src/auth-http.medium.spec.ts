import { randomUUID } from 'node:crypto';
import { generateKeyPair, SignJWT } from 'jose';
import { createTestDatabase, type TestDatabase } from '../../../test/support/test-database.js';
import { type AuthTestApp, createAuthTestApp } from '../test/auth-testing.js';
import { createProvider, PASSWORD } from '../test/fixtures.js';
import { authEntities, authMigrations } from './database/schema.js';
import { totpCode } from './mfa/totp.js';
import type { Provider } from './providers/provider.entity.js';

/** The auth service over HTTP: the real module, configureApp, global fetch. */
describe('auth service over HTTP', () => {
  let db: TestDatabase;
  let t: AuthTestApp;
  let url: string;
  let admin: Provider;
  let therapist: Provider;

  beforeAll(async () => {
    db = await createTestDatabase('auth', authEntities, authMigrations);
    t = await createAuthTestApp(db);
    url = await t.listen();
    admin = await createProvider(t, { role: 'admin', credential: 'other', email: 'admin@clinic.test' });
    therapist = await createProvider(t, { email: 'therapist@clinic.test', organisationId: admin.organisationId });
  });
  afterAll(async () => {
    await t.close();
    await db.stop();
  });

  async function call(method: string, path: string, body?: unknown, token?: string, raw?: string) {
    const headers: Record<string, string> = { 'content-type': 'application/json' };
    if (token) headers.authorization = `Bearer ${token}`;
    const response = await fetch(`${url}${path}`, {
      method,
      headers,
      body: raw ?? (body === undefined ? undefined : JSON.stringify(body)),
    });
    const text = await response.text();
    return { status: response.status, headers: response.headers, body: text ? JSON.parse(text) : undefined };
  }

  async function tokensFor(email: string) {
    const response = await call('POST', '/auth/login', { email, password: PASSWORD });
    expect(response.status).toBe(200);
    return response.body as { accessToken: string; refreshToken: string; expiresIn: number };
  }

  it('answers health and publishes the JWKS and the OpenAPI document', async () => {
    await expect(call('GET', '/health')).resolves.toMatchObject({ status: 200, body: { status: 'ok' } });
    const jwks = await call('GET', '/.well-known/jwks.json');
    expect(jwks.body.keys[0]).toMatchObject({ alg: 'EdDSA', use: 'sig', kty: 'OKP' });
    const docs = await call('GET', '/docs-json');
    expect(Object.keys(docs.body.paths)).toEqual(
      expect.arrayContaining([
        '/auth/login',
        '/auth/register',
        '/auth/refresh',
        '/auth/mfa/verify',
        '/.well-known/jwks.json',
      ]),
    );
  });

  it('refuses malformed JSON, unknown fields, wrong types and oversized strings with 400 invalid', async () => {
    const malformed = await call('POST', '/auth/login', undefined, undefined, '{"email": "a@b.test", ');
    expect(malformed).toMatchObject({ status: 400, body: { error: { code: 'invalid' } } });
    const unknown = await call('POST', '/auth/login', { email: 'a@b.test', password: 'x'.repeat(12), role: 'admin' });
    expect(unknown).toMatchObject({
      status: 400,
      body: {
        error: {
          code: 'invalid',
          details: expect.arrayContaining([{ field: 'role', problems: ['whitelistValidation'] }]),
        },
      },
    });
    const wrongType = await call('POST', '/auth/login', { email: 42, password: ['x'] });
    expect(wrongType).toMatchObject({ status: 400, body: { error: { code: 'invalid' } } });
    const oversized = await call('POST', '/auth/login', { email: 'a@b.test', password: 'x'.repeat(5_000) });
    expect(oversized).toMatchObject({ status: 400, body: { error: { code: 'invalid' } } });
    expect(JSON.stringify(oversized.body)).not.toContain('xxxx');
    const longEmail = await call('POST', '/auth/refresh', { refreshToken: 'r'.repeat(129) });
    expect(longEmail).toMatchObject({ status: 400, body: { error: { code: 'invalid' } } });
    const huge = await call('POST', '/auth/login', { email: 'a@b.test', password: 'y'.repeat(100_000) });
    expect(huge.body.error.code).toBe('invalid');
  });

  it('gives an unknown email and a wrong password exactly the same answer', async () => {
    const wrong = await call('POST', '/auth/login', { email: 'therapist@clinic.test', password: 'not the password' });
    const unknown = await call('POST', '/auth/login', { email: 'nobody@clinic.test', password: 'not the password' });
    expect(wrong.status).toBe(401);
    expect(unknown.status).toBe(401);
    expect(unknown.body).toEqual(wrong.body);
    expect(wrong.body).toEqual({ error: { code: 'unauthenticated', message: 'Email or password is incorrect' } });
  });

  it('protects its own routes: no token or a bad one is 401, a non-admin on an admin route is 404', async () => {
    await expect(call('GET', '/auth/me')).resolves.toMatchObject({
      status: 401,
      body: { error: { code: 'unauthenticated' } },
    });
    await expect(call('GET', '/auth/me', undefined, 'a.b.c')).resolves.toMatchObject({ status: 401 });
    const { accessToken } = await tokensFor('therapist@clinic.test');
    const me = await call('GET', '/auth/me', undefined, accessToken);
    expect(me).toMatchObject({
      status: 200,
      body: { id: therapist.id, email: 'therapist@clinic.test', role: 'therapist', credential: 'LCSW' },
    });
    expect(me.body).not.toHaveProperty('passwordHash');
    const invite = await call('POST', '/auth/invites', { email: 'new@clinic.test', role: 'therapist' }, accessToken);
    expect(invite).toMatchObject({ status: 404, body: { error: { code: 'not_found' } } });
    const disable = await call('POST', `/auth/providers/${admin.id}/disable`, undefined, accessToken);
    expect(disable).toMatchObject({ status: 404, body: { error: { code: 'not_found' } } });
    expect(disable.body).toEqual((await call('POST', '/auth/nothing-here')).body);
  });

  it.each([
    ['a NUL byte', 'a\u0000b'],
    ['a lone surrogate', '\ud800'],
    ['far too long', 'k'.repeat(5_000)],
    ['not a string', 42],
  ])('answers 401, not 500, to an access token whose kid is %s', async (_, kid) => {
    const { privateKey } = await generateKeyPair('EdDSA', { crv: 'Ed25519' });
    const token = await new SignJWT({
      sid: randomUUID(),
      role: 'therapist',
      org: admin.organisationId,
      name: 'x',
      cred: 'LCSW',
    })
      .setProtectedHeader({ alg: 'EdDSA', typ: 'at+jwt', kid } as never)
      .setIssuer(t.config.issuer)
      .setAudience(t.config.audience)
      .setSubject(therapist.id)
      .setJti(randomUUID())
      .setIssuedAt(Math.floor(t.clock.now().getTime() / 1000))
      .setExpirationTime(Math.floor(t.clock.now().getTime() / 1000) + 600)
      .sign(privateKey);
    await expect(call('GET', '/auth/me', undefined, token)).resolves.toMatchObject({
      status: 401,
      body: { error: { code: 'unauthenticated' } },
    });
  });

  it('invite, register (201), and the registration rules over HTTP', async () => {
    const { accessToken } = await tokensFor('admin@clinic.test');
    const invite = await call(
      'POST',
      '/auth/invites',
      { email: 'New.Psych@Clinic.test', role: 'psychiatrist' },
      accessToken,
    );
    expect(invite).toMatchObject({
      status: 201,
      body: { inviteCode: expect.any(String), expiresAt: '2026-01-12T09:00:00.000Z' },
    });
    const form = {
      inviteCode: invite.body.inviteCode,
      email: 'new.psych@clinic.test',
      password: 'psychiatry is fun 123',
      displayName: 'Dr. New',
      role: 'psychiatrist',
      credential: 'DO',
      npi: '1234567893',
      licenseState: 'TX',
      licenseNumber: 'DO-1',
    };
    const badNpi = await call('POST', '/auth/register', { ...form, npi: '1234567890' });
    expect(badNpi).toMatchObject({
      status: 400,
      body: { error: { code: 'invalid', details: [{ field: 'npi', problems: ['npi'] }] } },
    });
    const badCredential = await call('POST', '/auth/register', { ...form, credential: 'Wizard' });
    expect(badCredential).toMatchObject({ status: 400, body: { error: { code: 'invalid' } } });
    const shortPassword = await call('POST', '/auth/register', { ...form, password: 'short' });
    expect(shortPassword).toMatchObject({
      status: 400,
      body: { error: { details: [{ field: 'password', problems: ['passwordPolicy'] }] } },
    });
    const created = await call('POST', '/auth/register', form);
    expect(created).toMatchObject({
      status: 201,
      body: {
        email: 'new.psych@clinic.test',
        role: 'psychiatrist',
        credential: 'DO',
        organisationId: admin.organisationId,
      },
    });
    await expect(call('POST', '/auth/register', form)).resolves.toMatchObject({ status: 400 });
    // An invite for a registered email is answered like any other; its registration is the conflict.
    const duplicate = await call(
      'POST',
      '/auth/invites',
      { email: 'new.psych@clinic.test', role: 'psychiatrist' },
      accessToken,
    );
    expect(duplicate).toMatchObject({
      status: 201,
      body: { inviteCode: expect.any(String), expiresAt: invite.body.expiresAt },
    });
    await expect(
      call('POST', '/auth/register', { ...form, inviteCode: duplicate.body.inviteCode }),
    ).resolves.toMatchObject({ status: 409, body: { error: { code: 'conflict' } } });
  });

  it('refresh rotates; reusing the old refresh token is 401 and ends the session', async () => {
    const first = await tokensFor('therapist@clinic.test');
    const second = await call('POST', '/auth/refresh', { refreshToken: first.refreshToken });
    expect(second).toMatchObject({
      status: 200,
      body: { accessToken: expect.any(String), refreshToken: expect.any(String), expiresIn: 600 },
    });
    await expect(call('POST', '/auth/refresh', { refreshToken: first.refreshToken })).resolves.toMatchObject({
      status: 401,
    });
    await expect(call('POST', '/auth/refresh', { refreshToken: second.body.refreshToken })).resolves.toMatchObject({
      status: 401,
    });
    await expect(call('GET', '/auth/me', undefined, second.body.accessToken)).resolves.toMatchObject({ status: 401 });
  });

  it('logout (204) ends one session; logout-all (204) ends every session, at once for access tokens too', async () => {
    const a = await tokensFor('therapist@clinic.test');
    const b = await tokensFor('therapist@clinic.test');
    await expect(call('POST', '/auth/logout', { refreshToken: a.refreshToken })).resolves.toMatchObject({
      status: 204,
    });
    await expect(call('GET', '/auth/me', undefined, a.accessToken)).resolves.toMatchObject({ status: 401 });
    await expect(call('GET', '/auth/me', undefined, b.accessToken)).resolves.toMatchObject({ status: 200 });
    await expect(call('POST', '/auth/logout-all', undefined, b.accessToken)).resolves.toMatchObject({ status: 204 });
    await expect(call('GET', '/auth/me', undefined, b.accessToken)).resolves.toMatchObject({ status: 401 });
    expect(t.publisher.events.at(-1)).toMatchObject({ type: 'provider.sessions_revoked', providerId: therapist.id });
  });

  it('MFA over HTTP: enroll, confirm, then login needs the code', async () => {
    const person = await createProvider(t, { email: 'mfa@clinic.test', organisationId: admin.organisationId });
    const { accessToken } = await tokensFor('mfa@clinic.test');
    await expect(call('POST', '/auth/mfa/enroll', undefined, accessToken)).resolves.toMatchObject({
      status: 400,
      body: { error: { code: 'invalid' } },
    });
    // A stolen access token alone cannot turn MFA on: the current password is asked for.
    await expect(
      call('POST', '/auth/mfa/enroll', { password: 'not the password' }, accessToken),
    ).resolves.toMatchObject({ status: 401, body: { error: { code: 'unauthenticated' } } });
    const enroll = await call('POST', '/auth/mfa/enroll', { password: PASSWORD }, accessToken);
    expect(enroll).toMatchObject({
      status: 200,
      body: { secret: expect.any(String), otpauthUrl: expect.stringMatching(/^otpauth:\/\/totp\//) },
    });
    await expect(call('POST', '/auth/mfa/confirm', { code: 'abc' }, accessToken)).resolves.toMatchObject({
      status: 400,
    });
    const confirm = await call(
      'POST',
      '/auth/mfa/confirm',
      { code: await totpCode(enroll.body.secret, t.clock.now()) },
      accessToken,
    );
    expect(confirm).toMatchObject({ status: 200, body: { mfaEnabled: true } });
    t.clock.advance(30_000);
    const login = await call('POST', '/auth/login', { email: 'mfa@clinic.test', password: PASSWORD });
    expect(login).toEqual({
      status: 200,
      headers: expect.anything(),
      body: { mfaRequired: true, mfaToken: expect.any(String) },
    });
    const code = await totpCode(enroll.body.secret, t.clock.now());
    const verified = await call('POST', '/auth/mfa/verify', { mfaToken: login.body.mfaToken, code });
    expect(verified).toMatchObject({
      status: 200,
      body: { accessToken: expect.any(String), refreshToken: expect.any(String), expiresIn: 600 },
    });
    const me = await call('GET', '/auth/me', undefined, verified.body.accessToken);
    expect(me.body).toMatchObject({ id: person.id, mfaEnabled: true });
  });

  it('answers tokens and secrets with Cache-Control: no-store and Pragma: no-cache', async () => {
    await createProvider(t, { email: 'nostore@clinic.test', organisationId: admin.organisationId });
    const noStore = (response: { status: number; headers: Headers }) => ({
      status: response.status,
      cacheControl: response.headers.get('cache-control'),
      pragma: response.headers.get('pragma'),
    });
    const expected = { status: 200, cacheControl: 'no-store', pragma: 'no-cache' };
    const login = await call('POST', '/auth/login', { email: 'nostore@clinic.test', password: PASSWORD });
    expect(noStore(login)).toEqual(expected);
    const refresh = await call('POST', '/auth/refresh', { refreshToken: login.body.refreshToken });
    expect(noStore(refresh)).toEqual(expected);
    const enroll = await call('POST', '/auth/mfa/enroll', { password: PASSWORD }, refresh.body.accessToken);
    expect(noStore(enroll)).toEqual(expected);
    await call(
      'POST',
      '/auth/mfa/confirm',
      { code: await totpCode(enroll.body.secret, t.clock.now()) },
      refresh.body.accessToken,
    );
    t.clock.advance(30_000);
    const mfaLogin = await call('POST', '/auth/login', { email: 'nostore@clinic.test', password: PASSWORD });
    expect(mfaLogin.body).toHaveProperty('mfaToken');
    expect(noStore(mfaLogin)).toEqual(expected);
    const verify = await call('POST', '/auth/mfa/verify', {
      mfaToken: mfaLogin.body.mfaToken,
      code: await totpCode(enroll.body.secret, t.clock.now()),
    });
    expect(noStore(verify)).toEqual(expected);
  });

  it('an admin disables a provider (204); their token stops working at once', async () => {
    const leaver = await createProvider(t, { email: 'leaver@clinic.test', organisationId: admin.organisationId });
    const theirs = await tokensFor('leaver@clinic.test');
    const { accessToken } = await tokensFor('admin@clinic.test');
    await expect(call('POST', `/auth/providers/not-a-uuid/disable`, undefined, accessToken)).resolves.toMatchObject({
      status: 404,
    });
    await expect(call('POST', `/auth/providers/${leaver.id}/disable`, undefined, accessToken)).resolves.toMatchObject({
      status: 204,
    });
    await expect(call('GET', '/auth/me', undefined, theirs.accessToken)).resolves.toMatchObject({ status: 401 });
    await expect(
      call('POST', '/auth/login', { email: 'leaver@clinic.test', password: PASSWORD }),
    ).resolves.toMatchObject({ status: 401 });
  });

  it('a cooled-down account is answered 429 rate_limited with Retry-After', async () => {
    await createProvider(t, { email: 'cool@clinic.test', organisationId: admin.organisationId });
    for (let i = 0; i < 5; i++)
      await call('POST', '/auth/login', { email: 'cool@clinic.test', password: 'wrong password' });
    const refused = await call('POST', '/auth/login', { email: 'cool@clinic.test', password: PASSWORD });
    expect(refused).toMatchObject({ status: 429, body: { error: { code: 'rate_limited' } } });
    expect(refused.headers.get('retry-after')).toBe('900');
  });
});

describe('per-IP rate limits', () => {
  let db: TestDatabase;
  let t: AuthTestApp;
  let url: string;

  beforeAll(async () => {
    db = await createTestDatabase('auth', authEntities, authMigrations);
    t = await createAuthTestApp(db, {
      rateLimits: {
        'auth.login': { points: 3, durationSeconds: 60 },
        'auth.register': { points: 2, durationSeconds: 60 },
        'auth.refresh': { points: 2, durationSeconds: 60 },
        'auth.mfa': { points: 2, durationSeconds: 60 },
      },
    });
    url = await t.listen();
  });
  afterAll(async () => {
    await t.close();
    await db.stop();
  });

  const post = (path: string, body: unknown) =>
    fetch(`${url}${path}`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify(body),
    });

  it.each([
    ['/auth/login', 3, { email: 'someone@clinic.test', password: 'whatever it is' }],
    ['/auth/register', 2, { inviteCode: 'x' }],
    ['/auth/refresh', 2, { refreshToken: 'x' }],
    ['/auth/mfa/verify', 2, { mfaToken: 'x', code: '123456' }],
  ])('%s allows %i requests a minute per IP, then answers 429 with Retry-After', async (path, budget, body) => {
    for (let i = 0; i < budget; i++) expect((await post(path, body)).status).not.toBe(429);
    const refused = await post(path, body);
    expect(refused.status).toBe(429);
    expect(await refused.json()).toMatchObject({ error: { code: 'rate_limited' } });
    expect(Number(refused.headers.get('retry-after'))).toBeGreaterThan(0);
    expect(Number(refused.headers.get('retry-after'))).toBeLessThanOrEqual(60);
  });

  it('leaves routes without a limit alone', async () => {
    for (let i = 0; i < 10; i++) expect((await fetch(`${url}/health`)).status).toBe(200);
  });
});
