import { familyAbsoluteExpiry, refreshRefusal, refreshTokenExpiry } from './session-lifetime.js';
import type { RefreshToken } from './refresh-token.entity.js';
import type { SessionFamily } from './session-family.entity.js';

const start = new Date('2026-01-05T09:00:00Z');
const minutes = (n: number) => new Date(start.getTime() + n * 60_000);

function family(overrides: Partial<SessionFamily> = {}): SessionFamily {
  return {
    id: 'f',
    providerId: 'p',
    createdAt: start,
    absoluteExpiresAt: familyAbsoluteExpiry(start),
    revokedAt: null,
    revokedReason: null,
    ...overrides,
  };
}

function token(overrides: Partial<RefreshToken> = {}): RefreshToken {
  return {
    id: 't',
    familyId: 'f',
    tokenHash: 'h',
    issuedAt: start,
    expiresAt: refreshTokenExpiry(start, familyAbsoluteExpiry(start)),
    usedAt: null,
    ...overrides,
  };
}

describe('refresh token lifetime', () => {
  it('lives 30 minutes idle, inside a family of 12 hours', () => {
    expect(refreshTokenExpiry(start, familyAbsoluteExpiry(start))).toEqual(minutes(30));
    expect(familyAbsoluteExpiry(start)).toEqual(minutes(12 * 60));
    expect(refreshTokenExpiry(minutes(12 * 60 - 10), familyAbsoluteExpiry(start))).toEqual(minutes(12 * 60));
  });

  it('is usable until the idle expiry, then refused as idle', () => {
    expect(refreshRefusal(token(), family(), minutes(29))).toBeUndefined();
    expect(refreshRefusal(token(), family(), minutes(30))).toBe('expired_idle');
  });

  it('is refused past the absolute expiry even when freshly rotated', () => {
    const late = token({ issuedAt: minutes(12 * 60 - 5), expiresAt: minutes(12 * 60 + 25) });
    expect(refreshRefusal(late, family(), minutes(12 * 60))).toBe('expired_absolute');
  });

  it('treats a used token as reuse before anything else, and a revoked family as revoked', () => {
    expect(refreshRefusal(token({ usedAt: minutes(1) }), family({ revokedAt: minutes(2) }), minutes(3))).toBe('reused');
    expect(refreshRefusal(token(), family({ revokedAt: minutes(2) }), minutes(3))).toBe('revoked');
  });
});
