import { existsSync } from 'node:fs';
import { join } from 'node:path';
import type { Logger } from '@nestjs/common';
import type { NestExpressApplication } from '@nestjs/platform-express';
import type { NextFunction, Request, Response } from 'express';

/**
 * What the page may load and connect to: its own origin only (the REST API, the socket and, through
 * the pass-through below or nginx, the auth service), no inline script, no framing.
 */
export const WEB_CLIENT_CSP = [
  "default-src 'self'",
  "script-src 'self'",
  "style-src 'self'",
  "img-src 'self' data:",
  "connect-src 'self'",
  "frame-ancestors 'none'",
  "base-uri 'none'",
  "form-action 'self'",
].join('; ');

/** Headers the auth service's answers carry back to the page. */
const PASSED_BACK = ['content-type', 'retry-after', 'cache-control'];

/**
 * Demo mode's stand-in for nginx (docker/nginx/nginx.conf): /auth/* goes to the auth service,
 * JSON in and out, so the page talks to one origin and the auth service answers no cross-origin
 * request at all. Bodies arrive parsed (JSON only, by configureApp) and leave as JSON; nothing
 * of them is logged.
 */
function passToAuth(authUrl: string) {
  const base = authUrl.replace(/\/+$/, '');
  return async (request: Request, response: Response): Promise<void> => {
    const headers: Record<string, string> = {};
    if (request.headers.authorization) headers.authorization = request.headers.authorization;
    if (request.headers['user-agent']) headers['user-agent'] = request.headers['user-agent'];
    const hasBody = request.method === 'POST';
    if (hasBody) headers['content-type'] = 'application/json';
    try {
      const answer = await fetch(`${base}${request.originalUrl}`, {
        method: request.method,
        headers,
        body: hasBody ? JSON.stringify(request.body ?? {}) : undefined,
        signal: AbortSignal.timeout(15_000),
      });
      response.status(answer.status);
      for (const name of PASSED_BACK) {
        const value = answer.headers.get(name);
        if (value) response.setHeader(name, value);
      }
      response.send(Buffer.from(await answer.arrayBuffer()));
    } catch {
      response.status(503).json({ error: { code: 'unavailable', message: 'The auth service did not answer' } });
    }
  };
}

/**
 * Serves the built web client at / (demo mode; production serves it from nginx) and passes
 * /auth/* to the auth service. Does nothing, with a warning, when the client was not built.
 */
export function serveWebClient(
  app: NestExpressApplication,
  options: { dir: string; authUrl: string },
  logger: Pick<Logger, 'warn'>,
): void {
  const express = app.getHttpAdapter().getInstance() as {
    use(path: string, handler: (request: Request, response: Response, next: NextFunction) => unknown): void;
  };
  express.use('/auth', passToAuth(options.authUrl));
  if (!existsSync(join(options.dir, 'index.html'))) {
    logger.warn({ dir: options.dir }, 'web client not built (npm run build); not served');
    return;
  }
  app.useStaticAssets(options.dir, {
    index: 'index.html',
    // Hashed asset names change with their content; the page itself is always asked for again.
    setHeaders: (response, path) => {
      response.setHeader('Content-Security-Policy', WEB_CLIENT_CSP);
      response.setHeader('X-Content-Type-Options', 'nosniff');
      response.setHeader('Referrer-Policy', 'no-referrer');
      response.setHeader(
        'Cache-Control',
        path.endsWith('index.html') ? 'no-cache' : 'public, max-age=31536000, immutable',
      );
    },
  });
}
