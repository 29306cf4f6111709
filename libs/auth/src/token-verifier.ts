import { Logger } from '@nestjs/common';
import {
  createLocalJWKSet,
  createRemoteJWKSet,
  decodeProtectedHeader,
  errors,
  type JSONWebKeySet,
  type JWTPayload,
  type JWTVerifyGetKey,
  jwtVerify,
} from 'jose';
import { type Clock, DomainException, isUuid, SystemClock } from '@sharedcare/common';
import type { AuthContext } from './auth-context.js';
import type { EndedSessions } from './ended-sessions.js';
import { isCredential, isRole } from './roles.js';

/** Where verification keys come from: the auth service's JWKS, or a local set in tests. */
export type KeySource = JWTVerifyGetKey;

export interface RemoteKeySourceOptions {
  /** Least time between two fetches triggered by an unknown `kid` (key rotation). */
  cooldownMs?: number;
  /** How long a fetched key set is trusted before it is fetched again. */
  cacheMaxAgeMs?: number;
  timeoutMs?: number;
}

/**
 * The auth service's JWKS, fetched on first use and cached; a token with a `kid` not in the
 * cache triggers one refetch (at most once per cooldown), which is how a rotated key is found.
 */
export function remoteKeySource(jwksUrl: string | URL, options: RemoteKeySourceOptions = {}): KeySource {
  return createRemoteJWKSet(new URL(jwksUrl), {
    cooldownDuration: options.cooldownMs ?? 30_000,
    cacheMaxAge: options.cacheMaxAgeMs ?? 10 * 60_000,
    timeoutDuration: options.timeoutMs ?? 5_000,
  });
}

/** A fixed key set, for tests and tools. */
export function localKeySource(jwks: JSONWebKeySet): KeySource {
  return createLocalJWKSet(jwks);
}

export interface TokenVerifierOptions {
  /** Expected `iss` (AUTH_ISSUER). */
  issuer: string;
  /** Expected `aud` (AUTH_AUDIENCE). */
  audience: string;
  keys: KeySource;
  clock?: Clock;
  /** Allowed skew between the auth service's clock and ours. */
  clockToleranceSeconds?: number;
  /**
   * Oldest `iat` accepted, whatever `exp` says: access tokens live 10 minutes, so a token
   * claiming a longer life was not minted by the auth service as we know it.
   */
  maxTokenAgeSeconds?: number;
  /** Sessions the auth service has ended; their tokens are refused before they expire. */
  endedSessions?: EndedSessions;
}

export const DEFAULT_CLOCK_TOLERANCE_SECONDS = 5;
export const DEFAULT_MAX_TOKEN_AGE_SECONDS = 15 * 60;

/** How long after its `iat` a token can still pass verification with these options. */
export function tokenAcceptanceSeconds(
  options: Pick<TokenVerifierOptions, 'clockToleranceSeconds' | 'maxTokenAgeSeconds'>,
): number {
  return (
    (options.maxTokenAgeSeconds ?? DEFAULT_MAX_TOKEN_AGE_SECONDS) +
    (options.clockToleranceSeconds ?? DEFAULT_CLOCK_TOLERANCE_SECONDS)
  );
}

/**
 * A refused access token. The code is always `unauthenticated` and the message is safe to send;
 * `reason` says why, for logs and tests, and never leaves the process.
 */
export class TokenRejectedException extends DomainException {
  constructor(
    readonly reason: string,
    message = 'Invalid access token',
  ) {
    super('unauthenticated', message);
    this.name = 'TokenRejectedException';
  }
}

export const ACCESS_TOKEN_TYPE = 'at+jwt';
export const ACCESS_TOKEN_ALGORITHMS = ['EdDSA'];
const REQUIRED_CLAIMS = ['sub', 'jti', 'exp', 'iat', 'role', 'org'];
// A real access token is well under 1 KB; anything far larger is refused before parsing.
const MAX_TOKEN_LENGTH = 8_192;

function isText(value: unknown, maxLength: number): value is string {
  return typeof value === 'string' && value.length > 0 && value.length <= maxLength;
}

/**
 * Verifies access tokens explicitly (CONVENTIONS 8): signature against the auth service's keys,
 * issuer, audience, an algorithm allow-list, `typ: at+jwt`, required claims and their shapes.
 * Every refusal is a TokenRejectedException (`unauthenticated`).
 */
export class TokenVerifier {
  private readonly logger = new Logger(TokenVerifier.name);
  private readonly clock: Clock;

