import { chmodSync, mkdtempSync, readdirSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Worker } from 'node:worker_threads';
import ts from 'typescript';
import { readOrCreateLocalKey } from './local-key.js';

/**
 * Runs `readOrCreateLocalKey` in `workers` threads at once, `rounds` times, each round on a new
 * file, all threads released together by a barrier. Threads make real, separate syscalls, so
 * they race on O_EXCL exactly as two processes would. Each thread reports a key or an error per round.
 */
async function race(dir: string, workers: number, rounds: number): Promise<string[][]> {
  // Workers run plain Node: hand them this very module, transpiled.
  const source = readFileSync(new URL('./local-key.ts', import.meta.url), 'utf8');
  const compiled = ts.transpileModule(source, {
    compilerOptions: { module: ts.ModuleKind.CommonJS, target: ts.ScriptTarget.ES2022 },
  }).outputText;
  const modulePath = join(dir, 'local-key.cjs');
  writeFileSync(modulePath, compiled);
  const barrier = new SharedArrayBuffer(4);
  const script = `
    const { workerData, parentPort } = require('node:worker_threads');
    const { readOrCreateLocalKey } = require(workerData.modulePath);
    const arrived = new Int32Array(workerData.barrier);
    const results = [];
    for (let round = 0; round < workerData.rounds; round++) {
      const target = (round + 1) * workerData.workers;
      Atomics.add(arrived, 0, 1);
      Atomics.notify(arrived, 0);
      for (let seen; (seen = Atomics.load(arrived, 0)) < target; ) Atomics.wait(arrived, 0, seen);
      try {
        results.push(readOrCreateLocalKey(workerData.dir + '/keys/round-' + round + '.key').toString('base64'));
      } catch (error) {
        results.push('error: ' + error.message);
      }
    }
    parentPort.postMessage(results);
  `;
  return Promise.all(
    Array.from(
      { length: workers },
      () =>
        new Promise<string[]>((resolve, reject) => {
          const worker = new Worker(script, { eval: true, workerData: { modulePath, barrier, dir, rounds, workers } });
          worker.once('message', resolve);
          worker.once('error', reject);
        }),
    ),
  );
}

describe('readOrCreateLocalKey', () => {
  let dir: string;
  beforeEach(() => {
    dir = mkdtempSync(join(tmpdir(), 'local-key-'));
  });
  afterEach(() => rmSync(dir, { recursive: true, force: true }));

  it('makes a 32-byte key once, private to the user, and reads the same key back', () => {
    const file = join(dir, 'nested', 'service.key');
    const key = readOrCreateLocalKey(file);
    expect(key).toHaveLength(32);
    expect(statSync(file).mode & 0o777).toBe(0o600);
    expect(statSync(join(dir, 'nested')).mode & 0o777).toBe(0o700);
    expect(Buffer.from(readFileSync(file, 'utf8'), 'base64')).toEqual(key);
    expect(readOrCreateLocalKey(file)).toEqual(key);
    expect(readdirSync(join(dir, 'nested'))).toEqual(['service.key']);
  });

  it('keeps an existing key, tightening its mode, and refuses a file that holds no key', () => {
    const file = join(dir, 'given.key');
    const key = Buffer.from(Array.from({ length: 32 }, (_, i) => i * 7));
    writeFileSync(file, `${key.toString('base64')}\n`);
    chmodSync(file, 0o644);
    expect(readOrCreateLocalKey(file)).toEqual(key);
    expect(statSync(file).mode & 0o777).toBe(0o600);
    writeFileSync(file, '');
    expect(() => readOrCreateLocalKey(file)).toThrow(/does not hold a 32-byte base64 key/);
  });

  it('gives every one of several concurrent first starts the same complete key', async () => {
    const workers = 6;
    const rounds = 300;
    const results = await race(dir, workers, rounds);
    for (let round = 0; round < rounds; round++) {
      const onDisk = readFileSync(join(dir, 'keys', `round-${round}.key`), 'utf8');
      expect(results.map((perWorker) => perWorker[round])).toEqual(Array(workers).fill(onDisk));
    }
    // No half-written or temporary files are left beside the keys.
    expect(readdirSync(join(dir, 'keys')).filter((name) => !/^round-\d+\.key$/.test(name))).toEqual([]);
  });
});
