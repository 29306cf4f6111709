import { Injectable } from '@nestjs/common';
import { InjectDataSource } from '@nestjs/typeorm';
import type { DataSource } from 'typeorm';
import { DirectoryProvider } from './directory-provider.entity.js';

/** What verified token claims say about a provider: no email, no account status. */
export type ClaimedProvider = Pick<DirectoryProvider, 'id' | 'organisationId' | 'displayName' | 'role' | 'credential'>;

@Injectable()
export class DirectoryRepository {
  constructor(@InjectDataSource() private readonly dataSource: DataSource) {}

  /**
   * Stores what the auth service's directory said at `updatedAt` (when the page was asked for),
   * overwriting every field of a row not changed since: a disable that arrived while the page was
   * on its way is newer and stays.
   */
  async upsertFromSync(providers: DirectoryProvider[]): Promise<void> {
    if (providers.length === 0) return;
    const columns = ['id', 'organisation_id', 'email', 'display_name', 'role', 'credential', 'status', 'updated_at'];
    const values = providers.flatMap((p) => [
      p.id,
      p.organisationId,
      p.email,
      p.displayName,
      p.role,
      p.credential,
      p.status,
      p.updatedAt,
    ]);
    const rows = providers.map(
      (_, row) => `(${columns.map((__, column) => `$${row * columns.length + column + 1}`).join(', ')})`,
    );
    await this.dataSource.query(
      `INSERT INTO directory_providers (${columns.join(', ')}) VALUES ${rows.join(', ')}
       ON CONFLICT (id) DO UPDATE SET organisation_id = EXCLUDED.organisation_id, email = EXCLUDED.email,
         display_name = EXCLUDED.display_name, role = EXCLUDED.role, credential = EXCLUDED.credential,
         status = EXCLUDED.status, updated_at = EXCLUDED.updated_at
       WHERE directory_providers.updated_at <= EXCLUDED.updated_at`,
      values,
    );
  }

  /**
   * Stores what a verified token says. A token is only issued to an active account, so a new row
   * starts active; an existing row keeps the email and status the sync stored.
   */
  async upsertFromClaims(provider: ClaimedProvider, at: Date): Promise<void> {
    await this.dataSource.query(
      `INSERT INTO directory_providers (id, organisation_id, email, display_name, role, credential, status, updated_at)
       VALUES ($1, $2, NULL, $3, $4, $5, 'active', $6)
       ON CONFLICT (id) DO UPDATE SET organisation_id = EXCLUDED.organisation_id,
         display_name = EXCLUDED.display_name, role = EXCLUDED.role, credential = EXCLUDED.credential,
         updated_at = EXCLUDED.updated_at`,
      [provider.id, provider.organisationId, provider.displayName, provider.role, provider.credential, at],
    );
  }

  /** Marks providers disabled (an account-disabled event from the auth service). */
  async markDisabled(providerId: string, at: Date): Promise<void> {
    await this.dataSource.query(`UPDATE directory_providers SET status = 'disabled', updated_at = $2 WHERE id = $1`, [
      providerId,
      at,
    ]);
  }

  /** Whether the provider's account is marked disabled (false for one the directory does not know). */
  async isDisabled(providerId: string): Promise<boolean> {
    const rows = (await this.dataSource.query(
      `SELECT 1 FROM directory_providers WHERE id = $1 AND status = 'disabled'`,
      [providerId],
    )) as unknown[];
    return rows.length > 0;
  }

  /** Active providers of one organisation whose name or email contains `query`, by name. */
  search(organisationId: string, query: string | undefined, limit: number): Promise<DirectoryProvider[]> {
    const builder = this.dataSource
      .getRepository(DirectoryProvider)
      .createQueryBuilder('provider')
      .where('provider.organisationId = :organisationId', { organisationId })
      .andWhere(`provider.status = 'active'`)
      .orderBy('lower(provider.displayName)', 'ASC')
      .addOrderBy('provider.id', 'ASC')
      .limit(limit);
    if (query) {
      const pattern = `%${query.toLowerCase().replace(/[\\%_]/g, (character) => `\\${character}`)}%`;
      builder.andWhere(`(lower(provider.displayName) LIKE :pattern OR lower(provider.email) LIKE :pattern)`, {
        pattern,
      });
    }
    return builder.getMany();
  }

  /** The providers among `ids` that belong to `organisationId`. */
  findInOrganisation(organisationId: string, ids: readonly string[]): Promise<DirectoryProvider[]> {
    if (ids.length === 0) return Promise.resolve([]);
    return this.dataSource
      .getRepository(DirectoryProvider)
      .createQueryBuilder('provider')
      .where('provider.organisationId = :organisationId', { organisationId })
      .andWhere('provider.id IN (:...ids)', { ids: [...ids] })
      .getMany();
  }

  findByEmail(email: string): Promise<DirectoryProvider | null> {
    return this.dataSource.getRepository(DirectoryProvider).findOneBy({ email: email.toLowerCase() });
  }
}
