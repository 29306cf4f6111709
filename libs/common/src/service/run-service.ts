import { type INestApplication, Logger } from '@nestjs/common';
import { ConfigError } from '../config/env-reader.js';
import { type DatabaseHandle, openDatabase } from '../database/embedded-postgres.js';
import { ServiceDrain } from './service-drain.js';

export interface ServiceDefinition<Config> {
  /** How people call it in messages: "auth service", "consult service". */
  name: string;
  readConfig(env: NodeJS.ProcessEnv): Config;
  /** The server URL, or where the embedded database keeps its data when there is none. */
  database(config: Config): { url: string | undefined; embeddedDataDir: string };
  address(config: Config): { host: string; port: number };
  /** The app must provide {@link ServiceDrain} and pass it to configureApp. */
  createApp(config: Config, database: DatabaseHandle): Promise<INestApplication>;
  /** How long a shutdown waits for the work under way before closing anyway (SHUTDOWN_DRAIN_MS). */
  drainTimeoutMs(config: Config): number;
  /** Extra fields for the "listening" log line; never secrets. */
  describe?(config: Config, database: DatabaseHandle): Record<string, unknown>;
}

/** The error's type, message and frames, with connection strings masked: they can hold passwords. */
function describeFailure(error: unknown): string {
  const frames = (error as Error)?.stack?.split('\n').filter((line) => line.trimStart().startsWith('at '));
  const message = String((error as Error)?.message ?? error).replace(
    /(postgres(ql)?|rediss?):\/\/\S+/g,
    '<connection url>',
  );
  return `${(error as Error)?.name ?? 'Error'}: ${message}\n${frames?.join('\n') ?? ''}`;
}

/**
 * Starts a service the same way for both apps: configuration checked before anything starts (a
 * bad value stops the process, naming every problem), the database opened before Nest and closed
 * after it. SIGINT/SIGTERM drain first: readiness turns false and new requests, connections and
 * socket events are refused at once, the ones under way are answered (for at most the drain
 * timeout), and only then is Nest closed (the gateway tells its sockets to reconnect elsewhere;
 * Redis and the database pool close), then the database, and the process exits 0.
 * Nest's enableShutdownHooks is not used: its handler re-raises the signal as soon as Nest has
 * closed, racing the embedded database's own shutdown, and the exit code would not be 0. A second
 * signal during shutdown is ignored.
 */
export async function runService<Config>(definition: ServiceDefinition<Config>): Promise<void> {
  const { name } = definition;
  const title = name.charAt(0).toUpperCase() + name.slice(1);
  let config: Config;
  try {
    config = definition.readConfig(process.env);
  } catch (error) {
    if (!(error instanceof ConfigError)) throw error;
    console.error(`The ${name} cannot start. ${error.message}`);
    process.exit(1);
  }
  let database: DatabaseHandle | undefined;
  let app: INestApplication | undefined;
  let drain: ServiceDrain;
  try {
    const { url, embeddedDataDir } = definition.database(config);
    database = await openDatabase(url, embeddedDataDir, `the ${name}`);
    app = await definition.createApp(config, database);
    drain = app.get(ServiceDrain);
    const { host, port } = definition.address(config);
    await app.listen(port, host);
    const base = `http://${host}:${port}`;
    new Logger(title).log(
      {
        url: base,
        docs: `${base}/docs`,
        embeddedDatabase: database.embedded,
        ...definition.describe?.(config, database),
      },
      `${title} listening`,
    );
  } catch (error) {
    await app?.close().catch(() => undefined);
    await database?.stop().catch(() => undefined);
    console.error(`The ${name} failed to start: ${describeFailure(error)}`);
    process.exit(1);
  }

  let stopping = false;
  const shutdown = async (signal: NodeJS.Signals) => {
    if (stopping) return;
    stopping = true;
    drain.begin();
    const logger = new Logger(title);
    logger.log({ signal }, `${title} stopping`);
    try {
      const timeoutMs = definition.drainTimeoutMs(config);
      if (!(await drain.settled(timeoutMs))) {
        logger.warn({ timeoutMs }, `${title} closing with requests still under way (drain timeout)`);
      }
      await app.close();
      await database.stop();
      process.exit(0);
    } catch (error) {
      console.error(`The ${name} did not stop cleanly: ${describeFailure(error)}`);
      process.exit(1);
    }
  };
  process.on('SIGINT', (signal) => void shutdown(signal));
  process.on('SIGTERM', (signal) => void shutdown(signal));
}
