import { Inject, Injectable, Logger } from '@nestjs/common';
import {
  calculateJwkThumbprint,
  exportJWK,
  exportPKCS8,
  generateKeyPair,
  importJWK,
  importPKCS8,
  type JWK,
} from 'jose';
import { Clock } from '@sharedcare/common';
import { openText, seal } from '@sharedcare/crypto';
import { AuthAuditService } from '../audit/auth-audit.service.js';
import { AUTH_POLICY, type AuthConfig } from '../config/auth-config.js';
import { AUTH_CONFIG } from '../shared/auth-config.token.js';
import { type RequestMeta, NO_REQUEST } from '../shared/request-meta.js';
import type { SigningKey } from './signing-key.entity.js';
import { SigningKeysRepository } from './signing-keys.repository.js';

export const SIGNING_ALGORITHM = 'EdDSA';

/** What `newKey` makes a kid: the key's RFC 7638 SHA-256 thumbprint, base64url without padding. */
const KID_SHAPE = /^[A-Za-z0-9_-]{43}$/;

/** True for a value shaped like one of our kids; anything else is no kid of ours. */
function isKidShaped(value: unknown): value is string {
  return typeof value === 'string' && KID_SHAPE.test(value);
}

export interface PublishedJwk extends JWK {
  kid: string;
  alg: typeof SIGNING_ALGORITHM;
  use: 'sig';
}

type KeyLike = Awaited<ReturnType<typeof importPKCS8>>;

/**
 * Ed25519 token-signing keys: made, sealed at rest under AUTH_KEY_ENCRYPTION_KEY, rotated, and
 * published. The database is the source of truth (a rotation by the CLI takes effect at the next
 * token); imported keys are cached by kid, since a kid never changes its key.
 */
@Injectable()
export class SigningKeysService {
  private readonly logger = new Logger(SigningKeysService.name);
  private readonly privateKeys = new Map<string, KeyLike>();
  private readonly publicKeys = new Map<string, KeyLike>();

  constructor(
    private readonly keys: SigningKeysRepository,
    private readonly audit: AuthAuditService,
    private readonly clock: Clock,
    @Inject(AUTH_CONFIG) private readonly config: AuthConfig,
  ) {}

  /** Makes the first signing key when there is none (first boot). */
  async ensureSigningKey(): Promise<void> {
    if (await this.keys.findSigning()) return;
    await this.keys.insertFirst(await this.newKey());
    this.logger.log('Created the first token-signing key');
  }

  /** A new key signs from now on; the old ones stay published until their tokens have expired. */
  async rotate(meta: RequestMeta = NO_REQUEST): Promise<{ kid: string; superseded: string[] }> {
    const key = await this.newKey();
    const now = this.clock.now();
    const retireAt = new Date(now.getTime() + AUTH_POLICY.keyRetireAfterSeconds * 1000);
    const superseded = await this.keys.rotate(key, now, retireAt);
    await this.audit.record('key.rotated', 'success', { reason: 'rotation' }, meta);
    this.logger.log({ kid: key.kid, superseded }, 'Rotated the token-signing key');
    return { kid: key.kid, superseded };
  }

  async signingKey(): Promise<{ kid: string; privateKey: KeyLike }> {
    const key = await this.keys.findSigning();
    if (!key) throw new Error('No token-signing key; the service creates one at boot');
    let privateKey = this.privateKeys.get(key.kid);
    if (!privateKey) {
      privateKey = await importPKCS8(
        openText(this.config.keyEncryptionKey, key.privateKeySealed, context(key.kid)),
        SIGNING_ALGORITHM,
      );
      this.privateKeys.set(key.kid, privateKey);
    }
    return { kid: key.kid, privateKey };
  }

  /** The public key for `kid` while it is published; undefined for unknown, retired or malformed kids. */
  async publicKey(kid: string): Promise<KeyLike | undefined> {
    // The kid comes from an unverified header: anything not shaped like ours never reaches SQL.
    if (!isKidShaped(kid)) return undefined;
    const key = await this.keys.findPublishedByKid(kid, this.clock.now());
    if (!key) return undefined;
    let publicKey = this.publicKeys.get(kid);
    if (!publicKey) {
      publicKey = (await importJWK(key.publicJwk, SIGNING_ALGORITHM)) as KeyLike;
      this.publicKeys.set(kid, publicKey);
    }
    return publicKey;
  }

  async jwks(): Promise<{ keys: PublishedJwk[] }> {
    const keys = await this.keys.findPublished(this.clock.now());
    return { keys: keys.map(toPublishedJwk) };
  }

  private async newKey(): Promise<SigningKey> {
    const { publicKey, privateKey } = await generateKeyPair(SIGNING_ALGORITHM, { crv: 'Ed25519', extractable: true });
    const jwk = await exportJWK(publicKey);
    const publicJwk = { kty: jwk.kty!, crv: jwk.crv!, x: jwk.x! };
    const kid = await calculateJwkThumbprint(publicJwk);
    return {
      kid,
      algorithm: SIGNING_ALGORITHM,
      publicJwk,
      privateKeySealed: seal(this.config.keyEncryptionKey, await exportPKCS8(privateKey), context(kid)),
      createdAt: this.clock.now(),
      supersededAt: null,
      retireAt: null,
    };
  }
}

/** A sealed private key opens only as the key of its own kid. */
function context(kid: string): string {
  return `signing-key:${kid}`;
}

function toPublishedJwk(key: SigningKey): PublishedJwk {
  return { ...key.publicJwk, kid: key.kid, alg: SIGNING_ALGORITHM, use: 'sig' };
}
