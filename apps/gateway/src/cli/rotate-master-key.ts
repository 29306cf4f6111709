/**
 * `npm run master-key:rotate` (after a build): rewraps every client data key still under a
 * previous master key (GATEWAY_PREVIOUS_MASTER_KEYS) under the current one (GATEWAY_MASTER_KEY),
 * so the previous keys can then be dropped. Idempotent and resumable: run it again after an
 * interruption. Exits 0 when every live key is under the current master key, 1 when some key
 * could not be rewrapped (no configured master key opens it; each is named), 2 when it could not
 * run (bad configuration, database unavailable).
 *
 * Uses the same configuration as the service. With DATABASE_URL it runs beside the service, which
 * opens keys under either master key meanwhile. On the embedded database, stop the service first:
 * PGlite keeps its data directory to one process, and the command refuses while the service holds
 * it.
 */
import 'reflect-metadata';
import { DataSource } from 'typeorm';
import { ConfigError, openDatabase, typeormOptions } from '@sharedcare/common';
import { ClientDataKeyRepository, MasterKeyRotation, MasterKeys } from '@sharedcare/crypto';
import { readGatewayConfig } from '../config/gateway-config.js';
import { gatewayEntities, gatewayMigrations } from '../database/schema.js';

const BATCH_SIZE = 500;

function keys(count: number): string {
  return count === 1 ? '1 key' : `${count} keys`;
}

async function rotate(): Promise<number> {
  const config = readGatewayConfig(process.env);
  const masterKeys = new MasterKeys(config.masterKey, config.previousMasterKeys);
  const database = await openDatabase(config.databaseUrl, config.embeddedDataDir, 'the master key rotation command');
  try {
    const dataSource = new DataSource(typeormOptions(database, gatewayEntities, gatewayMigrations));
    await dataSource.initialize();
    try {
      // As the service does at boot: the rotation reads columns the latest migrations add.
      await dataSource.runMigrations({ transaction: 'each' });
      const rotation = new MasterKeyRotation(new ClientDataKeyRepository(dataSource), masterKeys);
      const result = await rotation.rewrapAll({ batchSize: BATCH_SIZE });
      console.log(
        `Master key ${masterKeys.current.id}: ${keys(result.rewrapped)} rewrapped, ${keys(result.alreadyCurrent)} already under it.`,
      );
      if (result.failed.length === 0) return 0;
      console.error(`${keys(result.failed.length)} could not be rewrapped; no configured master key opens them:`);
      for (const failure of result.failed) {
        const why = failure.reason === 'master_key_not_configured' ? 'is not configured' : 'does not open it';
        console.error(`  client ${failure.clientId}: wrapped under master key ${failure.masterKeyId}, which ${why}`);
      }
      console.error('Keep the previous master keys configured until these are resolved.');
      return 1;
    } finally {
      await dataSource.destroy();
    }
  } finally {
    await database.stop();
  }
}

rotate().then(
  (code) => process.exit(code),
  (error: unknown) => {
    console.error(
      error instanceof ConfigError
        ? error.message
        : `Master key rotation could not run: ${(error as Error)?.name}: ${(error as Error)?.message}`,
    );
    process.exit(2);
  },
);
