import { randomBytes, randomUUID } from 'node:crypto';
import { jest } from '@jest/globals';
import { concurrentBatches, FixedClock } from '@sharedcare/common';
import {
  type ClientDataKey,
  ClientDataKeyRepository,
  ClientKeyDestroyedError,
  ClientKeyring,
  MasterKey,
  SealError,
} from '@sharedcare/crypto';
import pg from 'pg';
import { createTestDatabase, type TestDatabase } from '../../../../test/support/test-database.js';
import { ClientDataKeyDestruction1795790000000 } from '../database/migrations/1795790000000-client-data-key-destruction.js';
import { gatewayEntities, gatewayMigrations } from '../database/schema.js';

/** Crypto-shredding (ClientKeyring.destroyClientKey) with the real repository on the gateway's migrated database. */
describe('ClientKeyring.destroyClientKey (on the gateway database)', () => {
  let db: TestDatabase;
  let repository: ClientDataKeyRepository;
  const masterKey = new MasterKey(randomBytes(32));
  const clock = new FixedClock();
  const context = 'message.body:0b7d3e4a-3333-4000-8000-000000000003';
  const newKeyring = () => new ClientKeyring(repository, masterKey, clock);

  beforeAll(async () => {
    db = await createTestDatabase('gateway', gatewayEntities, gatewayMigrations);
    repository = new ClientDataKeyRepository(db.dataSource);
  });
  afterAll(async () => {
    await db?.stop();
  });

  it('looks at many keys at once in fewer queries, each client answered with its own state', async () => {
    const keyring = newKeyring();
    const live = [randomUUID(), randomUUID(), randomUUID()];
    const destroyed = randomUUID();
    for (const clientId of [...live, destroyed]) await keyring.encryptForClient(clientId, 'Seen at intake', context);
    await keyring.destroyClientKey(destroyed);
    const missing = randomUUID();
    const asked = [...live, destroyed, missing, live[0].toUpperCase()];
    const expected = ['live', 'live', 'live', 'destroyed', 'missing', 'live'];

    const query = jest.spyOn(pg.Client.prototype, 'query');
    try {
      const together = await Promise.all([...asked, ...asked].map((clientId) => repository.state(clientId)));
      expect(together).toEqual([...expected, ...expected]);
      const looks = query.mock.calls.filter(([statement]) =>
        String(typeof statement === 'string' ? statement : (statement as { text: string }).text).includes(
          'FROM "client_data_keys" WHERE "client_id" = ANY',
        ),
      );
      // The first looks go at once, one per batch the pool may run; the rest wait and go together.
      expect(looks.length).toBeGreaterThan(0);
      expect(looks.length).toBeLessThanOrEqual(concurrentBatches(db.dataSource) + 1);
    } finally {
      query.mockRestore();
    }
    // A malformed id asked together with others (after the first looks, which go at once) fails alone.
    const outcomes = await Promise.allSettled(
      [...asked.slice(0, 3), 'not-a-uuid', ...asked.slice(3)].map((id) => repository.state(id)),
    );
    expect(outcomes.map((outcome) => (outcome.status === 'fulfilled' ? outcome.value : 'rejected'))).toEqual([
      ...expected.slice(0, 3),
      'rejected',
      ...expected.slice(3),
    ]);
  });

  it('makes old values unreadable and refuses new ones, for good, and leaves other clients readable', async () => {
    const keyring = newKeyring();
    const [shredded, other] = [randomUUID(), randomUUID()];
    const sealed = await keyring.encryptForClient(shredded, 'Disclosed at intake', context);
    const otherSealed = await keyring.encryptForClient(other, 'Another client entirely', context);
    const wrapped = (await repository.find(shredded))?.wrappedKey as string;

    const destroyedAt = await keyring.destroyClientKey(shredded);
    expect(destroyedAt).toEqual(clock.now());
    await expect(keyring.decryptForClient(shredded, sealed, context)).rejects.toThrow(ClientKeyDestroyedError);
    await expect(keyring.encryptForClient(shredded, 'later', context)).rejects.toThrow(ClientKeyDestroyedError);

    // Persisted: a new keyring (another process, a restart) refuses too, and makes no new key.
    const restarted = newKeyring();
    await expect(restarted.decryptForClient(shredded, sealed, context)).rejects.toThrow(ClientKeyDestroyedError);
    await expect(restarted.encryptForClient(shredded, 'later', context)).rejects.toThrow(ClientKeyDestroyedError);
    const rows = (await db.dataSource.query(
      `SELECT wrapped_key, destroyed_at, count(*) OVER ()::int AS n FROM client_data_keys WHERE client_id = $1`,
      [shredded],
    )) as { wrapped_key: string | null; destroyed_at: Date; n: number }[];
    expect(rows).toEqual([{ wrapped_key: null, destroyed_at: destroyedAt, n: 1 }]);
    // The wrapped key is gone from every live row, not moved.
    const left = await db.dataSource.query(`SELECT count(*)::int AS n FROM client_data_keys WHERE wrapped_key = $1`, [
      wrapped,
    ]);
    expect(left[0].n).toBe(0);

    for (const reader of [keyring, restarted]) {
      expect(await reader.decryptTextForClient(other, otherSealed, context)).toBe('Another client entirely');
    }
    expect(await restarted.encryptForClient(other, 'still fine', context)).toMatch(/^c1\./);
  });

  it('leaves a tombstone for a client that never had a key, so none is made later', async () => {
    const clientId = randomUUID();
    const first = await newKeyring().destroyClientKey(clientId);
    clock.advance(60_000);
    expect(await newKeyring().destroyClientKey(clientId)).toEqual(first);
    await expect(newKeyring().encryptForClient(clientId, 'x', context)).rejects.toThrow(ClientKeyDestroyedError);
    expect(await repository.find(clientId)).toMatchObject({ wrappedKey: null, destroyedAt: first });
  });

  it('is noticed by a keyring that has the key cached, within destructionCheckMilliseconds', async () => {
    const clientId = randomUUID();
    const elsewhere = new ClientKeyring(repository, masterKey, clock, { destructionCheckMilliseconds: 5_000 });
    const sealed = await elsewhere.encryptForClient(clientId, 'x', context);
    await newKeyring().destroyClientKey(clientId);
    expect(await elsewhere.decryptTextForClient(clientId, sealed, context)).toBe('x');
    clock.advance(5_000);
    await expect(elsewhere.decryptForClient(clientId, sealed, context)).rejects.toThrow(ClientKeyDestroyedError);
    await expect(elsewhere.encryptForClient(clientId, 'y', context)).rejects.toThrow(SealError);
  });

  it('holds in the schema: a row keeps its key or is destroyed, never both and never neither', async () => {
    const insert = (wrappedKey: string | null, destroyedAt: Date | null) =>
      db.dataSource.query(
        `INSERT INTO client_data_keys (client_id, key_version, master_key_id, wrapped_key, created_at, destroyed_at)
         VALUES ($1, 1, $2, $3, now(), $4)`,
        [randomUUID(), masterKey.id, wrappedKey, destroyedAt],
      );
    await expect(insert('v1.a.b.c', new Date())).rejects.toThrow(/check constraint/);
    await expect(insert(null, null)).rejects.toThrow(/check constraint/);
  });

  it('refuses to revert its migration while a key is destroyed', async () => {
    const clientId = randomUUID();
    await newKeyring().destroyClientKey(clientId);
    // Its own down, whatever migrations came after it.
    const runner = db.dataSource.createQueryRunner();
    try {
      await expect(new ClientDataKeyDestruction1795790000000().down(runner)).rejects.toThrow(
        /client data keys are destroyed/,
      );
    } finally {
      await runner.release();
    }
    expect(await db.dataSource.showMigrations()).toBe(false);
    expect(((await repository.find(clientId)) as ClientDataKey).destroyedAt).not.toBeNull();
  });
});
