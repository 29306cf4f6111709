import { DataSource, type DataSourceOptions, MigrationExecutor } from 'typeorm';

/** A service told not to migrate at boot found a schema its migrations have not reached. */
export class PendingMigrationsError extends Error {
  constructor(
    readonly pending: string[],
    command: string,
  ) {
    const count = pending.length === 1 ? '1 migration has' : `${pending.length} migrations have`;
    super(
      `The database schema is behind this version: ${count} not run (${pending.join(', ')}). Run \`${command}\` first.`,
    );
    this.name = 'PendingMigrationsError';
  }
}

/**
 * The migrations not yet run. Read without creating anything, so a role that may not create
 * tables (the services' role in production) can ask.
 */
export async function pendingMigrations(dataSource: DataSource): Promise<string[]> {
  const pending = await new MigrationExecutor(dataSource).getPendingMigrations();
  return pending.map((migration) => migration.name);
}

/**
 * For TypeOrmModule's `dataSourceFactory` when a separate job runs the migrations (as the tables'
 * owner): the service refuses to serve a schema that job has not brought up to date, naming
 * `command`, rather than failing later on a missing table or column.
 */
export function requireMigratedSchema(command: string): (options?: DataSourceOptions) => Promise<DataSource> {
  return async (options) => {
    const dataSource = await new DataSource(options as DataSourceOptions).initialize();
    const pending = await pendingMigrations(dataSource).catch(async (error: unknown) => {
      await dataSource.destroy();
      throw error;
    });
    if (pending.length === 0) return dataSource;
    await dataSource.destroy();
    throw new PendingMigrationsError(pending, command);
  };
}
