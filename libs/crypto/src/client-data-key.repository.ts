import { Injectable } from '@nestjs/common';
import { DataSource } from 'typeorm';
import { ClientDataKey } from './client-data-key.entity.js';

/** SQL for wrapped client data keys; the only code that touches TypeORM for them (CONVENTIONS 9). */
@Injectable()
export class ClientDataKeyRepository {
  constructor(private readonly dataSource: DataSource) {}

  async find(clientId: string): Promise<ClientDataKey | null> {
    return this.dataSource.getRepository(ClientDataKey).findOneBy({ clientId });
  }

  /**
   * Inserts `key` unless the client already has one (the primary key decides, in SQL), and
   * returns the row that is stored: `key` itself, or the one another writer got in first.
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
}
