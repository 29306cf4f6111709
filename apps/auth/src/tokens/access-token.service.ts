import { randomUUID } from 'node:crypto';
import { Inject, Injectable } from '@nestjs/common';
import { errors, jwtVerify, SignJWT } from 'jose';
import { Clock, DomainException } from '@sharedcare/common';
import type { AuthContext } from '../access/auth-context.js';
import { AUTH_POLICY, type AuthConfig } from '../config/auth-config.js';
import type { Provider } from '../providers/provider.entity.js';
import { CREDENTIALS, ROLES } from '../providers/provider-vocabulary.js';
import { AUTH_CONFIG } from '../shared/auth-config.token.js';
import { SIGNING_ALGORITHM, SigningKeysService } from './signing-keys.service.js';

export const ACCESS_TOKEN_TYPE = 'at+jwt';
export const REQUIRED_CLAIMS = ['iss', 'aud', 'sub', 'jti', 'iat', 'exp', 'sid', 'role', 'org', 'name', 'cred'];

export interface IssuedAccessToken {
  accessToken: string;
  expiresIn: number;
}

/** Signs the short-lived access tokens, and verifies them for the auth service's own routes. */
@Injectable()
export class AccessTokenService {
  constructor(
    private readonly keys: SigningKeysService,
    private readonly clock: Clock,
    @Inject(AUTH_CONFIG) private readonly config: Pick<AuthConfig, 'issuer' | 'audience'>,
  ) {}

  async issue(provider: Provider, sessionId: string): Promise<IssuedAccessToken> {
    const { kid, privateKey } = await this.keys.signingKey();
    const issuedAt = Math.floor(this.clock.now().getTime() / 1000);
    const accessToken = await new SignJWT({
      sid: sessionId,
      role: provider.role,
      org: provider.organisationId,
      name: provider.displayName,
      cred: provider.credential,
    })
      .setProtectedHeader({ alg: SIGNING_ALGORITHM, typ: ACCESS_TOKEN_TYPE, kid })
      .setIssuer(this.config.issuer)
      .setAudience(this.config.audience)
      .setSubject(provider.id)
      .setJti(randomUUID())
      .setIssuedAt(issuedAt)
      .setExpirationTime(issuedAt + AUTH_POLICY.accessTokenTtlSeconds)
      .sign(privateKey);
    return { accessToken, expiresIn: AUTH_POLICY.accessTokenTtlSeconds };
  }

  /**
   * As strict as the gateway (CONVENTIONS 8): our issuer and audience, EdDSA only, `typ`
   * at+jwt, a published kid, every claim present and well-formed. Any failure is unauthenticated.
   */
  async verify(token: string): Promise<AuthContext> {
    try {
      const { payload } = await jwtVerify(
        token,
        async (header) => {
          const key = header.kid ? await this.keys.publicKey(header.kid) : undefined;
          if (!key) throw new errors.JWKSNoMatchingKey();
          return key;
        },
        {
          issuer: this.config.issuer,
          audience: this.config.audience,
          algorithms: [SIGNING_ALGORITHM],
          typ: ACCESS_TOKEN_TYPE,
          requiredClaims: REQUIRED_CLAIMS,
          // Also makes jose refuse an `iat` in the future.
          maxTokenAge: AUTH_POLICY.accessTokenTtlSeconds,
          currentDate: this.clock.now(),
        },
      );
      const { sub, sid, role, org, name, cred } = payload;
      if (
        typeof sub !== 'string' ||
        typeof sid !== 'string' ||
        typeof org !== 'string' ||
        typeof name !== 'string' ||
        !(ROLES as readonly unknown[]).includes(role) ||
        !(CREDENTIALS as readonly unknown[]).includes(cred)
      ) {
        throw new errors.JWTClaimValidationFailed('malformed claims', payload);
      }
      return {
        providerId: sub,
        organisationId: org,
        role: role as AuthContext['role'],
        credential: cred as AuthContext['credential'],
        displayName: name,
        sessionId: sid,
      };
    } catch (error) {
      if (error instanceof errors.JOSEError || error instanceof TypeError)
        throw DomainException.unauthenticated('Invalid or expired access token');
      throw error;
    }
  }
}
