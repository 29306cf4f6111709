import { randomUUID } from 'node:crypto';
import { FixedClock } from '@sharedcare/common';
import { EndedSessions } from './ended-sessions.js';

describe('EndedSessions', () => {
  const start = new Date('2026-01-05T09:00:00.400Z');
  const retainSeconds = 965;
  let clock: FixedClock;
  let ended: EndedSessions;
  const provider = randomUUID();

  beforeEach(() => {
    clock = new FixedClock(start);
    ended = new EndedSessions({ clock, retainSeconds });
  });

  /** A token of `sessionId`, issued at `issuedAt` (whole seconds, as `iat` is). */
  const token = (sessionId: string, issuedAt = start, providerId = provider) => ({
    providerId,
    sessionId,
    issuedAt: new Date(Math.floor(issuedAt.getTime() / 1000) * 1000),
  });

  it('refuses every token of a listed session, also one issued in the same second as the end', () => {
    const [phone, laptop] = [randomUUID(), randomUUID()];
    ended.end({ providerId: provider, sessionIds: [phone, laptop], at: start });
    expect(ended.refuses(token(phone))).toBe(true);
    expect(ended.refuses(token(laptop, new Date(start.getTime() - 300_000)))).toBe(true);
  });

  it('lets a session started after the end through, even in the same second', () => {
    const old = randomUUID();
    ended.end({ providerId: provider, sessionIds: [old], at: start });
    const fresh = randomUUID();
    // Same `iat` second as the end: only the session tells them apart.
    expect(Math.floor(token(fresh).issuedAt.getTime() / 1000)).toBe(Math.floor(start.getTime() / 1000));
    expect(ended.refuses(token(fresh))).toBe(false);
  });

  it('refuses nothing of another provider, even with the same session id', () => {
    const session = randomUUID();
    ended.end({ providerId: provider, sessionIds: [session], at: start });
    expect(ended.refuses(token(session, start, randomUUID()))).toBe(false);
    // Provider ids compare without regard to case, as the verifier lowers them.
    ended.end({ providerId: provider.toUpperCase(), sessionIds: [session], at: start });
    expect(ended.refuses(token(session))).toBe(true);
  });

  it('without a list, refuses every token the provider was issued up to the second of the end, none after', () => {
    ended.end({ providerId: provider, at: start });
    expect(ended.refuses(token(randomUUID(), new Date(start.getTime() - 60_000)))).toBe(true);
    // iat has one-second resolution: the end's own second cannot be split, so it is refused.
    expect(ended.refuses(token(randomUUID(), start))).toBe(true);
    expect(ended.refuses(token(randomUUID(), new Date(start.getTime() + 1_000)))).toBe(false);
    expect(ended.refuses(token(randomUUID(), start, randomUUID()))).toBe(false);
  });

  it('keeps the later of two unlisted ends', () => {
    const later = new Date(start.getTime() + 5_000);
    ended.end({ providerId: provider, at: later });
    ended.end({ providerId: provider, at: start });
    expect(ended.refuses(token(randomUUID(), later))).toBe(true);
  });

  it('forgets an end once no token it covers can pass verification, and ignores one already that old', () => {
    const session = randomUUID();
    ended.end({ providerId: provider, sessionIds: [session], at: start });
    ended.end({ providerId: randomUUID(), at: start });
    expect(ended.size).toBe(2);
    clock.advance(retainSeconds * 1000 - 1);
    ended.end({ providerId: randomUUID(), sessionIds: [], at: clock.now() });
    expect(ended.size).toBe(2);
    expect(ended.refuses(token(session))).toBe(true);
    clock.advance(1);
    ended.end({ providerId: randomUUID(), sessionIds: [], at: clock.now() });
    expect(ended.size).toBe(0);
    // Replayed from a feed after it stopped mattering: nothing to keep.
    ended.end({ providerId: provider, sessionIds: [session], at: start });
    expect(ended.size).toBe(0);
  });

  it('a repeated end (Redis and the feed both deliver it) is kept once', () => {
    const session = randomUUID();
    for (let i = 0; i < 3; i++) ended.end({ providerId: provider, sessionIds: [session], at: start });
    expect(ended.size).toBe(1);
  });
});
