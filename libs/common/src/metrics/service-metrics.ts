import type { NextFunction, Request, Response } from 'express';
import { collectDefaultMetrics, Counter, Registry } from 'prom-client';
import { ERROR_CODES, type ErrorCode, HTTP_STATUS_BY_CODE } from '../errors/error-code.js';

/**
 * Every label value below comes from one of these fixed lists, never from the request: an id, an
 * email or a name in a label would leak into every dashboard and multiply the series.
 */
export const HTTP_METHODS = ['GET', 'HEAD', 'POST', 'PUT', 'PATCH', 'DELETE', 'OPTIONS'] as const;
export const STATUS_CLASSES = ['1xx', '2xx', '3xx', '4xx', '5xx'] as const;
/** The route label of a request no route answered: an unknown path, or refused before routing (415, bad JSON). */
export const UNMATCHED_ROUTE = 'unmatched';
/** Any value outside a fixed list (a method Node accepts but no route serves, an unknown event name). */
export const OTHER_LABEL = 'other';
export const REFUSAL_TRANSPORTS = ['http', 'socket'] as const;
export type RefusalTransport = (typeof REFUSAL_TRANSPORTS)[number];

export function statusClass(status: number): (typeof STATUS_CLASSES)[number] {
  return STATUS_CLASSES[Math.min(Math.max(Math.floor(status / 100), 1), 5) - 1];
}

/**
 * The contract code of a refused HTTP response, read from its status: ContractExceptionFilter
 * gives every code its own status, and answers any other 4xx `invalid` and any 5xx `internal`.
 */
export function errorCodeForStatus(status: number): ErrorCode | undefined {
  if (status < 400) return undefined;
  return ERROR_CODES.find((code) => HTTP_STATUS_BY_CODE[code] === status) ?? (status >= 500 ? 'internal' : 'invalid');
}

/** A code from the contract's list, or `internal` for anything else (which would be a bug). */
export function knownErrorCode(code: unknown): ErrorCode {
  return (ERROR_CODES as readonly unknown[]).includes(code) ? (code as ErrorCode) : 'internal';
}

/**
 * The route template a request was served by (`/api/threads/:threadId`), never its path. A
 * wildcard route is Nest's catch-all answering unknown paths under the global prefix (`/api*path`).
 */
export function routeTemplate(request: Request): string {
  const path: unknown = (request.route as { path?: unknown } | undefined)?.path;
  return typeof path === 'string' && !path.includes('*') ? `${request.baseUrl}${path}` : UNMATCHED_ROUTE;
}

/**
 * One service's Prometheus registry: Node's default process metrics, HTTP requests and refusals.
 * A registry per app rather than prom-client's global one, so apps started side by side in one
 * process (tests) count apart and never collide on a metric name.
 */
export class ServiceMetrics {
  readonly registry = new Registry();
  private readonly httpRequests = new Counter({
    name: 'sharedcare_http_requests_total',
    help: 'HTTP requests answered, by method, route template and status class.',
    labelNames: ['method', 'route', 'status_class'] as const,
    registers: [this.registry],
  });
  private readonly refusals = new Counter({
    name: 'sharedcare_refusals_total',
    help: 'Requests and socket events refused, by contract error code.',
    labelNames: ['code', 'transport'] as const,
    registers: [this.registry],
  });

  constructor(transports: readonly RefusalTransport[] = ['http']) {
    collectDefaultMetrics({ register: this.registry });
    // Every code starts at zero, so a rate over a code that has not happened yet is 0, not absent.
    for (const transport of transports) for (const code of ERROR_CODES) this.refusals.inc({ code, transport }, 0);
  }

  refused(code: unknown, transport: RefusalTransport): void {
    this.refusals.inc({ code: knownErrorCode(code), transport });
  }

  httpRequestFinished(method: string, route: string, status: number): void {
    const known = (HTTP_METHODS as readonly string[]).includes(method) ? method : OTHER_LABEL;
    this.httpRequests.inc({ method: known, route, status_class: statusClass(status) });
    const refusal = errorCodeForStatus(status);
    if (refusal) this.refused(refusal, 'http');
  }

  /**
   * Express middleware counting every request once it is answered. Mounted before anything that
   * can refuse a request (configureApp), so refusals made before routing are counted too.
   */
  countHttpRequests() {
    return (request: Request, response: Response, next: NextFunction): void => {
      response.once('finish', () =>
        this.httpRequestFinished(request.method, routeTemplate(request), response.statusCode),
      );
      next();
    };
  }
}