  constructor(private readonly options: TokenVerifierOptions) {
    this.clock = options.clock ?? new SystemClock();
  }

  async verify(token: unknown): Promise<AuthContext> {
    if (typeof token !== 'string' || token.length === 0)
      throw new TokenRejectedException('missing', 'Authentication required');
    if (token.length > MAX_TOKEN_LENGTH) throw this.refuse('malformed');
    let payload: JWTPayload;
    try {
      // The auth service names its key in every token; without a kid, jose would try the only key.
      const kid = this.readKid(token);
      if (typeof kid !== 'string' || kid.length === 0) throw this.refuse('missing_kid');
      ({ payload } = await jwtVerify(token, this.options.keys, {
        issuer: this.options.issuer,
        audience: this.options.audience,
        algorithms: ACCESS_TOKEN_ALGORITHMS,
        typ: ACCESS_TOKEN_TYPE,
        requiredClaims: REQUIRED_CLAIMS,
        clockTolerance: this.options.clockToleranceSeconds ?? DEFAULT_CLOCK_TOLERANCE_SECONDS,
        maxTokenAge: this.options.maxTokenAgeSeconds ?? DEFAULT_MAX_TOKEN_AGE_SECONDS,
        currentDate: this.clock.now(),
      }));
    } catch (error) {
      throw error instanceof TokenRejectedException ? error : this.fromJoseError(error);
    }
    const auth = this.toAuthContext(payload);
    if (this.options.endedSessions?.refuses(auth)) throw this.refuse('session_ended', 'Session has ended');
    return auth;
  }

  private readKid(token: string): unknown {
    try {
      return decodeProtectedHeader(token).kid;
    } catch {
      throw this.refuse('malformed');
    }
  }

  private toAuthContext(payload: JWTPayload): AuthContext {
    const { sub, org, role, jti, sid, name, cred, iat, exp } = payload as JWTPayload & Record<string, unknown>;
    if (!isText(sub, 36) || !isUuid(sub)) throw this.refuse('shape:sub');
    if (!isText(org, 36) || !isUuid(org)) throw this.refuse('shape:org');
    if (!isRole(role)) throw this.refuse('shape:role');
    if (!isText(jti, 128)) throw this.refuse('shape:jti');
    if (!isText(sid, 128)) throw this.refuse('shape:sid');
    if (!isText(name, 200)) throw this.refuse('shape:name');
    if (!isCredential(cred)) throw this.refuse('shape:cred');
    return {
      providerId: sub.toLowerCase(),
      organisationId: org.toLowerCase(),
      role,
      displayName: name,
      credential: cred,
      sessionId: sid,
      tokenId: jti,
      issuedAt: new Date((iat as number) * 1000),
      expiresAt: new Date((exp as number) * 1000),
    };
  }

  private fromJoseError(error: unknown): TokenRejectedException {
    if (!(error instanceof errors.JOSEError)) {
      // jose's own failures are JOSEErrors; anything else came from fetching the key set.
      this.logger.error({ err: { type: (error as Error)?.name } }, 'access token keys unavailable');
      return this.refuse('keys_unavailable', 'Access token could not be verified');
    }
    switch (error.code) {
      case errors.JWTExpired.code:
        return (error as errors.JWTExpired).claim === 'exp'
          ? this.refuse('expired', 'Access token expired')
          : this.refuse('claim:iat', 'Access token expired');
      case errors.JWTClaimValidationFailed.code:
        return this.refuse(`claim:${(error as errors.JWTClaimValidationFailed).claim}`);
      case errors.JOSEAlgNotAllowed.code:
      case errors.JOSENotSupported.code:
        return this.refuse('algorithm');
      case errors.JWKSNoMatchingKey.code:
      case errors.JWKSMultipleMatchingKeys.code:
        return this.refuse('unknown_key');
      case errors.JWSSignatureVerificationFailed.code:
        return this.refuse('signature');
      case errors.JWKSTimeout.code:
      case errors.JWKSInvalid.code:
        this.logger.error({ err: { type: error.code } }, 'access token keys unavailable');
        return this.refuse('keys_unavailable', 'Access token could not be verified');
      default:
        return this.refuse('malformed');
    }
  }

  private refuse(reason: string, message?: string): TokenRejectedException {
    // The reason only: a token (even a bad one) is a credential and never goes to the log.
    this.logger.debug({ reason }, 'access token refused');
    return new TokenRejectedException(reason, message);
  }
}
