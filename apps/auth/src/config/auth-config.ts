import { join, resolve } from 'node:path';
import {
  DEFAULT_SHUTDOWN_DRAIN_MS,
  EnvReader,
  type HttpSettings,
  type MetricsListen,
  type RateLimitOverrides,
  readHttpSettings,
  readMetricsListen,
  readOrCreateLocalKey,
} from '@sharedcare/common';
import { REFRESH_IDLE_SECONDS } from '@sharedcare/contract';

export interface RateBudget {
  points: number;
  durationSeconds: number;
}

/** The auth service's configuration, read and checked once at boot (CONVENTIONS 12). */
export interface AuthConfig {
  production: boolean;
  host: string;
  port: number;
  /** Absent: the embedded PGlite under `${dataDir}/auth/pgdata`. */
  databaseUrl: string | undefined;
  dataDir: string;
  /**
   * Run pending migrations at boot (the default). Off where a separate job runs them as the
   * tables' owner (`npm run migrate:auth`); the service then refuses a schema left behind.
   */
  migrateAtBoot: boolean;
  issuer: string;
  audience: string;
  /** Seals signing keys and TOTP secrets at rest (AES-256-GCM). */
  keyEncryptionKey: Buffer;
  /** The bearer secret other services present on `/internal/*` routes (the consult service's directory sync). */
  internalApiKey: Buffer;
  demo: boolean;
  redisUrl: string | undefined;
  logLevel: string;
  http: HttpSettings;
  rateLimits: RateLimitOverrides;
  /** How long a shutdown waits for requests under way before closing anyway (SHUTDOWN_DRAIN_MS). */
  shutdownDrainMs: number;
  /** The Prometheus endpoint's own listener (AUTH_METRICS_HOST, AUTH_METRICS_PORT). */
  metrics: MetricsListen;
}

/** Rules with fixed values (the issue names them); here so every rule reads the same numbers. */
export const AUTH_POLICY = {
  accessTokenTtlSeconds: 600,
  /** A superseded signing key stays published this long after rotation: the access TTL plus margin. */
  keyRetireAfterSeconds: 600 + 300,
  refreshIdleSeconds: REFRESH_IDLE_SECONDS,
  refreshAbsoluteSeconds: 12 * 60 * 60,
  inviteTtlSeconds: 7 * 24 * 60 * 60,
  mfaTokenTtlSeconds: 5 * 60,
  mfaMaxFailedAttempts: 5,
  lockoutThreshold: 5,
  lockoutWindowSeconds: 15 * 60,
  lockoutCooldownSeconds: 15 * 60,
} as const;

/** Per-IP request budgets by route; each can be set as `<points>/<seconds>` in the environment. */
export const DEFAULT_RATE_LIMITS = {
  'auth.login': { points: 20, durationSeconds: 60, env: 'AUTH_RATE_LIMIT_LOGIN' },
  'auth.register': { points: 10, durationSeconds: 600, env: 'AUTH_RATE_LIMIT_REGISTER' },
  'auth.refresh': { points: 60, durationSeconds: 60, env: 'AUTH_RATE_LIMIT_REFRESH' },
  'auth.mfa': { points: 20, durationSeconds: 60, env: 'AUTH_RATE_LIMIT_MFA' },
} as const;

export type RateLimitName = keyof typeof DEFAULT_RATE_LIMITS;

/** Never accepted in production: the all-zero key that examples and careless scripts produce. */
/**
 * Outside production, with no AUTH_KEY_ENCRYPTION_KEY, the service makes one key on first start
 * and keeps it beside the embedded data (mode 0600), so sealed keys and secrets open after a restart.
 */
export function localKeyEncryptionKey(dataDir: string): Buffer {
  return readOrCreateLocalKey(join(dataDir, 'auth', 'key-encryption.key'));
}

/**
 * Outside production, with no INTERNAL_API_KEY, the key shared with the consult service lives at
 * `<DATA_DIR>/internal-api.key`, outside either service's own folder: both read the same file.
 */
export function localInternalApiKey(dataDir: string): Buffer {
  return readOrCreateLocalKey(join(resolve(dataDir), 'internal-api.key'));
}

