import { Injectable } from '@nestjs/common';
import { preparedQuery } from '@sharedcare/common';
import { DataSource, IsNull, MoreThan, Not } from 'typeorm';
import { ClientDataKey } from './client-data-key.entity.js';

/** Whether a client's key row exists, and whether it has been destroyed. */
export type ClientDataKeyState = 'live' | 'destroyed' | 'missing';

/** SQL for wrapped client data keys; the only code that touches TypeORM for them (CONVENTIONS 9). */
@Injectable()
export class ClientDataKeyRepository {
  constructor(private readonly dataSource: DataSource) {}

  async find(clientId: string): Promise<ClientDataKey | null> {
    return this.dataSource.getRepository(ClientDataKey).findOneBy({ clientId });
  }

  /** The cheapest look at a key: one primary-key lookup of one column, no key material. */
  async state(clientId: string): Promise<ClientDataKeyState> {
    const rows = await preparedQuery<{ destroyed: boolean }>(
      this.dataSource,
      `SELECT "destroyed_at" IS NOT NULL AS "destroyed" FROM "client_data_keys" WHERE "client_id" = $1`,
      [clientId],
    );
    if (rows.length === 0) return 'missing';
    return rows[0].destroyed ? 'destroyed' : 'live';
  }

  /**
   * Inserts `key` unless the client already has one (the primary key decides, in SQL), and
   * returns the row that is stored: `key` itself, or the one another writer got in first (which
   * may be a destroyed key's tombstone).
   */
  async insertOrKeepExisting(key: ClientDataKey): Promise<{ stored: ClientDataKey; inserted: boolean }> {
    const inserted = (await this.dataSource.query(
      `INSERT INTO "client_data_keys" ("client_id", "key_version", "master_key_id", "wrapped_key", "created_at")
       VALUES ($1, $2, $3, $4, $5)
       ON CONFLICT ("client_id") DO NOTHING
       RETURNING "client_id"`,
      [key.clientId, key.keyVersion, key.masterKeyId, key.wrappedKey, key.createdAt],
    )) as unknown[];
    if (inserted.length > 0) return { stored: key, inserted: true };
    const stored = await this.find(key.clientId);
    if (!stored) throw new Error('client data key vanished after a conflicting insert');
    return { stored, inserted: false };
  }

  /**
   * Drops the client's wrapped key and marks it destroyed at `at`; a client with no key yet gets
   * a tombstone, so no key can be made for it later. Destroying again keeps the first time.
   * Returns when the key was destroyed.
   */
  async destroy(clientId: string, at: Date, tombstone: { keyVersion: number; masterKeyId: string }): Promise<Date> {
    const rows = (await this.dataSource.query(
      `INSERT INTO "client_data_keys" ("client_id", "key_version", "master_key_id", "wrapped_key", "created_at", "destroyed_at")
       VALUES ($1, $2, $3, NULL, $4, $4)
       ON CONFLICT ("client_id") DO UPDATE
         SET "wrapped_key" = NULL,
             "destroyed_at" = COALESCE("client_data_keys"."destroyed_at", EXCLUDED."destroyed_at")
       RETURNING "destroyed_at"`,
      [clientId, tombstone.keyVersion, tombstone.masterKeyId, at],
    )) as { destroyed_at: Date }[];
    return new Date(rows[0].destroyed_at);
  }

  /**
   * Up to `limit` live keys wrapped under any master key but `masterKeyId`, in client id order
   * after `afterClientId`: a rotation pages through with this, so keys it cannot open are passed
   * over instead of fetched again.
   */
  async findWrappedUnderOtherKeys(
    masterKeyId: string,
    afterClientId: string | null,
    limit: number,
  ): Promise<ClientDataKey[]> {
    return this.dataSource.getRepository(ClientDataKey).find({
      where: {
        masterKeyId: Not(masterKeyId),
        wrappedKey: Not(IsNull()),
        ...(afterClientId === null ? {} : { clientId: MoreThan(afterClientId) }),
      },
      order: { clientId: 'ASC' },
      take: limit,
    });
  }

  /** How many live keys are wrapped under `masterKeyId`. */
  async countWrappedUnder(masterKeyId: string): Promise<number> {
    return this.dataSource.getRepository(ClientDataKey).countBy({ masterKeyId, wrappedKey: Not(IsNull()) });
  }

  /**
   * Replaces a key's wrapping only if it is still live and still under `fromMasterKeyId` (an
   * optimistic check in SQL, CONVENTIONS 11): a concurrent rotation that got there first, or a
   * destruction, wins, and this returns false. Without the liveness check a rotation racing a
   * destruction would write the key back.
   */
  async replaceWrapping(
    clientId: string,
    fromMasterKeyId: string,
    to: { masterKeyId: string; wrappedKey: string },
  ): Promise<boolean> {
    const result = await this.dataSource
      .createQueryBuilder()
      .update(ClientDataKey)
      .set({ masterKeyId: to.masterKeyId, wrappedKey: to.wrappedKey })
      .where(`"client_id" = :clientId AND "master_key_id" = :from AND "wrapped_key" IS NOT NULL`, {
        clientId,
        from: fromMasterKeyId,
      })
      .execute();
    return result.affected === 1;
  }
}
