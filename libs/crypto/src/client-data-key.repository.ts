import { Injectable } from '@nestjs/common';
import { concurrentBatches, eachApart, GroupCommit, preparedQuery } from '@sharedcare/common';
import { DataSource, IsNull, MoreThan, Not } from 'typeorm';
import { ClientDataKey } from './client-data-key.entity.js';

/** Whether a client's key row exists, and whether it has been destroyed. */
export type ClientDataKeyState = 'live' | 'destroyed' | 'missing';

/** Clients whose keys are looked at by one query at most; more wait for the next. */
const MAX_LOOKS = 256;

/** SQL for wrapped client data keys; the only code that touches TypeORM for them (CONVENTIONS 9). */
@Injectable()
export class ClientDataKeyRepository {
  private readonly looks: GroupCommit<string, ClientDataKeyState>;

  constructor(private readonly dataSource: DataSource) {
    this.looks = new GroupCommit(
      (clientIds) => eachApart(clientIds, (some) => this.statesOf(some)),
      MAX_LOOKS,
      concurrentBatches(dataSource),
    );
  }

  async find(clientId: string): Promise<ClientDataKey | null> {
    return this.dataSource.getRepository(ClientDataKey).findOneBy({ clientId });
  }

  /**
   * The cheapest look at a key: a primary-key lookup of one column, no key material. Looks asked
   * while others are being answered go to the database together, as access decisions do.
   */
  state(clientId: string): Promise<ClientDataKeyState> {
    return this.looks.submit(clientId);
  }

  private async statesOf(clientIds: string[]): Promise<ClientDataKeyState[]> {
    const rows = await preparedQuery<{ client_id: string; destroyed: boolean }>(
      this.dataSource,
      `SELECT "client_id", "destroyed_at" IS NOT NULL AS "destroyed" FROM "client_data_keys" WHERE "client_id" = ANY($1::uuid[])`,
      [[...new Set(clientIds)]],
    );
    const destroyed = new Map(rows.map((row) => [row.client_id, row.destroyed]));
    return clientIds.map((clientId) => {
      const found = destroyed.get(clientId.toLowerCase());
      return found === undefined ? 'missing' : found ? 'destroyed' : 'live';
    });
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