function rateBudget(env: EnvReader, name: string, fallback: RateBudget): RateBudget {
  const raw = env.optionalString(name);
  if (raw === undefined) return fallback;
  const match = /^(\d{1,7})\/(\d{1,7})$/.exec(raw.trim());
  if (!match || Number(match[1]) < 1 || Number(match[2]) < 1) {
    env.problem(`${name} must look like <requests>/<seconds>, e.g. 20/60`);
    return fallback;
  }
  return { points: Number(match[1]), durationSeconds: Number(match[2]) };
}

type AuthDatabaseSettings = Pick<AuthConfig, 'databaseUrl' | 'dataDir'>;

function databaseSettings(env: EnvReader): AuthDatabaseSettings {
  const databaseUrl = env.url('AUTH_DATABASE_URL');
  if (env.isProduction && databaseUrl === undefined)
    env.problem('AUTH_DATABASE_URL is required in production (the embedded database is for demos and tests)');
  return { databaseUrl, dataDir: resolve(env.string('DATA_DIR', '.data')) };
}

/**
 * Where the auth service's database is, and nothing else: the migration command reads only this,
 * so the job that owns the tables never holds the service's keys.
 */
export function loadAuthDatabaseSettings(source: NodeJS.ProcessEnv): AuthDatabaseSettings {
  const env = new EnvReader(source);
  const settings = databaseSettings(env);
  env.done();
  return settings;
}

/** The embedded database's directory when there is no AUTH_DATABASE_URL. */
export function embeddedAuthDataDir(dataDir: string): string {
  return join(dataDir, 'auth', 'pgdata');
}

/** Reads the environment; throws a ConfigError naming every bad variable. */
export function loadAuthConfig(source: NodeJS.ProcessEnv): AuthConfig {
  const env = new EnvReader(source);
  const production = env.isProduction;
  const host = env.string('AUTH_HOST', '127.0.0.1');
  const port = env.int('AUTH_PORT', 3001, { min: 0, max: 65535 });
  const { databaseUrl, dataDir } = databaseSettings(env);
  const migrateAtBoot = env.boolean('MIGRATE_AT_BOOT', true);
  const issuer = env.url('AUTH_ISSUER', `http://127.0.0.1:${port}`) as string;
  const audience = env.string('AUTH_AUDIENCE', 'sharedcare-api');
  const redisUrl = env.url('REDIS_URL');
  const logLevel = env.logLevel();
  const http = readHttpSettings(env);
  const shutdownDrainMs = env.int('SHUTDOWN_DRAIN_MS', DEFAULT_SHUTDOWN_DRAIN_MS, { min: 0, max: 600_000 });
  const metrics = readMetricsListen(env, 'AUTH', 9465);
  const demo = env.boolean('DEMO', !production && databaseUrl === undefined);
  if (production && demo) env.problem('DEMO must not be enabled in production (demo accounts are never seeded there)');
  const keyEncryptionKey = env.key('AUTH_KEY_ENCRYPTION_KEY', () => localKeyEncryptionKey(dataDir));
  const internalApiKey = env.key('INTERNAL_API_KEY', () => localInternalApiKey(dataDir));
  // The key-encryption key never leaves this service; the internal key is handed to another one.
  if (internalApiKey.equals(keyEncryptionKey) && env.optionalString('INTERNAL_API_KEY') !== undefined)
    env.problem('INTERNAL_API_KEY must differ from AUTH_KEY_ENCRYPTION_KEY');
  const rateLimits: RateLimitOverrides = {};
  for (const [name, { env: variable, points, durationSeconds }] of Object.entries(DEFAULT_RATE_LIMITS)) {
    rateLimits[name] = rateBudget(env, variable, { points, durationSeconds });
  }
  env.done();
  return {
    production,
    host,
    port,
    databaseUrl,
    dataDir,
    migrateAtBoot,
    issuer,
    audience,
    keyEncryptionKey,
    internalApiKey,
    demo,
    redisUrl,
    logLevel,
    http,
    rateLimits,
    shutdownDrainMs,
    metrics,
  };
}
