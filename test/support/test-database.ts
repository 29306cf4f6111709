import { createHash, randomBytes } from 'node:crypto';
import { existsSync, readFileSync, renameSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import pg from 'pg';
import { DataSource, type DataSourceOptions } from 'typeorm';
import { type DatabaseHandle, startEmbeddedPostgres, typeormOptions } from '@sharedcare/common';

type Entities = NonNullable<DataSourceOptions['entities']>;
type Migrations = NonNullable<DataSourceOptions['migrations']>;

/**
 * A fresh database for one test file (CONVENTIONS 13).
 * - With DATABASE_URL: `CREATE DATABASE ... TEMPLATE` from a template migrated once per set of
 *   migrations (named by their fingerprint, built under an advisory lock so parallel workers
 *   share it).
 * - Without it: a fresh in-memory PGlite served over the wire protocol, loaded from a migrated
 *   template.
 */
export interface TestDatabase extends DatabaseHandle {
  dataSource: DataSource;
}

function adminUrl(base: string, database: string): string {
  const url = new URL(base);
  url.pathname = `/${database}`;
  return url.toString();
}

async function withAdminClient<T>(base: string, run: (client: pg.Client) => Promise<T>): Promise<T> {
  const client = new pg.Client({ connectionString: base });
  await client.connect();
  try {
    return await run(client);
  } finally {
    await client.end();
  }
}

async function migrate(url: string, embedded: boolean, entities: Entities, migrations: Migrations): Promise<void> {
  const dataSource = new DataSource(typeormOptions({ url, embedded }, entities, migrations));
  await dataSource.initialize();
  await dataSource.runMigrations({ transaction: 'each' });
  await dataSource.destroy();
}

/** Creates (or reuses) the migrated template for `service` and copies it into a new database. */
export async function createServerDatabase(
  baseUrl: string,
  service: string,
  entities: Entities,
  migrations: Migrations,
): Promise<DatabaseHandle> {
  const template = `sharedcare_tpl_${service}_${contentFingerprint(migrations)}`;
  const name = `sharedcare_t_${service}_${randomBytes(6).toString('hex')}`;
  await withAdminClient(baseUrl, async (client) => {
    await client.query('SELECT pg_advisory_lock(hashtext($1))', [template]);
    try {
      const exists = await client.query('SELECT 1 FROM pg_database WHERE datname = $1', [template]);
      if (exists.rowCount === 0) {
        await client.query(`CREATE DATABASE "${template}"`);
        try {
          await migrate(adminUrl(baseUrl, template), false, entities, migrations);
        } catch (error) {
          await client.query(`DROP DATABASE IF EXISTS "${template}"`);
          throw error;
        }
      }
      await client.query(`CREATE DATABASE "${name}" TEMPLATE "${template}"`);
    } finally {
      await client.query('SELECT pg_advisory_unlock(hashtext($1))', [template]);
    }
  });
  return {
    url: adminUrl(baseUrl, name),
    embedded: false,
    stop: () =>
      withAdminClient(baseUrl, (client) => client.query(`DROP DATABASE IF EXISTS "${name}" WITH (FORCE)`)).then(
        () => undefined,
      ),
  };
}

/** What the migrations are, not only what they are called: a changed migration makes a new template. */
function contentFingerprint(migrations: Migrations): string {
  const sources = (Array.isArray(migrations) ? migrations : Object.values(migrations)).map((m) => String(m));
  return createHash('sha256').update(sources.join('\n')).digest('hex').slice(0, 16);
}

/**
 * A fresh in-memory PGlite loaded from a migrated template saved under the system's temp
 * directory (made once per set of migrations; written whole, then renamed, so parallel workers
 * never read half a file): initdb and the migrations run once, not once per test file.
 */
async function migratedEmbeddedDatabase(
  service: string,
  entities: Entities,
  migrations: Migrations,
): Promise<DatabaseHandle> {
  const template = join(tmpdir(), `sharedcare-pglite-${service}-${contentFingerprint(migrations)}.tgz`);
  if (existsSync(template)) {
    return startEmbeddedPostgres(undefined, { from: new Blob([readFileSync(template)]) });
  }
  const handle = await startEmbeddedPostgres();
  await migrate(handle.url, true, entities, migrations);
  const partial = `${template}.${process.pid}.${randomBytes(4).toString('hex')}`;
  writeFileSync(partial, Buffer.from(await (await handle.dump()).arrayBuffer()));
  renameSync(partial, template);
  return handle;
}

/** A migrated, empty database for `service`, on the real server when DATABASE_URL is set. */
export async function createTestDatabase(
  service: string,
  entities: Entities,
  migrations: Migrations,
): Promise<TestDatabase> {
  const baseUrl = process.env.DATABASE_URL;
  let handle: DatabaseHandle;
  if (baseUrl) {
    handle = await createServerDatabase(baseUrl, service, entities, migrations);
  } else {
    handle = await migratedEmbeddedDatabase(service, entities, migrations);
  }
  const dataSource = new DataSource(typeormOptions(handle, entities, migrations));
  await dataSource.initialize();
  return {
    ...handle,
    dataSource,
    async stop() {
      await dataSource.destroy();
      await handle.stop();
    },
  };
}
