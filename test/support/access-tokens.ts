import { createHmac, randomUUID } from 'node:crypto';
import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import {
  base64url,
  type CryptoKey,
  exportJWK,
  exportSPKI,
  generateKeyPair,
  type JSONWebKeySet,
  type JWTHeaderParameters,
  SignJWT,
} from 'jose';

/**
 * A stand-in for the auth service's signing side: an Ed25519 key published as a JWKS, and
 * access tokens minted the way the auth service mints them (DESIGN.md, Interfaces), so the
 * verifying side can be tested against good tokens and against every attack the issue lists.
 */
export const TEST_ISSUER = 'http://127.0.0.1:3001';
export const TEST_AUDIENCE = 'sharedcare-api';

export interface TestIssuer {
  issuer: string;
  audience: string;
  kid: string;
  jwks: JSONWebKeySet;
  privateKey: CryptoKey;
  publicKey: CryptoKey;
  /** The claims `mint()` uses unless told otherwise. */
  claims(nowSeconds?: number): Record<string, unknown>;
  /**
   * An access token. `claims` entries replace the defaults; an entry set to `undefined` removes
   * that claim. `header` entries replace the protected header's.
   */
  mint(options?: MintOptions): Promise<string>;
}

export interface MintOptions {
  claims?: Record<string, unknown>;
  header?: Partial<JWTHeaderParameters>;
  /** Signs with this key instead of the published one. */
  key?: CryptoKey;
  /** The "now" the token is issued at, in seconds since the epoch. */
  nowSeconds?: number;
}

export async function createTestIssuer(options: { issuer?: string; audience?: string } = {}): Promise<TestIssuer> {
  const issuer = options.issuer ?? TEST_ISSUER;
  const audience = options.audience ?? TEST_AUDIENCE;
  const { privateKey, publicKey } = await generateKeyPair('EdDSA', { extractable: true });
  const kid = `test-${randomUUID()}`;
  const jwk = { ...(await exportJWK(publicKey)), kid, alg: 'EdDSA', use: 'sig' };
  const identity = { sub: randomUUID(), org: randomUUID(), sid: randomUUID() };
  const claims = (now = Math.floor(Date.now() / 1000)): Record<string, unknown> => ({
    iss: issuer,
    aud: audience,
    sub: identity.sub,
    jti: randomUUID(),
    iat: now,
    exp: now + 600,
    sid: identity.sid,
    role: 'therapist',
    org: identity.org,
    name: 'Dana Reyes',
    cred: 'LCSW',
  });
  return {
    issuer,
    audience,
    kid,
    jwks: { keys: [jwk] },
    privateKey,
    publicKey,
    claims,
    async mint({ claims: overrides = {}, header = {}, key = privateKey, nowSeconds } = {}) {
      const payload = { ...claims(nowSeconds), ...overrides };
      for (const [name, value] of Object.entries(payload)) if (value === undefined) delete payload[name];
      return new SignJWT(payload).setProtectedHeader({ alg: 'EdDSA', typ: 'at+jwt', kid, ...header }).sign(key);
    },
  };
}

function encodeSegment(value: unknown): string {
  return base64url.encode(JSON.stringify(value));
}

function hmacSha256(secret: Uint8Array, input: string): string {
  return createHmac('sha256', secret).update(input).digest('base64url');
}

/** The attacks of issue 2, each with the refusal reason the verifier is expected to give. */
export const ATTACKS = [
  'alg none (unsecured JWT)',
  'HS256 signed with the public key PEM as the secret',
  'HS256 signed with the raw public key bytes as the secret',
  'unknown kid',
  'missing kid',
  'known kid, signed by another key',
  'tampered payload',
  'wrong aud',
  'wrong iss',
  'wrong typ (JWT)',
  'missing typ',
  'expired',
  'issued too long ago',
  'missing sub',
  'missing jti',
  'missing exp',
  'missing iat',
  'missing role',
  'missing org',
  'bad role',
  'sub not a uuid',
  'org not a uuid',
  'missing name',
  'credential not in the list',
  'not a JWT at all',
] as const;
export type Attack = (typeof ATTACKS)[number];

