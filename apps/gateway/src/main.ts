import 'reflect-metadata';
import { runService } from '@sharedcare/common';
import { readGatewayConfig } from './config/gateway-config.js';
import { createGatewayApp } from './gateway-app.js';

/** The consult service: `npm run start:gateway` after a build. */
await runService({
  name: 'consult service',
  readConfig: readGatewayConfig,
  database: (config) => ({ url: config.databaseUrl, embeddedDataDir: config.embeddedDataDir }),
  address: (config) => ({ host: config.host, port: config.port }),
  createApp: (config, database) => createGatewayApp({ config, database }),
  drainTimeoutMs: (config) => config.shutdownDrainMs,
  describe: (config) => ({ socket: `http://${config.host}:${config.port}/consult` }),
});
