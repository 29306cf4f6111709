import { randomBytes, randomUUID } from 'node:crypto';
import { SystemClock } from '@sharedcare/common';
import { ClientDataKeyRepository, ClientKeyring, MasterKey, clientDataKeyContext, open } from '@sharedcare/crypto';
import type { ClientDataKey } from '@sharedcare/crypto';
import { createTestDatabase, type TestDatabase } from '../../../../test/support/test-database.js';
import { gatewayEntities, gatewayMigrations } from '../database/schema.js';

/** Makes every caller wait after its lookup until `parties` have looked, so all of them race to insert. */
class RacingKeys extends ClientDataKeyRepository {
  private arrived = 0;
  private release!: () => void;
  private readonly allArrived = new Promise<void>((resolve) => (this.release = resolve));
  inserted = 0;

  constructor(
    inner: ConstructorParameters<typeof ClientDataKeyRepository>[0],
    private readonly parties: number,
  ) {
    super(inner);
  }

  override async find(clientId: string): Promise<ClientDataKey | null> {
    const found = await super.find(clientId);
    if (++this.arrived === this.parties) this.release();
    await this.allArrived;
    return found;
  }

  override async insertOrKeepExisting(key: ClientDataKey) {
    const result = await super.insertOrKeepExisting(key);
    if (result.inserted) this.inserted++;
    return result;
  }
}

/** ClientKeyring with its real repository on the gateway's migrated database. */
describe('ClientKeyring (libs/crypto on the gateway database)', () => {
  let db: TestDatabase;
  let repository: ClientDataKeyRepository;
  const masterKey = new MasterKey(randomBytes(32));
  const clock = new SystemClock();
  const context = 'message.body:0b7d3e4a-1111-4000-8000-000000000001';
  const newKeyring = (keys: ClientDataKeyRepository = repository) => new ClientKeyring(keys, masterKey, clock);

  beforeAll(async () => {
    db = await createTestDatabase('gateway', gatewayEntities, gatewayMigrations);
    repository = new ClientDataKeyRepository(db.dataSource);
  });
  afterAll(async () => {
    await db?.stop();
  });

  it('creates one key per client even when ten cold keyrings use it first at once', async () => {
    const clientId = randomUUID();
    const racing = new RacingKeys(db.dataSource, 10);
    const keyrings = Array.from({ length: 10 }, () => newKeyring(racing));
    const sealed = await Promise.all(
      keyrings.map((keyring, index) => keyring.encryptForClient(clientId, `note ${index}`, context)),
    );
    expect(racing.inserted).toBe(1);
    const rows = await db.dataSource.query(`SELECT count(*)::int AS n FROM client_data_keys WHERE client_id = $1`, [
      clientId,
    ]);
    expect(rows[0].n).toBe(1);
    // Every keyring ended up with the stored key: a fresh one opens what each sealed.
    const reader = newKeyring();
    for (const [index, value] of sealed.entries()) {
      expect(await reader.decryptTextForClient(clientId, value, context)).toBe(`note ${index}`);
    }
  });

  it('stores the key wrapped, and a fresh keyring (cold cache) decrypts what another encrypted', async () => {
    const clientId = randomUUID();
    const sealed = await newKeyring().encryptForClient(clientId, 'Slept badly; appetite down.', context);
    const row = (await repository.find(clientId)) as ClientDataKey & { wrappedKey: string };
    expect(row).toMatchObject({ clientId, keyVersion: 1, masterKeyId: masterKey.id, destroyedAt: null });
    const dataKey = open(masterKey.key, row.wrappedKey, clientDataKeyContext(clientId, 1));
    expect(dataKey).toHaveLength(32);
    expect(Buffer.from(row.wrappedKey, 'utf8').includes(dataKey)).toBe(false);
    for (const encoding of ['base64', 'base64url', 'hex'] as const) {
      expect(row.wrappedKey).not.toContain(dataKey.toString(encoding));
    }
    expect(await newKeyring().decryptTextForClient(clientId, sealed, context)).toBe('Slept badly; appetite down.');
  });

  it('leaves neither the text nor the data key anywhere in the database', async () => {
    const clientId = randomUUID();
    const sentence = 'Client disclosed a recognisable sentence about the lighthouse at Dunmore.';
    const sealed = await newKeyring().encryptForClient(clientId, sentence, context);
    // Stored the way a feature would: in a table of the same (per-file) database. Not a temporary
    // table: on a real server the pool may answer the next query from another session.
    await db.dataSource.query(`CREATE TABLE sealed_notes (body text NOT NULL)`);
    await db.dataSource.query(`INSERT INTO sealed_notes (body) VALUES ($1)`, [sealed]);
    const row = (await repository.find(clientId)) as ClientDataKey & { wrappedKey: string };
    const dataKey = open(masterKey.key, row.wrappedKey, clientDataKeyContext(clientId, 1));
    const needles = [sentence, dataKey.toString('base64'), dataKey.toString('base64url'), dataKey.toString('hex')];

    const columns = (await db.dataSource.query(
      `SELECT table_schema, table_name, column_name, data_type FROM information_schema.columns
       WHERE table_schema NOT IN ('pg_catalog', 'information_schema')
         AND data_type IN ('text', 'character varying', 'character', 'bytea', 'json', 'jsonb')`,
    )) as { table_schema: string; table_name: string; column_name: string; data_type: string }[];
    const scanned = new Set(columns.map((column) => column.table_name));
    expect([...scanned]).toEqual(expect.arrayContaining(['client_data_keys', 'audit_records', 'sealed_notes']));

    const found: string[] = [];
    for (const column of columns) {
      const ref = `"${column.table_schema}"."${column.table_name}"."${column.column_name}"`;
      const from = `FROM "${column.table_schema}"."${column.table_name}"`;
      const hits = (
        column.data_type === 'bytea'
          ? await db.dataSource.query(
              `SELECT count(*)::int AS n ${from} WHERE position($1::bytea IN "${column.column_name}") > 0 OR position($2::bytea IN "${column.column_name}") > 0`,
              [dataKey, Buffer.from(sentence, 'utf8')],
            )
          : await db.dataSource.query(
              `SELECT count(*)::int AS n ${from} WHERE "${column.column_name}"::text LIKE ANY ($1::text[])`,
              [needles.map((needle) => `%${needle.replace(/[\\%_]/g, '\\$&')}%`)],
            )
      ) as { n: number }[];
      if (hits[0].n > 0) found.push(ref);
    }
    expect(found).toEqual([]);
    // The scan can see: the sealed value it stored is found by the same query.
    const control = await db.dataSource.query(`SELECT count(*)::int AS n FROM sealed_notes WHERE body LIKE $1`, [
      `%${sealed.slice(0, 40)}%`,
    ]);
    expect(control[0].n).toBe(1);
    await db.dataSource.query(`DROP TABLE sealed_notes`);
  });
});
