import { jest } from '@jest/globals';
import { createTestDatabase, type TestDatabase } from '../../../../test/support/test-database.js';
import { type AuthTestApp, createAuthTestApp } from '../../test/auth-testing.js';
import { createProvider, meta, minutes, PASSWORD } from '../../test/fixtures.js';
import { ProviderAdminService } from '../admin/provider-admin.service.js';
import { authEntities, authMigrations } from '../database/schema.js';
import { PasswordHasher } from '../providers/password-hasher.js';
import { contextOf } from '../../test/fixtures.js';
import { LoginService } from './login.service.js';

describe('login', () => {
  let db: TestDatabase;
  let t: AuthTestApp;
  let login: LoginService;

  beforeAll(async () => {
    db = await createTestDatabase('auth', authEntities, authMigrations);
    t = await createAuthTestApp(db);
    login = t.get(LoginService);
  });
  afterAll(async () => {
    await t.close();
    await db.stop();
  });

  const failure = (attempt: Promise<unknown>) =>
    attempt.then(
      () => undefined,
      (error: unknown) => error,
    );

  it('returns tokens for the right password, matching the email case-insensitively', async () => {
    const provider = await createProvider(t, { email: 'right@clinic.test' });
    const result = await login.login({ email: ' Right@Clinic.test', password: PASSWORD }, meta);
    expect(result).toEqual({
      accessToken: expect.any(String),
      refreshToken: expect.stringMatching(/^[\w-]{43}$/),
      expiresIn: 600,
    });
    const [event] = await db.dataSource.query(
      `SELECT * FROM auth_audit_events WHERE provider_id = $1 AND type = 'login.succeeded'`,
      [provider.id],
    );
    expect(event).toMatchObject({ outcome: 'success', ip: meta.ip, user_agent: 'jest' });
  });

  it('gives an unknown email and a wrong password the same answer, and spends an argon2 verify on both', async () => {
    await createProvider(t, { email: 'known@clinic.test' });
    const hasher = t.get(PasswordHasher);
    const verify = jest.spyOn(hasher, 'verify');
    const dummy = jest.spyOn(hasher, 'verifyDummy');
    const wrong = await failure(login.login({ email: 'known@clinic.test', password: 'not the password' }, meta));
    const unknown = await failure(login.login({ email: 'nobody@clinic.test', password: 'not the password' }, meta));
    expect(wrong).toMatchObject({ code: 'unauthenticated' });
    expect(JSON.stringify((wrong as { toBody(): unknown }).toBody())).toBe(
      JSON.stringify((unknown as { toBody(): unknown }).toBody()),
    );
    expect(dummy).toHaveBeenCalledTimes(1);
    // The dummy verification is a real argon2 verify too.
    expect(verify).toHaveBeenCalledTimes(2);
    verify.mockRestore();
    dummy.mockRestore();
    const reasons = await db.dataSource.query(
      `SELECT reason FROM auth_audit_events WHERE type = 'login.failed' ORDER BY occurred_at, reason`,
    );
    expect(reasons.map((row: { reason: string }) => row.reason).sort()).toEqual(['unknown_account', 'wrong_password']);
  });

  it('cools an account down after five failures in fifteen minutes, with Retry-After, even for the right password', async () => {
    await createProvider(t, { email: 'locked@clinic.test' });
    for (let i = 0; i < 5; i++) {
      t.clock.advance(minutes(2));
      await expect(login.login({ email: 'locked@clinic.test', password: `wrong ${i}` }, meta)).rejects.toMatchObject({
        code: 'unauthenticated',
      });
    }
    const refusal = await failure(login.login({ email: 'locked@clinic.test', password: PASSWORD }, meta));
    expect(refusal).toMatchObject({ code: 'rate_limited', retryAfterSeconds: 15 * 60 });
    t.clock.advance(minutes(14));
    await expect(login.login({ email: 'locked@clinic.test', password: PASSWORD }, meta)).rejects.toMatchObject({
      code: 'rate_limited',
      retryAfterSeconds: 60,
    });
    t.clock.advance(minutes(1));
    await expect(login.login({ email: 'locked@clinic.test', password: PASSWORD }, meta)).resolves.toHaveProperty(
      'accessToken',
    );
    const types = await db.dataSource.query(
      `SELECT type FROM auth_audit_events WHERE type IN ('login.locked', 'login.refused')`,
    );
    expect(types.map((row: { type: string }) => row.type).sort()).toEqual([
      'login.locked',
      'login.refused',
      'login.refused',
    ]);
  });

  it('forgets failures older than the fifteen-minute window, and a success clears them', async () => {
    await createProvider(t, { email: 'slow@clinic.test' });
    for (let i = 0; i < 4; i++)
      await expect(login.login({ email: 'slow@clinic.test', password: 'wrong' }, meta)).rejects.toMatchObject({
        code: 'unauthenticated',
      });
    t.clock.advance(minutes(15));
    for (let i = 0; i < 4; i++)
      await expect(login.login({ email: 'slow@clinic.test', password: 'wrong' }, meta)).rejects.toMatchObject({
        code: 'unauthenticated',
      });
    await expect(login.login({ email: 'slow@clinic.test', password: PASSWORD }, meta)).resolves.toHaveProperty(
      'accessToken',
    );
    for (let i = 0; i < 4; i++)
      await expect(login.login({ email: 'slow@clinic.test', password: 'wrong' }, meta)).rejects.toMatchObject({
        code: 'unauthenticated',
      });
    await expect(login.login({ email: 'slow@clinic.test', password: PASSWORD }, meta)).resolves.toHaveProperty(
      'accessToken',
    );
  });

  it('cools down an unknown email just like a real one, so the cool-down reveals nothing', async () => {
    for (let i = 0; i < 5; i++)
      await expect(login.login({ email: 'ghost@clinic.test', password: 'wrong' }, meta)).rejects.toMatchObject({
        code: 'unauthenticated',
      });
    await expect(login.login({ email: 'ghost@clinic.test', password: 'wrong' }, meta)).rejects.toMatchObject({
      code: 'rate_limited',
    });
    const rows = await db.dataSource.query('SELECT email_hash FROM login_lockouts');
    expect(JSON.stringify(rows)).not.toContain('ghost');
  });

  it.each([
    ['a known email', 'burst@clinic.test', true],
    ['an unknown email', 'burst-ghost@clinic.test', false],
  ])(
    'claims each attempt before the password check: twelve parallel wrong passwords for %s get five checks',
    async (_, email, known) => {
      if (known) await createProvider(t, { email });
      const verify = jest.spyOn(t.get(PasswordHasher), 'verify');
      const results = await Promise.all(
        Array.from({ length: 12 }, (_, i) => failure(login.login({ email, password: `burst ${i}` }, meta))),
      );
      const checked = verify.mock.calls.length;
      verify.mockRestore();
      expect(checked).toBe(5);
      expect(results.filter((error) => (error as { code?: string }).code === 'unauthenticated')).toHaveLength(5);
      expect(results.filter((error) => (error as { code?: string }).code === 'rate_limited')).toHaveLength(7);
      expect(results).toContainEqual(expect.objectContaining({ code: 'rate_limited', retryAfterSeconds: 15 * 60 }));
      if (!known) return;
      await expect(login.login({ email, password: PASSWORD }, meta)).rejects.toMatchObject({
        code: 'rate_limited',
        retryAfterSeconds: 15 * 60,
      });
      t.clock.advance(minutes(14));
      await expect(login.login({ email, password: PASSWORD }, meta)).rejects.toMatchObject({ code: 'rate_limited' });
      t.clock.advance(minutes(1));
      await expect(login.login({ email, password: PASSWORD }, meta)).resolves.toHaveProperty('accessToken');
    },
  );

  it('refuses a disabled account with the same answer as a wrong password', async () => {
    const admin = await createProvider(t, { role: 'admin', credential: 'other', email: 'boss@clinic.test' });
    const target = await createProvider(t, { email: 'gone@clinic.test', organisationId: admin.organisationId });
    await t.get(ProviderAdminService).disable(contextOf(admin), target.id, meta);
    const refusal = await failure(login.login({ email: 'gone@clinic.test', password: PASSWORD }, meta));
    expect(refusal).toMatchObject({ code: 'unauthenticated', message: 'Email or password is incorrect' });
  });

  it('never records a password in the audit trail', async () => {
    const rows = await db.dataSource.query('SELECT * FROM auth_audit_events');
    const dump = JSON.stringify(rows);
    expect(dump).not.toContain(PASSWORD);
    expect(dump).not.toContain('wrong 0');
  });
});
