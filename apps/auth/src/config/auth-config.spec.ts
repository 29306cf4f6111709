import { mkdtempSync, readdirSync, readFileSync, rmSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { ConfigError } from '@sharedcare/common';
import { loadAuthConfig, loadAuthDatabaseSettings } from './auth-config.js';

describe('loadAuthConfig', () => {
  let dataDir: string;
  beforeEach(() => {
    dataDir = mkdtempSync(join(tmpdir(), 'auth-config-'));
  });
  afterEach(() => rmSync(dataDir, { recursive: true, force: true }));

  it('has working defaults outside production: embedded database, demo on, a local key made once', () => {
    const config = loadAuthConfig({ DATA_DIR: dataDir });
    expect(config).toMatchObject({
      host: '127.0.0.1',
      port: 3001,
      databaseUrl: undefined,
      issuer: 'http://127.0.0.1:3001',
      audience: 'sharedcare-api',
      demo: true,
      production: false,
      migrateAtBoot: true,
      metrics: { host: '127.0.0.1', port: 9465 },
    });
    const file = join(dataDir, 'auth', 'key-encryption.key');
    expect(statSync(file).mode & 0o777).toBe(0o600);
    expect(Buffer.from(readFileSync(file, 'utf8'), 'base64')).toEqual(config.keyEncryptionKey);
    expect(loadAuthConfig({ DATA_DIR: dataDir }).keyEncryptionKey).toEqual(config.keyEncryptionKey);
    expect(config.rateLimits['auth.login']).toEqual({ points: 20, durationSeconds: 60 });
  });

  it('serves metrics where AUTH_METRICS_HOST and AUTH_METRICS_PORT say', () => {
    expect(loadAuthConfig({ DATA_DIR: dataDir, AUTH_METRICS_HOST: '::1', AUTH_METRICS_PORT: '0' }).metrics).toEqual({
      host: '::1',
      port: 0,
    });
    expect(() => loadAuthConfig({ DATA_DIR: dataDir, AUTH_METRICS_PORT: '70000' })).toThrow(
      'AUTH_METRICS_PORT must be an integer between 0 and 65535',
    );
  });

  it('derives the issuer from the port and turns demo off with a database URL', () => {
    const config = loadAuthConfig({ DATA_DIR: dataDir, AUTH_PORT: '4001', AUTH_DATABASE_URL: 'postgres://db/auth' });
    expect(config.issuer).toBe('http://127.0.0.1:4001');
    expect(config.demo).toBe(false);
  });

  it('reads rate budgets and refuses malformed ones', () => {
    expect(loadAuthConfig({ DATA_DIR: dataDir, AUTH_RATE_LIMIT_LOGIN: '3/60' }).rateLimits['auth.login']).toEqual({
      points: 3,
      durationSeconds: 60,
    });
    expect(() => loadAuthConfig({ DATA_DIR: dataDir, AUTH_RATE_LIMIT_LOGIN: 'lots' })).toThrow(/AUTH_RATE_LIMIT_LOGIN/);
  });

  it('in production refuses the embedded database, demo mode and a missing key, naming each', () => {
    try {
      loadAuthConfig({ NODE_ENV: 'production', DATA_DIR: dataDir, DEMO: 'true' });
      throw new Error('expected a ConfigError');
    } catch (error) {
      expect(error).toBeInstanceOf(ConfigError);
      const problems = (error as ConfigError).problems.join('\n');
      expect(problems).toMatch(/AUTH_DATABASE_URL is required in production/);
      expect(problems).toMatch(/DEMO must not be enabled in production/);
      expect(problems).toMatch(/AUTH_KEY_ENCRYPTION_KEY is required in production/);
      expect(problems).toMatch(/INTERNAL_API_KEY is required in production/);
    }
  });

  it('in production refuses a placeholder key and accepts a real one, never seeding', () => {
    const base = { NODE_ENV: 'production', DATA_DIR: dataDir, AUTH_DATABASE_URL: 'postgres://db/auth' };
    expect(() => loadAuthConfig({ ...base, AUTH_KEY_ENCRYPTION_KEY: Buffer.alloc(32).toString('base64') })).toThrow(
      /AUTH_KEY_ENCRYPTION_KEY is a placeholder/,
    );
    const key = Buffer.from(Array.from({ length: 32 }, (_, i) => (i * 37 + 11) % 256));
    const internalKey = Buffer.from(Array.from({ length: 32 }, (_, i) => (i * 53 + 7) % 256));
    const config = loadAuthConfig({
      ...base,
      AUTH_KEY_ENCRYPTION_KEY: key.toString('base64'),
      INTERNAL_API_KEY: internalKey.toString('base64'),
    });
    expect(config.keyEncryptionKey).toEqual(key);
    expect(config.internalApiKey).toEqual(internalKey);
    expect(config.demo).toBe(false);
    // Nothing is written to DATA_DIR in production: every key comes from the environment.
    expect(readdirSync(dataDir)).toEqual([]);
  });

  it('outside production shares the internal key through <DATA_DIR>/internal-api.key', () => {
    const config = loadAuthConfig({ DATA_DIR: dataDir });
    const file = join(dataDir, 'internal-api.key');
    expect(statSync(file).mode & 0o777).toBe(0o600);
    expect(Buffer.from(readFileSync(file, 'utf8'), 'base64')).toEqual(config.internalApiKey);
    expect(config.internalApiKey).toHaveLength(32);
    expect(config.internalApiKey.equals(config.keyEncryptionKey)).toBe(false);
    expect(loadAuthConfig({ DATA_DIR: dataDir }).internalApiKey).toEqual(config.internalApiKey);
  });

  it('prefers INTERNAL_API_KEY, refusing a weak one or the key-encryption key reused', () => {
    const internalKey = Buffer.from(Array.from({ length: 32 }, (_, i) => (i * 53 + 7) % 256));
    const config = loadAuthConfig({ DATA_DIR: dataDir, INTERNAL_API_KEY: internalKey.toString('base64') });
    expect(config.internalApiKey).toEqual(internalKey);
    expect(readdirSync(dataDir)).not.toContain('internal-api.key');
    expect(() => loadAuthConfig({ DATA_DIR: dataDir, INTERNAL_API_KEY: 'c2hvcnQ=' })).toThrow(
      /INTERNAL_API_KEY must be 32 bytes/,
    );
    expect(() =>
      loadAuthConfig({ DATA_DIR: dataDir, INTERNAL_API_KEY: Buffer.alloc(32, 9).toString('base64') }),
    ).toThrow(/INTERNAL_API_KEY is a placeholder/);
    expect(() =>
      loadAuthConfig({
        DATA_DIR: dataDir,
        AUTH_KEY_ENCRYPTION_KEY: internalKey.toString('base64'),
        INTERNAL_API_KEY: internalKey.toString('base64'),
      }),
    ).toThrow(/INTERNAL_API_KEY must differ from AUTH_KEY_ENCRYPTION_KEY/);
  });

  it('migrates at boot unless MIGRATE_AT_BOOT is false, and refuses another value', () => {
    expect(loadAuthConfig({ DATA_DIR: dataDir, MIGRATE_AT_BOOT: 'false' }).migrateAtBoot).toBe(false);
    expect(() => loadAuthConfig({ DATA_DIR: dataDir, MIGRATE_AT_BOOT: 'later' })).toThrow(
      /MIGRATE_AT_BOOT must be true or false/,
    );
  });

  it('reads the database settings alone for the migration command, which needs no key even in production', () => {
    const production = { NODE_ENV: 'production', DATA_DIR: dataDir };
    expect(loadAuthDatabaseSettings({ ...production, AUTH_DATABASE_URL: 'postgres://db/auth' })).toEqual({
      databaseUrl: 'postgres://db/auth',
      dataDir,
    });
    expect(() => loadAuthDatabaseSettings(production)).toThrow(/AUTH_DATABASE_URL is required in production/);
    expect(readdirSync(dataDir)).toEqual([]);
  });
});
