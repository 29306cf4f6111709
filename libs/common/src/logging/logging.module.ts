import { randomUUID } from 'node:crypto';
import type { IncomingMessage, ServerResponse } from 'node:http';
import { LoggerModule } from 'nestjs-pino';
import { type DynamicModule, RequestMethod } from '@nestjs/common';

/**
 * Paths pino removes from every record, wherever a careless log call puts them. Request
 * serializers below already log only method, path and status; this is the second line.
 */
export const REDACTED_PATHS = [
  'req.headers.authorization',
  'req.headers.cookie',
  '*.password',
  '*.accessToken',
  '*.refreshToken',
  '*.mfaToken',
  '*.token',
  '*.code',
  '*.secret',
  '*.body',
  '*.text',
];

/**
 * Structured JSON logs (CONVENTIONS 17): ids and outcomes only. A request is logged by its
 * method, its path without the query string (queries can carry names) and its status.
 */
export function createLoggingModule(service: string, level = process.env.LOG_LEVEL ?? 'info'): DynamicModule {
  return LoggerModule.forRoot({
    // Every route, named explicitly: with nestjs-pino's default route list, Nest 12 mounts the
    // middleware twice on routes excluded from a global prefix (the gateway's /health), so each
    // such request was logged twice. A wildcard Nest recognises covers those routes once.
    forRoutes: [{ path: '/{*splat}', method: RequestMethod.ALL }],
    pinoHttp: {
      level,
      base: { service },
      redact: { paths: REDACTED_PATHS, censor: '[redacted]' },
      genReqId: (req: IncomingMessage, res: ServerResponse) => {
        const header = req.headers['x-request-id'];
        const id = typeof header === 'string' && /^[\w-]{8,64}$/.test(header) ? header : randomUUID();
        res.setHeader('x-request-id', id);
        return id;
      },
      serializers: {
        req: (req: { id: string; method: string; url: string }) => ({
          id: req.id,
          method: req.method,
          path: req.url.split('?')[0],
        }),
        res: (res: { statusCode: number }) => ({ status: res.statusCode }),
      },
      customLogLevel: (_req: IncomingMessage, res: ServerResponse, error?: Error) =>
        error || res.statusCode >= 500 ? 'error' : res.statusCode >= 400 ? 'warn' : 'info',
    },
  });
}
