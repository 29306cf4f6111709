import { execFileSync, spawn } from 'node:child_process';
import { chownSync, existsSync, mkdtempSync, readdirSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { basename, join } from 'node:path';
import { freePort } from './services.js';

/** The directory holding initdb and pg_ctl: PATH first, then the newest Debian install. */
export function findPostgresBin(): string | undefined {
  const installed = existsSync('/usr/lib/postgresql')
    ? readdirSync('/usr/lib/postgresql')
        .sort((a, b) => Number(b) - Number(a))
        .map((version) => `/usr/lib/postgresql/${version}/bin`)
    : [];
  return [...(process.env.PATH ?? '').split(':').filter(Boolean), ...installed].find(
    (dir) => existsSync(join(dir, 'initdb')) && existsSync(join(dir, 'pg_ctl')),
  );
}

/** initdb and postgres refuse to run as root: as root, the cluster runs as an ordinary account. */
function clusterOwner(): { uid: number; gid: number } | undefined {
  if (process.getuid?.() !== 0) return undefined;
  for (const account of ['postgres', 'nobody']) {
    try {
      const id = (flag: string) => Number(execFileSync('id', [flag, account], { encoding: 'utf8' }).trim());
      return { uid: id('-u'), gid: id('-g') };
    } catch {
      // no such account; try the next
    }
  }
  throw new Error('running as root, and neither a postgres nor a nobody account to run PostgreSQL as');
}

export function runTool(
  path: string,
  args: string[],
  cwd: string,
  owner?: { uid: number; gid: number },
): Promise<string> {
  return new Promise((resolve, reject) => {
    const child = spawn(path, args, {
      cwd,
      stdio: ['ignore', 'pipe', 'pipe'],
      env: { ...process.env, LC_ALL: 'C' },
      ...owner,
    });
    let output = '';
    child.stdout.on('data', (chunk: Buffer) => (output += chunk.toString()));
    child.stderr.on('data', (chunk: Buffer) => (output += chunk.toString()));
    child.once('error', reject);
    child.once('close', (code) =>
      code === 0 ? resolve(output) : reject(new Error(`${basename(path)} ${args[0]} exited with ${code}:\n${output}`)),
    );
  });
}

export interface PrivateCluster {
  /** The maintenance database's URL (trust auth, TCP on 127.0.0.1). */
  url: string;
  running: boolean;
  start(): Promise<void>;
  /** `pg_ctl stop -m fast`: sessions are ended, the server shuts down cleanly. */
  stop(): Promise<void>;
  destroy(): Promise<void>;
}

/** A PostgreSQL cluster of its own in a temporary folder, on a free port, its unix socket inside. */
export async function startPrivateCluster(bin: string): Promise<PrivateCluster> {
  const owner = clusterOwner();
  const dir = mkdtempSync(join(tmpdir(), 'sharedcare-pgcluster-'));
  if (owner) chownSync(dir, owner.uid, owner.gid);
  const data = join(dir, 'data');
  const port = await freePort();
  const pgCtl = join(bin, 'pg_ctl');
  const options = `-p ${port} -k ${dir} -c listen_addresses=127.0.0.1 -c fsync=off`;
  const cluster: PrivateCluster = {
    url: `postgres://postgres@127.0.0.1:${port}/postgres`,
    running: false,
    async start() {
      await runTool(
        pgCtl,
        ['start', '-D', data, '-w', '-t', '60', '-l', join(dir, 'server.log'), '-o', options],
        dir,
        owner,
      );
      cluster.running = true;
    },
    async stop() {
      await runTool(pgCtl, ['stop', '-D', data, '-m', 'fast', '-w', '-t', '60'], dir, owner);
      cluster.running = false;
    },
    async destroy() {
      const pidFile = join(data, 'postmaster.pid');
      if (existsSync(pidFile)) {
        await runTool(pgCtl, ['stop', '-D', data, '-m', 'immediate', '-w', '-t', '20'], dir, owner).catch(() => {
          // The postmaster this cluster started, by the pid it wrote.
          const pid = Number(readFileSync(pidFile, 'utf8').split('\n')[0]);
          if (pid > 0) process.kill(pid, 'SIGKILL');
        });
      }
      cluster.running = false;
      rmSync(dir, { recursive: true, force: true });
    },
  };
  try {
    await runTool(
      join(bin, 'initdb'),
      ['-D', data, '-U', 'postgres', '-A', 'trust', '-E', 'UTF8', '--locale=C', '--no-sync'],
      dir,
      owner,
    );
    await cluster.start();
  } catch (error) {
    await cluster.destroy();
    throw error;
  }
  return cluster;
}
