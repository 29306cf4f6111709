/**
 * `npm run migrate:gateway` (after a build): runs the consult service's pending migrations and
 * exits (0 up to date, 1 a migration failed, 2 could not run).
 *
 * For deployments that run migrations as the tables' owner and the service, with
 * MIGRATE_AT_BOOT=false, as a role that only reads and writes rows (README, Deployment). It reads
 * only the database settings, never the master key. By default the service migrates at boot.
 */
import 'reflect-metadata';
import { runMigrationCommand } from '@sharedcare/common';
import { readGatewayDatabaseSettings } from '../config/gateway-config.js';
import { gatewayEntities, gatewayMigrations } from '../database/schema.js';

await runMigrationCommand({
  service: 'consult service',
  database(env) {
    const { databaseUrl, embeddedDataDir } = readGatewayDatabaseSettings(env);
    return { url: databaseUrl, embeddedDataDir };
  },
  entities: gatewayEntities,
  migrations: gatewayMigrations,
});
