import type { DataSourceOptions } from 'typeorm';
import type { DatabaseHandle } from './embedded-postgres.js';

// TypeORM's own types for the entity and migration lists.
type Entities = NonNullable<DataSourceOptions['entities']>;
type Migrations = NonNullable<DataSourceOptions['migrations']>;

/** TypeORM options shared by both services: migrations only, never synchronize. */
export function typeormOptions(
  database: Pick<DatabaseHandle, 'url' | 'embedded'>,
  entities: Entities,
  migrations: Migrations,
): DataSourceOptions {
  return {
    type: 'postgres',
    url: database.url,
    entities,
    migrations,
    migrationsRun: false,
    synchronize: false,
    logging: false,
    // PGlite serves one connection; a real server gets a small pool per process.
    extra: { max: database.embedded ? 1 : 10 },
  };
}
