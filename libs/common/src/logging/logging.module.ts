import { AsyncLocalStorage } from 'node:async_hooks';
import { randomUUID } from 'node:crypto';
import type { IncomingMessage, ServerResponse } from 'node:http';
import { LoggerModule } from 'nestjs-pino';
import { type DynamicModule, RequestMethod } from '@nestjs/common';

/**
 * Keys whose values never reach a log line: credentials of every kind (passwords, access,
 * refresh and MFA tokens, TOTP codes and secrets, invite codes, the internal key in an
 * authorization header, cookies) and anything that can carry clinical text (bodies, notes,
 * names, dates of birth, medications).
 */
const SECRET_KEYS = [
  'password',
  'currentPassword',
  'newPassword',
  'accessToken',
  'refreshToken',
  'mfaToken',
  'token',
  'code',
  'secret',
  'otpauthUrl',
  'inviteCode',
  'authorization',
  'cookie',
  'body',
  'text',
  'displayName',
  'dateOfBirth',
  'externalId',
  'signerName',
  'medication',
];

/**
 * Paths pino removes from every record, wherever a careless log call puts them, at the top level
 * and two levels down (headers three, as in `err.config.headers.authorization`).
 * Request serializers below already log only method, path and status; this is the second line.
 */
export const REDACTED_PATHS = [
  'req.headers.authorization',
  'req.headers.cookie',
  'res.headers["set-cookie"]',
  '*.headers.authorization',
  '*.headers.cookie',
  '*.headers["set-cookie"]',
  '*.*.headers.authorization',
  '*.*.headers.cookie',
  ...SECRET_KEYS.flatMap((key) => [key, `*.${key}`, `*.*.${key}`]),
];

/**
 * The caller's `x-request-id` when it looks like one (8 to 64 word characters or dashes), so a
 * request can be followed from the client through the logs; never anything longer or stranger.
 */
export function requestIdFrom(header: unknown): string | undefined {
  return typeof header === 'string' && /^[\w-]{8,64}$/.test(header) ? header : undefined;
}

const logContext = new AsyncLocalStorage<Record<string, string>>();

/**
 * Runs `work` with `bindings` (ids only) added to every line logged within it, as a socket event's
 * `reqId`. The fields are read when a line is written (pino's mixin), so unlike a child logger per
 * event, work that logs nothing pays nothing for them.
 */
export function withLogContext<T>(bindings: Record<string, string>, work: () => T): T {
  return logContext.run(bindings, work);
}

/**
 * Structured JSON logs (CONVENTIONS 17): ids and outcomes only. Every line written while a
 * request is handled carries its `reqId`; the line that closes it adds `req` (method, path
 * without the query string, which can carry names) and its status.
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
      mixin: () => logContext.getStore() ?? {},
      redact: { paths: REDACTED_PATHS, censor: '[redacted]' },
      genReqId: (req: IncomingMessage, res: ServerResponse) => {
        const id = requestIdFrom(req.headers['x-request-id']) ?? randomUUID();
        res.setHeader('x-request-id', id);
        return id;
      },
      // Lines written while handling carry `reqId` alone, as socket events' lines do (ConsultTelemetry).
      quietReqLogger: true,
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
