import { randomUUID } from 'node:crypto';
import { Logger, type LoggerService } from '@nestjs/common';
import { FixedClock } from '@sharedcare/common';
import {
  ATTACK_REASONS,
  ATTACKS,
  attackToken,
  createTestIssuer,
  serveJwks,
  type TestIssuer,
} from '../../../test/support/access-tokens.js';
import { EndedSessions } from './ended-sessions.js';
import { localKeySource, remoteKeySource, TokenRejectedException, TokenVerifier } from './token-verifier.js';

describe('TokenVerifier', () => {
  const clock = new FixedClock(new Date('2026-01-05T09:00:00Z'));
  const now = () => Math.floor(clock.now().getTime() / 1000);
  let issuer: TestIssuer;
  let verifier: TokenVerifier;
  const logged: unknown[] = [];
  const capture = (...args: unknown[]) => void logged.push(args);
  const logger: LoggerService = { log: capture, error: capture, warn: capture, debug: capture, verbose: capture };

  beforeAll(async () => {
    Logger.overrideLogger(logger);
    issuer = await createTestIssuer();
    verifier = new TokenVerifier({
      issuer: issuer.issuer,
      audience: issuer.audience,
      keys: localKeySource(issuer.jwks),
      clock,
    });
  });

  async function refusal(token: unknown): Promise<TokenRejectedException> {
    const error = await verifier.verify(token).then(
      () => undefined,
      (e: unknown) => e,
    );
    expect(error).toBeInstanceOf(TokenRejectedException);
    return error as TokenRejectedException;
  }

  it('accepts a valid token and gives the verified caller', async () => {
    const claims = issuer.claims(now());
    const token = await issuer.mint({ nowSeconds: now() });
    await expect(verifier.verify(token)).resolves.toEqual({
      providerId: claims.sub,
      organisationId: claims.org,
      role: 'therapist',
      displayName: 'Dana Reyes',
      credential: 'LCSW',
      sessionId: claims.sid,
      tokenId: expect.any(String),
      issuedAt: new Date(now() * 1000),
      expiresAt: new Date((now() + 600) * 1000),
    });
  });

  it('accepts every role of the contract', async () => {
    for (const role of ['therapist', 'psychiatrist', 'care_manager', 'primary_care', 'admin']) {
      const auth = await verifier.verify(await issuer.mint({ nowSeconds: now(), claims: { role } }));
      expect(auth.role).toBe(role);
    }
  });

  it('tolerates a few seconds of clock skew, no more', async () => {
    const token = await issuer.mint({ nowSeconds: now() });
    clock.advance(602_000);
    try {
      await expect(verifier.verify(token)).resolves.toMatchObject({ role: 'therapist' });
      clock.advance(4_000);
      expect((await refusal(token)).reason).toBe('expired');
    } finally {
      clock.set(new Date('2026-01-05T09:00:00Z'));
    }
  });

  it.each(ATTACKS)('refuses %s, as unauthenticated, for the right reason', async (attack) => {
    const error = await refusal(await attackToken(issuer, attack, now()));
    expect(error.code).toBe('unauthenticated');
    expect(error.reason).toBe(ATTACK_REASONS[attack]);
  });

  it('refuses a missing, empty, non-string or oversized token', async () => {
    expect((await refusal(undefined)).reason).toBe('missing');
    expect((await refusal('')).reason).toBe('missing');
    expect((await refusal({ token: 'x' })).reason).toBe('missing');
    expect((await refusal('a'.repeat(9000))).reason).toBe('malformed');
  });

  it('answers with a safe message and logs the reason, never the token', async () => {
    logged.length = 0;
    const token = await attackToken(issuer, 'wrong aud', now());
    const error = await refusal(token);
    expect(error.toBody()).toEqual({ code: 'unauthenticated', message: 'Invalid access token' });
    expect(JSON.stringify(logged)).toContain('claim:aud');
    for (const part of token.split('.')) expect(JSON.stringify(logged)).not.toContain(part);
    expect((await refusal(await attackToken(issuer, 'expired', now()))).toBody()).toEqual({
      code: 'unauthenticated',
      message: 'Access token expired',
    });
  });

  it('refuses a token of a session the auth service has ended, and nothing else of the provider', async () => {
    const endedSessions = new EndedSessions({ clock, retainSeconds: 965 });
    const checking = new TokenVerifier({
      issuer: issuer.issuer,
      audience: issuer.audience,
      keys: localKeySource(issuer.jwks),
      clock,
      endedSessions,
    });
    const ended = await issuer.mint({ nowSeconds: now() });
    const fresh = await issuer.mint({ nowSeconds: now(), claims: { sid: randomUUID() } });
    await expect(checking.verify(ended)).resolves.toMatchObject({ role: 'therapist' });
    const claims = issuer.claims();
    endedSessions.end({ providerId: claims.sub as string, sessionIds: [claims.sid as string], at: clock.now() });
    const error = await checking.verify(ended).catch((e: unknown) => e);
    expect(error).toMatchObject({ code: 'unauthenticated', reason: 'session_ended', message: 'Session has ended' });
    await expect(checking.verify(fresh)).resolves.toMatchObject({ role: 'therapist' });
  });

  describe('with the auth service’s JWKS over HTTP', () => {
    it('fetches the keys once and refetches once for a rotated key', async () => {
      const server = await serveJwks(issuer.jwks);
      try {
        const remote = new TokenVerifier({
          issuer: issuer.issuer,
          audience: issuer.audience,
          keys: remoteKeySource(server.url, { cooldownMs: 0 }),
        });
        await expect(remote.verify(await issuer.mint())).resolves.toMatchObject({ role: 'therapist' });
        await expect(remote.verify(await issuer.mint())).resolves.toMatchObject({ role: 'therapist' });
        expect(server.fetches()).toBe(1);

        // Rotation: the auth service publishes a new key next to the old one and signs with it.
        const next = await createTestIssuer();
        server.publish({ keys: [...issuer.jwks.keys, ...next.jwks.keys] });
        await expect(remote.verify(await next.mint())).resolves.toMatchObject({ role: 'therapist' });
        expect(server.fetches()).toBe(2);
      } finally {
        await server.close();
      }
    });

    it('refuses, without waiting, when the key set cannot be fetched', async () => {
      const server = await serveJwks(issuer.jwks);
      const url = server.url;
      await server.close();
      const remote = new TokenVerifier({
        issuer: issuer.issuer,
        audience: issuer.audience,
        keys: remoteKeySource(url),
      });
      const error = await remote.verify(await issuer.mint()).catch((e: unknown) => e);
      expect(error).toMatchObject({
        code: 'unauthenticated',
        reason: 'keys_unavailable',
        message: 'Access token could not be verified',
      });
    });
  });
});
