import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { jest } from '@jest/globals';
import { DataSource } from 'typeorm';
import { AuditRepository, AuditService } from '@sharedcare/audit';
import { FixedClock, openDatabase, typeormOptions, type DatabaseHandle } from '@sharedcare/common';
import { readGatewayConfig } from '../../apps/gateway/src/config/gateway-config.js';
import { gatewayEntities, gatewayMigrations } from '../../apps/gateway/src/database/schema.js';
import { freePort, type RunningService, startService, runBuiltCommand } from '../support/services.js';
import { createServerDatabase } from '../support/test-database.js';

// The service starts as a process.
jest.setTimeout(120_000);

const auditVerify = (env: Record<string, string>) => runBuiltCommand('apps/gateway/src/cli/audit-verify.js', env);

describe('npm run audit:verify', () => {
  const dataDir = mkdtempSync(join(tmpdir(), 'sharedcare-audit-e2e-'));
  let env: Record<string, string>;
  let dropDatabase: (() => Promise<void>) | undefined;
  let auth: RunningService | undefined;

  beforeAll(async () => {
    const authPort = await freePort();
    env = {
      DATA_DIR: dataDir,
      DATABASE_URL: '',
      AUTH_DATABASE_URL: '',
      GATEWAY_PORT: String(await freePort()),
      AUTH_PORT: String(authPort),
      AUTH_URL: `http://127.0.0.1:${authPort}`,
      // Nothing seeded: the chain starts empty.
      DEMO: 'false',
    };
    // The consult service reads the auth service's session events before it listens.
    auth = await startService('auth', authPort, env);
    if (process.env.DATABASE_URL) {
      const database = await createServerDatabase(
        process.env.DATABASE_URL,
        'gateway',
        gatewayEntities,
        gatewayMigrations,
      );
      env.DATABASE_URL = database.url;
      dropDatabase = database.stop;
    }
  });
  afterAll(async () => {
    await auth?.stop();
    await dropDatabase?.();
    rmSync(dataDir, { recursive: true, force: true });
  });

  /** Opens the gateway's database from the test, as the command does (the service is stopped). */
  async function withAudit(run: (audit: AuditService, dataSource: DataSource) => Promise<void>): Promise<void> {
    const config = readGatewayConfig(env);
    const database: DatabaseHandle = await openDatabase(config.databaseUrl, config.embeddedDataDir, 'the test');
    const dataSource = new DataSource(typeormOptions(database, gatewayEntities, gatewayMigrations));
    try {
      await dataSource.initialize();
      await run(new AuditService(new AuditRepository(dataSource), new FixedClock()), dataSource);
    } finally {
      await dataSource.destroy();
      await database.stop();
    }
  }

  it('refuses on the embedded database while the service holds it, then verifies an empty chain', async () => {
    const service = await startService('gateway', Number(env.GATEWAY_PORT), env);
    try {
      if (!env.DATABASE_URL) {
        const refused = await auditVerify(env);
        expect(refused).toMatchObject({ code: 2, output: expect.stringContaining('in use by the consult service') });
      } else {
        // With a server the command runs beside the service.
        expect(await auditVerify(env)).toMatchObject({ code: 0 });
      }
    } finally {
      expect(await service.stop()).toBe(0);
    }
    expect(await auditVerify(env)).toMatchObject({
      code: 0,
      output: expect.stringContaining('Audit chain intact: 0 records verified.'),
    });
  });

  it('exits 0 on an intact chain and 1 naming the first broken record after one is altered in SQL', async () => {
    await withAudit(async (audit) => {
      for (const resourceId of ['c1', 'c2', 'c3', 'c4']) {
        await audit.record({
          actorId: '0b7e9f0e-7a43-4c1b-9d51-3b8a5d2c1e11',
          actorRole: 'therapist',
          organisationId: 'c2d4e6f8-1a3b-4c5d-8e7f-9a0b1c2d3e4f',
          action: 'client.read',
          resourceType: 'client',
          resourceId,
          outcome: 'success',
          ip: '127.0.0.1',
        });
      }
    });
    expect(await auditVerify(env)).toMatchObject({
      code: 0,
      output: expect.stringContaining('Audit chain intact: 4 records verified.'),
    });

    await withAudit(async (_audit, dataSource) => {
      await dataSource.query(`ALTER TABLE audit_records DISABLE TRIGGER audit_records_append_only`);
      await dataSource.query(`UPDATE audit_records SET resource_id = 'c9' WHERE sequence = 3`);
      await dataSource.query(`ALTER TABLE audit_records ENABLE TRIGGER audit_records_append_only`);
    });
    const broken = await auditVerify(env);
    expect(broken).toMatchObject({
      code: 1,
      output: expect.stringContaining('Audit chain broken at record 3 (hash_mismatch); 2 records before it verified.'),
    });
  });
});
