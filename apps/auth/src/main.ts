import 'reflect-metadata';
import { join } from 'node:path';
import { Logger } from '@nestjs/common';
import { NestFactory } from '@nestjs/core';
import { ConfigError, configureApp, openDatabase } from '@sharedcare/common';
import { AuthAppModule } from './auth-app.module.js';
import { type AuthConfig, loadAuthConfig } from './config/auth-config.js';
import { claimEmbeddedDatabase } from './database/embedded-lock.js';

function readConfig(): AuthConfig {
  try {
    return loadAuthConfig(process.env);
  } catch (error) {
    if (error instanceof ConfigError) {
      console.error(`The auth service cannot start.\n${error.message}`);
      process.exit(1);
    }
    throw error;
  }
}

async function main(): Promise<void> {
  const config = readConfig();
  const pgdata = join(config.dataDir, 'auth', 'pgdata');
  const release = config.databaseUrl ? () => undefined : claimEmbeddedDatabase(pgdata, 'the auth service');
  const database = await openDatabase(config.databaseUrl, pgdata);
  const app = await NestFactory.create(AuthAppModule.forRoot({ config, database }), { bufferLogs: true });
  configureApp(app, {
    title: 'SharedCare auth service',
    description:
      'Provider accounts, invites, password + TOTP login, rotating refresh tokens, and the JWKS the consult service verifies access tokens against.',
  });
  // Not app.enableShutdownHooks(): Nest's own signal handler re-raises the signal (or exits) as
  // soon as the app is closed, before the embedded database is stopped, and the exit code would
  // not be 0. This handler runs the same lifecycle hooks through app.close(), then stops the
  // database, then exits 0.
  const logger = new Logger('AuthService');
  let stopping = false;
  const shutdown = async (signal: NodeJS.Signals) => {
    if (stopping) return;
    stopping = true;
    logger.log({ signal }, 'Auth service stopping');
    try {
      await app.close();
      await database.stop();
      release();
      process.exit(0);
    } catch (error) {
      logger.error({ error: (error as Error).name }, 'Auth service did not stop cleanly');
      process.exit(1);
    }
  };
  process.on('SIGINT', (signal) => void shutdown(signal));
  process.on('SIGTERM', (signal) => void shutdown(signal));
  await app.listen(config.port, config.host);
  logger.log(
    {
      url: `http://${config.host}:${config.port}`,
      docs: `http://${config.host}:${config.port}/docs`,
      embeddedDatabase: database.embedded,
      demo: config.demo,
      redis: !!config.redisUrl,
    },
    'Auth service listening',
  );
}

main().catch((error: unknown) => {
  // Only the error's type and frames: driver messages can quote connection strings.
  const frames = (error as Error)?.stack
    ?.split('\n')
    .filter((line) => line.trimStart().startsWith('at '))
    .join('\n');
  console.error(
    `The auth service failed to start: ${(error as Error)?.name ?? 'error'}: ${(error as Error)?.message?.replace(/postgres(ql)?:\/\/\S+/g, '<database url>')}\n${frames ?? ''}`,
  );
  process.exit(1);
});
