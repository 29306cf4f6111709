import { mkdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { dirname, join } from 'node:path';

function alive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (error) {
    return (error as NodeJS.ErrnoException).code === 'EPERM';
  }
}

/**
 * PGlite keeps its data directory to one process: a second process opening it (the key rotation
 * command beside a running service) would corrupt it. Whoever opens the embedded database holds
 * this pid file; a file left by a process that has died is taken over.
 * Returns a release function.
 */
export function claimEmbeddedDatabase(pgdata: string, purpose: string): () => void {
  const file = join(dirname(pgdata), 'pgdata.lock');
  mkdirSync(dirname(file), { recursive: true, mode: 0o700 });
  for (let attempt = 0; attempt < 2; attempt++) {
    try {
      writeFileSync(file, `${process.pid}\n${purpose}\n`, { flag: 'wx', mode: 0o600 });
      return () => rmSync(file, { force: true });
    } catch (error) {
      if ((error as NodeJS.ErrnoException).code !== 'EEXIST') throw error;
      const [pid, holder] = readFileSync(file, 'utf8').split('\n');
      if (alive(Number(pid)) && Number(pid) !== process.pid) {
        throw new Error(
          `The embedded database is in use by ${holder || 'another process'} (pid ${pid}); stop it first`,
          { cause: error },
        );
      }
      rmSync(file, { force: true });
    }
  }
  throw new Error('Could not claim the embedded database');
}
