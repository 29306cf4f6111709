import { randomBytes } from 'node:crypto';
import { existsSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import pg from 'pg';
import { gatewayMigrations } from '../../apps/gateway/src/database/schema.js';
import { demoLogin, type Tokens } from '../support/demo.js';
import { findPostgresBin, type PrivateCluster, runTool, startPrivateCluster } from '../support/private-cluster.js';
import { freePort, runBuiltCommand, type RunningService, startService } from '../support/services.js';

/**
 * The database shape docker/compose.yaml deploys, on a private PostgreSQL cluster (its role names
 * are fixed, so never on the machine's shared server): docker/postgres/init-databases.sql makes a
 * database and an owning role per service and a service role that owns nothing; the migrate
 * commands run as the owners; docker/postgres/grants.sql gives the service roles rows; the
 * services, with MIGRATE_AT_BOOT=false, run as the service roles and cannot touch the schema or
 * the audit trail's triggers.
 */

const ci = Boolean(process.env.CI);
const postgresBin = findPostgresBin();
// Debian links initdb and pg_ctl onto PATH without psql, which it keeps behind a wrapper in /usr/bin.
const psqlPath = [...(process.env.PATH ?? '').split(':').filter(Boolean), ...(postgresBin ? [postgresBin] : [])]
  .map((dir) => join(dir, 'psql'))
  .find((path) => existsSync(path));
if (!ci && !(postgresBin && psqlPath))
  console.warn('production database: no initdb/pg_ctl/psql found; the test is skipped');

const root = resolve(import.meta.dirname, '../..');
const SECRETS = ['auth_db_owner_password', 'auth_db_password', 'gateway_db_owner_password', 'gateway_db_password'];

((postgresBin && psqlPath) || ci ? describe : describe.skip)('the production database shape (docker/postgres)', () => {
  let cluster: PrivateCluster;
  let workDir: string;
  let port: number;
  const running: RunningService[] = [];

  const url = (role: string, database: string) => `postgres://${role}@127.0.0.1:${port}/${database}`;
  const psql = (file: string, ...variables: string[]) =>
    runTool(
      psqlPath as string,
      ['-X', '-q', '-d', url('postgres', 'postgres'), ...variables.flatMap((v) => ['-v', v]), '-f', join(root, file)],
      workDir,
    );

  beforeAll(async () => {
    if (!postgresBin || !psqlPath) throw new Error('CI is set but initdb, pg_ctl or psql is missing');
    cluster = await startPrivateCluster(postgresBin);
    port = Number(new URL(cluster.url).port);
    workDir = mkdtempSync(join(tmpdir(), 'sharedcare-production-db-'));
    for (const name of SECRETS) writeFileSync(join(workDir, name), `${randomBytes(18).toString('base64')}\n`);
    await psql('docker/postgres/init-databases.sql', `secrets_dir=${workDir}`);
  });
  afterAll(async () => {
    await Promise.all(running.map((service) => service.stop()));
    await cluster?.destroy();
    if (workDir) rmSync(workDir, { recursive: true, force: true });
  });

  /** The services as compose runs them, but on free ports and with keys kept under DATA_DIR. */
  function serviceEnv(authPort: number, gatewayPort: number): Record<string, string> {
    return {
      DATA_DIR: join(workDir, 'data'),
      MIGRATE_AT_BOOT: 'false',
      DEMO: 'true',
      AUTH_PORT: String(authPort),
      GATEWAY_PORT: String(gatewayPort),
      AUTH_URL: `http://127.0.0.1:${authPort}`,
      AUTH_ISSUER: `http://127.0.0.1:${authPort}`,
      AUTH_DATABASE_URL: url('sharedcare_auth', 'sharedcare_auth'),
      DATABASE_URL: url('sharedcare_gateway', 'sharedcare_gateway'),
      REDIS_URL: '',
    };
  }

  it('refuses to start a service on a schema its migrations have not reached, naming the command', async () => {
    const env = serviceEnv(await freePort(), await freePort());
    const gateway = await runBuiltCommand('apps/gateway/src/main.js', env);
    expect(gateway.code).toBe(1);
    expect(gateway.output).toMatch(
      new RegExp(`${gatewayMigrations.length} migrations have not run .*Run \`npm run migrate:gateway\` first`),
    );
    const auth = await runBuiltCommand('apps/auth/src/main.js', env);
    expect(auth.code).toBe(1);
    expect(auth.output).toMatch(
      /2 migrations have not run \(AuthInitialSchema\d+, OutboxSessionIds\d+\)\. Run `npm run migrate:auth` first/,
    );
  });

  it('migrates as the owners, then serves as roles that read and write rows and own nothing', async () => {
    const ownerUrls = {
      AUTH_DATABASE_URL: url('sharedcare_auth_owner', 'sharedcare_auth'),
      DATABASE_URL: url('sharedcare_gateway_owner', 'sharedcare_gateway'),
    };
    // The migration job holds no service key, even in production.
    const production = { NODE_ENV: 'production', ...ownerUrls };
    const gatewayMigration = await runBuiltCommand('apps/gateway/src/cli/migrate.js', production);
    expect(gatewayMigration).toMatchObject({ code: 0, output: expect.stringMatching(/ran GatewayInitialSchema\d+, /) });
    expect(await runBuiltCommand('apps/auth/src/cli/migrate.js', production)).toMatchObject({
      code: 0,
      output: expect.stringContaining('ran AuthInitialSchema'),
    });
    expect(await runBuiltCommand('apps/gateway/src/cli/migrate.js', production)).toMatchObject({
      code: 0,
      output: expect.stringContaining('no migration to run'),
    });
    expect(gatewayMigration.output).not.toContain(`127.0.0.1:${port}`);
    await psql('docker/postgres/grants.sql');

    const [authPort, gatewayPort] = [await freePort(), await freePort()];
    const env = serviceEnv(authPort, gatewayPort);
    const auth = await startService('auth', authPort, env);
    running.push(auth);
    running.push(await startService('gateway', gatewayPort, env));

    // A login, the directory sync and a read of a client: rows written by the service roles,
    // audit records among them.
    const login = await demoLogin(auth.url, 'therapist@demo.test');
    expect(login.status).toBe(200);
    const { accessToken } = (await login.json()) as Tokens;
    const clients = await fetch(`http://127.0.0.1:${gatewayPort}/api/clients`, {
      headers: { authorization: `Bearer ${accessToken}` },
    });
    expect(clients.status).toBe(200);

    const service = new pg.Client({ connectionString: url('sharedcare_gateway', 'sharedcare_gateway') });
    await service.connect();
    try {
      const { rows } = await service.query<{ count: string }>('SELECT count(*) FROM audit_records');
      expect(Number(rows[0].count)).toBeGreaterThan(0);
      await expect(
        service.query('ALTER TABLE audit_records DISABLE TRIGGER audit_records_append_only'),
      ).rejects.toThrow(/must be owner of table audit_records/);
      await expect(service.query(`UPDATE audit_records SET ip = 'elsewhere'`)).rejects.toThrow(
        /permission denied for table audit_records/,
      );
      await expect(service.query('TRUNCATE audit_records')).rejects.toThrow(/permission denied/);
      // Records waiting to be linked are inserted and deleted, never rewritten.
      await expect(service.query(`UPDATE audit_pending SET ip = 'elsewhere'`)).rejects.toThrow(
        /permission denied for table audit_pending/,
      );
      await expect(service.query('CREATE TABLE shadow (id int)')).rejects.toThrow(
        /permission denied for schema public/,
      );
      await expect(service.query(`DELETE FROM migrations`)).rejects.toThrow(/permission denied for table migrations/);
    } finally {
      await service.end();
    }
  });
});
