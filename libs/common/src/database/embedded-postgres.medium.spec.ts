import { existsSync, mkdtempSync, rmSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import pg from 'pg';
import { openDatabase, startEmbeddedPostgres } from './embedded-postgres.js';

async function query(url: string, sql: string): Promise<unknown[]> {
  const client = new pg.Client({ connectionString: url });
  await client.connect();
  try {
    return (await client.query(sql)).rows;
  } finally {
    await client.end();
  }
}

describe('embedded PostgreSQL', () => {
  it('is served on a unix socket in a directory only this user can enter, not on a TCP port', async () => {
    const database = await startEmbeddedPostgres();
    const url = new URL(database.url);
    const socketDir = url.searchParams.get('host')!;
    try {
      expect(url.port).toBe('');
      expect(socketDir.startsWith('/')).toBe(true);
      expect(statSync(socketDir).mode & 0o777).toBe(0o700);
      expect(await query(database.url, 'SELECT 1 AS one')).toEqual([{ one: 1 }]);
    } finally {
      await database.stop();
    }
    expect(existsSync(socketDir)).toBe(false);
  });

  it('keeps data across a restart', async () => {
    const dataDir = join(mkdtempSync(join(tmpdir(), 'sharedcare-embedded-')), 'pgdata');
    try {
      const first = await openDatabase(undefined, dataDir, 'the first service');
      await query(first.url, `CREATE TABLE kept (note text); INSERT INTO kept VALUES ('still here')`);
      await first.stop();

      const second = await openDatabase(undefined, dataDir, 'the first service');
      expect(await query(second.url, 'SELECT note FROM kept')).toEqual([{ note: 'still here' }]);
      await second.stop();
    } finally {
      rmSync(join(dataDir, '..'), { recursive: true, force: true });
    }
  });

  it('uses the configured server when there is a URL', async () => {
    const url = 'postgres://postgres@db.internal:5432/consult';
    expect(await openDatabase(url, '/nonexistent', 'the consult service')).toMatchObject({ url, embedded: false });
  });
});
