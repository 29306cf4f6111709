import 'reflect-metadata';
import { NestFactory } from '@nestjs/core';
import { configureApp, runService, ServiceDrain, ServiceMetrics } from '@sharedcare/common';
import { AuthAppModule } from './auth-app.module.js';
import { embeddedAuthDataDir, loadAuthConfig } from './config/auth-config.js';

/** The auth service: `npm run start:auth` after a build. */
await runService({
  name: 'auth service',
  readConfig: loadAuthConfig,
  database: (config) => ({ url: config.databaseUrl, embeddedDataDir: embeddedAuthDataDir(config.dataDir) }),
  address: (config) => ({ host: config.host, port: config.port }),
  async createApp(config, database) {
    const app = await NestFactory.create(AuthAppModule.forRoot({ config, database }), { bufferLogs: true });
    configureApp(app, {
      http: config.http,
      drain: app.get(ServiceDrain),
      metrics: app.get(ServiceMetrics),
      title: 'SharedCare auth service',
      description:
        'Provider accounts, invites, password + TOTP login, rotating refresh tokens, and the JWKS the consult service verifies access tokens against.',
    });
    return app;
  },
  drainTimeoutMs: (config) => config.shutdownDrainMs,
  describe: (config) => ({ demo: config.demo, redis: !!config.redisUrl }),
});
