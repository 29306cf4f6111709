import type { DataSourceOptions } from 'typeorm';
import { createTestDatabase, type TestDatabase } from './test-database.js';

type Entities = NonNullable<DataSourceOptions['entities']>;

/**
 * The checks every service's schema gets (CONVENTIONS 10): the migrations build exactly what the
 * entities describe, and every migration can be reverted and re-applied.
 */
export function describeSchema(
  service: string,
  entities: Entities,
  migrations: NonNullable<DataSourceOptions['migrations']> & unknown[],
  more?: (db: () => TestDatabase) => void,
): void {
  describe(`${service} schema`, () => {
    let db: TestDatabase;

    beforeAll(async () => {
      db = await createTestDatabase(service, entities, migrations);
    });
    afterAll(async () => {
      await db?.stop();
    });

    it('the migrations build exactly what the entities describe', async () => {
      const log = await db.dataSource.driver.createSchemaBuilder().log();
      expect(log.upQueries.map((query) => query.query)).toEqual([]);
    });

    it('every migration is applied and can be reverted and re-applied', async () => {
      expect(await db.dataSource.showMigrations()).toBe(false);
      for (let i = 0; i < migrations.length; i++) await db.dataSource.undoLastMigration({ transaction: 'each' });
      const tables = await db.dataSource.query(
        `SELECT count(*)::int AS n FROM information_schema.tables WHERE table_schema = 'public' AND table_name <> 'migrations'`,
      );
      expect(tables[0].n).toBe(0);
      await db.dataSource.runMigrations({ transaction: 'each' });
      const log = await db.dataSource.driver.createSchemaBuilder().log();
      expect(log.upQueries).toEqual([]);
    });

    more?.(() => db);
  });
}
