import { resolve } from 'node:path';
import { ConfigError } from '@sharedcare/common';
import { readGatewayConfig } from './gateway-config.js';

function problems(env: NodeJS.ProcessEnv): string[] {
  try {
    readGatewayConfig(env);
  } catch (error) {
    if (error instanceof ConfigError) return error.problems;
    throw error;
  }
  return [];
}

describe('readGatewayConfig', () => {
  it('runs on defaults with nothing set: loopback, embedded database, local auth service', () => {
    expect(readGatewayConfig({})).toEqual({
      host: '127.0.0.1',
      port: 3000,
      databaseUrl: undefined,
      embeddedDataDir: resolve('.data', 'gateway', 'pgdata'),
      auth: {
        jwksUrl: 'http://127.0.0.1:3001/.well-known/jwks.json',
        issuer: 'http://127.0.0.1:3001',
        audience: 'sharedcare-api',
      },
      allowedOrigins: ['http://127.0.0.1:3000', 'http://localhost:3000'],
      http: { trustProxy: false, apiDocs: true },
      logLevel: 'info',
    });
  });

  it('derives the JWKS URL and issuer from AUTH_URL, and lets each be overridden', () => {
    expect(readGatewayConfig({ AUTH_URL: 'https://auth.example.org/', DATA_DIR: '/var/lib/sc' })).toMatchObject({
      auth: { jwksUrl: 'https://auth.example.org/.well-known/jwks.json', issuer: 'https://auth.example.org/' },
      embeddedDataDir: '/var/lib/sc/gateway/pgdata',
    });
    expect(
      readGatewayConfig({
        AUTH_URL: 'http://auth:3001',
        AUTH_JWKS_URL: 'http://auth:3001/keys',
        AUTH_ISSUER: 'https://auth.example.org',
        AUTH_AUDIENCE: 'consult',
      }).auth,
    ).toEqual({ jwksUrl: 'http://auth:3001/keys', issuer: 'https://auth.example.org', audience: 'consult' });
  });

  it('names every bad variable at once', () => {
    expect(
      problems({
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

  it('refuses the embedded database and the default origins in production, saying so', () => {
    expect(problems({ NODE_ENV: 'production' })).toEqual([
      'DATABASE_URL is required in production: the embedded database is for demos and tests',
      'ALLOWED_ORIGINS is required in production: the browser origins of the web client',
    ]);
    expect(
      problems({
        NODE_ENV: 'production',
        DATABASE_URL: 'postgres://db/gateway',
        ALLOWED_ORIGINS: 'https://app.example.org',
      }),
    ).toEqual([]);
  });
});
