import { randomUUID } from 'node:crypto';
import { Injectable } from '@nestjs/common';
import { Clock } from '@sharedcare/common';
import { AUTH_POLICY } from '../config/auth-config.js';
import { randomSecret, sha256Hex } from '../shared/secrets.js';
import { MfaChallengesRepository } from './mfa-challenges.repository.js';

export interface OpenChallenge {
  id: string;
  providerId: string;
}

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

  /**
   * Takes one attempt on the open challenge for `token` before its code is checked; undefined
   * when the token is unknown, spent, expired or has had its five attempts. The attempt that
   * succeeds spends the challenge (`consume`), so only wrong codes use up the five.
   */
  async claimAttempt(token: string): Promise<OpenChallenge | undefined> {
    const claimed = await this.challenges.claimAttempt(
      sha256Hex(token),
      this.clock.now(),
      AUTH_POLICY.mfaMaxFailedAttempts,
    );
    return claimed ?? undefined;
  }

  consume(challenge: OpenChallenge): Promise<boolean> {
    return this.challenges.consume(challenge.id, this.clock.now());
  }
}