/** The reason code TokenVerifier gives for each attack (TokenRejectedException.reason). */
export const ATTACK_REASONS: Record<Attack, string> = {
  'alg none (unsecured JWT)': 'algorithm',
  'HS256 signed with the public key PEM as the secret': 'algorithm',
  'HS256 signed with the raw public key bytes as the secret': 'algorithm',
  'unknown kid': 'unknown_key',
  'missing kid': 'missing_kid',
  'known kid, signed by another key': 'signature',
  'tampered payload': 'signature',
  'wrong aud': 'claim:aud',
  'wrong iss': 'claim:iss',
  'wrong typ (JWT)': 'claim:typ',
  'missing typ': 'claim:typ',
  expired: 'expired',
  'issued too long ago': 'claim:iat',
  'missing sub': 'claim:sub',
  'missing jti': 'claim:jti',
  'missing exp': 'claim:exp',
  'missing iat': 'claim:iat',
  'missing role': 'claim:role',
  'missing org': 'claim:org',
  'bad role': 'shape:role',
  'sub not a uuid': 'shape:sub',
  'org not a uuid': 'shape:org',
  'missing name': 'shape:name',
  'credential not in the list': 'shape:cred',
  'not a JWT at all': 'malformed',
};

/** Builds the token for one attack against `issuer`, as of `nowSeconds` (default: now). */
export async function attackToken(
  issuer: TestIssuer,
  attack: Attack,
  nowSeconds = Math.floor(Date.now() / 1000),
): Promise<string> {
  const mint = (options: MintOptions = {}) => issuer.mint({ nowSeconds, ...options });
  const header = { typ: 'at+jwt', kid: issuer.kid };
  switch (attack) {
    case 'alg none (unsecured JWT)':
      return `${encodeSegment({ ...header, alg: 'none' })}.${encodeSegment(issuer.claims(nowSeconds))}.`;
    case 'HS256 signed with the public key PEM as the secret':
    case 'HS256 signed with the raw public key bytes as the secret': {
      const secret =
        attack === 'HS256 signed with the public key PEM as the secret'
          ? new TextEncoder().encode(await exportSPKI(issuer.publicKey))
          : base64url.decode(issuer.jwks.keys[0].x!);
      const input = `${encodeSegment({ ...header, alg: 'HS256' })}.${encodeSegment(issuer.claims(nowSeconds))}`;
      return `${input}.${hmacSha256(secret, input)}`;
    }
    case 'unknown kid': {
      const other = await generateKeyPair('EdDSA');
      return mint({ key: other.privateKey, header: { kid: 'not-a-published-kid' } });
    }
    case 'missing kid':
      return mint({ header: { kid: undefined } });
    case 'known kid, signed by another key':
      return mint({ key: (await generateKeyPair('EdDSA')).privateKey });
    case 'tampered payload': {
      const [head, , signature] = (await mint()).split('.');
      return `${head}.${encodeSegment({ ...issuer.claims(nowSeconds), role: 'admin' })}.${signature}`;
    }
    case 'wrong aud':
      return mint({ claims: { aud: 'some-other-api' } });
    case 'wrong iss':
      return mint({ claims: { iss: 'http://evil.test' } });
    case 'wrong typ (JWT)':
      return mint({ header: { typ: 'JWT' } });
    case 'missing typ':
      return mint({ header: { typ: undefined } });
    case 'expired':
      return mint({ claims: { iat: nowSeconds - 660, exp: nowSeconds - 60 } });
    case 'issued too long ago':
      return mint({ claims: { iat: nowSeconds - 7200, exp: nowSeconds + 600 } });
    case 'missing sub':
    case 'missing jti':
    case 'missing exp':
    case 'missing iat':
    case 'missing role':
    case 'missing org':
    case 'missing name':
      return mint({ claims: { [attack.slice('missing '.length)]: undefined } });
    case 'bad role':
      return mint({ claims: { role: 'superuser' } });
    case 'sub not a uuid':
      return mint({ claims: { sub: 'therapist@demo.test' } });
    case 'org not a uuid':
      return mint({ claims: { org: 42 } });
    case 'credential not in the list':
      return mint({ claims: { cred: 'Wizard' } });
    case 'not a JWT at all':
      return 'this-is-not-a-token';
  }
}

export interface JwksServer {
  url: string;
  /** Replaces the published key set (key rotation). */
  publish(jwks: JSONWebKeySet): void;
  /** How many times the key set was fetched. */
  fetches(): number;
  close(): Promise<void>;
}

/** Serves a JWKS on a loopback port chosen by the OS, like the auth service's endpoint. */
export async function serveJwks(initial: JSONWebKeySet): Promise<JwksServer> {
  let jwks = initial;
  let count = 0;
  const server = createServer((request, response) => {
    if (request.url !== '/.well-known/jwks.json') {
      response.writeHead(404).end();
      return;
    }
    count += 1;
    response.writeHead(200, { 'content-type': 'application/json' }).end(JSON.stringify(jwks));
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  return {
    url: `http://127.0.0.1:${port}/.well-known/jwks.json`,
    publish: (next) => (jwks = next),
    fetches: () => count,
    close: () =>
      new Promise((resolve, reject) => {
        server.closeAllConnections();
        server.close((error) => (error ? reject(error) : resolve()));
      }),
  };
}
