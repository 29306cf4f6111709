import { randomBytes } from 'node:crypto';
import {
  chmodSync,
  closeSync,
  fsyncSync,
  linkSync,
  mkdirSync,
  openSync,
  readFileSync,
  rmSync,
  writeSync,
} from 'node:fs';
import { dirname } from 'node:path';

/**
 * Outside production, a service with no key in its environment makes one 32-byte key on first
 * start and keeps it in `file` (mode 0600, directory 0700), so what it sealed opens after a
 * restart. Concurrent first starts (two services sharing DATA_DIR, say) agree on one key: see
 * {@link publishKeyFile}.
 */
export function readOrCreateLocalKey(file: string): Buffer {
  mkdirSync(dirname(file), { recursive: true, mode: 0o700 });
  publishKeyFile(file);
  chmodSync(file, 0o600);
  const key = Buffer.from(readFileSync(file, 'utf8').trim(), 'base64');
  if (key.length !== 32) throw new Error(`${file} does not hold a 32-byte base64 key`);
  return key;
}

/**
 * Creates `file` holding a new key unless it exists. Creating it with O_EXCL and then writing is
 * not enough: a process that loses the race can read the winner's file while it is still empty.
 * So the key is written and flushed to a private temporary file first, then hard-linked into
 * place: link(2) fails with EEXIST if `file` exists, so the file appears atomically and complete,
 * and exactly one creator wins.
 */
function publishKeyFile(file: string): void {
  const temporary = `${file}.${process.pid}.${randomBytes(8).toString('hex')}.tmp`;
  const descriptor = openSync(temporary, 'wx', 0o600);
  try {
    try {
      writeSync(descriptor, randomBytes(32).toString('base64'));
      fsyncSync(descriptor);
    } finally {
      closeSync(descriptor);
    }
    linkSync(temporary, file);
    syncDirectory(dirname(file));
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code !== 'EEXIST') throw error;
  } finally {
    rmSync(temporary, { force: true });
  }
}

/** So a new key file survives a crash: losing it would leave what it sealed unreadable. */
function syncDirectory(directory: string): void {
  let descriptor: number | undefined;
  try {
    descriptor = openSync(directory, 'r');
    fsyncSync(descriptor);
  } catch {
    // Some platforms cannot fsync a directory; the file itself is already flushed.
  } finally {
    if (descriptor !== undefined) closeSync(descriptor);
  }
}
