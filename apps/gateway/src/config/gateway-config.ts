import { join, resolve } from 'node:path';
import {
  DEFAULT_SHUTDOWN_DRAIN_MS,
  EnvReader,
  type HttpSettings,
  type MetricsListen,
  readHttpSettings,
  readMetricsListen,
  readOrCreateLocalKey,
} from '@sharedcare/common';

export interface GatewayConfig {
  host: string;
  port: number;
  /** A real PostgreSQL server; absent means the embedded database in `embeddedDataDir`. */
  databaseUrl?: string;
  embeddedDataDir: string;
  /**
   * Run pending migrations at boot (the default). Off where a separate job runs them as the
   * tables' owner (`npm run migrate:gateway`); the service then refuses a schema left behind.
   */
  migrateAtBoot: boolean;
  auth: {
    /** The auth service's base URL (the directory sync reads its internal routes). */
    url: string;
    /** Where the JWKS is fetched from. */
    jwksUrl: string;
    /** Expected `iss` of access tokens. */
    issuer: string;
    /** Expected `aud` of access tokens. */
    audience: string;
  };
  /** Browser origins allowed to call the REST API (CORS) and to open a socket. */
  allowedOrigins: string[];
  /**
   * The web client's built files (`npm run build` writes dist/web), served at / with the auth
   * service's /auth/ routes passed through, so the page reaches both services on its own origin as
   * behind nginx. On in demo mode; in production nginx serves them. Absent: not served.
   */
  webClient?: { dir: string; authUrl: string };
  logLevel: string;
  http: HttpSettings;
  /** Wraps every client data key (AES-256-GCM); see ClientKeyring in libs/crypto. */
  masterKey: Buffer;
  /** Shared with the auth service for its internal routes (the provider directory). */
  internalApiKey: Buffer;
  /** Seconds between provider-directory syncs from the auth service; 0 syncs at boot only. */
  directorySyncSeconds: number;
  /** Seed the demo's shared client (on by default only on the embedded database). */
  demo: boolean;
  /** Shares rooms and session events between consult-service processes; absent: one process. */
  redisUrl?: string;
  /** Socket events one provider may send per 10 seconds on one process. */
  socketEventBudget: number;
  /**
   * Earlier master keys, which only unwrap data keys that `npm run master-key:rotate` has not
   * rewrapped under `masterKey` yet (README, Rotating the master key).
   */
  previousMasterKeys: Buffer[];
  /** How long a shutdown waits for sends under way before closing anyway (SHUTDOWN_DRAIN_MS). */
  shutdownDrainMs: number;
  /** The Prometheus endpoint's own listener (GATEWAY_METRICS_HOST, GATEWAY_METRICS_PORT). */
  metrics: MetricsListen;
}

/** Outside production, the page this service serves itself (the web client in demo mode). */
export function defaultAllowedOrigins(port: number): string[] {
  return [`http://127.0.0.1:${port}`, `http://localhost:${port}`];
}

function isOrigin(value: string): boolean {
  try {
    const url = new URL(value);
    return (url.protocol === 'http:' || url.protocol === 'https:') && url.origin === value;
  } catch {
    return false;
  }
}

const BASE64 = /^(?:[A-Za-z0-9+/]+={0,2}|[A-Za-z0-9_-]+)$/;

/**
 * GATEWAY_PREVIOUS_MASTER_KEYS: comma-separated base64 keys, each checked as GATEWAY_MASTER_KEY is
 * and more strictly (Node's base64 decoder skips characters it does not know, so a mangled key
 * could otherwise pass as some other 32 bytes). Problems name entries by position, never by value.
 */
function readPreviousMasterKeys(env: EnvReader, current: Buffer): Buffer[] {
  const name = 'GATEWAY_PREVIOUS_MASTER_KEYS';
  const keys: Buffer[] = [];
  for (const [index, raw] of env.list(name, []).entries()) {
    const entry = `${name} entry ${index + 1}`;
    const key = Buffer.from(raw, 'base64');
    if (!BASE64.test(raw)) env.problem(`${entry} is not base64`);
    else if (key.length !== 32) env.problem(`${entry} must be 32 bytes encoded as base64`);
    else if (key.every((byte) => byte === key[0])) {
      env.problem(`${entry} is a placeholder (one repeated byte); use 32 random bytes`);
    } else if (key.equals(current)) {
      env.problem(`${entry} is the current GATEWAY_MASTER_KEY; list only the keys it replaces`);
    } else if (keys.some((other) => other.equals(key))) env.problem(`${entry} repeats an earlier entry`);
    else keys.push(key);
  }
  return keys;
}

type GatewayDatabaseSettings = Pick<GatewayConfig, 'databaseUrl' | 'embeddedDataDir'>;

