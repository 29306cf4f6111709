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

  findByTokenHash(tokenHash: string): Promise<MfaChallenge | null> {
    return this.challenges.findOneBy({ tokenHash });
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

  /** Counts a wrong code; returns the failures so far. */
  async recordFailure(id: string): Promise<number> {
    const rows: { failed_attempts: number }[] = await this.challenges.query(
      'UPDATE mfa_challenges SET failed_attempts = failed_attempts + 1 WHERE id = $1 RETURNING failed_attempts',
      [id],
    );
    return rows[0]?.failed_attempts ?? Number.MAX_SAFE_INTEGER;
  }
}
