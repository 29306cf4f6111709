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

  /** Revokes every live family of the provider; returns how many. */
  async revokeAllForProvider(providerId: string, now: Date, reason: string): Promise<number> {
    const result = await this.families.update(
      { providerId, revokedAt: IsNull() },
      { revokedAt: now, revokedReason: reason },
    );
    return result.affected ?? 0;
  }
}
