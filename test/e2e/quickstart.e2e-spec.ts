import { type ChildProcess, execFileSync, spawn } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { DEMO_EMAILS, DEMO_PASSWORD, demoLogin } from '../support/demo.js';
import { freePort } from '../support/services.js';

/**
 * The README's first command, as a new user runs it: `npm start` (here its launcher, after the
 * build `npm test` already did) on the embedded default, with no DATABASE_URL or REDIS_URL.
 */
const root = resolve(import.meta.dirname, '../..');

interface Launch {
  child: ChildProcess;
  output: () => string;
  banner: Promise<void>;
  exited: Promise<number | null>;
}

function launch(dataDir: string, authPort: number, gatewayPort: number): Launch {
  const env: NodeJS.ProcessEnv = {
    ...process.env,
    DATA_DIR: dataDir,
    AUTH_PORT: String(authPort),
    GATEWAY_PORT: String(gatewayPort),
    // Any free port: the defaults may be held by a demo already running here.
    AUTH_METRICS_PORT: '0',
    GATEWAY_METRICS_PORT: '0',
  };
  for (const name of ['DATABASE_URL', 'AUTH_DATABASE_URL', 'REDIS_URL', 'AUTH_URL', 'AUTH_ISSUER', 'NODE_ENV', 'DEMO'])
    delete env[name];
  const child = spawn(process.execPath, [join(root, 'dist/scripts/demo.js')], {
    cwd: root,
    env,
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let text = '';
  const banner = new Promise<void>((resolveBanner, reject) => {
    const onData = (chunk: Buffer) => {
      text += chunk.toString();
      if (text.includes('Press Ctrl-C to stop')) resolveBanner();
    };
    child.stdout!.on('data', onData);
    child.stderr!.on('data', onData);
    child.once('exit', (code) => reject(new Error(`launcher exited with ${code} before it was ready:\n${text}`)));
  });
  const exited = new Promise<number | null>((done) => child.once('exit', (code) => done(code)));
  return { child, output: () => text, banner, exited };
}

const login = (authPort: number, email: string) => demoLogin(`http://127.0.0.1:${authPort}`, email);

describe('quick start: npm start on the embedded default', () => {
  const dataDir = mkdtempSync(join(tmpdir(), 'sharedcare-quickstart-'));
  let authPort: number;
  let gatewayPort: number;

  beforeAll(async () => {
    [authPort, gatewayPort] = [await freePort(), await freePort()];
  });
  afterAll(() => rmSync(dataDir, { recursive: true, force: true }));

  it('prints the URLs, docs and demo logins; every demo login works; Ctrl-C stops cleanly, whether the launcher or its services hear it first; a restart keeps the data', async () => {
    const first = launch(dataDir, authPort, gatewayPort);
    await first.banner;
    const banner = first.output();
    expect(banner).toContain(`Web client        http://127.0.0.1:${gatewayPort}/`);
    expect(banner).toContain(`http://127.0.0.1:${gatewayPort}/docs`);
    expect(banner).toContain(`http://127.0.0.1:${authPort}/docs`);
    for (const email of DEMO_EMAILS) expect(banner).toContain(email);
    expect(banner).toContain(DEMO_PASSWORD);

    for (const port of [authPort, gatewayPort]) {
      expect((await fetch(`http://127.0.0.1:${port}/docs-json`)).status).toBe(200);
    }
    for (const email of DEMO_EMAILS) {
      const response = await login(authPort, email);
      expect(response.status).toBe(200);
    }
    const { accessToken } = (await (await login(authPort, 'therapist@demo.test')).json()) as { accessToken: string };
    const me = await fetch(`http://127.0.0.1:${gatewayPort}/api/me`, {
      headers: { authorization: `Bearer ${accessToken}` },
    });
    expect(me.status).toBe(200);
    expect(await me.json()).toMatchObject({ role: 'therapist', credential: 'LCSW' });
    // The web client is served at the printed URL, and signs in on that same origin.
    const page = await fetch(`http://127.0.0.1:${gatewayPort}/`);
    expect(page.status).toBe(200);
    expect(page.headers.get('content-security-policy')).toContain("default-src 'self'");
    expect(await page.text()).toContain('<div id="root">');
    expect((await demoLogin(`http://127.0.0.1:${gatewayPort}`, 'therapist@demo.test')).status).toBe(200);
    const keysBefore = await (await fetch(`http://127.0.0.1:${authPort}/.well-known/jwks.json`)).json();

    first.child.kill('SIGINT');
    expect(await first.exited).toBe(0);

    const second = launch(dataDir, authPort, gatewayPort);
    await second.banner;
    // The token issued before the restart still verifies: same signing key, same accounts.
    const meAgain = await fetch(`http://127.0.0.1:${gatewayPort}/api/me`, {
      headers: { authorization: `Bearer ${accessToken}` },
    });
    expect(meAgain.status).toBe(200);
    expect(await (await fetch(`http://127.0.0.1:${authPort}/.well-known/jwks.json`)).json()).toEqual(keysBefore);
    expect((await login(authPort, 'psychiatrist@demo.test')).status).toBe(200);
    // Ctrl-C in a terminal signals the whole group, and the services may stop before the launcher
    // hears it: here they alone are signalled, and a service that stops cleanly stops the rest cleanly.
    const services = execFileSync('pgrep', ['-P', String(second.child.pid)], { encoding: 'utf8' })
      .split('\n')
      .filter(Boolean)
      .map(Number);
    expect(services).toHaveLength(2);
    for (const pid of services) process.kill(pid, 'SIGINT');
    expect(await second.exited).toBe(0);
    expect(second.output()).not.toContain('unexpectedly');
    expect(second.output()).toMatch(/The (auth|gateway) service has stopped; stopping the other\./);
  });
});
