import { type ChildProcess, spawn } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { createServerDatabase } from './test-database.js';

const root = resolve(import.meta.dirname, '../..');

export async function freePort(): Promise<number> {
  return new Promise((resolvePort, reject) => {
    const server = createServer();
    server.unref();
    server.on('error', reject);
    server.listen(0, '127.0.0.1', () => {
      const address = server.address();
      server.close(() => resolvePort(typeof address === 'object' && address ? address.port : 0));
    });
  });
}

export interface RunningService {
  url: string;
  port: number;
  /** Its Prometheus endpoint, on a listener of its own. */
  metricsUrl: string;
  process: ChildProcess;
  /** Everything the process wrote to stdout and stderr, for log-hygiene assertions. */
  output: () => string;
  stop(signal?: NodeJS.Signals): Promise<number | null>;
}

async function waitForHealth(
  url: string,
  child: ChildProcess,
  output: () => string,
  timeoutMs = 60_000,
): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (Date.now() < deadline) {
    if (child.exitCode !== null) throw new Error(`service exited with ${child.exitCode}:\n${output()}`);
    try {
      const response = await fetch(`${url}/health`);
      if (response.ok) return;
    } catch {
      // not listening yet
    }
    await new Promise((r) => setTimeout(r, 100)); // polling a process we cannot subscribe to
  }
  throw new Error(`service at ${url} did not become healthy:\n${output()}`);
}

/**
 * Starts a built service (`dist/`) as a user would, on a free port (and its metrics listener on
 * another, unless `env` names one), and waits for /health.
 */
export async function startService(
  entry: 'auth' | 'gateway',
  port: number,
  env: Record<string, string | undefined>,
): Promise<RunningService> {
  const metricsPortVariable = `${entry.toUpperCase()}_METRICS_PORT`;
  const metricsPort = env[metricsPortVariable] ?? String(await freePort());
  const child = spawn(process.execPath, [join(root, 'dist/apps', entry, 'src/main.js')], {
    cwd: root,
    env: { ...process.env, NODE_ENV: 'test', LOG_LEVEL: 'info', ...env, [metricsPortVariable]: metricsPort },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let buffer = '';
  child.stdout?.on('data', (chunk: Buffer) => (buffer += chunk.toString()));
  child.stderr?.on('data', (chunk: Buffer) => (buffer += chunk.toString()));
  const url = `http://127.0.0.1:${port}`;
  const output = () => buffer;
  await waitForHealth(url, child, output);
  return {
    url,
    port,
    metricsUrl: `http://127.0.0.1:${metricsPort}/metrics`,
    process: child,
    output,
    stop: (signal = 'SIGTERM') =>
      new Promise((resolveExit) => {
        // A process killed by a signal has no exit code, and has already sent its one 'exit'.
        if (child.exitCode !== null || child.signalCode !== null) return resolveExit(child.exitCode);
        child.once('exit', (code) => resolveExit(code));
        child.kill(signal);
      }),
  };
}

export interface Platform {
  auth: RunningService;
  gateway: RunningService;
  dataDir: string;
  env: Record<string, string>;
  stop(): Promise<void>;
}

/**
 * The auth service and the consult gateway as separate processes, each with its own database:
 * fresh databases on the real server when DATABASE_URL is set, embedded PGlite otherwise. Both
 * get the same absolute DATA_DIR, so with no INTERNAL_API_KEY they share
 * `<DATA_DIR>/internal-api.key` (see {@link readInternalApiKey}). `options.databaseUrl` names
 * another server to make those databases on (a private cluster a test stops and starts).
 */
export async function startPlatform(
  extraEnv: Record<string, string> = {},
  options: { databaseUrl?: string } = {},
): Promise<Platform> {
  const dataDir = mkdtempSync(join(tmpdir(), 'sharedcare-e2e-'));
  const [authPort, gatewayPort] = [await freePort(), await freePort()];
  const authUrl = `http://127.0.0.1:${authPort}`;
  const cleanups: (() => Promise<void>)[] = [];
  const env: Record<string, string> = {
    DATA_DIR: dataDir,
    AUTH_PORT: String(authPort),
    GATEWAY_PORT: String(gatewayPort),
    AUTH_URL: authUrl,
    AUTH_ISSUER: authUrl,
    GATEWAY_URL: `http://127.0.0.1:${gatewayPort}`,
    DEMO: 'true',
    ...extraEnv,
  };
  const base = options.databaseUrl ?? process.env.DATABASE_URL;
  if (base) {
    const { authEntities, authMigrations } = await import('../../apps/auth/src/database/schema.js');
    const { gatewayEntities, gatewayMigrations } = await import('../../apps/gateway/src/database/schema.js');
    const authDb = await createServerDatabase(base, 'auth', authEntities, authMigrations);
    const gatewayDb = await createServerDatabase(base, 'gateway', gatewayEntities, gatewayMigrations);
    cleanups.push(authDb.stop, gatewayDb.stop);
    env.AUTH_DATABASE_URL = authDb.url;
    env.DATABASE_URL = gatewayDb.url;
  } else {
    env.AUTH_DATABASE_URL = '';
    env.DATABASE_URL = '';
  }
  const auth = await startService('auth', authPort, env);
  const gateway = await startService('gateway', gatewayPort, env).catch(async (error: unknown) => {
    await auth.stop();
    throw error;
  });
  return {
    auth,
    gateway,
    dataDir,
    env,
    async stop() {
      await Promise.all([gateway.stop(), auth.stop()]);
      for (const cleanup of cleanups) await cleanup();
      rmSync(dataDir, { recursive: true, force: true });
    },
  };
}

/**
 * The INTERNAL_API_KEY a platform's services use: the one in their environment if set, else the
 * key file the auth service made in their shared DATA_DIR on its first start.
 */
export function readInternalApiKey(platform: Pick<Platform, 'dataDir' | 'env'>): Buffer {
  // startService passes the runner's environment through, overridden by the platform's.
  const configured = platform.env.INTERNAL_API_KEY ?? process.env.INTERNAL_API_KEY;
  const encoded = configured ? configured : readFileSync(join(platform.dataDir, 'internal-api.key'), 'utf8');
  return Buffer.from(encoded.trim(), 'base64');
}

/** A command built into dist/ (`npm run build` first), run to its end: its exit code and output. */
export function runBuiltCommand(
  script: string,
  env: Record<string, string>,
): Promise<{ code: number | null; output: string }> {
  return new Promise((done) => {
    const child = spawn(process.execPath, [join(root, 'dist', script)], {
      cwd: root,
      env: { ...process.env, NODE_ENV: 'test', LOG_LEVEL: 'warn', ...env },
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    let output = '';
    child.stdout?.on('data', (chunk: Buffer) => (output += chunk.toString()));
    child.stderr?.on('data', (chunk: Buffer) => (output += chunk.toString()));
    child.once('exit', (code) => done({ code, output }));
  });
}
