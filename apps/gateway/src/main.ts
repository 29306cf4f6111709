import 'reflect-metadata';
import { type INestApplication, Logger } from '@nestjs/common';
import { ConfigError, type DatabaseHandle, openDatabase } from '@sharedcare/common';
import { type GatewayConfig, readGatewayConfig } from './config/gateway-config.js';
import { createGatewayApp } from './gateway-app.js';

/**
 * The consult service: `npm run start:gateway` after a build. Configuration is checked before
 * anything starts; the embedded database (no DATABASE_URL) starts before Nest, and stops after it.
 */
async function main(): Promise<void> {
  let config: GatewayConfig;
  try {
    config = readGatewayConfig(process.env);
  } catch (error) {
    if (!(error instanceof ConfigError)) throw error;
    console.error(`The consult service cannot start. ${error.message}`);
    process.exit(1);
  }

  const database: DatabaseHandle = await openDatabase(config.databaseUrl, config.embeddedDataDir);
  let app: INestApplication | undefined;
  try {
    app = await createGatewayApp({ config, database });
    await app.listen(config.port, config.host);
  } catch (error) {
    await app?.close().catch(() => undefined);
    await database.stop().catch(() => undefined);
    throw error;
  }

  const logger = new Logger('ConsultService');
  const url = `http://${config.host}:${config.port}`;
  logger.log(
    { url, docs: `${url}/docs`, socket: `${url}/consult`, database: database.embedded ? 'embedded' : 'server' },
    'consult service listening',
  );

  // Nest's enableShutdownHooks would re-raise the signal (or exit) as soon as Nest has closed,
  // racing the embedded database's own shutdown; so the order is kept here: Nest first (sockets,
  // HTTP, the pool), then the database, then exit 0. A second signal during shutdown is ignored.
  let stopping = false;
  const shutdown = async (signal: NodeJS.Signals) => {
    if (stopping) return;
    stopping = true;
    logger.log({ signal }, 'consult service stopping');
    try {
      await app.close();
      await database.stop();
      process.exit(0);
    } catch (error) {
      console.error('The consult service did not stop cleanly:', (error as Error).message);
      process.exit(1);
    }
  };
  process.on('SIGINT', (signal) => void shutdown(signal));
  process.on('SIGTERM', (signal) => void shutdown(signal));
}

main().catch((error: unknown) => {
  // The error's type, message and frames, with connection strings masked: they can hold passwords.
  const frames = (error as Error)?.stack?.split('\n').filter((line) => line.trimStart().startsWith('at '));
  const message = String((error as Error)?.message ?? error).replace(/postgres(ql)?:\/\/\S+/g, '<database url>');
  console.error(
    `The consult service failed to start: ${(error as Error)?.name ?? 'Error'}: ${message}\n${frames?.join('\n') ?? ''}`,
  );
  process.exit(1);
});
