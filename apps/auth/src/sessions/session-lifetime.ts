import { AUTH_POLICY } from '../config/auth-config.js';
import type { RefreshToken } from './refresh-token.entity.js';
import type { SessionFamily } from './session-family.entity.js';

export type RefreshRefusal = 'reused' | 'revoked' | 'expired_absolute' | 'expired_idle';

/** Why a presented refresh token cannot be exchanged at `now`, or undefined when it can. */
export function refreshRefusal(token: RefreshToken, family: SessionFamily, now: Date): RefreshRefusal | undefined {
  if (token.usedAt) return 'reused';
  if (family.revokedAt) return 'revoked';
  if (family.absoluteExpiresAt.getTime() <= now.getTime()) return 'expired_absolute';
  if (token.expiresAt.getTime() <= now.getTime()) return 'expired_idle';
  return undefined;
}

/** A refresh token lives for the idle window, and never past its family's absolute expiry. */
export function refreshTokenExpiry(issuedAt: Date, absoluteExpiresAt: Date): Date {
  return new Date(Math.min(issuedAt.getTime() + AUTH_POLICY.refreshIdleSeconds * 1000, absoluteExpiresAt.getTime()));
}

export function familyAbsoluteExpiry(createdAt: Date): Date {
  return new Date(createdAt.getTime() + AUTH_POLICY.refreshAbsoluteSeconds * 1000);
}
