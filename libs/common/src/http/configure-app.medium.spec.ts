import { Body, Controller, type INestApplication, Module, Post } from '@nestjs/common';
import { APP_GUARD } from '@nestjs/core';
import { Test } from '@nestjs/testing';
import { IsString } from 'class-validator';
import { EnvReader } from '../config/env-reader.js';
import { createLoggingModule } from '../logging/logging.module.js';
import { RateLimit, RateLimitGuard } from '../rate-limit/rate-limit.guard.js';
import { ServiceDrain } from '../service/service-drain.js';
import { configureApp, type HttpSettings, readHttpSettings } from './configure-app.js';

class EchoBody {
  @IsString()
  text: string;
}

@Controller()
class ProbeController {
  @Post('echo')
  echo(@Body() body: EchoBody): { length: number } {
    return { length: body.text.length };
  }

  @Post('limited')
  @RateLimit({ name: 'probe', points: 2, durationSeconds: 60 })
  limited(): { ok: true } {
    return { ok: true };
  }
}

@Module({
  imports: [createLoggingModule('probe', 'silent')],
  controllers: [ProbeController],
  providers: [{ provide: APP_GUARD, useClass: RateLimitGuard }],
})
class ProbeModule {}

async function start(http: HttpSettings): Promise<{ app: INestApplication; url: string }> {
  const moduleRef = await Test.createTestingModule({ imports: [ProbeModule] }).compile();
  const app = moduleRef.createNestApplication({ bufferLogs: true });
  configureApp(app, { title: 'probe', description: 'probe', http, drain: new ServiceDrain() });
  await app.listen(0, '127.0.0.1');
  return { app, url: (await app.getUrl()).replace('[::1]', '127.0.0.1') };
}

const post = (url: string, body: string, headers: Record<string, string> = {}) =>
  fetch(url, { method: 'POST', headers: { 'content-type': 'application/json', ...headers }, body });

describe('configureApp', () => {
  let app: INestApplication;
  let url: string;

  beforeAll(async () => {
    ({ app, url } = await start({ trustProxy: false, apiDocs: false }));
  });
  afterAll(async () => {
    await app?.close();
  });

  it('answers malformed JSON with a fixed message that never repeats the body', async () => {
    const response = await post(`${url}/echo`, 'MySecretPassw0rd!');
    expect(response.status).toBe(400);
    const text = await response.text();
    expect(JSON.parse(text)).toEqual({ error: { code: 'invalid', message: 'Malformed request' } });
    expect(text).not.toContain('MySecret');
  });

  it('refuses prototype keys instead of dropping them', async () => {
    for (const key of ['__proto__', 'constructor', 'prototype']) {
      const response = await post(`${url}/echo`, `{"text":"a","${key}":{"isAdmin":true}}`);
      expect(response.status).toBe(400);
      expect(await response.json()).toMatchObject({ error: { code: 'invalid' } });
    }
    expect(({} as Record<string, unknown>).isAdmin).toBeUndefined();
  });

  it('accepts JSON bodies only', async () => {
    const form = await post(`${url}/echo`, 'text=hello', { 'content-type': 'application/x-www-form-urlencoded' });
    expect(form.status).toBe(415);
    expect(await form.json()).toMatchObject({ error: { code: 'invalid' } });
    const ok = await post(`${url}/echo`, '{"text":"hello"}');
    expect(await ok.json()).toEqual({ length: 5 });
  });

  it('refuses a body over 64 KB and stays up', async () => {
    const big = await post(`${url}/echo`, JSON.stringify({ text: 'x'.repeat(70_000) }));
    expect(big.status).toBe(413);
    expect(await big.json()).toEqual({ error: { code: 'invalid', message: 'Request body too large' } });
    expect((await post(`${url}/echo`, '{"text":"still here"}')).status).toBe(201);
  });

  it('serves no API docs when they are off', async () => {
    expect((await fetch(`${url}/docs-json`)).status).toBe(404);
  });

  it('ignores X-Forwarded-For unless a proxy is trusted: a client cannot pick its own rate-limit bucket', async () => {
    const statuses: number[] = [];
    for (let i = 0; i < 4; i++) {
      statuses.push((await post(`${url}/limited`, '{}', { 'x-forwarded-for': `10.9.${i}.1` })).status);
    }
    expect(statuses).toEqual([201, 201, 429, 429]);
  });

  it('believes X-Forwarded-For from a configured proxy', async () => {
    const behindProxy = await start({ trustProxy: ['loopback'], apiDocs: true });
    try {
      const statuses: number[] = [];
      for (let i = 0; i < 4; i++) {
        statuses.push((await post(`${behindProxy.url}/limited`, '{}', { 'x-forwarded-for': `10.9.${i}.1` })).status);
      }
      expect(statuses).toEqual([201, 201, 201, 201]);
      expect((await fetch(`${behindProxy.url}/docs-json`)).status).toBe(200);
    } finally {
      await behindProxy.app.close();
    }
  });
});

describe('readHttpSettings', () => {
  const read = (env: NodeJS.ProcessEnv) => {
    const reader = new EnvReader(env);
    const settings = readHttpSettings(reader);
    reader.done();
    return settings;
  };

  it('trusts no proxy by default and serves docs outside production only', () => {
    expect(read({})).toEqual({ trustProxy: false, apiDocs: true });
    expect(read({ NODE_ENV: 'production' })).toEqual({ trustProxy: false, apiDocs: false });
    expect(read({ NODE_ENV: 'production', API_DOCS: 'true' }).apiDocs).toBe(true);
  });

  it('reads a hop count or a list of proxies, and refuses a blanket true', () => {
    expect(read({ TRUST_PROXY: '1' }).trustProxy).toBe(1);
    expect(read({ TRUST_PROXY: 'loopback, 10.0.0.0/8' }).trustProxy).toEqual(['loopback', '10.0.0.0/8']);
    expect(read({ TRUST_PROXY: 'false' }).trustProxy).toBe(false);
    expect(() => read({ TRUST_PROXY: 'true' })).toThrow(/TRUST_PROXY/);
  });
});
