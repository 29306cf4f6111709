import { jest } from '@jest/globals';
import { createTestDatabase, type TestDatabase } from '../../../../test/support/test-database.js';
import { authEntities, authMigrations } from './schema.js';

// Starting a fresh database and the app takes seconds on a busy machine.
jest.setTimeout(60_000);

describe('auth schema', () => {
  let db: TestDatabase;

  beforeAll(async () => {
    db = await createTestDatabase('auth', authEntities, authMigrations);
  });
  afterAll(async () => {
    await db.stop();
  });

  it('the migrations build exactly what the entities describe', async () => {
    const log = await db.dataSource.driver.createSchemaBuilder().log();
    expect(log.upQueries.map((query) => query.query)).toEqual([]);
  });

  it('every migration is applied and can be reverted and re-applied', async () => {
    expect(await db.dataSource.showMigrations()).toBe(false);
    for (let i = 0; i < authMigrations.length; i++) await db.dataSource.undoLastMigration({ transaction: 'each' });
    const tables = await db.dataSource.query(
      `SELECT count(*)::int AS n FROM information_schema.tables WHERE table_schema = 'public' AND table_name <> 'migrations'`,
    );
    expect(tables[0].n).toBe(0);
    await db.dataSource.runMigrations({ transaction: 'each' });
    const log = await db.dataSource.driver.createSchemaBuilder().log();
    expect(log.upQueries).toEqual([]);
  });
});
