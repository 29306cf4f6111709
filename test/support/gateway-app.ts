import { randomBytes } from 'node:crypto';
import type { INestApplication } from '@nestjs/common';
import { io, type Socket as ClientSocket, type ManagerOptions, type SocketOptions } from 'socket.io-client';
import { remoteKeySource } from '@sharedcare/auth';
import type { Clock } from '@sharedcare/common';
import { type GatewayConfig, readGatewayConfig } from '../../apps/gateway/src/config/gateway-config.js';
import { gatewayEntities, gatewayMigrations } from '../../apps/gateway/src/database/schema.js';
import { createGatewayApp } from '../../apps/gateway/src/gateway-app.js';
import { createTestIssuer, serveJwks, type JwksServer, type TestIssuer } from './access-tokens.js';
import { createTestDatabase, type TestDatabase } from './test-database.js';

export const ALLOWED_ORIGIN = 'http://127.0.0.1:3000';

export interface TestGateway {
  app: INestApplication;
  url: string;
  issuer: TestIssuer;
  jwks: JwksServer;
  db: TestDatabase;
  /** The master key this gateway wraps client keys with (a second process needs the same). */
  masterKey: Buffer;
  /** A socket.io client on `/consult`, not yet connected unless `autoConnect` is set. */
  socket(options?: Partial<ManagerOptions & SocketOptions>): ClientSocket;
  stop(): Promise<void>;
}

/**
 * The consult service in-process on port 0 (CONVENTIONS 14): a fresh migrated database, and a
 * local JWKS server standing in for the auth service, fetched over HTTP like the real one.
 */
export async function startTestGateway(
  options: {
    clock?: Clock;
    config?: Partial<GatewayConfig>;
    /** Another gateway's database and token issuer: a second process of the same deployment. */
    sharing?: Pick<TestGateway, 'db' | 'issuer' | 'jwks'> & { masterKey: Buffer };
    /**
     * Read the directory and session events from an auth service at `config.auth.url` (a stand-in
     * the test serves); off by default, as no auth service runs here.
     */
    authService?: boolean;
  } = {},
): Promise<TestGateway> {
  const issuer = options.sharing?.issuer ?? (await createTestIssuer());
  const jwks = options.sharing?.jwks ?? (await serveJwks(issuer.jwks));
  const db = options.sharing?.db ?? (await createTestDatabase('gateway', gatewayEntities, gatewayMigrations));
  const config: GatewayConfig = {
    ...readGatewayConfig({
      LOG_LEVEL: process.env.TEST_LOG_LEVEL ?? 'silent',
      // A key per test gateway: nothing is written under the repository's .data/.
      GATEWAY_MASTER_KEY: (options.sharing?.masterKey ?? randomBytes(32)).toString('base64'),
    }),
    port: 0,
    metrics: { host: '127.0.0.1', port: 0 },
    auth: { url: issuer.issuer, jwksUrl: jwks.url, issuer: issuer.issuer, audience: issuer.audience },
    ...options.config,
  };
  const app = await createGatewayApp({
    config,
    database: db,
    keys: remoteKeySource(jwks.url),
    clock: options.clock,
    // Without an auth service, providers reach the directory from their tokens (or a test seeds it).
    directorySync: options.authService ?? false,
  });
  await app.listen(0, '127.0.0.1');
  const url = (await app.getUrl()).replace('[::1]', '127.0.0.1');
  const sockets: ClientSocket[] = [];
  return {
    app,
    url,
    issuer,
    jwks,
    db,
    masterKey: config.masterKey,
    socket(socketOptions = {}) {
      const socket = io(`${url}/consult`, {
        autoConnect: false,
        reconnection: false,
        forceNew: true,
        ...socketOptions,
      });
      sockets.push(socket);
      return socket;
    },
    async stop() {
      for (const socket of sockets) socket.disconnect();
      await app.close();
      // A gateway started `sharing` another's database and issuer leaves them to their owner.
      if (!options.sharing) {
        await db.stop();
        await jwks.close();
      }
    },
  };
}

/** Resolves with the outcome of a socket's connection attempt; never waits on a timer. */
export function connectOutcome(
  socket: ClientSocket,
): Promise<{ connected: true } | { connected: false; error: Error & { data?: unknown } }> {
  return new Promise((resolve) => {
    socket.once('connect', () => resolve({ connected: true }));
    socket.once('connect_error', (error) => resolve({ connected: false, error }));
    socket.connect();
  });
}
