import { randomBytes, randomUUID } from 'node:crypto';
import { SystemClock } from '@sharedcare/common';
import {
  type ClientDataKey,
  ClientDataKeyRepository,
  ClientKeyDestroyedError,
  ClientKeyring,
  MasterKey,
  MasterKeyRotation,
  MasterKeys,
} from '@sharedcare/crypto';
import { createTestDatabase, type TestDatabase } from '../../../../test/support/test-database.js';
import { gatewayEntities, gatewayMigrations } from '../database/schema.js';

/** Runs `between(batchNumber)` after each page a rotation fetches, before it rewraps that page. */
class ObservedKeys extends ClientDataKeyRepository {
  private pages = 0;

  constructor(
    inner: ConstructorParameters<typeof ClientDataKeyRepository>[0],
    private readonly between: (page: number, batch: ClientDataKey[]) => Promise<void>,
  ) {
    super(inner);
  }

  override async findWrappedUnderOtherKeys(masterKeyId: string, afterClientId: string | null, limit: number) {
    const batch = await super.findWrappedUnderOtherKeys(masterKeyId, afterClientId, limit);
    await this.between(++this.pages, batch);
    return batch;
  }
}

/** The rotation of master keys with the real repository on the gateway's migrated database. */
describe('MasterKeyRotation (libs/crypto on the gateway database)', () => {
  let db: TestDatabase;
  let repository: ClientDataKeyRepository;
  const clock = new SystemClock();
  const oldKey = new MasterKey(randomBytes(32));
  const newKey = new MasterKey(randomBytes(32));
  const context = 'message.body:0b7d3e4a-2222-4000-8000-000000000002';
  const keyring = (masterKeys: MasterKeys | MasterKey, keys: ClientDataKeyRepository = repository) =>
    new ClientKeyring(keys, masterKeys, clock);
  const rotation = (masterKeys: MasterKeys, keys: ClientDataKeyRepository = repository) =>
    new MasterKeyRotation(keys, masterKeys);

  /** Seals one note for each of `count` new clients under `masterKey`; returns what it sealed. */
  async function sealUnder(masterKey: MasterKey, count: number): Promise<Map<string, string>> {
    const sealed = new Map<string, string>();
    const writer = keyring(masterKey);
    for (let i = 0; i < count; i++) {
      const clientId = randomUUID();
      sealed.set(clientId, await writer.encryptForClient(clientId, `note for ${clientId}`, context));
    }
    return sealed;
  }

  async function masterKeyIds(): Promise<Record<string, number>> {
    const rows = (await db.dataSource.query(
      `SELECT master_key_id, count(*)::int AS n FROM client_data_keys WHERE wrapped_key IS NOT NULL GROUP BY master_key_id`,
    )) as { master_key_id: string; n: number }[];
    return Object.fromEntries(rows.map((row) => [row.master_key_id, row.n]));
  }

  beforeAll(async () => {
    db = await createTestDatabase('gateway', gatewayEntities, gatewayMigrations);
    repository = new ClientDataKeyRepository(db.dataSource);
  });
  beforeEach(async () => {
    await db.dataSource.query(`DELETE FROM client_data_keys`);
  });
  afterAll(async () => {
    await db?.stop();
  });

  it('rewraps keys in batches so that what was sealed opens with only the new master key, and a second run does nothing', async () => {
    const before = await sealUnder(oldKey, 7);
    const after = await sealUnder(newKey, 2);
    const wrappedBefore = (await db.dataSource.query(`SELECT client_id, wrapped_key FROM client_data_keys`)) as {
      client_id: string;
      wrapped_key: string;
    }[];

    const first = await rotation(new MasterKeys(newKey, [oldKey])).rewrapAll({ batchSize: 3 });
    expect(first).toEqual({ rewrapped: 7, alreadyCurrent: 2, failed: [] });
    expect(await masterKeyIds()).toEqual({ [newKey.id]: 9 });
    for (const { client_id, wrapped_key } of wrappedBefore) {
      const row = (await repository.find(client_id)) as ClientDataKey;
      if (before.has(client_id)) expect(row.wrappedKey).not.toBe(wrapped_key);
      else expect(row.wrappedKey).toBe(wrapped_key);
    }

    // The previous key is dropped: a keyring holding only the new one opens everything.
    const onlyNew = keyring(newKey);
    for (const [clientId, sealed] of [...before, ...after]) {
      expect(await onlyNew.decryptTextForClient(clientId, sealed, context)).toBe(`note for ${clientId}`);
    }

    expect(await rotation(new MasterKeys(newKey, [oldKey])).rewrapAll({ batchSize: 3 })).toEqual({
      rewrapped: 0,
      alreadyCurrent: 9,
      failed: [],
    });
  });

  it('opens keys under either master key while a rotation is half done, and makes new ones under the current key', async () => {
    const before = await sealUnder(oldKey, 4);
    const rotating = new MasterKeys(newKey, [oldKey]);
    const service = keyring(rotating);
    let checked = false;
    const observed = new ObservedKeys(db.dataSource, async (page) => {
      if (page !== 2) return;
      // Two of four rewrapped, two not (and the one made meanwhile): a cold keyring with both
      // master keys opens every one.
      expect(await masterKeyIds()).toEqual({ [oldKey.id]: 2, [newKey.id]: 3 });
      const cold = keyring(rotating);
      for (const [clientId, sealed] of before) {
        expect(await cold.decryptTextForClient(clientId, sealed, context)).toBe(`note for ${clientId}`);
      }
      checked = true;
    });
    const newClient = randomUUID();
    const sealedDuring = await service.encryptForClient(newClient, 'made during the rotation', context);
    expect((await repository.find(newClient))?.masterKeyId).toBe(newKey.id);

    expect(await rotation(rotating, observed).rewrapAll({ batchSize: 2 })).toEqual({
      rewrapped: 4,
      alreadyCurrent: 1,
      failed: [],
    });
    expect(checked).toBe(true);
    for (const [clientId, sealed] of before) {
      expect(await service.decryptTextForClient(clientId, sealed, context)).toBe(`note for ${clientId}`);
    }
    expect(await keyring(newKey).decryptTextForClient(newClient, sealedDuring, context)).toBe(
      'made during the rotation',
    );
  });

  it('reports keys no configured master key opens, rewraps the rest, and leaves those as they were', async () => {
    const lostKey = new MasterKey(randomBytes(32));
    const before = await sealUnder(oldKey, 5);
    const lost = [...(await sealUnder(lostKey, 2)).keys()];
    const [corrupted] = [...before.keys()];
    const wrapped = (await repository.find(corrupted))?.wrappedKey as string;
    const altered = wrapped.slice(0, -4) + (wrapped.endsWith('AAAA') ? 'BBBB' : 'AAAA');
    await db.dataSource.query(`UPDATE client_data_keys SET wrapped_key = $2 WHERE client_id = $1`, [
      corrupted,
      altered,
    ]);

    // A batch of one: every failure sits in a page of its own, and the scan still moves past it.
    const result = await rotation(new MasterKeys(newKey, [oldKey])).rewrapAll({ batchSize: 1 });
    expect(result.rewrapped).toBe(4);
    expect(result.alreadyCurrent).toBe(0);
    expect(result.failed).toHaveLength(3);
    expect(result.failed).toEqual(
      expect.arrayContaining([
        { clientId: lost[0], masterKeyId: lostKey.id, reason: 'master_key_not_configured' },
        { clientId: lost[1], masterKeyId: lostKey.id, reason: 'master_key_not_configured' },
        { clientId: corrupted, masterKeyId: oldKey.id, reason: 'unreadable' },
      ]),
    );
    expect(await masterKeyIds()).toEqual({ [newKey.id]: 4, [lostKey.id]: 2, [oldKey.id]: 1 });
    expect((await repository.find(corrupted))?.wrappedKey).toBe(altered);

    // Resumable: a second run tries the same three again and rewraps nothing else.
    const again = await rotation(new MasterKeys(newKey, [oldKey])).rewrapAll({ batchSize: 2 });
    expect({ ...again, failed: again.failed.map((failure) => failure.clientId).sort() }).toEqual({
      rewrapped: 0,
      alreadyCurrent: 4,
      failed: [...lost, corrupted].sort(),
    });
  });

  it('counts each key once when two runs race over the same rows (the check in SQL decides)', async () => {
    await sealUnder(oldKey, 6);
    const masterKeys = new MasterKeys(newKey, [oldKey]);
    // Both runs fetch their first page before either rewraps anything.
    let arrived = 0;
    let release!: () => void;
    const bothFetched = new Promise<void>((resolve) => (release = resolve));
    const barrier = async (page: number) => {
      if (page !== 1) return;
      if (++arrived === 2) release();
      await bothFetched;
    };
    const [a, b] = await Promise.all([
      rotation(masterKeys, new ObservedKeys(db.dataSource, barrier)).rewrapAll({ batchSize: 10 }),
      rotation(masterKeys, new ObservedKeys(db.dataSource, barrier)).rewrapAll({ batchSize: 10 }),
    ]);
    expect(a.rewrapped + b.rewrapped).toBe(6);
    expect(a.alreadyCurrent + a.rewrapped).toBe(6);
    expect(b.alreadyCurrent + b.rewrapped).toBe(6);
    expect([...a.failed, ...b.failed]).toEqual([]);
    expect(await masterKeyIds()).toEqual({ [newKey.id]: 6 });
  });

  it('never writes back a key destroyed while the rotation was rewrapping it, and skips destroyed keys', async () => {
    const before = await sealUnder(oldKey, 3);
    const [destroyedEarlier, destroyedDuring, kept] = [...before.keys()];
    const service = keyring(new MasterKeys(newKey, [oldKey]));
    await service.destroyClientKey(destroyedEarlier);
    const observed = new ObservedKeys(db.dataSource, async (page, batch) => {
      if (page !== 1) return;
      expect(batch.map((row) => row.clientId).sort()).toEqual([destroyedDuring, kept].sort());
      await service.destroyClientKey(destroyedDuring);
    });

    expect(await rotation(new MasterKeys(newKey, [oldKey]), observed).rewrapAll()).toEqual({
      rewrapped: 1,
      alreadyCurrent: 0,
      failed: [],
    });
    for (const clientId of [destroyedEarlier, destroyedDuring]) {
      expect(await repository.find(clientId)).toMatchObject({ wrappedKey: null, destroyedAt: expect.any(Date) });
      await expect(keyring(newKey).decryptForClient(clientId, before.get(clientId) as string, context)).rejects.toThrow(
        ClientKeyDestroyedError,
      );
    }
    expect(await keyring(newKey).decryptTextForClient(kept, before.get(kept) as string, context)).toBe(
      `note for ${kept}`,
    );
  });

  it('refuses a batch size that is not a positive integer', async () => {
    for (const batchSize of [0, -1, 1.5]) {
      await expect(rotation(new MasterKeys(newKey, [oldKey])).rewrapAll({ batchSize })).rejects.toThrow(RangeError);
    }
  });
});
