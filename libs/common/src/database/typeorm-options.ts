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

/**
 * How many batches a group commit (GroupCommit) may write at once on this data source: one on the
 * embedded database, which serves one connection; otherwise a fifth of the pool, so batches
 * overlap their round trips and the rest of the pool stays free for everything else.
 */
export function concurrentBatches(dataSource: { options: DataSourceOptions }): number {
  return Math.max(1, Math.floor(poolSize(dataSource) / 5));
}

/** The connections this data source may hold at once: one on the embedded database. */
export function poolSize(dataSource: { options: DataSourceOptions }): number {
  return (dataSource.options as { extra?: { max?: number } }).extra?.max ?? 10;
}
