/**
 * `npm run audit:verify` (after a build): walks the consult service's audit hash chain and names
 * the first broken record. Exits 0 when the chain is intact, 1 when it is broken, 2 when it could
 * not be checked (bad configuration, database unavailable). It first links the records still
 * pending (AuditService.recordLater), so it needs the service's rights on `audit_pending` and
 * `audit_records` (INSERT, DELETE), not read-only ones.
 *
 * Uses the same configuration as the service. On the embedded database, stop the service first:
 * PGlite keeps its data directory to one process, and the command refuses while the service holds
 * it. With DATABASE_URL it runs beside the service.
 */
import 'reflect-metadata';
import { DataSource } from 'typeorm';
import { AuditRepository, AuditService } from '@sharedcare/audit';
import { ConfigError, openDatabase, SystemClock, typeormOptions } from '@sharedcare/common';
import { readGatewayConfig } from '../config/gateway-config.js';
import { gatewayEntities, gatewayMigrations } from '../database/schema.js';

async function verify(): Promise<number> {
  const config = readGatewayConfig(process.env);
  const database = await openDatabase(config.databaseUrl, config.embeddedDataDir, 'the audit verification command');
  try {
    const dataSource = new DataSource(typeormOptions(database, gatewayEntities, gatewayMigrations));
    await dataSource.initialize();
    try {
      // As the service does at boot, so a database it has never opened verifies as an empty chain.
      await dataSource.runMigrations({ transaction: 'each' });
      const result = await new AuditService(new AuditRepository(dataSource), new SystemClock()).verify();
      if (result.ok) {
        console.log(`Audit chain intact: ${result.count === 1 ? '1 record' : `${result.count} records`} verified.`);
        return 0;
      }
      const before = result.count === 1 ? '1 record' : `${result.count} records`;
      console.error(
        `Audit chain broken at record ${result.firstBrokenSequence} (${result.reason}); ${before} before it verified.`,
      );
      return 1;
    } finally {
      await dataSource.destroy();
    }
  } finally {
    await database.stop();
  }
}

verify().then(
  (code) => process.exit(code),
  (error: unknown) => {
    console.error(
      error instanceof ConfigError
        ? error.message
        : `Audit verification could not run: ${(error as Error)?.name}: ${(error as Error)?.message}`,
    );
    process.exit(2);
  },
);
