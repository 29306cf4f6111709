import { randomBytes } from 'node:crypto';
import { mkdtempSync, readdirSync, readFileSync, rmSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { ConfigError } from '@sharedcare/common';
import { readGatewayConfig, readGatewayDatabaseSettings } from './gateway-config.js';

function problems(env: NodeJS.ProcessEnv): string[] {
  try {
    readGatewayConfig(env);
  } catch (error) {
    if (error instanceof ConfigError) return error.problems;
    throw error;
  }
  return [];
}

/** Everything production requires, valid. */
const production = () => ({
  NODE_ENV: 'production',
  DATABASE_URL: 'postgres://db/gateway',
  ALLOWED_ORIGINS: 'https://app.example.org',
  GATEWAY_MASTER_KEY: randomBytes(32).toString('base64'),
  INTERNAL_API_KEY: randomBytes(32).toString('base64'),
});

describe('readGatewayConfig', () => {
  let dataDir: string;
  beforeEach(() => {
    dataDir = mkdtempSync(join(tmpdir(), 'gateway-config-'));
  });
  afterEach(() => rmSync(dataDir, { recursive: true, force: true }));

  it('runs on defaults with only DATA_DIR set: loopback, embedded database, local auth service', () => {
    const config = readGatewayConfig({ DATA_DIR: dataDir });
    expect(config).toEqual({
      host: '127.0.0.1',
      port: 3000,
      databaseUrl: undefined,
      embeddedDataDir: join(dataDir, 'gateway', 'pgdata'),
      migrateAtBoot: true,
      auth: {
        url: 'http://127.0.0.1:3001',
        jwksUrl: 'http://127.0.0.1:3001/.well-known/jwks.json',
        issuer: 'http://127.0.0.1:3001',
        audience: 'sharedcare-api',
      },
      allowedOrigins: ['http://127.0.0.1:3000', 'http://localhost:3000'],
      webClient: { dir: join(process.cwd(), 'dist/web'), authUrl: 'http://127.0.0.1:3001' },
      http: { trustProxy: false, apiDocs: true },
      logLevel: 'info',
      masterKey: expect.any(Buffer),
      internalApiKey: expect.any(Buffer),
      directorySyncSeconds: 60,
      demo: true,
      redisUrl: undefined,
      socketEventBudget: 60,
      previousMasterKeys: [],
      shutdownDrainMs: 10_000,
      metrics: { host: '127.0.0.1', port: 9464 },
    });
  });

  it('serves metrics where GATEWAY_METRICS_HOST and GATEWAY_METRICS_PORT say, and refuses a bad port', () => {
    expect(
      readGatewayConfig({ DATA_DIR: dataDir, GATEWAY_METRICS_HOST: '10.0.0.5', GATEWAY_METRICS_PORT: '9100' }).metrics,
    ).toEqual({ host: '10.0.0.5', port: 9100 });
    expect(problems({ DATA_DIR: dataDir, GATEWAY_METRICS_PORT: 'metrics' })).toEqual([
      'GATEWAY_METRICS_PORT must be an integer between 0 and 65535',
    ]);
  });

  it('takes REDIS_URL for scale-out, and refuses a URL of another scheme', () => {
    expect(readGatewayConfig({ DATA_DIR: dataDir, REDIS_URL: 'redis://cache:6379' }).redisUrl).toBe(
      'redis://cache:6379',
    );
    expect(problems({ DATA_DIR: dataDir, REDIS_URL: 'http://cache:6379' })).toEqual([
      'REDIS_URL must be a redis:// or rediss:// URL',
    ]);
  });

  it('outside production, shares the internal API key with the auth service through <DATA_DIR>/internal-api.key', () => {
    const first = readGatewayConfig({ DATA_DIR: dataDir }).internalApiKey;
    expect(Buffer.from(readFileSync(join(dataDir, 'internal-api.key'), 'utf8'), 'base64')).toEqual(first);
    const key = randomBytes(32);
    expect(readGatewayConfig({ DATA_DIR: dataDir, INTERNAL_API_KEY: key.toString('base64') }).internalApiKey).toEqual(
      key,
    );
    expect(problems({ DATA_DIR: dataDir, DIRECTORY_SYNC_SECONDS: '-1' })).toEqual([
      'DIRECTORY_SYNC_SECONDS must be an integer between 0 and 86400',
    ]);
  });

  it('outside production, makes a master key once under DATA_DIR (mode 0600) and reuses it', () => {
    const first = readGatewayConfig({ DATA_DIR: dataDir }).masterKey;
    const file = join(dataDir, 'gateway', 'master.key');
    expect(statSync(file).mode & 0o777).toBe(0o600);
    expect(first).toHaveLength(32);
    expect(Buffer.from(readFileSync(file, 'utf8'), 'base64')).toEqual(first);
    expect(readGatewayConfig({ DATA_DIR: dataDir }).masterKey).toEqual(first);
  });

  it('takes GATEWAY_MASTER_KEY from the environment, and refuses a short or placeholder one', () => {
    const key = randomBytes(32);
    expect(readGatewayConfig({ DATA_DIR: dataDir, GATEWAY_MASTER_KEY: key.toString('base64') }).masterKey).toEqual(key);
    expect(problems({ DATA_DIR: dataDir, GATEWAY_MASTER_KEY: randomBytes(16).toString('base64') })).toEqual([
      'GATEWAY_MASTER_KEY must be 32 bytes encoded as base64',
    ]);
    expect(problems({ DATA_DIR: dataDir, GATEWAY_MASTER_KEY: Buffer.alloc(32).toString('base64') })).toEqual([
      'GATEWAY_MASTER_KEY is a placeholder (one repeated byte); use 32 random bytes',
    ]);
  });

  it('takes GATEWAY_PREVIOUS_MASTER_KEYS, comma-separated, in order', () => {
    const current = randomBytes(32);
    const [first, second] = [randomBytes(32), randomBytes(32)];
    const config = readGatewayConfig({
      DATA_DIR: dataDir,
      GATEWAY_MASTER_KEY: current.toString('base64'),
      GATEWAY_PREVIOUS_MASTER_KEYS: ` ${first.toString('base64')} ,${second.toString('base64url')}`,
    });
    expect(config.masterKey).toEqual(current);
    expect(config.previousMasterKeys).toEqual([first, second]);
    // Beside the local key file outside production too.
    expect(
      readGatewayConfig({ DATA_DIR: dataDir, GATEWAY_PREVIOUS_MASTER_KEYS: first.toString('base64') })
        .previousMasterKeys,
    ).toEqual([first]);
  });

  it('refuses a previous master key that is not base64, short, a placeholder, the current key or a repeat, naming only its position', () => {
    const current = randomBytes(32);
    const good = randomBytes(32).toString('base64');
    const previous = [
      good,
      `${good.slice(0, 20)}!${good.slice(21)}`,
      randomBytes(16).toString('base64'),
      Buffer.alloc(32, 7).toString('base64'),
      current.toString('base64url'),
      good,
    ];
    const env = {
      DATA_DIR: dataDir,
      GATEWAY_MASTER_KEY: current.toString('base64'),
      GATEWAY_PREVIOUS_MASTER_KEYS: previous.join(','),
    };
    const found = problems(env);
    expect(found).toEqual([
      'GATEWAY_PREVIOUS_MASTER_KEYS entry 2 is not base64',
      'GATEWAY_PREVIOUS_MASTER_KEYS entry 3 must be 32 bytes encoded as base64',
      'GATEWAY_PREVIOUS_MASTER_KEYS entry 4 is a placeholder (one repeated byte); use 32 random bytes',
      'GATEWAY_PREVIOUS_MASTER_KEYS entry 5 is the current GATEWAY_MASTER_KEY; list only the keys it replaces',
      'GATEWAY_PREVIOUS_MASTER_KEYS entry 6 repeats an earlier entry',
    ]);
    // A key is a secret: no message repeats one.
    for (const key of [...previous, current.toString('base64')]) {
      for (const message of found) expect(message).not.toContain(key.slice(0, 12));
    }
    // The current key from the local key file counts too.
    const local = readGatewayConfig({ DATA_DIR: dataDir }).masterKey;
    expect(problems({ DATA_DIR: dataDir, GATEWAY_PREVIOUS_MASTER_KEYS: local.toString('base64') })).toEqual([
      'GATEWAY_PREVIOUS_MASTER_KEYS entry 1 is the current GATEWAY_MASTER_KEY; list only the keys it replaces',
    ]);
  });

  it('derives the JWKS URL and issuer from AUTH_URL, and lets each be overridden', () => {
    expect(readGatewayConfig({ AUTH_URL: 'https://auth.example.org/', DATA_DIR: dataDir })).toMatchObject({
      auth: { jwksUrl: 'https://auth.example.org/.well-known/jwks.json', issuer: 'https://auth.example.org/' },
      embeddedDataDir: join(dataDir, 'gateway', 'pgdata'),
      migrateAtBoot: true,
    });
    expect(
      readGatewayConfig({
        DATA_DIR: dataDir,
        AUTH_URL: 'http://auth:3001',
        AUTH_JWKS_URL: 'http://auth:3001/keys',
        AUTH_ISSUER: 'https://auth.example.org',
        AUTH_AUDIENCE: 'consult',
      }).auth,
    ).toEqual({
      url: 'http://auth:3001',
      jwksUrl: 'http://auth:3001/keys',
      issuer: 'https://auth.example.org',
      audience: 'consult',
    });
  });

  it('names every bad variable at once', () => {
    expect(
      problems({
        DATA_DIR: dataDir,
        GATEWAY_PORT: 'http',
        DATABASE_URL: 'mysql://db/x',
        AUTH_URL: 'not a url',
        ALLOWED_ORIGINS: 'https://app.example.org,*,https://x.example.org/path',
        LOG_LEVEL: 'loud',
      }),
    ).toEqual([
      'GATEWAY_PORT must be an integer between 0 and 65535',
      'DATABASE_URL must be a postgres:// URL',
      'AUTH_URL must be a URL',
      'ALLOWED_ORIGINS must be a comma-separated list of origins like https://app.example.org (not *, https://x.example.org/path)',
      'LOG_LEVEL must be one of fatal, error, warn, info, debug, trace, silent',
    ]);
  });

  it('refuses the embedded database, the default origins and a missing master key in production, saying so', () => {
    expect(problems({ NODE_ENV: 'production', DATA_DIR: dataDir })).toEqual([
      'DATABASE_URL is required in production: the embedded database is for demos and tests',
      'GATEWAY_MASTER_KEY is required in production (32 random bytes, base64)',
      'INTERNAL_API_KEY is required in production (32 random bytes, base64)',
      'ALLOWED_ORIGINS is required in production: the browser origins of the web client',
    ]);
    // Production never falls back to a key file.
    expect(() => statSync(join(dataDir, 'gateway', 'master.key'))).toThrow();
    expect(problems(production())).toEqual([]);
  });

  it('serves the web client in demo mode only, with the page’s own origin allowed, and never in production', () => {
    const demo = readGatewayConfig({ DATA_DIR: dataDir, GATEWAY_PORT: '4100' });
    expect(demo.webClient).toEqual({ dir: join(process.cwd(), 'dist/web'), authUrl: 'http://127.0.0.1:3001' });
    expect(demo.allowedOrigins).toEqual(['http://127.0.0.1:4100', 'http://localhost:4100']);
    expect(readGatewayConfig({ DATA_DIR: dataDir, DATABASE_URL: 'postgres://db/gateway' }).webClient).toBeUndefined();
    expect(
      readGatewayConfig({ DATA_DIR: dataDir, DEMO: 'false', SERVE_WEB_CLIENT: 'true', WEB_CLIENT_DIR: '/srv/web' })
        .webClient,
    ).toEqual({ dir: '/srv/web', authUrl: 'http://127.0.0.1:3001' });
    expect(problems({ ...production(), SERVE_WEB_CLIENT: 'true' })).toEqual([
      'SERVE_WEB_CLIENT is for demos: in production nginx serves the web client',
    ]);
  });

  it('migrates at boot unless MIGRATE_AT_BOOT is false, and refuses another value', () => {
    expect(readGatewayConfig({ DATA_DIR: dataDir, MIGRATE_AT_BOOT: 'false' }).migrateAtBoot).toBe(false);
    expect(problems({ DATA_DIR: dataDir, MIGRATE_AT_BOOT: 'later' })).toEqual([
      'MIGRATE_AT_BOOT must be true or false',
    ]);
  });

  it('reads the database settings alone for the migration command, which needs no key even in production', () => {
    const production = { NODE_ENV: 'production', DATA_DIR: dataDir };
    expect(readGatewayDatabaseSettings({ ...production, DATABASE_URL: 'postgres://db/gateway' })).toEqual({
      databaseUrl: 'postgres://db/gateway',
      embeddedDataDir: join(dataDir, 'gateway', 'pgdata'),
    });
    expect(() => readGatewayDatabaseSettings(production)).toThrow(/DATABASE_URL is required in production/);
    expect(readdirSync(dataDir)).toEqual([]);
  });
});
