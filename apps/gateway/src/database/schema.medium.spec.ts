import { createTestDatabase, type TestDatabase } from '../../../../test/support/test-database.js';
import { gatewayEntities, gatewayMigrations } from './schema.js';

// Starting a database and an app can outlast jest's default 5 s under load, and jest reads
// testTimeout only from the global config, not from a project's (jest.config.js).
const HOOK_TIMEOUT_MS = 60_000;

describe('gateway schema', () => {
  let db: TestDatabase;

  beforeAll(async () => {
    db = await createTestDatabase('gateway', gatewayEntities, gatewayMigrations);
  }, HOOK_TIMEOUT_MS);
  afterAll(async () => {
    await db.stop();
  }, HOOK_TIMEOUT_MS);

  it('the migrations build exactly what the entities describe, and say whose database it is', async () => {
    const log = await db.dataSource.driver.createSchemaBuilder().log();
    expect(log.upQueries.map((query) => query.query)).toEqual([]);
    expect(await db.dataSource.query(`SELECT service FROM schema_info`)).toEqual([{ service: 'gateway' }]);
  });

  it('every migration is applied and can be reverted and re-applied', async () => {
    expect(await db.dataSource.showMigrations()).toBe(false);
    for (let i = 0; i < gatewayMigrations.length; i++) await db.dataSource.undoLastMigration({ transaction: 'each' });
    const tables = await db.dataSource.query(
      `SELECT count(*)::int AS n FROM information_schema.tables WHERE table_schema = 'public' AND table_name <> 'migrations'`,
    );
    expect(tables[0].n).toBe(0);
    await db.dataSource.runMigrations({ transaction: 'each' });
    const log = await db.dataSource.driver.createSchemaBuilder().log();
    expect(log.upQueries).toEqual([]);
  });
});
