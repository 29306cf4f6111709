import { createLocalJWKSet, decodeProtectedHeader, jwtVerify } from 'jose';
import { createTestDatabase, type TestDatabase } from '../../../../test/support/test-database.js';
import { type AuthTestApp, createAuthTestApp } from '../../test/auth-testing.js';
import { createProvider, minutes } from '../../test/fixtures.js';
import { authEntities, authMigrations } from '../database/schema.js';
import type { Provider } from '../providers/provider.entity.js';
import { AccessTokenService } from './access-token.service.js';
import { SigningKeysService } from './signing-keys.service.js';

describe('signing keys: sealed at rest, rotation, JWKS', () => {
  let db: TestDatabase;
  let t: AuthTestApp;
  let keys: SigningKeysService;
  let tokens: AccessTokenService;
  let provider: Provider;

  beforeAll(async () => {
    db = await createTestDatabase('auth', authEntities, authMigrations);
    t = await createAuthTestApp(db);
    keys = t.get(SigningKeysService);
    tokens = t.get(AccessTokenService);
    provider = await createProvider(t);
  });
  afterAll(async () => {
    await t.close();
    await db.stop();
  });

  it('boot made one signing key; the JWKS publishes it with kid, alg and use, and no private part', async () => {
    const jwks = await keys.jwks();
    expect(jwks.keys).toHaveLength(1);
    expect(jwks.keys[0]).toEqual({
      kty: 'OKP',
      crv: 'Ed25519',
      x: expect.any(String),
      kid: expect.any(String),
      alg: 'EdDSA',
      use: 'sig',
    });
    const { accessToken } = await tokens.issue(provider, 's');
    expect(decodeProtectedHeader(accessToken).kid).toBe(jwks.keys[0].kid);
    // A verifier holding only the JWKS (as the gateway does) accepts the token.
    await expect(
      jwtVerify(accessToken, createLocalJWKSet(jwks), {
        issuer: t.config.issuer,
        audience: t.config.audience,
        algorithms: ['EdDSA'],
        currentDate: t.clock.now(),
      }),
    ).resolves.toBeDefined();
  });

  it('stores the private key sealed, never as PEM or JWK', async () => {
    const rows = await db.dataSource.query('SELECT * FROM signing_keys');
    for (const row of rows) {
      expect(row.private_key_sealed).toMatch(/^v1\./);
      expect(JSON.stringify(row)).not.toMatch(/PRIVATE KEY|"d":/);
    }
  });

  it('rotation: the new key signs, the old one stays in the JWKS until its tokens have expired, then leaves', async () => {
    const oldKid = (await keys.jwks()).keys[0].kid;
    const before = await tokens.issue(provider, 's');
    t.clock.advance(minutes(5));
    const { kid: newKid, superseded } = await keys.rotate();
    expect(superseded).toEqual([oldKid]);
    const after = await tokens.issue(provider, 's');
    expect(decodeProtectedHeader(after.accessToken).kid).toBe(newKid);
    expect((await keys.jwks()).keys.map((key) => key.kid)).toEqual([newKid, oldKid]);
    // A token signed by the old key before the rotation still verifies until it expires.
    await expect(tokens.verify(before.accessToken)).resolves.toMatchObject({ providerId: provider.id });
    // Its last token (issued at the moment of rotation) expires 10 minutes later; the key leaves after 15.
    t.clock.advance(minutes(14));
    expect((await keys.jwks()).keys.map((key) => key.kid)).toEqual([newKid, oldKid]);
    t.clock.advance(minutes(1));
    expect((await keys.jwks()).keys.map((key) => key.kid)).toEqual([newKid]);
    await expect(tokens.verify(after.accessToken)).rejects.toMatchObject({ code: 'unauthenticated' }); // expired by now
    await expect(tokens.verify((await tokens.issue(provider, 's')).accessToken)).resolves.toBeDefined();
    const [audit] = await db.dataSource.query(`SELECT * FROM auth_audit_events WHERE type = 'key.rotated'`);
    expect(audit).toMatchObject({ outcome: 'success' });
  });

  it('a sealed key does not open under another key-encryption key', async () => {
    const other = await createAuthTestApp(db); // a fresh random AUTH_KEY_ENCRYPTION_KEY
    try {
      await expect(other.get(AccessTokenService).issue(provider, 's')).rejects.toThrow();
    } finally {
      await other.close();
    }
  });
});
