import { createTestDatabase, type TestDatabase } from '../../../../test/support/test-database.js';
import { type AuthTestApp, createAuthTestApp } from '../../test/auth-testing.js';
import { contextOf, createProvider, meta, minutes, PASSWORD } from '../../test/fixtures.js';
import { authEntities, authMigrations } from '../database/schema.js';
import { LoginService } from '../login/login.service.js';
import type { Provider } from '../providers/provider.entity.js';
import { MfaService } from './mfa.service.js';
import { totpCode } from './totp.js';

describe('TOTP MFA', () => {
  let db: TestDatabase;
  let t: AuthTestApp;
  let mfa: MfaService;
  let login: LoginService;

  beforeAll(async () => {
    db = await createTestDatabase('auth', authEntities, authMigrations);
    t = await createAuthTestApp(db);
    mfa = t.get(MfaService);
    login = t.get(LoginService);
  });
  afterAll(async () => {
    await t.close();
    await db.stop();
  });

  /** Enrolls and confirms MFA for a new provider; returns the provider and the secret. */
  async function withMfa(email: string): Promise<{ provider: Provider; secret: string }> {
    const provider = await createProvider(t, { email });
    const { secret } = await mfa.enroll(contextOf(provider), PASSWORD, meta);
    await mfa.confirm(contextOf(provider), await totpCode(secret, t.clock.now()), meta);
    // The confirming code's period is spent; later steps use the next one.
    t.clock.advance(30_000);
    return { provider, secret };
  }

  /** A code that is wrong in this period and both neighbours, so it is never taken for a replay. */
  async function wrongCode(secret: string): Promise<string> {
    const now = t.clock.now().getTime();
    const near = await Promise.all([-30_000, 0, 30_000].map((offset) => totpCode(secret, new Date(now + offset))));
    return ['123456', '234567', '345678', '456789'].find((code) => !near.includes(code))!;
  }

  const failure = (attempt: Promise<unknown>) =>
    attempt.then(
      () => undefined,
      (error: unknown) => error as { code?: string; message?: string },
    );

  async function failedChecks(providerId: string): Promise<number> {
    const [{ n }] = await db.dataSource.query(
      `SELECT count(*)::int AS n FROM auth_audit_events WHERE type = 'mfa.failed' AND provider_id = $1`,
      [providerId],
    );
    return n;
  }

  async function mfaToken(email: string): Promise<string> {
    const result = await login.login({ email, password: PASSWORD }, meta);
    if (!('mfaRequired' in result)) throw new Error('expected mfaRequired');
    return result.mfaToken;
  }

  it('enroll gives a secret and an otpauth URL; the secret is stored sealed, never in plaintext', async () => {
    const provider = await createProvider(t, { email: 'enroll@clinic.test' });
    const enrollment = await mfa.enroll(contextOf(provider), PASSWORD, meta);
    expect(enrollment.secret).toMatch(/^[A-Z2-7]{32}$/);
    expect(enrollment.otpauthUrl).toContain(`secret=${enrollment.secret}`);
    expect(enrollment.otpauthUrl).toContain('issuer=SharedCare');
    const [row] = await db.dataSource.query('SELECT * FROM providers WHERE id = $1', [provider.id]);
    expect(row.mfa_enabled).toBe(false);
    expect(row.mfa_pending_secret_sealed).toMatch(/^v1\./);
    expect(JSON.stringify(row)).not.toContain(enrollment.secret);
    // Login still needs no code until MFA is confirmed.
    await expect(login.login({ email: 'enroll@clinic.test', password: PASSWORD }, meta)).resolves.toHaveProperty(
      'accessToken',
    );
  });

  it('enroll needs the current password: a wrong one is 401, hands out no secret, is audited and counts towards the cool-down', async () => {
    const provider = await createProvider(t, { email: 'reauth@clinic.test' });
    const caller = contextOf(provider);
    await expect(mfa.enroll(caller, 'not the password', meta)).rejects.toMatchObject({ code: 'unauthenticated' });
    const [row] = await db.dataSource.query('SELECT * FROM providers WHERE id = $1', [provider.id]);
    expect(row).toMatchObject({ mfa_enabled: false, mfa_pending_secret_sealed: null });
    const audit = await db.dataSource.query(
      `SELECT type, outcome, reason, session_id FROM auth_audit_events WHERE provider_id = $1 AND type LIKE 'mfa.%'`,
      [provider.id],
    );
    expect(audit).toEqual([
      { type: 'mfa.failed', outcome: 'failure', reason: 'enroll_password', session_id: caller.sessionId },
    ]);
    for (let i = 0; i < 4; i++)
      await expect(mfa.enroll(caller, `not the password ${i}`, meta)).rejects.toMatchObject({
        code: 'unauthenticated',
      });
    await expect(mfa.enroll(caller, PASSWORD, meta)).rejects.toMatchObject({ code: 'rate_limited' });
    await expect(login.login({ email: 'reauth@clinic.test', password: PASSWORD }, meta)).rejects.toMatchObject({
      code: 'rate_limited',
    });
    t.clock.advance(minutes(15));
    await expect(mfa.enroll(caller, PASSWORD, meta)).resolves.toHaveProperty('secret');
  });

  it('audits enroll and confirm with the session that did them', async () => {
    const { provider } = await withMfa('audited@clinic.test');
    const audit = await db.dataSource.query(
      `SELECT type, outcome FROM auth_audit_events WHERE provider_id = $1 AND type LIKE 'mfa.%' ORDER BY type`,
      [provider.id],
    );
    expect(audit).toEqual([
      { type: 'mfa.confirmed', outcome: 'success' },
      { type: 'mfa.enrolled', outcome: 'success' },
    ]);
  });

  it('confirm refuses a wrong code and turns MFA on with the right one; the confirmed secret is sealed too', async () => {
    const provider = await createProvider(t, { email: 'confirm@clinic.test' });
    const { secret } = await mfa.enroll(contextOf(provider), PASSWORD, meta);
    await expect(
      mfa.confirm(
        contextOf(provider),
        '000000' === (await totpCode(secret, t.clock.now())) ? '111111' : '000000',
        meta,
      ),
    ).rejects.toMatchObject({ code: 'invalid' });
    await mfa.confirm(contextOf(provider), await totpCode(secret, t.clock.now()), meta);
    const [row] = await db.dataSource.query('SELECT * FROM providers WHERE id = $1', [provider.id]);
    expect(row).toMatchObject({ mfa_enabled: true, mfa_pending_secret_sealed: null });
    expect(row.mfa_secret_sealed).toMatch(/^v1\./);
    expect(JSON.stringify(row)).not.toContain(secret);
    await expect(mfa.enroll(contextOf(provider), PASSWORD, meta)).rejects.toMatchObject({ code: 'conflict' });
  });

  it('login answers mfaRequired; verify with a fresh code gives tokens; the same code cannot be used twice', async () => {
    const { provider, secret } = await withMfa('verify@clinic.test');
    const first = await login.login({ email: 'verify@clinic.test', password: PASSWORD }, meta);
    expect(first).toEqual({ mfaRequired: true, mfaToken: expect.stringMatching(/^[\w-]{43}$/) });
    const code = await totpCode(secret, t.clock.now());
    await expect(mfa.verify((first as { mfaToken: string }).mfaToken, code, meta)).resolves.toEqual({
      accessToken: expect.any(String),
      refreshToken: expect.any(String),
      expiresIn: 600,
    });
    // Replay: a new login, the same code, within the same period.
    t.clock.advance(5_000);
    await expect(mfa.verify(await mfaToken('verify@clinic.test'), code, meta)).rejects.toMatchObject({
      code: 'unauthenticated',
    });
    // The next period's code works.
    t.clock.advance(30_000);
    await expect(
      mfa.verify(await mfaToken('verify@clinic.test'), await totpCode(secret, t.clock.now()), meta),
    ).resolves.toHaveProperty('accessToken');
    const failures = await db.dataSource.query(
      `SELECT reason FROM auth_audit_events WHERE type = 'mfa.failed' AND provider_id = $1`,
      [provider.id],
    );
    expect(failures).toEqual([{ reason: 'replayed_code' }]);
  });

  it('two concurrent verifies with the same code: exactly one succeeds', async () => {
    const { secret } = await withMfa('race@clinic.test');
    const [a, b] = [await mfaToken('race@clinic.test'), await mfaToken('race@clinic.test')];
    const code = await totpCode(secret, t.clock.now());
    const results = await Promise.allSettled([mfa.verify(a, code, meta), mfa.verify(b, code, meta)]);
    expect(results.filter((result) => result.status === 'fulfilled')).toHaveLength(1);
  });

  it('the mfaToken is single use and lasts five minutes', async () => {
    const { secret } = await withMfa('token@clinic.test');
    const token = await mfaToken('token@clinic.test');
    await mfa.verify(token, await totpCode(secret, t.clock.now()), meta);
    t.clock.advance(30_000);
    await expect(mfa.verify(token, await totpCode(secret, t.clock.now()), meta)).rejects.toMatchObject({
      code: 'unauthenticated',
    });
    const late = await mfaToken('token@clinic.test');
    t.clock.advance(minutes(5));
    await expect(mfa.verify(late, await totpCode(secret, t.clock.now()), meta)).rejects.toMatchObject({
      code: 'unauthenticated',
    });
    // Neither a refresh token nor an access token is accepted as an mfaToken.
    const tokens = await mfa.verify(await mfaToken('token@clinic.test'), await totpCode(secret, t.clock.now()), meta);
    t.clock.advance(30_000);
    await expect(mfa.verify(tokens.refreshToken, await totpCode(secret, t.clock.now()), meta)).rejects.toMatchObject({
      code: 'unauthenticated',
    });
  });

  it('wrong codes count towards the account cool-down', async () => {
    const { secret } = await withMfa('guess@clinic.test');
    const right = await totpCode(secret, t.clock.now());
    const wrong = right === '123456' ? '654321' : '123456';
    for (let i = 0; i < 5; i++) {
      await expect(mfa.verify(await mfaToken('guess@clinic.test'), wrong, meta)).rejects.toMatchObject({
        code: 'unauthenticated',
      });
    }
    await expect(login.login({ email: 'guess@clinic.test', password: PASSWORD }, meta)).rejects.toMatchObject({
      code: 'rate_limited',
    });
  });

  it('claims each attempt on the mfaToken before the code check: twenty parallel wrong codes get five checks, then even the right code is refused for that token', async () => {
    const { provider, secret } = await withMfa('burst@clinic.test');
    const token = await mfaToken('burst@clinic.test');
    const wrong = await wrongCode(secret);
    const results = await Promise.all(Array.from({ length: 20 }, () => failure(mfa.verify(token, wrong, meta))));
    expect(await failedChecks(provider.id)).toBe(5);
    expect(results.filter((error) => error?.code === 'unauthenticated')).toHaveLength(20);
    // The token's own budget refuses it (unauthenticated), before the email's cool-down (rate_limited).
    await expect(mfa.verify(token, await totpCode(secret, t.clock.now()), meta)).rejects.toMatchObject({
      code: 'unauthenticated',
      message: 'MFA token is invalid or expired',
    });
    expect(await failedChecks(provider.id)).toBe(5);
  });

  it('claims each code attempt against the email too: parallel wrong codes spread over four mfaTokens get five checks in all', async () => {
    const { provider, secret } = await withMfa('spread@clinic.test');
    const tokens: string[] = [];
    for (let i = 0; i < 4; i++) tokens.push(await mfaToken('spread@clinic.test'));
    const wrong = await wrongCode(secret);
    const results = await Promise.all(
      tokens.flatMap((token) => Array.from({ length: 5 }, () => failure(mfa.verify(token, wrong, meta)))),
    );
    expect(await failedChecks(provider.id)).toBe(5);
    expect(results.filter((error) => error?.code === 'unauthenticated')).toHaveLength(5);
    expect(results.filter((error) => error?.code === 'rate_limited')).toHaveLength(15);
    // The account is cooling down: the right password is refused until the cool-down is over.
    await expect(login.login({ email: 'spread@clinic.test', password: PASSWORD }, meta)).rejects.toMatchObject({
      code: 'rate_limited',
    });
    t.clock.advance(minutes(15));
    await expect(
      mfa.verify(await mfaToken('spread@clinic.test'), await totpCode(secret, t.clock.now()), meta),
    ).resolves.toHaveProperty('accessToken');
  });
});
