import { decodeJwt, decodeProtectedHeader, exportJWK, generateKeyPair, SignJWT } from 'jose';
import { FixedClock } from '@sharedcare/common';
import type { Provider } from '../providers/provider.entity.js';
import { AccessTokenService } from './access-token.service.js';
import type { SigningKeysService } from './signing-keys.service.js';

const config = { issuer: 'http://auth.test', audience: 'sharedcare-api' };

const provider = {
  id: '6f1c1c8e-5a43-4d4a-9a3e-2f0f4b6d7c11',
  organisationId: '0b9d7a3e-1c2f-4e5a-8b6c-7d8e9f0a1b2c',
  role: 'therapist',
  credential: 'LCSW',
  displayName: 'Dana Reyes, LCSW',
} as Provider;

describe('AccessTokenService', () => {
  let clock: FixedClock;
  let service: AccessTokenService;
  let keyPair: Awaited<ReturnType<typeof generateKeyPair>>;
  const kid = 'key-1';

  beforeAll(async () => {
    keyPair = await generateKeyPair('EdDSA', { crv: 'Ed25519', extractable: true });
  });

  beforeEach(() => {
    clock = new FixedClock();
    const keys = {
      signingKey: async () => ({ kid, privateKey: keyPair.privateKey }),
      publicKey: async (wanted: string) => (wanted === kid ? keyPair.publicKey : undefined),
    } as unknown as SigningKeysService;
    service = new AccessTokenService(keys, clock, config);
  });

  /** A token like ours, with the given changes, signed with our key. */
  async function forge(
    changes: { header?: Record<string, unknown>; claims?: Record<string, unknown>; drop?: string[] } = {},
  ) {
    const now = Math.floor(clock.now().getTime() / 1000);
    const claims: Record<string, unknown> = {
      iss: config.issuer,
      aud: config.audience,
      sub: provider.id,
      jti: 'j',
      iat: now,
      exp: now + 600,
      sid: 's',
      role: 'therapist',
      org: provider.organisationId,
      name: 'x',
      cred: 'LCSW',
      ...changes.claims,
    };
    for (const name of changes.drop ?? []) delete claims[name];
    return new SignJWT(claims)
      .setProtectedHeader({ alg: 'EdDSA', typ: 'at+jwt', kid, ...changes.header } as never)
      .sign(keyPair.privateKey);
  }

  it('issues a 10-minute EdDSA at+jwt with kid and every contract claim', async () => {
    const { accessToken, expiresIn } = await service.issue(provider, 'session-1');
    expect(expiresIn).toBe(600);
    expect(decodeProtectedHeader(accessToken)).toEqual({ alg: 'EdDSA', typ: 'at+jwt', kid });
    const claims = decodeJwt(accessToken);
    const iat = Math.floor(clock.now().getTime() / 1000);
    expect(claims).toEqual({
      iss: 'http://auth.test',
      aud: 'sharedcare-api',
      sub: provider.id,
      jti: expect.stringMatching(/^[0-9a-f-]{36}$/),
      iat,
      exp: iat + 600,
      sid: 'session-1',
      role: 'therapist',
      org: provider.organisationId,
      name: 'Dana Reyes, LCSW',
      cred: 'LCSW',
    });
    const again = await service.issue(provider, 'session-1');
    expect(decodeJwt(again.accessToken).jti).not.toBe(claims.jti);
  });

  it('verifies its own token into the caller', async () => {
    const { accessToken } = await service.issue(provider, 'session-1');
    await expect(service.verify(accessToken)).resolves.toEqual({
      providerId: provider.id,
      organisationId: provider.organisationId,
      role: 'therapist',
      credential: 'LCSW',
      displayName: 'Dana Reyes, LCSW',
      sessionId: 'session-1',
    });
    await expect(service.verify(await forge())).resolves.toMatchObject({ providerId: provider.id });
  });

  it('refuses an expired token (at exp, by the clock)', async () => {
    const { accessToken } = await service.issue(provider, 's');
    clock.advance(599_000);
    await expect(service.verify(accessToken)).resolves.toBeDefined();
    clock.advance(1_000);
    await expect(service.verify(accessToken)).rejects.toMatchObject({ code: 'unauthenticated' });
  });

  it('refuses alg none', async () => {
    const unsigned = [
      Buffer.from(JSON.stringify({ alg: 'none', typ: 'at+jwt', kid })).toString('base64url'),
      (await forge()).split('.')[1],
      '',
    ].join('.');
    await expect(service.verify(unsigned)).rejects.toMatchObject({ code: 'unauthenticated' });
  });

  it('refuses HS256 signed with the public key as the secret', async () => {
    const publicJwk = await exportJWK(keyPair.publicKey);
    const secret = new TextEncoder().encode(JSON.stringify(publicJwk));
    const now = Math.floor(clock.now().getTime() / 1000);
    const hs = await new SignJWT({ sid: 's', role: 'admin', org: provider.organisationId, name: 'x', cred: 'MD' })
      .setProtectedHeader({ alg: 'HS256', typ: 'at+jwt', kid })
      .setIssuer(config.issuer)
      .setAudience(config.audience)
      .setSubject(provider.id)
      .setJti('j')
      .setIssuedAt(now)
      .setExpirationTime(now + 600)
      .sign(secret);
    await expect(service.verify(hs)).rejects.toMatchObject({ code: 'unauthenticated' });
    const rawX = new TextEncoder().encode(publicJwk.x!);
    const hs2 = await new SignJWT({}).setProtectedHeader({ alg: 'HS256', typ: 'at+jwt', kid }).sign(rawX);
    await expect(service.verify(hs2)).rejects.toMatchObject({ code: 'unauthenticated' });
  });

  it('refuses a key it does not publish: unknown kid, or no kid', async () => {
    await expect(service.verify(await forge({ header: { kid: 'someone-elses' } }))).rejects.toMatchObject({
      code: 'unauthenticated',
    });
    await expect(service.verify(await forge({ header: { kid: undefined } }))).rejects.toMatchObject({
      code: 'unauthenticated',
    });
    const stranger = await generateKeyPair('EdDSA', { crv: 'Ed25519' });
    const now = Math.floor(clock.now().getTime() / 1000);
    const foreign = await new SignJWT({ sid: 's', role: 'therapist', org: 'o', name: 'x', cred: 'LCSW' })
      .setProtectedHeader({ alg: 'EdDSA', typ: 'at+jwt', kid })
      .setIssuer(config.issuer)
      .setAudience(config.audience)
      .setSubject('p')
      .setJti('j')
      .setIssuedAt(now)
      .setExpirationTime(now + 600)
      .sign(stranger.privateKey);
    await expect(service.verify(foreign)).rejects.toMatchObject({ code: 'unauthenticated' });
  });

  it.each([
    ['a wrong audience', { claims: { aud: 'another-api' } }],
    ['a wrong issuer', { claims: { iss: 'http://evil.test' } }],
    ['a wrong typ', { header: { typ: 'JWT' } }],
    ['no typ', { header: { typ: undefined } }],
    ['a missing sid', { drop: ['sid'] }],
    ['a missing jti', { drop: ['jti'] }],
    ['a missing cred', { drop: ['cred'] }],
    ['a role outside the list', { claims: { role: 'superuser' } }],
    ['an issue time in the future', { claims: { iat: Math.floor(new Date('2026-01-05T10:00:00Z').getTime() / 1000) } }],
  ])('refuses %s', async (_why, changes) => {
    await expect(service.verify(await forge(changes))).rejects.toMatchObject({ code: 'unauthenticated' });
  });

  it('refuses a tampered payload and garbage', async () => {
    const [header, , signature] = (await forge()).split('.');
    const payload = Buffer.from(JSON.stringify({ ...decodeJwt(await forge()), role: 'admin' })).toString('base64url');
    await expect(service.verify([header, payload, signature].join('.'))).rejects.toMatchObject({
      code: 'unauthenticated',
    });
    await expect(service.verify('not.a.token')).rejects.toMatchObject({ code: 'unauthenticated' });
  });
});
