import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { createServer, type IncomingMessage, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { NestExpressApplication } from '@nestjs/platform-express';
import { jest } from '@jest/globals';
import express from 'express';
import { serveWebClient, WEB_CLIENT_CSP } from './web-client.js';

const listen = (server: Server) =>
  new Promise<string>((resolve) =>
    server.listen(0, '127.0.0.1', () => resolve(`http://127.0.0.1:${(server.address() as AddressInfo).port}`)),
  );
const close = (server: Server) => new Promise((resolve) => server.close(resolve));

/** The Nest app's two calls serveWebClient makes, on a plain Express app parsing JSON as configureApp does. */
function appWith(dir: string, authUrl: string, warn = jest.fn<(...args: unknown[]) => void>()) {
  const instance = express();
  instance.use(express.json());
  const app = {
    getHttpAdapter: () => ({ getInstance: () => instance }),
    useStaticAssets: (root: string, options: object) => instance.use(express.static(root, options)),
  } as unknown as NestExpressApplication;
  serveWebClient(app, { dir, authUrl }, { warn });
  return { server: createServer(instance), warn };
}

describe('serveWebClient (demo mode)', () => {
  let dir: string;
  let auth: Server;
  let authUrl: string;
  const seen: { method?: string; url?: string; authorization?: string; body: string }[] = [];

  beforeAll(async () => {
    dir = mkdtempSync(join(tmpdir(), 'web-client-'));
    mkdirSync(join(dir, 'assets'));
    writeFileSync(join(dir, 'index.html'), '<div id="root"></div>');
    writeFileSync(join(dir, 'assets', 'app-1a2b.js'), 'export {};');
    auth = createServer((request: IncomingMessage, response) => {
      let body = '';
      request.on('data', (chunk: Buffer) => (body += chunk.toString()));
      request.on('end', () => {
        seen.push({ method: request.method, url: request.url, authorization: request.headers.authorization, body });
        response.writeHead(401, { 'content-type': 'application/json', 'set-cookie': 'tracker=1' });
        response.end(JSON.stringify({ error: { code: 'unauthenticated', message: 'Wrong email or password' } }));
      });
    });
    authUrl = await listen(auth);
  });
  afterAll(async () => {
    await close(auth);
    rmSync(dir, { recursive: true, force: true });
  });

  it('serves the page with its Content-Security-Policy, and hashed assets for a year', async () => {
    const { server } = appWith(dir, authUrl);
    const url = await listen(server);
    try {
      const page = await fetch(`${url}/`);
      expect(page.status).toBe(200);
      expect(await page.text()).toBe('<div id="root"></div>');
      expect(page.headers.get('content-security-policy')).toBe(WEB_CLIENT_CSP);
      expect(page.headers.get('cache-control')).toBe('no-cache');
      const asset = await fetch(`${url}/assets/app-1a2b.js`);
      expect(asset.headers.get('cache-control')).toBe('public, max-age=31536000, immutable');
    } finally {
      await close(server);
    }
  });

  it('passes /auth/* to the auth service with its JSON body and bearer token, and returns its answer without cookies', async () => {
    const { server } = appWith(dir, authUrl);
    const url = await listen(server);
    try {
      const answer = await fetch(`${url}/auth/login`, {
        method: 'POST',
        headers: { 'content-type': 'application/json', authorization: 'Bearer t0k3n' },
        body: JSON.stringify({ email: 'therapist@demo.test', password: 'x' }),
      });
      expect(answer.status).toBe(401);
      expect(await answer.json()).toEqual({ error: { code: 'unauthenticated', message: 'Wrong email or password' } });
      expect(answer.headers.get('set-cookie')).toBeNull();
      expect(seen.at(-1)).toEqual({
        method: 'POST',
        url: '/auth/login',
        authorization: 'Bearer t0k3n',
        body: JSON.stringify({ email: 'therapist@demo.test', password: 'x' }),
      });
    } finally {
      await close(server);
    }
  });

  it('answers unavailable when the auth service does not answer, and keeps serving', async () => {
    const stopped = createServer();
    const deadUrl = await listen(stopped);
    await close(stopped);
    const { server } = appWith(dir, deadUrl);
    const url = await listen(server);
    try {
      const answer = await fetch(`${url}/auth/refresh`, {
        method: 'POST',
        headers: { 'content-type': 'application/json' },
        body: '{"refreshToken":"r"}',
      });
      expect(answer.status).toBe(503);
      expect(await answer.json()).toMatchObject({ error: { code: 'unavailable' } });
      expect((await fetch(`${url}/`)).status).toBe(200);
    } finally {
      await close(server);
    }
  });

  it('serves nothing but says so when the client was not built', async () => {
    const { server, warn } = appWith(join(dir, 'missing'), authUrl);
    const url = await listen(server);
    try {
      expect(warn).toHaveBeenCalledWith(expect.objectContaining({ dir: join(dir, 'missing') }), expect.any(String));
      expect((await fetch(`${url}/`)).status).toBe(404);
    } finally {
      await close(server);
    }
  });
});
