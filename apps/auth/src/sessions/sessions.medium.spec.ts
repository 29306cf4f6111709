import { createTestDatabase, type TestDatabase } from '../../../../test/support/test-database.js';
import { type AuthTestApp, createAuthTestApp } from '../../test/auth-testing.js';
import { contextOf, createProvider, meta, minutes, PASSWORD } from '../../test/fixtures.js';
import { ProviderAdminService } from '../admin/provider-admin.service.js';
import { authEntities, authMigrations } from '../database/schema.js';
import { LoginService } from '../login/login.service.js';
import type { Provider } from '../providers/provider.entity.js';
import { sha256Hex } from '../shared/secrets.js';
import { AccessTokenService } from '../tokens/access-token.service.js';
import { type SessionTokens, SessionsService } from './sessions.service.js';

describe('sessions: refresh rotation, expiry, reuse, logout', () => {
  let db: TestDatabase;
  let t: AuthTestApp;
  let sessions: SessionsService;
  let provider: Provider;

  beforeAll(async () => {
    db = await createTestDatabase('auth', authEntities, authMigrations);
    t = await createAuthTestApp(db);
    sessions = t.get(SessionsService);
    provider = await createProvider(t, { email: 'sessions@clinic.test' });
  });
  afterAll(async () => {
    await t.close();
    await db.stop();
  });

  const start = () => sessions.start(provider);
  const familyOf = async (tokens: SessionTokens) =>
    (await t.get(AccessTokenService).verify(tokens.accessToken)).sessionId;

  it('stores refresh tokens only as SHA-256 hashes', async () => {
    const tokens = await start();
    const rows = await db.dataSource.query('SELECT token_hash FROM refresh_tokens');
    expect(JSON.stringify(rows)).not.toContain(tokens.refreshToken);
    expect(rows.map((row: { token_hash: string }) => row.token_hash)).toContain(sha256Hex(tokens.refreshToken));
  });

  it('rotates on every use: a new pair in the same session, and the old refresh token is spent', async () => {
    const first = await start();
    const second = await sessions.refresh(first.refreshToken, meta);
    expect(second.refreshToken).not.toBe(first.refreshToken);
    expect(await familyOf(second)).toBe(await familyOf(first));
    const third = await sessions.refresh(second.refreshToken, meta);
    expect(third.expiresIn).toBe(600);
  });

  it('a reused refresh token revokes the whole family and records a security event', async () => {
    const first = await start();
    const second = await sessions.refresh(first.refreshToken, meta);
    await expect(sessions.refresh(first.refreshToken, meta)).rejects.toMatchObject({ code: 'unauthenticated' });
    // The legitimate holder's newer token is dead too, and so is the session behind the access token.
    await expect(sessions.refresh(second.refreshToken, meta)).rejects.toMatchObject({ code: 'unauthenticated' });
    const familyId = await familyOf(second);
    expect(await sessions.isLive(familyId)).toBe(false);
    const events = await db.dataSource.query(`SELECT * FROM auth_audit_events WHERE type = 'refresh.reused'`);
    expect(events).toEqual([
      expect.objectContaining({ provider_id: provider.id, session_id: familyId, outcome: 'refused', ip: meta.ip }),
    ]);
    const [family] = await db.dataSource.query('SELECT revoked_reason FROM session_families WHERE id = $1', [familyId]);
    expect(family.revoked_reason).toBe('reuse');
  });

  it('two concurrent refreshes with one token: one wins, the other counts as reuse', async () => {
    const first = await start();
    const results = await Promise.allSettled([
      sessions.refresh(first.refreshToken, meta),
      sessions.refresh(first.refreshToken, meta),
    ]);
    expect(results.filter((result) => result.status === 'fulfilled')).toHaveLength(1);
    expect(await sessions.isLive(await familyOf(first))).toBe(false);
  });

  it('idle expiry: a refresh token unused for 30 minutes is refused', async () => {
    const tokens = await start();
    const familyId = await familyOf(tokens);
    t.clock.advance(minutes(29));
    const rotated = await sessions.refresh(tokens.refreshToken, meta);
    t.clock.advance(minutes(30));
    await expect(sessions.refresh(rotated.refreshToken, meta)).rejects.toMatchObject({ code: 'unauthenticated' });
    expect(await sessions.isLive(familyId)).toBe(false);
  });

  it('absolute expiry: after 12 hours nothing refreshes, however active the session', async () => {
    let tokens = await start();
    const familyId = await familyOf(tokens);
    for (let i = 0; i < 24; i++) {
      t.clock.advance(minutes(29));
      tokens = await sessions.refresh(tokens.refreshToken, meta);
    }
    // 24 × 29 min = 11 h 36 min; the next refresh lands past 12 h.
    t.clock.advance(minutes(25));
    await expect(sessions.refresh(tokens.refreshToken, meta)).rejects.toMatchObject({ code: 'unauthenticated' });
    const [family] = await db.dataSource.query('SELECT revoked_reason FROM session_families WHERE id = $1', [familyId]);
    expect(family.revoked_reason).toBe('expired_absolute');
  });

  it('logout ends one session and publishes an event naming it alone; the others stay', async () => {
    const a = await start();
    const b = await start();
    const published = t.publisher.events.length;
    await sessions.logout(a.refreshToken, meta);
    await expect(sessions.refresh(a.refreshToken, meta)).rejects.toMatchObject({ code: 'unauthenticated' });
    await expect(sessions.refresh(b.refreshToken, meta)).resolves.toHaveProperty('accessToken');
    expect(t.publisher.events.slice(published)).toEqual([
      {
        type: 'provider.sessions_revoked',
        providerId: provider.id,
        organisationId: provider.organisationId,
        sessionIds: [await familyOf(a)],
        at: t.clock.now().toISOString(),
      },
    ]);
    const outbox = await db.dataSource.query(`SELECT * FROM auth_outbox WHERE $1 = ANY(session_ids)`, [
      await familyOf(a),
    ]);
    expect(outbox).toEqual([
      expect.objectContaining({
        type: 'provider.sessions_revoked',
        provider_id: provider.id,
        published_at: expect.any(Date),
      }),
    ]);
    // A second logout of the same session, and unknown tokens, are answered the same way (no error),
    // change nothing and publish nothing.
    await expect(sessions.logout(a.refreshToken, meta)).resolves.toBeUndefined();
    await expect(sessions.logout('not-a-token', meta)).resolves.toBeUndefined();
    expect(t.publisher.events).toHaveLength(published + 1);
  });

  it('logout-all ends every session of the caller, not of others, and publishes an event', async () => {
    const other = await createProvider(t, { email: 'other@clinic.test', organisationId: provider.organisationId });
    const a = await start();
    const b = await start();
    const theirs = await sessions.start(other);
    await sessions.logoutAll({ ...contextOf(provider), sessionId: await familyOf(a) }, meta);
    await expect(sessions.refresh(a.refreshToken, meta)).rejects.toMatchObject({ code: 'unauthenticated' });
    await expect(sessions.refresh(b.refreshToken, meta)).rejects.toMatchObject({ code: 'unauthenticated' });
    await expect(sessions.refresh(theirs.refreshToken, meta)).resolves.toHaveProperty('accessToken');
    const ended = [await familyOf(a), await familyOf(b)];
    expect(t.publisher.events.at(-1)).toEqual({
      type: 'provider.sessions_revoked',
      providerId: provider.id,
      organisationId: provider.organisationId,
      sessionIds: expect.arrayContaining(ended),
      at: t.clock.now().toISOString(),
    });
    expect(t.publisher.events.at(-1)?.sessionIds).not.toContain(await familyOf(theirs));
    const outbox = await db.dataSource.query(
      `SELECT * FROM auth_outbox WHERE type = 'provider.sessions_revoked' AND session_ids @> $1::uuid[]`,
      [ended],
    );
    expect(outbox).toEqual([
      expect.objectContaining({
        provider_id: provider.id,
        session_ids: t.publisher.events.at(-1)?.sessionIds,
        published_at: expect.any(Date),
      }),
    ]);
  });

  it('logout-all names every session that may still hold a live access token, and no other', async () => {
    const someone = await createProvider(t, { email: 'named@clinic.test', organisationId: provider.organisationId });
    const longGone = await sessions.start(someone);
    const longGoneId = await familyOf(longGone);
    await sessions.logout(longGone.refreshToken, meta);
    // Its last access token expired ten minutes after the logout.
    t.clock.advance(minutes(12));
    const loggedOut = await sessions.start(someone);
    await sessions.logout(loggedOut.refreshToken, meta);
    const refreshed = await sessions.refresh((await sessions.start(someone)).refreshToken, meta);
    const idle = await sessions.start(someone);
    await sessions.logoutAll({ ...contextOf(someone), sessionId: await familyOf(idle) }, meta);
    const named = t.publisher.events.at(-1)?.sessionIds ?? [];
    const expected = [await familyOf(loggedOut), await familyOf(refreshed), await familyOf(idle)];
    expect([...named].sort()).toEqual(expected.sort());
    expect(named).not.toContain(longGoneId);
  });

  it('disable revokes every session, blocks refresh and publishes provider.disabled', async () => {
    const admin = await createProvider(t, {
      role: 'admin',
      credential: 'other',
      organisationId: provider.organisationId,
    });
    const target = await createProvider(t, { email: 'leaver@clinic.test', organisationId: provider.organisationId });
    const tokens = await t.get(LoginService).login({ email: 'leaver@clinic.test', password: PASSWORD }, meta);
    await t.get(ProviderAdminService).disable(contextOf(admin), target.id, meta);
    await expect(sessions.refresh((tokens as SessionTokens).refreshToken, meta)).rejects.toMatchObject({
      code: 'unauthenticated',
    });
    expect(t.publisher.events.at(-1)).toMatchObject({
      type: 'provider.disabled',
      providerId: target.id,
      organisationId: provider.organisationId,
      sessionIds: [await familyOf(tokens as SessionTokens)],
    });
    const [audit] = await db.dataSource.query(`SELECT * FROM auth_audit_events WHERE type = 'provider.disabled'`);
    expect(audit).toMatchObject({ provider_id: target.id, actor_id: admin.id, outcome: 'success' });
  });

  it('an admin cannot disable someone in another organisation: it looks like nobody', async () => {
    const admin = await createProvider(t, {
      role: 'admin',
      credential: 'other',
      organisationId: provider.organisationId,
    });
    const stranger = await createProvider(t, { organisationName: 'Elsewhere Clinic' });
    await expect(t.get(ProviderAdminService).disable(contextOf(admin), stranger.id, meta)).rejects.toMatchObject({
      code: 'not_found',
    });
    await expect(
      t.get(ProviderAdminService).disable(contextOf(admin), '00000000-0000-4000-8000-000000000000', meta),
    ).rejects.toMatchObject({ code: 'not_found' });
    const [row] = await db.dataSource.query('SELECT disabled_at FROM providers WHERE id = $1', [stranger.id]);
    expect(row.disabled_at).toBeNull();
  });

  it('never stores or audits a refresh token', async () => {
    const tokens = await start();
    await sessions.refresh(tokens.refreshToken, meta);
    const dump =
      JSON.stringify(await db.dataSource.query('SELECT * FROM auth_audit_events')) +
      JSON.stringify(await db.dataSource.query('SELECT * FROM refresh_tokens'));
    expect(dump).not.toContain(tokens.refreshToken);
  });
});
