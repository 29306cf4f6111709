import { Injectable } from '@nestjs/common';
import { InjectRepository } from '@nestjs/typeorm';
import type { Repository } from 'typeorm';
import { MfaChallenge } from './mfa-challenge.entity.js';

@Injectable()
export class MfaChallengesRepository {
  constructor(@InjectRepository(MfaChallenge) private readonly challenges: Repository<MfaChallenge>) {}

  async create(challenge: Omit<MfaChallenge, 'provider'>): Promise<void> {
    await this.challenges.insert(challenge);
  }

  /** Spends the challenge if it is still unused and unexpired at `now`; true when this call did. */
  async consume(id: string, now: Date): Promise<boolean> {
    const result = await this.challenges
      .createQueryBuilder()
      .update()
      .set({ usedAt: now })
      .where('id = :id AND used_at IS NULL AND expires_at > :now', { id, now })
      .execute();
    return result.affected === 1;
  }

  /**
   * Takes one of the challenge's attempts before its code is checked, in one statement, so a
   * burst of parallel guesses cannot all pass the check; null when the challenge is unknown,
   * spent, expired at `now` or out of attempts.
   */
  async claimAttempt(
    tokenHash: string,
    now: Date,
    maxAttempts: number,
  ): Promise<{ id: string; providerId: string } | null> {
    const result = await this.challenges
      .createQueryBuilder()
      .update()
      .set({ failedAttempts: () => 'failed_attempts + 1' })
      .where('token_hash = :tokenHash AND used_at IS NULL AND expires_at > :now AND failed_attempts < :maxAttempts', {
        tokenHash,
        now,
        maxAttempts,
      })
      .returning('id, provider_id')
      .execute();
    const rows = result.raw as { id: string; provider_id: string }[];
    return rows.length === 1 ? { id: rows[0].id, providerId: rows[0].provider_id } : null;
  }
}
