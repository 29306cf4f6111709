import { spawn } from 'node:child_process';
import { mkdtempSync, rmSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { jest } from '@jest/globals';
import { decodeProtectedHeader } from 'jose';
import { authEntities, authMigrations } from '../../apps/auth/src/database/schema.js';
import { DEMO_EMAILS, DEMO_PASSWORD, type Tokens } from '../support/demo.js';
import { freePort, type RunningService, startService } from '../support/services.js';
import { createServerDatabase } from '../support/test-database.js';

// Services start as processes, each on its own database.
jest.setTimeout(120_000);

/** The built auth service (dist/) as a process, as a user starts it. Run `npm run build` first. */
const root = resolve(import.meta.dirname, '../..');

function run(script: string, env: Record<string, string>): Promise<{ code: number | null; output: string }> {
  return new Promise((done) => {
    const child = spawn(process.execPath, [join(root, script)], {
      cwd: root,
      env: { ...process.env, ...env },
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    let output = '';
    child.stdout.on('data', (chunk: Buffer) => (output += chunk.toString()));
    child.stderr.on('data', (chunk: Buffer) => (output += chunk.toString()));
    child.once('exit', (code) => done({ code, output }));
  });
}

describe('auth service as a process', () => {
  const dataDir = mkdtempSync(join(tmpdir(), 'sharedcare-auth-e2e-'));
  let env: Record<string, string>;
  let port: number;
  let service: RunningService | undefined;
  let dropDatabase: (() => Promise<void>) | undefined;
  const seen: string[] = [];

  beforeAll(async () => {
    port = await freePort();
    env = {
      DATA_DIR: dataDir,
      AUTH_PORT: String(port),
      AUTH_ISSUER: `http://127.0.0.1:${port}`,
      DEMO: 'true',
      AUTH_DATABASE_URL: '',
      REDIS_URL: '',
    };
    if (process.env.DATABASE_URL) {
      const database = await createServerDatabase(process.env.DATABASE_URL, 'auth', authEntities, authMigrations);
      env.AUTH_DATABASE_URL = database.url;
      dropDatabase = database.stop;
    }
  });
  afterAll(async () => {
    if (service) await service.stop();
    await dropDatabase?.();
    rmSync(dataDir, { recursive: true, force: true });
  });

  const url = (path: string) => `http://127.0.0.1:${port}${path}`;
  async function post(path: string, body: unknown, token?: string) {
    const headers: Record<string, string> = { 'content-type': 'application/json', 'user-agent': 'e2e' };
    if (token) headers.authorization = `Bearer ${token}`;
    return fetch(url(path), { method: 'POST', headers, body: JSON.stringify(body) });
  }
  async function login(email: string): Promise<Tokens> {
    const response = await post('/auth/login', { email, password: DEMO_PASSWORD });
    expect(response.status).toBe(200);
    const tokens = (await response.json()) as Tokens;
    seen.push(tokens.accessToken, tokens.refreshToken);
    return tokens;
  }
  const jwks = async () =>
    (await (await fetch(url('/.well-known/jwks.json'))).json()) as {
      keys: { kid: string; alg: string; use: string }[];
    };
  const me = (token: string) => fetch(url('/auth/me'), { headers: { authorization: `Bearer ${token}` } });

  let beforeRestart: Tokens;
  let keysBeforeRotation: string[] = [];

  it('starts in demo mode: every demo login works, and tokens name a key from the JWKS', async () => {
    service = await startService('auth', port, env);
    expect(statSync(join(dataDir, 'auth', 'key-encryption.key')).mode & 0o777).toBe(0o600);
    for (const email of DEMO_EMAILS) await login(email);
    beforeRestart = await login('therapist@demo.test');
    const keys = await jwks();
    expect(keys.keys).toEqual([
      expect.objectContaining({ alg: 'EdDSA', use: 'sig', kid: decodeProtectedHeader(beforeRestart.accessToken).kid }),
    ]);
    const profile = await me(beforeRestart.accessToken);
    expect(await profile.json()).toMatchObject({ email: 'therapist@demo.test', role: 'therapist', credential: 'LCSW' });
  });

  it('rotates refresh tokens and refuses a reused one', async () => {
    const first = await login('psychiatrist@demo.test');
    const second = await post('/auth/refresh', { refreshToken: first.refreshToken });
    expect(second.status).toBe(200);
    const rotated = (await second.json()) as Tokens;
    seen.push(rotated.accessToken, rotated.refreshToken);
    expect(rotated.refreshToken).not.toBe(first.refreshToken);
    expect((await post('/auth/refresh', { refreshToken: first.refreshToken })).status).toBe(401);
    expect((await post('/auth/refresh', { refreshToken: rotated.refreshToken })).status).toBe(401);
  });

  it('logs no password or token', () => {
    const output = service!.output();
    expect(output).toContain('Auth service listening');
    expect(output).not.toContain(DEMO_PASSWORD);
    for (const secret of seen) expect(output).not.toContain(secret);
    expect(output).not.toMatch(/BEGIN PRIVATE KEY/);
  });

  it('SIGTERM exits 0; a restart with the same DATA_DIR keeps accounts, sessions and the key', async () => {
    const keys = await jwks();
    expect(await service!.stop('SIGTERM')).toBe(0);
    service = await startService('auth', port, env);
    expect(await jwks()).toEqual(keys);
    expect((await me(beforeRestart.accessToken)).status).toBe(200);
    const refreshed = await post('/auth/refresh', { refreshToken: beforeRestart.refreshToken });
    expect(refreshed.status).toBe(200);
    await login('care.manager@demo.test');
    keysBeforeRotation = (await jwks()).keys.map((key) => key.kid);
    if (!env.AUTH_DATABASE_URL) {
      // PGlite is single-process: key rotation refuses while the service holds the embedded database.
      const refused = await run('dist/apps/auth/src/cli/rotate-key.js', { ...env, NODE_ENV: 'test' });
      expect(refused).toMatchObject({ code: 1, output: expect.stringContaining('in use by the auth service') });
    }
    expect(await service.stop('SIGINT')).toBe(0);
    service = undefined;
  });

  it('keys:rotate: the new key signs; the old one stays in the JWKS and its tokens still verify', async () => {
    // On the embedded database the service is stopped first (PGlite is single-process).
    const rotation = await run('dist/apps/auth/src/cli/rotate-key.js', { ...env, NODE_ENV: 'test', LOG_LEVEL: 'warn' });
    expect(rotation).toMatchObject({ code: 0, output: expect.stringContaining('signs from now on') });
    service = await startService('auth', port, env);
    const keys = (await jwks()).keys.map((key) => key.kid);
    expect(keysBeforeRotation).toHaveLength(1);
    expect(keys).toHaveLength(2);
    expect(keys[1]).toBe(keysBeforeRotation[0]);
    const fresh = await login('admin@demo.test');
    expect(decodeProtectedHeader(fresh.accessToken).kid).toBe(keys[0]);
    expect(decodeProtectedHeader(beforeRestart.accessToken).kid).toBe(keys[1]);
    expect((await me(beforeRestart.accessToken)).status).toBe(200);
  });

  it('in production refuses to start on the embedded database or without a key, naming both', async () => {
    const result = await run('dist/apps/auth/src/main.js', {
      NODE_ENV: 'production',
      DATA_DIR: join(dataDir, 'production'),
      AUTH_PORT: String(await freePort()),
      AUTH_DATABASE_URL: '',
      AUTH_KEY_ENCRYPTION_KEY: '',
      INTERNAL_API_KEY: '',
      DEMO: '',
    });
    expect(result.code).toBe(1);
    expect(result.output).toContain('AUTH_DATABASE_URL is required in production');
    expect(result.output).toContain('AUTH_KEY_ENCRYPTION_KEY is required in production');
    expect(result.output).toContain('INTERNAL_API_KEY is required in production');
  });
});