function databaseSettings(env: EnvReader): GatewayDatabaseSettings {
  const databaseUrl = env.url('DATABASE_URL');
  if (databaseUrl && !/^postgres(ql)?:\/\//.test(databaseUrl)) env.problem('DATABASE_URL must be a postgres:// URL');
  if (!databaseUrl && env.isProduction) {
    env.problem('DATABASE_URL is required in production: the embedded database is for demos and tests');
  }
  return { databaseUrl, embeddedDataDir: resolve(env.string('DATA_DIR', '.data'), 'gateway', 'pgdata') };
}

/**
 * Where the consult service's database is, and nothing else: the migration command reads only
 * this, so the job that owns the tables never holds the master key.
 */
export function readGatewayDatabaseSettings(environment: NodeJS.ProcessEnv): GatewayDatabaseSettings {
  const env = new EnvReader(environment);
  const settings = databaseSettings(env);
  env.done();
  return settings;
}

/**
 * The gateway's configuration, read and checked once at boot (CONVENTIONS 12). Throws a
 * ConfigError naming every bad variable.
 */
export function readGatewayConfig(environment: NodeJS.ProcessEnv): GatewayConfig {
  const env = new EnvReader(environment);
  const host = env.string('GATEWAY_HOST', '127.0.0.1');
  const port = env.int('GATEWAY_PORT', 3000, { min: 0, max: 65535 });

  const { databaseUrl, embeddedDataDir } = databaseSettings(env);
  const migrateAtBoot = env.boolean('MIGRATE_AT_BOOT', true);
  const demo = env.boolean('DEMO', !env.isProduction && databaseUrl === undefined);
  if (demo && env.isProduction) env.problem('DEMO must not be enabled in production (demo data is never seeded there)');
  const dataDir = env.string('DATA_DIR', '.data');
  const masterKey = env.key('GATEWAY_MASTER_KEY', () =>
    readOrCreateLocalKey(join(resolve(dataDir), 'gateway', 'master.key')),
  );
  const previousMasterKeys = readPreviousMasterKeys(env, masterKey);

  // Both services read the same file in demo mode (the shared DATA_DIR).
  const internalApiKey = env.key('INTERNAL_API_KEY', () =>
    readOrCreateLocalKey(join(resolve(dataDir), 'internal-api.key')),
  );
  const directorySyncSeconds = env.int('DIRECTORY_SYNC_SECONDS', 60, { min: 0, max: 86_400 });

  const authUrl = env.url('AUTH_URL', 'http://127.0.0.1:3001') as string;
  const jwksUrl =
    env.optionalString('AUTH_JWKS_URL') === undefined
      ? `${authUrl.replace(/\/+$/, '')}/.well-known/jwks.json`
      : (env.url('AUTH_JWKS_URL') as string);
  const issuer = env.string('AUTH_ISSUER', authUrl);
  const audience = env.string('AUTH_AUDIENCE', 'sharedcare-api');

  const allowedOrigins = env.list('ALLOWED_ORIGINS', defaultAllowedOrigins(port));
  const badOrigins = allowedOrigins.filter((origin) => !isOrigin(origin));
  if (badOrigins.length > 0) {
    env.problem(
      `ALLOWED_ORIGINS must be a comma-separated list of origins like https://app.example.org (not ${badOrigins.join(', ')})`,
    );
  }
  if (env.isProduction && env.optionalString('ALLOWED_ORIGINS') === undefined) {
    env.problem('ALLOWED_ORIGINS is required in production: the browser origins of the web client');
  }

  const serveWeb = env.boolean('SERVE_WEB_CLIENT', demo);
  if (serveWeb && env.isProduction)
    env.problem('SERVE_WEB_CLIENT is for demos: in production nginx serves the web client');
  const webClient = serveWeb ? { dir: resolve(env.string('WEB_CLIENT_DIR', 'dist/web')), authUrl } : undefined;

  const redisUrl = env.url('REDIS_URL');
  if (redisUrl && !/^rediss?:\/\//.test(redisUrl)) env.problem('REDIS_URL must be a redis:// or rediss:// URL');

  const socketEventBudget = env.int('SOCKET_EVENT_BUDGET', 60, { min: 1, max: 100_000 });
  const shutdownDrainMs = env.int('SHUTDOWN_DRAIN_MS', DEFAULT_SHUTDOWN_DRAIN_MS, { min: 0, max: 600_000 });

  const logLevel = env.logLevel();
  const http = readHttpSettings(env);
  const metrics = readMetricsListen(env, 'GATEWAY', 9464);

  env.done();
  return {
    host,
    port,
    databaseUrl,
    embeddedDataDir,
    migrateAtBoot,
    auth: { url: authUrl, jwksUrl, issuer, audience },
    allowedOrigins,
    ...(webClient ? { webClient } : {}),
    logLevel,
    http,
    masterKey,
    internalApiKey,
    directorySyncSeconds,
    demo,
    previousMasterKeys,
    redisUrl,
    socketEventBudget,
    shutdownDrainMs,
    metrics,
  };
}
