import { randomBytes } from 'node:crypto';
import type { AddressInfo } from 'node:net';
import type { INestApplication } from '@nestjs/common';
import { Test } from '@nestjs/testing';
import { configureApp, FixedClock, ServiceDrain, ServiceMetrics } from '@sharedcare/common';
import type { TestDatabase } from '../../../test/support/test-database.js';
import { AuthAppModule } from '../src/auth-app.module.js';
import type { AuthConfig } from '../src/config/auth-config.js';
import { AuthEventPublisher, type SessionEvent } from '../src/events/auth-event-publisher.js';

/** Configuration for an auth app under test: no demo, generous rate limits unless a test lowers one. */
export function testAuthConfig(overrides: Partial<AuthConfig> = {}): AuthConfig {
  const generous = { points: 10_000, durationSeconds: 60 };
  return {
    production: false,
    host: '127.0.0.1',
    port: 0,
    databaseUrl: undefined,
    dataDir: '/nonexistent',
    migrateAtBoot: true,
    issuer: 'http://auth.test',
    audience: 'sharedcare-api',
    keyEncryptionKey: randomBytes(32),
    internalApiKey: randomBytes(32),
    demo: false,
    redisUrl: undefined,
    logLevel: 'silent',
    http: { trustProxy: false, apiDocs: true },
    rateLimits: { 'auth.login': generous, 'auth.register': generous, 'auth.refresh': generous, 'auth.mfa': generous },
    shutdownDrainMs: 10_000,
    metrics: { host: '127.0.0.1', port: 0 },
    ...overrides,
  };
}

/** A publisher that remembers what it was given. */
export class RecordingPublisher extends AuthEventPublisher {
  readonly events: SessionEvent[] = [];

  async publish(event: SessionEvent): Promise<boolean> {
    this.events.push(event);
    return true;
  }
}

export interface AuthTestApp {
  app: INestApplication;
  clock: FixedClock;
  publisher: RecordingPublisher;
  config: AuthConfig;
  get<T>(type: abstract new (...args: never[]) => T): T;
  /** Starts listening on a free loopback port; returns the base URL. */
  listen(): Promise<string>;
  close(): Promise<void>;
}

/** The real auth module (real repositories, the app's configureApp) on a test database. */
export async function createAuthTestApp(db: TestDatabase, overrides: Partial<AuthConfig> = {}): Promise<AuthTestApp> {
  const clock = new FixedClock();
  const publisher = new RecordingPublisher();
  const config = testAuthConfig(overrides);
  const moduleRef = await Test.createTestingModule({
    imports: [AuthAppModule.forRoot({ config, database: db, clock, publisher })],
  }).compile();
  const app = moduleRef.createNestApplication({ bufferLogs: true });
  configureApp(app, {
    title: 'auth (test)',
    description: 'test',
    http: config.http,
    drain: app.get(ServiceDrain),
    metrics: app.get(ServiceMetrics),
  });
  await app.init();
  return {
    app,
    clock,
    publisher,
    config,
    get: (type) => app.get(type),
    async listen() {
      await app.listen(0, '127.0.0.1');
      const { port } = app.getHttpServer().address() as AddressInfo;
      return `http://127.0.0.1:${port}`;
    },
    close: () => app.close(),
  };
}
