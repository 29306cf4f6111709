import type { Role } from './roles.js';

/** The verified caller: what a valid access token says, and nothing a client can change. */
export interface AuthContext {
  providerId: string;
  organisationId: string;
  role: Role;
  displayName: string;
  credential: string;
  sessionId: string;
  tokenId: string;
  /** The token's `iat`. */
  issuedAt: Date;
  expiresAt: Date;
  /**
   * Where the call came from, for the audit trail: set by the guard (REST, `req.ip` under the
   * TRUST_PROXY setting) or the handshake middleware (socket), never by the token.
   */
  origin?: RequestOrigin;
}

export interface RequestOrigin {
  ip: string;
  userAgent: string | null;
}

const USER_AGENT_MAX = 512;

export function requestOrigin(ip: string | undefined, userAgent: unknown): RequestOrigin {
  return {
    ip: ip && ip.length <= 64 ? ip : 'unknown',
    userAgent: typeof userAgent === 'string' && userAgent.length > 0 ? userAgent.slice(0, USER_AGENT_MAX) : null,
  };
}
