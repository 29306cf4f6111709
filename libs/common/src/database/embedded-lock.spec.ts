import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { claimEmbeddedDatabase } from './embedded-lock.js';

describe('claimEmbeddedDatabase', () => {
  let dir: string;
  beforeEach(() => {
    dir = mkdtempSync(join(tmpdir(), 'auth-lock-'));
  });
  afterEach(() => rmSync(dir, { recursive: true, force: true }));

  it('refuses a second holder while a live process holds it, and frees it on release', () => {
    const pgdata = join(dir, 'auth', 'pgdata');
    const release = claimEmbeddedDatabase(pgdata, 'the auth service');
    // Another live process holds it: the test runner's parent stands in for the running service.
    writeFileSync(join(dir, 'auth', 'pgdata.lock'), `${process.ppid}\nthe auth service\n`);
    expect(() => claimEmbeddedDatabase(pgdata, 'key rotation')).toThrow(/in use by the auth service/);
    release();
    expect(() => claimEmbeddedDatabase(pgdata, 'key rotation')()).not.toThrow();
  });

  it('takes over a lock left by a process that has died', () => {
    const pgdata = join(dir, 'auth', 'pgdata');
    claimEmbeddedDatabase(pgdata, 'first');
    writeFileSync(join(dir, 'auth', 'pgdata.lock'), '999999999\ncrashed\n');
    expect(() => claimEmbeddedDatabase(pgdata, 'second')).not.toThrow();
  });
});
