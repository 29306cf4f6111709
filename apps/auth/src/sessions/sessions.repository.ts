import { Injectable } from '@nestjs/common';
import { InjectDataSource, InjectRepository } from '@nestjs/typeorm';
import { type DataSource, IsNull, type Repository } from 'typeorm';
import { RefreshToken } from './refresh-token.entity.js';
import { SessionFamily } from './session-family.entity.js';

type NewToken = Omit<RefreshToken, 'family'>;
type NewFamily = Omit<SessionFamily, 'provider'>;

@Injectable()
export class SessionsRepository {
  constructor(
    @InjectRepository(SessionFamily) private readonly families: Repository<SessionFamily>,
    @InjectRepository(RefreshToken) private readonly tokens: Repository<RefreshToken>,
    @InjectDataSource() private readonly dataSource: DataSource,
  ) {}

  async start(family: NewFamily, token: NewToken): Promise<void> {
    await this.dataSource.transaction(async (manager) => {
      await manager.insert(SessionFamily, family);
      await manager.insert(RefreshToken, token);
    });
  }

  async findToken(tokenHash: string): Promise<{ token: RefreshToken; family: SessionFamily } | null> {
    const token = await this.tokens.findOne({ where: { tokenHash }, relations: { family: true } });
    if (!token?.family) return null;
    const { family, ...rest } = token;
    return { token: rest as RefreshToken, family };
  }

  findFamily(id: string): Promise<SessionFamily | null> {
    return this.families.findOneBy({ id });
  }

  /**
   * Marks `usedTokenId` used, if nobody has yet, and stores its successor, in one transaction.
   * False when the token was already used: the caller is replaying it.
   */
  async rotate(usedTokenId: string, successor: NewToken, now: Date): Promise<boolean> {
    return this.dataSource.transaction(async (manager) => {
      const claimed = await manager
        .createQueryBuilder()
        .update(RefreshToken)
        .set({ usedAt: now })
        .where('id = :id AND used_at IS NULL', { id: usedTokenId })
        .execute();
      if (claimed.affected !== 1) return false;
      await manager.insert(RefreshToken, successor);
      return true;
    });
  }

  /** True when this call revoked it (it was live). */
  async revokeFamily(id: string, now: Date, reason: string): Promise<boolean> {
    const result = await this.families.update({ id, revokedAt: IsNull() }, { revokedAt: now, revokedReason: reason });
    return result.affected === 1;
  }

  /**
   * Revokes every live family of the provider, and answers the ids of those that may still hold an
   * access token issued after `tokensSince`: revoked now or since then, and not past their absolute
   * expiry before it (nothing refreshes after that). One statement, so a family a concurrent
   * refresh is still rotating is among those revoked here, and listed.
   */
  async endAllForProvider(providerId: string, now: Date, reason: string, tokensSince: Date): Promise<string[]> {
    const rows = (await this.dataSource.query(
      `WITH revoked AS (
         UPDATE session_families SET revoked_at = $2, revoked_reason = $3
          WHERE provider_id = $1 AND revoked_at IS NULL
         RETURNING id, absolute_expires_at
       )
       SELECT id FROM revoked WHERE absolute_expires_at > $4
       UNION
       SELECT id FROM session_families
        WHERE provider_id = $1 AND revoked_at > $4 AND absolute_expires_at > $4`,
      [providerId, now, reason, tokensSince],
    )) as { id: string }[];
    return rows.map((row) => row.id);
  }
}
