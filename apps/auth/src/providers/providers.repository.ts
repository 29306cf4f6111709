import { randomUUID } from 'node:crypto';
import { Injectable } from '@nestjs/common';
import { InjectDataSource, InjectRepository } from '@nestjs/typeorm';
import { type DataSource, IsNull, MoreThan, type Repository } from 'typeorm';
import { Invite } from '../invites/invite.entity.js';
import { Organisation } from './organisation.entity.js';
import { Provider } from './provider.entity.js';

export type NewProvider = Omit<
  Provider,
  'organisation' | 'mfaEnabled' | 'mfaSecretSealed' | 'mfaPendingSecretSealed' | 'mfaLastTimeStep' | 'disabledAt'
>;

/** What the internal directory shows of a provider: no hashes, secrets, NPI or licence. */
export type DirectoryProvider = Pick<
  Provider,
  'id' | 'organisationId' | 'email' | 'displayName' | 'role' | 'credential' | 'disabledAt'
>;

export type CreateFromInviteResult = 'created' | 'invite_unavailable' | 'email_taken';

const UNIQUE_VIOLATION = '23505';

function isUniqueViolation(error: unknown): boolean {
  return (error as { driverError?: { code?: string } }).driverError?.code === UNIQUE_VIOLATION;
}

@Injectable()
export class ProvidersRepository {
  constructor(
    @InjectRepository(Provider) private readonly providers: Repository<Provider>,
    @InjectRepository(Organisation) private readonly organisations: Repository<Organisation>,
    @InjectDataSource() private readonly dataSource: DataSource,
  ) {}

  findById(id: string): Promise<Provider | null> {
    return this.providers.findOneBy({ id });
  }

  findByEmail(email: string): Promise<Provider | null> {
    return this.providers.findOneBy({ email });
  }

  async emailExists(email: string): Promise<boolean> {
    return this.providers.existsBy({ email });
  }

  async findOrCreateOrganisation(name: string, now: Date): Promise<Organisation> {
    await this.organisations
      .createQueryBuilder()
      .insert()
      .values({ id: randomUUID(), name, createdAt: now })
      .orIgnore()
      .execute();
    return this.organisations.findOneByOrFail({ name });
  }

  /** Inserts unless the email is taken; false when it is. */
  async create(provider: NewProvider): Promise<boolean> {
    try {
      await this.providers.insert({ ...provider, mfaEnabled: false });
      return true;
    } catch (error) {
      if (isUniqueViolation(error)) return false;
      throw error;
    }
  }

  /**
   * Claims the invite (still unused and unexpired at `now`) and creates the provider in one
   * transaction, so an invite admits exactly one account even under concurrent registrations.
   */
  async createFromInvite(inviteId: string, provider: NewProvider, now: Date): Promise<CreateFromInviteResult> {
    try {
      return await this.dataSource.transaction(async (manager) => {
        const claimed = await manager
          .createQueryBuilder()
          .update(Invite)
          .set({ usedAt: now, usedBy: provider.id })
          .where('id = :inviteId AND used_at IS NULL AND expires_at > :now', { inviteId, now })
          .execute();
        if (claimed.affected !== 1) return 'invite_unavailable';
        await manager.insert(Provider, { ...provider, mfaEnabled: false });
        return 'created';
      });
    } catch (error) {
      if (isUniqueViolation(error)) return 'email_taken';
      throw error;
    }
  }

  async setPendingMfaSecret(id: string, sealed: string): Promise<void> {
    await this.providers.update({ id }, { mfaPendingSecretSealed: sealed });
  }

  /**
   * Turns MFA on with the pending secret, if that secret is still the pending one (a newer
   * enroll replaces it), recording the time step of the code that confirmed it.
   */
  async confirmMfa(id: string, pendingSealed: string, timeStep: number): Promise<boolean> {
    const result = await this.providers
      .createQueryBuilder()
      .update()
      .set({
        mfaEnabled: true,
        mfaSecretSealed: pendingSealed,
        mfaPendingSecretSealed: null,
        mfaLastTimeStep: timeStep,
      })
      .where('id = :id AND mfa_pending_secret_sealed = :pendingSealed', { id, pendingSealed })
      .execute();
    return result.affected === 1;
  }

  /** Records `timeStep` as used unless it (or a later one) already was: the replay guard, in SQL. */
  async claimMfaTimeStep(id: string, timeStep: number): Promise<boolean> {
    const result = await this.providers
      .createQueryBuilder()
      .update()
      .set({ mfaLastTimeStep: timeStep })
      .where('id = :id AND (mfa_last_time_step IS NULL OR mfa_last_time_step < :timeStep)', { id, timeStep })
      .execute();
    return result.affected === 1;
  }

  /** Providers of every organisation with an id after `after`, in id order (the primary key's). */
  listDirectory(after: string | undefined, limit: number): Promise<DirectoryProvider[]> {
    return this.providers.find({
      select: {
        id: true,
        organisationId: true,
        email: true,
        displayName: true,
        role: true,
        credential: true,
        disabledAt: true,
      },
      where: after === undefined ? {} : { id: MoreThan(after) },
      order: { id: 'ASC' },
      take: limit,
    });
  }

  async disable(id: string, now: Date): Promise<void> {
    await this.providers.update({ id, disabledAt: IsNull() }, { disabledAt: now });
  }
}
