/**
 * `npm run migrate:auth` (after a build): runs the auth service's pending migrations and exits
 * (0 up to date, 1 a migration failed, 2 could not run).
 *
 * For deployments that run migrations as the tables' owner and the service, with
 * MIGRATE_AT_BOOT=false, as a role that only reads and writes rows (README, Deployment). It reads
 * only the database settings, never the service's keys. By default the service migrates at boot.
 */
import 'reflect-metadata';
import { runMigrationCommand } from '@sharedcare/common';
import { embeddedAuthDataDir, loadAuthDatabaseSettings } from '../config/auth-config.js';
import { authEntities, authMigrations } from '../database/schema.js';

await runMigrationCommand({
  service: 'auth service',
  database(env) {
    const { databaseUrl, dataDir } = loadAuthDatabaseSettings(env);
    return { url: databaseUrl, embeddedDataDir: embeddedAuthDataDir(dataDir) };
  },
  entities: authEntities,
  migrations: authMigrations,
});
