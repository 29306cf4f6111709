import { randomUUID } from 'node:crypto';
import { Injectable } from '@nestjs/common';
import { Clock } from '@sharedcare/common';
import { AUTH_POLICY } from '../config/auth-config.js';
import { randomSecret, sha256Hex } from '../shared/secrets.js';
import type { MfaChallenge } from './mfa-challenge.entity.js';
import { MfaChallengesRepository } from './mfa-challenges.repository.js';

/**
 * The mfaToken between a correct password and a correct code: opaque, looked up only here (so
 * it is good for nothing else), five minutes, single use, and dead after five wrong codes.
 */
@Injectable()
export class MfaChallengeService {
  constructor(
    private readonly challenges: MfaChallengesRepository,
    private readonly clock: Clock,
  ) {}

  async start(providerId: string): Promise<string> {
    const now = this.clock.now();
    const token = randomSecret();
    await this.challenges.create({
      id: randomUUID(),
      providerId,
      tokenHash: sha256Hex(token),
      createdAt: now,
      expiresAt: new Date(now.getTime() + AUTH_POLICY.mfaTokenTtlSeconds * 1000),
      usedAt: null,
      failedAttempts: 0,
    });
    return token;
  }

  /** The open challenge for `token`, or undefined when unknown, spent, expired or worn out. */
  async find(token: string): Promise<MfaChallenge | undefined> {
    const challenge = await this.challenges.findByTokenHash(sha256Hex(token));
    if (!challenge || challenge.usedAt) return undefined;
    if (challenge.expiresAt.getTime() <= this.clock.now().getTime()) return undefined;
    if (challenge.failedAttempts >= AUTH_POLICY.mfaMaxFailedAttempts) return undefined;
    return challenge;
  }

  consume(challenge: MfaChallenge): Promise<boolean> {
    return this.challenges.consume(challenge.id, this.clock.now());
  }

  async recordFailure(challenge: MfaChallenge): Promise<void> {
    await this.challenges.recordFailure(challenge.id);
  }
}
