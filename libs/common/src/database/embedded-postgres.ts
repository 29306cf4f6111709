import { mkdirSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { PGlite } from '@electric-sql/pglite';
import { PGLiteSocketServer } from '@electric-sql/pglite-socket';
import { claimEmbeddedDatabase } from './embedded-lock.js';

export interface DatabaseHandle {
  /** A postgres:// URL the ordinary `pg` driver connects to. */
  url: string;
  /** True when this process serves the database itself (PGlite), which allows one connection. */
  embedded: boolean;
  stop(): Promise<void>;
}

/** The embedded database, which can also be saved whole (a migrated template for tests). */
export interface EmbeddedDatabaseHandle extends DatabaseHandle {
  /** The data directory as a gzipped tarball, for `startEmbeddedPostgres(undefined, {from})`. */
  dump(): Promise<Blob>;
}

/**
 * The embedded default: PGlite served over the Postgres wire protocol, so TypeORM's postgres
 * driver and the same migrations run with nothing installed. `dataDir` persists the database;
 * without it the database lives in memory (tests). PGlite is single-connection, so callers keep
 * their pool to one connection.
 *
 * PGlite asks for no password, so it is served on a unix socket in a fresh directory only this
 * user can enter (mode 0700), never on a TCP port another local user or process could reach.
 */
export async function startEmbeddedPostgres(
  dataDir?: string,
  options: { from?: Blob } = {},
): Promise<EmbeddedDatabaseHandle> {
  if (dataDir) mkdirSync(dataDir, { recursive: true, mode: 0o700 });
  const db = await PGlite.create(dataDir, options.from ? { loadDataDir: options.from } : {});
  // Pools stay at one connection, but the server accepts a few: a pool that has just closed its
  // connection (a migration run, then the app's own DataSource) reconnects before the server has
  // processed the close, and with a limit of one that second connection is refused. PGlite's
  // query queue serialises what the connections send and keeps a transaction to its own socket.
  const socketDir = mkdtempSync(join(tmpdir(), 'sharedcare-pg-'));
  const server = new PGLiteSocketServer({ db, path: join(socketDir, '.s.PGSQL.5432'), maxConnections: 8 });
  try {
    await server.start();
  } catch (error) {
    await db.close();
    rmSync(socketDir, { recursive: true, force: true });
    throw error;
  }
  return {
    url: `postgres://postgres@localhost/postgres?host=${encodeURIComponent(socketDir)}`,
    embedded: true,
    dump: () => db.dumpDataDir('gzip') as Promise<Blob>,
    async stop() {
      await server.stop();
      await db.close();
      rmSync(socketDir, { recursive: true, force: true });
    },
  };
}

/**
 * Uses the configured server when there is a URL, the embedded default otherwise. The embedded
 * data directory is held by one process at a time (`holder` names it to whoever is refused).
 */
export async function openDatabase(url: string | undefined, dataDir: string, holder: string): Promise<DatabaseHandle> {
  if (url) return { url, embedded: false, stop: async () => undefined };
  const release = claimEmbeddedDatabase(dataDir, holder);
  try {
    const database = await startEmbeddedPostgres(dataDir);
    return {
      ...database,
      async stop() {
        await database.stop();
        release();
      },
    };
  } catch (error) {
    release();
    throw error;
  }
}
