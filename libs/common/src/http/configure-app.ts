import type { INestApplication } from '@nestjs/common';
import { DocumentBuilder, SwaggerModule } from '@nestjs/swagger';
import type { NextFunction, Request, Response } from 'express';
import { Logger } from 'nestjs-pino';
import type { NestExpressApplication } from '@nestjs/platform-express';
import type { EnvReader } from '../config/env-reader.js';
import type { ServiceMetrics } from '../metrics/service-metrics.js';
import { ContractExceptionFilter } from '../errors/http-exception.filter.js';
import type { ServiceDrain } from '../service/service-drain.js';
import { FORBIDDEN_KEYS } from '../validation/forbidden-keys.js';
import { createValidationPipe } from '../validation/validation.pipe.js';

/** HTTP settings both services read from the environment. */
export interface HttpSettings {
  /**
   * Express's `trust proxy`: whose X-Forwarded-For to believe for the client address that rate
   * limits and audit records use. Off unless a proxy is configured: any client could set it.
   */
  trustProxy: boolean | number | string[];
  /** Serve the OpenAPI document and UI at /docs (on by default, off by default in production). */
  apiDocs: boolean;
}

/** TRUST_PROXY: `false` (default), a hop count, or a comma-separated list of addresses/CIDRs. */
export function readHttpSettings(env: EnvReader): HttpSettings {
  const raw = env.optionalString('TRUST_PROXY');
  let trustProxy: HttpSettings['trustProxy'] = false;
  if (raw !== undefined && !['false', '0'].includes(raw)) {
    trustProxy = /^\d+$/.test(raw) ? Number(raw) : env.list('TRUST_PROXY', []);
    if (raw === 'true') env.problem('TRUST_PROXY must be a hop count or a list of proxy addresses, not true');
  }
  return { trustProxy, apiDocs: env.boolean('API_DOCS', !env.isProduction) };
}

export interface ConfigureAppOptions {
  title: string;
  description: string;
  http?: HttpSettings;
  /** The service's shutdown state: requests are counted, and refused once it drains. */
  drain: ServiceDrain;
  /** Largest accepted JSON body. */
  bodyLimit?: string;
  /** Counts every request by route and status (MetricsModule). */
  metrics?: ServiceMetrics;
}

function refuseForbiddenKeys(key: string, value: unknown): unknown {
  if (FORBIDDEN_KEYS.has(key)) throw new SyntaxError('Forbidden key in JSON body');
  return value;
}

/** Bodies are JSON only: anything else is refused before a parser reads it. */
function requireJsonBodies(request: Request, response: Response, next: NextFunction): void {
  const length = request.headers['content-length'];
  const hasBody = (length !== undefined && length !== '0') || request.headers['transfer-encoding'] !== undefined;
  if (hasBody && !request.is('application/json')) {
    response
      .status(415)
      .json({ error: { code: 'invalid', message: 'Request bodies must be JSON (application/json)' } });
    return;
  }
  next();
}

/**
 * What both services set on their HTTP app: pino as the Nest logger, requests drained at shutdown,
 * JSON-only bodies with a size limit, the contract's validation and error mapping, no framework
 * banner, and OpenAPI at /docs.
 */
export function configureApp(app: INestApplication, options: ConfigureAppOptions): void {
  const http = options.http ?? { trustProxy: false, apiDocs: true };
  const express = app as NestExpressApplication;
  express.useLogger(app.get(Logger));
  express.disable('x-powered-by');
  express.set('trust proxy', http.trustProxy);
  // First, so requests refused before routing (415, malformed JSON) are counted too.
  if (options.metrics) express.use(options.metrics.countHttpRequests());
  express.use(options.drain.middleware);
  express.use(requireJsonBodies);
  express.useBodyParser('json', { limit: options.bodyLimit ?? '64kb', reviver: refuseForbiddenKeys });
  app.useGlobalPipes(createValidationPipe());
  app.useGlobalFilters(new ContractExceptionFilter());
  if (!http.apiDocs) return;
  const document = SwaggerModule.createDocument(
    app,
    new DocumentBuilder()
      .setTitle(options.title)
      .setDescription(options.description)
      .setVersion('0.1.0')
      .addBearerAuth()
      .build(),
  );
  SwaggerModule.setup('docs', app, document, { jsonDocumentUrl: 'docs-json' });
}
