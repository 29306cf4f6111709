import { createTestDatabase, type TestDatabase } from '../../../../test/support/test-database.js';
import { type AuthTestApp, createAuthTestApp } from '../../test/auth-testing.js';
import { contextOf, createProvider, meta, minutes } from '../../test/fixtures.js';
import { authEntities, authMigrations } from '../database/schema.js';
import { InvitesService } from '../invites/invites.service.js';
import { LoginService } from '../login/login.service.js';
import type { Provider } from '../providers/provider.entity.js';
import { type Registration, RegistrationService } from './registration.service.js';

describe('invites and registration', () => {
  let db: TestDatabase;
  let t: AuthTestApp;
  let admin: Provider;
  let invites: InvitesService;
  let registration: RegistrationService;

  beforeAll(async () => {
    db = await createTestDatabase('auth', authEntities, authMigrations);
    t = await createAuthTestApp(db);
    admin = await createProvider(t, { role: 'admin', credential: 'other' });
    invites = t.get(InvitesService);
    registration = t.get(RegistrationService);
  });
  afterAll(async () => {
    await t.close();
    await db.stop();
  });

  function form(inviteCode: string, email: string, overrides: Partial<Registration> = {}): Registration {
    return {
      inviteCode,
      email,
      password: 'a long enough passphrase',
      displayName: 'Casey Ng, LMFT',
      role: 'therapist',
      credential: 'LMFT',
      npi: '1245319599',
      licenseState: 'NY',
      licenseNumber: 'LMFT-0042',
      ...overrides,
    };
  }

  it('registers the invited provider into the inviting organisation, with a normalised email, and the invite works once', async () => {
    const { inviteCode, expiresAt } = await invites.create(
      contextOf(admin),
      { email: '  Casey.Ng@Clinic.TEST ', role: 'therapist' },
      meta,
    );
    expect(expiresAt).toEqual(new Date(t.clock.now().getTime() + minutes(7 * 24 * 60)));
    const provider = await registration.register(form(inviteCode, 'casey.ng@clinic.test'), meta);
    expect(provider).toMatchObject({
      email: 'casey.ng@clinic.test',
      role: 'therapist',
      credential: 'LMFT',
      organisationId: admin.organisationId,
      mfaEnabled: false,
    });
    expect(provider.passwordHash).toMatch(/^\$argon2id\$v=19\$m=19456,p=1,t=2\$/);
    // The same invite a second time is refused.
    await expect(registration.register(form(inviteCode, 'casey.ng@clinic.test'), meta)).rejects.toMatchObject({
      code: 'invalid',
    });
    await expect(
      t.get(LoginService).login({ email: 'CASEY.NG@clinic.test', password: 'a long enough passphrase' }, meta),
    ).resolves.toHaveProperty('accessToken');
    const [row] = await db.dataSource.query('SELECT used_at, used_by, code_hash FROM invites WHERE used_by = $1', [
      provider.id,
    ]);
    expect(row.used_at).not.toBeNull();
    expect(row.code_hash).not.toBe(inviteCode);
  });

  it('lets only one of two concurrent registrations with the same invite through', async () => {
    const { inviteCode } = await invites.create(
      contextOf(admin),
      { email: 'race@clinic.test', role: 'therapist' },
      meta,
    );
    const results = await Promise.allSettled([
      registration.register(form(inviteCode, 'race@clinic.test'), meta),
      registration.register(form(inviteCode, 'race@clinic.test'), meta),
    ]);
    expect(results.filter((result) => result.status === 'fulfilled')).toHaveLength(1);
    const [{ n }] = await db.dataSource.query(
      `SELECT count(*)::int AS n FROM providers WHERE email = 'race@clinic.test'`,
    );
    expect(n).toBe(1);
  });

  it('expires an invite after seven days (by the clock)', async () => {
    const { inviteCode } = await invites.create(
      contextOf(admin),
      { email: 'late@clinic.test', role: 'psychiatrist' },
      meta,
    );
    t.clock.advance(minutes(7 * 24 * 60));
    await expect(
      registration.register(form(inviteCode, 'late@clinic.test', { role: 'psychiatrist', credential: 'MD' }), meta),
    ).rejects.toMatchObject({ code: 'invalid' });
    const { inviteCode: fresh } = await invites.create(
      contextOf(admin),
      { email: 'late@clinic.test', role: 'psychiatrist' },
      meta,
    );
    t.clock.advance(minutes(7 * 24 * 60 - 1));
    await expect(
      registration.register(form(fresh, 'late@clinic.test', { role: 'psychiatrist', credential: 'MD' }), meta),
    ).resolves.toMatchObject({ role: 'psychiatrist' });
  });

  it('fixes the role and the email to the invite', async () => {
    const { inviteCode } = await invites.create(
      contextOf(admin),
      { email: 'fixed@clinic.test', role: 'care_manager' },
      meta,
    );
    await expect(
      registration.register(form(inviteCode, 'fixed@clinic.test', { role: 'admin' }), meta),
    ).rejects.toMatchObject({ code: 'invalid' });
    await expect(
      registration.register(form(inviteCode, 'other@clinic.test', { role: 'care_manager' }), meta),
    ).rejects.toMatchObject({ code: 'invalid' });
    await expect(
      registration.register(form(inviteCode, 'fixed@clinic.test', { role: 'care_manager', credential: 'RN' }), meta),
    ).resolves.toMatchObject({
      role: 'care_manager',
    });
  });

  it('refuses an unknown invite code, an invalid NPI and a short password', async () => {
    const { inviteCode } = await invites.create(
      contextOf(admin),
      { email: 'rules@clinic.test', role: 'therapist' },
      meta,
    );
    await expect(registration.register(form('not-a-real-code', 'rules@clinic.test'), meta)).rejects.toMatchObject({
      code: 'invalid',
    });
    await expect(
      registration.register(form(inviteCode, 'rules@clinic.test', { npi: '1234567890' }), meta),
    ).rejects.toMatchObject({ code: 'invalid' });
    await expect(
      registration.register(form(inviteCode, 'rules@clinic.test', { password: 'short-11chr' }), meta),
    ).rejects.toMatchObject({ code: 'invalid' });
    // None of those spent the invite.
    await expect(registration.register(form(inviteCode, 'rules@clinic.test'), meta)).resolves.toMatchObject({
      email: 'rules@clinic.test',
    });
  });

  it('invites an email registered in another organisation like any other; registering with that invite is refused as conflict', async () => {
    const elsewhere = await createProvider(t, { email: 'taken@other.test', organisationName: 'Other Clinic' });
    const auditCount = async () => {
      const [{ n }] = await db.dataSource.query(
        `SELECT count(*)::int AS n FROM auth_audit_events WHERE type = 'invite.created' AND outcome = 'success'`,
      );
      return n as number;
    };
    const before = await auditCount();
    const taken = await invites.create(contextOf(admin), { email: 'TAKEN@other.test', role: 'therapist' }, meta);
    const free = await invites.create(contextOf(admin), { email: 'free@clinic.test', role: 'therapist' }, meta);
    expect(Object.keys(taken).sort()).toEqual(Object.keys(free).sort());
    expect(taken).toEqual({ inviteCode: expect.stringMatching(/^[\w-]{43}$/), expiresAt: free.expiresAt });
    expect(await auditCount()).toBe(before + 2);
    // The invitee learns it at registration; the account and the invite are left as they were.
    await expect(registration.register(form(taken.inviteCode, 'taken@other.test'), meta)).rejects.toMatchObject({
      code: 'conflict',
    });
    const [row] = await db.dataSource.query('SELECT organisation_id FROM providers WHERE email = $1', [
      'taken@other.test',
    ]);
    expect(row.organisation_id).toBe(elsewhere.organisationId);
    const [invite] = await db.dataSource.query('SELECT used_at FROM invites WHERE email = $1', ['taken@other.test']);
    expect(invite.used_at).toBeNull();
  });

  it('answers conflict at registration for an email that got an account after the invite was made', async () => {
    const { inviteCode } = await invites.create(
      contextOf(admin),
      { email: 'second@clinic.test', role: 'therapist' },
      meta,
    );
    await createProvider(t, { email: 'second@clinic.test', organisationId: admin.organisationId });
    await expect(registration.register(form(inviteCode, 'second@clinic.test'), meta)).rejects.toMatchObject({
      code: 'conflict',
    });
  });

  it('audits invites and registrations without the code or the password', async () => {
    const rows = await db.dataSource.query(
      `SELECT * FROM auth_audit_events WHERE type IN ('invite.created', 'provider.registered')`,
    );
    expect(rows.length).toBeGreaterThan(3);
    expect(
      rows.every((row: { ip: string; user_agent: string }) => row.ip === meta.ip && row.user_agent === 'jest'),
    ).toBe(true);
    expect(JSON.stringify(rows)).not.toContain('a long enough passphrase');
  });
});
