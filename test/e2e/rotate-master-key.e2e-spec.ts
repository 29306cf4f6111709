import { randomBytes, randomUUID } from 'node:crypto';
import { existsSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { jest } from '@jest/globals';
import { DataSource } from 'typeorm';
import { openDatabase, SystemClock, typeormOptions, type DatabaseHandle } from '@sharedcare/common';
import { ClientDataKeyRepository, ClientKeyring, MasterKey } from '@sharedcare/crypto';
import { readGatewayConfig } from '../../apps/gateway/src/config/gateway-config.js';
import { gatewayEntities, gatewayMigrations } from '../../apps/gateway/src/database/schema.js';
import { runBuiltCommand } from '../support/services.js';
import { createServerDatabase } from '../support/test-database.js';

// The command starts as a process, each run opening the database afresh.
jest.setTimeout(120_000);

const rotateMasterKey = (env: Record<string, string>) =>
  runBuiltCommand('apps/gateway/src/cli/rotate-master-key.js', env);

describe('npm run master-key:rotate', () => {
  const dataDir = mkdtempSync(join(tmpdir(), 'sharedcare-master-key-e2e-'));
  const oldKey = new MasterKey(randomBytes(32));
  const newKey = new MasterKey(randomBytes(32));
  const lostKey = new MasterKey(randomBytes(32));
  const context = 'message.body:0b7d3e4a-4444-4000-8000-000000000004';
  let env: Record<string, string>;
  let dropDatabase: (() => Promise<void>) | undefined;

  beforeAll(async () => {
    env = {
      DATA_DIR: dataDir,
      DATABASE_URL: '',
      GATEWAY_MASTER_KEY: newKey.key.toString('base64'),
      GATEWAY_PREVIOUS_MASTER_KEYS: oldKey.key.toString('base64'),
    };
    if (process.env.DATABASE_URL) {
      const database = await createServerDatabase(
        process.env.DATABASE_URL,
        'gateway',
        gatewayEntities,
        gatewayMigrations,
      );
      env.DATABASE_URL = database.url;
      dropDatabase = database.stop;
    }
  });
  afterAll(async () => {
    await dropDatabase?.();
    rmSync(dataDir, { recursive: true, force: true });
  });

  /** Opens the gateway's database from the test, as the command does, holding it meanwhile. */
  async function withDatabase(run: (keys: ClientDataKeyRepository) => Promise<void>): Promise<void> {
    const config = readGatewayConfig(env);
    const database: DatabaseHandle = await openDatabase(config.databaseUrl, config.embeddedDataDir, 'the test');
    const dataSource = new DataSource(typeormOptions(database, gatewayEntities, gatewayMigrations));
    try {
      await dataSource.initialize();
      await dataSource.runMigrations({ transaction: 'each' });
      await run(new ClientDataKeyRepository(dataSource));
    } finally {
      await dataSource.destroy();
      await database.stop();
    }
  }

  it('refuses a configuration that lists the current key as a previous one, before opening the database (exit 2)', async () => {
    const result = await rotateMasterKey({ ...env, GATEWAY_PREVIOUS_MASTER_KEYS: newKey.key.toString('base64') });
    expect(result).toMatchObject({
      code: 2,
      output: expect.stringContaining(
        'GATEWAY_PREVIOUS_MASTER_KEYS entry 1 is the current GATEWAY_MASTER_KEY; list only the keys it replaces',
      ),
    });
    expect(result.output).not.toContain(newKey.key.toString('base64'));
    // Checked before the database is opened: the embedded one has not even been created.
    if (!env.DATABASE_URL) expect(existsSync(readGatewayConfig(env).embeddedDataDir)).toBe(false);
  });

  // With a server the command runs beside the service instead.
  (process.env.DATABASE_URL ? it.skip : it)(
    'refuses while another process holds the embedded database (exit 2)',
    async () => {
      let refused: { code: number | null; output: string } | undefined;
      await withDatabase(async () => {
        refused = await rotateMasterKey(env);
      });
      expect(refused).toMatchObject({ code: 2, output: expect.stringContaining('in use by the test') });
    },
  );

  it('rewraps what it can (exit 1 naming the key it cannot), does nothing more when run again, and exits 0 once all are current', async () => {
    const sealed = new Map<string, string>();
    const lostClient = randomUUID();
    await withDatabase(async (keys) => {
      const old = new ClientKeyring(keys, oldKey, new SystemClock());
      for (let i = 0; i < 3; i++) {
        const clientId = randomUUID();
        sealed.set(clientId, await old.encryptForClient(clientId, `note ${i}`, context));
      }
      await new ClientKeyring(keys, lostKey, new SystemClock()).encryptForClient(lostClient, 'x', context);
    });

    const first = await rotateMasterKey(env);
    expect(first).toMatchObject({
      code: 1,
      output: expect.stringContaining(`Master key ${newKey.id}: 3 keys rewrapped, 0 keys already under it.`),
    });
    expect(first.output).toContain(
      `client ${lostClient}: wrapped under master key ${lostKey.id}, which is not configured`,
    );
    for (const key of [oldKey, newKey, lostKey]) {
      expect(first.output).not.toContain(key.key.toString('base64'));
    }

    // The previous key can go: with only the new one configured, everything sealed before opens.
    await withDatabase(async (keys) => {
      const onlyNew = new ClientKeyring(keys, newKey, new SystemClock());
      for (const [index, [clientId, value]] of [...sealed].entries()) {
        expect(await onlyNew.decryptTextForClient(clientId, value, context)).toBe(`note ${index}`);
      }
    });

    const second = await rotateMasterKey(env);
    expect(second).toMatchObject({
      code: 1,
      output: expect.stringContaining(`Master key ${newKey.id}: 0 keys rewrapped, 3 keys already under it.`),
    });

    // The lost key's client is shredded; nothing is left to rewrap.
    await withDatabase(async (keys) => {
      await new ClientKeyring(keys, newKey, new SystemClock()).destroyClientKey(lostClient);
    });
    expect(await rotateMasterKey({ ...env, GATEWAY_PREVIOUS_MASTER_KEYS: '' })).toEqual({
      code: 0,
      output: `Master key ${newKey.id}: 0 keys rewrapped, 3 keys already under it.\n`,
    });
  });
});
