/**
 * `npm start`: both services in demo mode on the embedded default (no PostgreSQL or Redis
 * needed), each with its own PGlite database under DATA_DIR (.data/), seeded with the demo
 * organisation. Ctrl-C stops both cleanly; the data stays for the next start.
 */
import { type ChildProcess, spawn } from 'node:child_process';
import { resolve } from 'node:path';

const root = resolve(import.meta.dirname, '../..');
const authPort = process.env.AUTH_PORT ?? '3001';
const gatewayPort = process.env.GATEWAY_PORT ?? '3000';
const authUrl = process.env.AUTH_URL ?? `http://127.0.0.1:${authPort}`;
const gatewayUrl = `http://127.0.0.1:${gatewayPort}`;

const DEMO_PASSWORD = 'SharedCare-demo-1';
const DEMO_LOGINS = [
  ['admin@demo.test', 'org admin'],
  ['therapist@demo.test', 'therapist, LCSW'],
  ['psychiatrist@demo.test', 'psychiatrist, MD'],
  ['care.manager@demo.test', 'care manager'],
  ['outsider@demo.test', 'therapist who shares no client'],
] as const;

const env = {
  ...process.env,
  DEMO: process.env.DEMO ?? 'true',
  DATA_DIR: process.env.DATA_DIR ?? resolve(root, '.data'),
  AUTH_PORT: authPort,
  GATEWAY_PORT: gatewayPort,
  AUTH_URL: authUrl,
};

const children: ChildProcess[] = [];
let stopping = false;

function start(name: 'auth' | 'gateway'): ChildProcess {
  const child = spawn(process.execPath, [resolve(root, `dist/apps/${name}/src/main.js`)], { env, stdio: 'inherit' });
  child.on('exit', (code, signal) => {
    if (stopping) return;
    // Ctrl-C reaches the whole process group: a service may have shut down cleanly before this
    // process heard it. Anything else is a failure.
    if (code === 0) {
      console.error(`The ${name} service has stopped; stopping the other.`);
      return void stop(0);
    }
    console.error(`The ${name} service stopped unexpectedly (${signal ?? `exit code ${code}`}); stopping.`);
    void stop(1);
  });
  children.push(child);
  return child;
}

async function waitForHealth(url: string, child: ChildProcess): Promise<void> {
  const deadline = Date.now() + 120_000;
  while (Date.now() < deadline && child.exitCode === null) {
    try {
      if ((await fetch(`${url}/health`)).ok) return;
    } catch {
      // not listening yet
    }
    await new Promise((r) => setTimeout(r, 200));
  }
  throw new Error(`${url} did not become healthy`);
}

/** Stops both services; exits non-zero unless each of them shut down cleanly. */
async function stop(code: number): Promise<never> {
  if (stopping) return new Promise<never>(() => undefined);
  stopping = true;
  const codes = await Promise.all(
    children.map((child) =>
      child.exitCode !== null || child.signalCode !== null
        ? Promise.resolve(child.exitCode)
        : new Promise<number | null>((done) => child.once('exit', (exitCode) => done(exitCode)).kill('SIGTERM')),
    ),
  );
  process.exit(codes.every((exitCode) => exitCode === 0) ? code : 1);
}

process.on('SIGINT', () => void stop(0));
process.on('SIGTERM', () => void stop(0));

try {
  await waitForHealth(authUrl, start('auth'));
  await waitForHealth(gatewayUrl, start('gateway'));
} catch (error) {
  console.error((error as Error).message);
  await stop(1);
}

const width = Math.max(...DEMO_LOGINS.map(([email]) => email.length));
console.log(`
SharedCare is running (demo mode, embedded database in ${env.DATA_DIR})

  Web client        ${gatewayUrl}/        open it in a browser and sign in below
  Consult service   ${gatewayUrl}        API docs ${gatewayUrl}/docs
  Live events       ${gatewayUrl}/consult (socket.io)
  Auth service      ${authUrl}        API docs ${authUrl}/docs

Demo logins (password ${DEMO_PASSWORD}, MFA off):
${DEMO_LOGINS.map(([email, who]) => `  ${email.padEnd(width)}  ${who}`).join('\n')}

Press Ctrl-C to stop; the data stays for the next start.
`);
