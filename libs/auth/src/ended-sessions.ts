import { type Clock, SystemClock } from '@sharedcare/common';
import type { AuthContext } from './auth-context.js';

/** The auth service ended some of a provider's sessions (logout-all, account disabled). */
export interface SessionEnd {
  providerId: string;
  /**
   * The sessions (`sid`) that ended: every one that may still hold a live access token. Absent
   * when the auth service did not list them (an event from before it did).
   */
  sessionIds?: readonly string[];
  at: Date;
}

export interface EndedSessionsOptions {
  clock?: Clock;
  /**
   * How long an end is kept: the longest a token issued before it is accepted anyway (its age
   * limit and clock tolerance), so an entry is forgotten only once the verifier refuses its tokens.
   */
  retainSeconds: number;
}

/**
 * Sessions the auth service has ended, held in memory by every process that verifies tokens, so
 * that a token from one is refused at once (a map lookup per request) instead of when it expires.
 * Each process fills its own from the events it receives; entries go once no token they cover can
 * still pass verification.
 */
export class EndedSessions {
  private readonly clock: Clock;
  /** How far back an end can matter: what a process that starts must learn of. */
  readonly retainSeconds: number;
  private readonly retainMs: number;
  /** `<providerId> <sid>` → when to forget it (epoch ms). */
  private readonly sessions = new Map<string, number>();
  /** For an end that lists no sessions: every token the provider was issued up to that second. */
  private readonly issuedUpTo = new Map<string, { seconds: number; forgetAt: number }>();

  constructor(options: EndedSessionsOptions) {
    this.clock = options.clock ?? new SystemClock();
    this.retainSeconds = options.retainSeconds;
    this.retainMs = options.retainSeconds * 1000;
  }

  end(end: SessionEnd): void {
    const now = this.clock.now().getTime();
    this.forgetBefore(now);
    const forgetAt = end.at.getTime() + this.retainMs;
    if (forgetAt <= now) return;
    if (end.sessionIds) {
      for (const sessionId of end.sessionIds) {
        const key = keyOf(end.providerId, sessionId);
        this.sessions.set(key, Math.max(forgetAt, this.sessions.get(key) ?? 0));
      }
      return;
    }
    // `iat` has one-second resolution: a token of that second may predate the end, so it goes too
    // (and with it a login in the same second after it, which the listed form avoids).
    const seconds = Math.floor(end.at.getTime() / 1000);
    const known = this.issuedUpTo.get(end.providerId);
    if (!known || known.seconds < seconds) this.issuedUpTo.set(end.providerId, { seconds, forgetAt });
  }

  /** Whether the token behind `auth` belongs to an ended session. */
  refuses(auth: Pick<AuthContext, 'providerId' | 'sessionId' | 'issuedAt'>): boolean {
    if (this.sessions.has(keyOf(auth.providerId, auth.sessionId))) return true;
    const cutOff = this.issuedUpTo.get(auth.providerId);
    return !!cutOff && Math.floor(auth.issuedAt.getTime() / 1000) <= cutOff.seconds;
  }

  /** How many ends are held (for tests and metrics). */
  get size(): number {
    return this.sessions.size + this.issuedUpTo.size;
  }

  private forgetBefore(now: number): void {
    for (const [key, forgetAt] of this.sessions) if (forgetAt <= now) this.sessions.delete(key);
    for (const [key, { forgetAt }] of this.issuedUpTo) if (forgetAt <= now) this.issuedUpTo.delete(key);
  }
}

// Keyed by provider too: a `sid` only means something together with the `sub` it was issued to.
function keyOf(providerId: string, sessionId: string): string {
  return `${providerId.toLowerCase()} ${sessionId}`;
}
