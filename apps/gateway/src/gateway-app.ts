import { type INestApplication, Logger, RequestMethod } from '@nestjs/common';
import { NestFactory } from '@nestjs/core';
import type { NestExpressApplication } from '@nestjs/platform-express';
import { configureApp, ServiceDrain, ServiceMetrics } from '@sharedcare/common';
import { RedisScaleOut } from './consult/redis-scale-out.js';
import { ConsultIoAdapter } from './consult/consult-io.adapter.js';
import { FHIR_RESOURCE_TYPES } from '@sharedcare/care-record';
import { FHIR_BASE } from './fhir/fhir.controller.js';
import { GatewayModule, type GatewayModuleOptions } from './gateway.module.js';
import { serveWebClient } from './web/web-client.js';

/**
 * REST lives under /api; health, the FHIR export (a FHIR base URL of its own) and the docs (mounted
 * by configureApp) stay at the root.
 */
export const API_PREFIX = 'api';
const UNPREFIXED = [
  ...['health', 'health/live', 'health/ready'].map((path) => ({ path, method: RequestMethod.GET })),
  ...[...FHIR_RESOURCE_TYPES, ':resourceType'].map((type) => ({
    path: `${FHIR_BASE}/${type}`,
    method: RequestMethod.GET,
  })),
];

/** The path a controller route is served at. */
export function servedPath(path: string): string {
  return UNPREFIXED.some((route) => `/${route.path}` === path) ? path : `/${API_PREFIX}${path}`;
}

/**
 * The consult service, configured but not listening: what main.ts starts and what the medium
 * tests start on port 0 with their own database and keys.
 */
export async function createGatewayApp(options: GatewayModuleOptions): Promise<INestApplication> {
  const app = await NestFactory.create<NestExpressApplication>(GatewayModule.forRoot(options), {
    bufferLogs: true,
    abortOnError: false,
  });
  app.setGlobalPrefix(API_PREFIX, { exclude: UNPREFIXED });
  app.enableCors({
    origin: options.config.allowedOrigins,
    methods: ['GET', 'POST', 'PUT', 'PATCH', 'DELETE'],
    allowedHeaders: ['authorization', 'content-type', 'x-request-id'],
    maxAge: 600,
  });
  const scaleOut = options.config.redisUrl ? app.get(RedisScaleOut) : undefined;
  const drain = app.get(ServiceDrain);
  app.useWebSocketAdapter(
    new ConsultIoAdapter(app, {
      allowedOrigins: options.config.allowedOrigins,
      drain,
      adapter: scaleOut ? () => scaleOut.adapter() : undefined,
    }),
  );
  configureApp(app, {
    http: options.config.http,
    drain,
    metrics: app.get(ServiceMetrics),
    title: 'SharedCare consult service',
    description:
      'Clients, care teams, consult threads and the shared safety plan. REST under /api with `Authorization: Bearer <access token>`; live events on the socket.io namespace /consult.',
  });
  if (options.config.webClient) serveWebClient(app, options.config.webClient, new Logger('WebClient'));
  return app;
}
