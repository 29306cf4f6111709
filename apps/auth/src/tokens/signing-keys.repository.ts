import { Injectable } from '@nestjs/common';
import { InjectDataSource, InjectRepository } from '@nestjs/typeorm';
import { type DataSource, IsNull, type Repository } from 'typeorm';
import { SigningKey } from './signing-key.entity.js';

@Injectable()
export class SigningKeysRepository {
  constructor(
    @InjectRepository(SigningKey) private readonly keys: Repository<SigningKey>,
    @InjectDataSource() private readonly dataSource: DataSource,
  ) {}

  /** The key that signs now: the newest one not yet superseded. */
  findSigning(): Promise<SigningKey | null> {
    return this.keys.findOne({ where: { supersededAt: IsNull() }, order: { createdAt: 'DESC' } });
  }

  /** Keys still published at `now`: the signing key and superseded ones not yet retired. */
  async findPublished(now: Date): Promise<SigningKey[]> {
    return this.keys
      .createQueryBuilder('key')
      .where('key.retire_at IS NULL OR key.retire_at > :now', { now })
      .orderBy('key.created_at', 'DESC')
      .getMany();
  }

  async findPublishedByKid(kid: string, now: Date): Promise<SigningKey | null> {
    return this.keys
      .createQueryBuilder('key')
      .where('key.kid = :kid AND (key.retire_at IS NULL OR key.retire_at > :now)', { kid, now })
      .getOne();
  }

  async insertFirst(key: SigningKey): Promise<void> {
    await this.keys.insert(key);
  }

  /** In one transaction: every signing key is superseded (published until `retireAt`), `key` signs. */
  async rotate(key: SigningKey, now: Date, retireAt: Date): Promise<string[]> {
    return this.dataSource.transaction(async (manager) => {
      const current = await manager.find(SigningKey, { where: { supersededAt: IsNull() } });
      await manager.update(SigningKey, { supersededAt: IsNull() }, { supersededAt: now, retireAt });
      await manager.insert(SigningKey, key);
      return current.map((old) => old.kid);
    });
  }
}
