import { DataSource, type DataSourceOptions } from 'typeorm';
import { ConfigError } from '../config/env-reader.js';
import { type DatabaseHandle, openDatabase } from './embedded-postgres.js';
import { typeormOptions } from './typeorm-options.js';

export interface MigrationCommand {
  /** How people call the service in messages: "auth service", "consult service". */
  service: string;
  /** The server URL, or where the embedded database keeps its data when there is none. */
  database(env: NodeJS.ProcessEnv): { url: string | undefined; embeddedDataDir: string };
  entities: NonNullable<DataSourceOptions['entities']>;
  migrations: NonNullable<DataSourceOptions['migrations']>;
}

/**
 * A service's migrate command: runs its pending migrations, each in its own transaction, and
 * exits 0 when the schema is up to date, 1 when a migration failed (it and those after it stay
 * pending), 2 when it could not run (bad configuration, database unavailable). Connection strings
 * are never printed: they can hold passwords.
 */
export async function runMigrationCommand(command: MigrationCommand): Promise<never> {
  let exitCode = 2;
  let database: DatabaseHandle | undefined;
  let dataSource: DataSource | undefined;
  try {
    const { url, embeddedDataDir } = command.database(process.env);
    database = await openDatabase(url, embeddedDataDir, `the ${command.service} migration command`);
    dataSource = await new DataSource(typeormOptions(database, command.entities, command.migrations)).initialize();
    exitCode = 1;
    const ran = await dataSource.runMigrations({ transaction: 'each' });
    console.log(
      ran.length === 0
        ? `The ${command.service} schema is up to date; no migration to run.`
        : `The ${command.service} schema is up to date; ran ${ran.map((migration) => migration.name).join(', ')}.`,
    );
    exitCode = 0;
  } catch (error) {
    const reason =
      error instanceof ConfigError
        ? error.message
        : `${(error as Error)?.name ?? 'Error'}: ${String((error as Error)?.message ?? error).replace(/postgres(ql)?:\/\/\S+/g, '<connection url>')}`;
    console.error(
      exitCode === 1
        ? `A ${command.service} migration failed; it and those after it have not run. ${reason}`
        : `The ${command.service} migrations could not run. ${reason}`,
    );
  } finally {
    await dataSource?.destroy().catch(() => undefined);
    await database?.stop().catch(() => undefined);
  }
  process.exit(exitCode);
}
