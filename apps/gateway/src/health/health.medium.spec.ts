import { DataSource } from 'typeorm';
import type { GatewayConfig } from '../config/gateway-config.js';
import { freePort } from '../../../../test/support/services.js';
import { startTestGateway, type TestGateway } from '../../../../test/support/gateway-app.js';

async function probe(gateway: TestGateway, path: string): Promise<{ status: number; body: unknown }> {
  const response = await fetch(`${gateway.url}${path}`);
  expect(response.headers.get('cache-control')).toBe('no-store');
  return { status: response.status, body: await response.json() };
}

/** The consult service's probes: unauthenticated, and up or down per dependency, nothing more. */
describe('consult service health probes', () => {
  let gateway: TestGateway;
  const others: TestGateway[] = [];
  /** The process whose Redis never answers, once started. */
  let withoutRedis: TestGateway | undefined;

  /** A second process on the same database, with its own settings. */
  async function sibling(config: Partial<GatewayConfig>): Promise<TestGateway> {
    const { db, issuer, jwks, masterKey } = gateway;
    const started = await startTestGateway({ config, sharing: { db, issuer, jwks, masterKey } });
    others.push(started);
    return started;
  }

  beforeAll(async () => {
    gateway = await startTestGateway();
  });
  afterAll(async () => {
    for (const other of others) await other.stop();
    await gateway?.stop();
  });

  it('answers live without asking any dependency, and ready once PostgreSQL answers', async () => {
    expect(await probe(gateway, '/health/live')).toEqual({ status: 200, body: { status: 'ok' } });
    expect(await probe(gateway, '/health/ready')).toEqual({
      status: 200,
      body: { status: 'ok', checks: { database: 'up' } },
    });
    // At the root, like /health, never under /api.
    expect((await fetch(`${gateway.url}/api/health/ready`)).status).toBe(404);
  });

  it('stays ready, reporting Redis down (degraded), while the configured Redis does not answer, and stays live', async () => {
    const nobody = await sibling({ redisUrl: `redis://127.0.0.1:${await freePort()}` });
    withoutRedis = nobody;
    expect(await probe(nobody, '/health/ready')).toEqual({
      status: 200,
      body: { status: 'degraded', checks: { database: 'up', redis: 'down' } },
    });
    expect(await probe(nobody, '/health/live')).toEqual({ status: 200, body: { status: 'ok' } });
  });

  (process.env.REDIS_URL ? it : it.skip)('is ready with the configured Redis answering', async () => {
    const shared = await sibling({ redisUrl: process.env.REDIS_URL });
    // Boot does not wait for Redis (DESIGN.md, Scale-out): ask until its connections are up.
    let ready = await probe(shared, '/health/ready');
    for (let attempt = 0; ready.status !== 200 && attempt < 200; attempt++) {
      ready = await probe(shared, '/health/ready');
    }
    expect(ready).toEqual({ status: 200, body: { status: 'ok', checks: { database: 'up', redis: 'up' } } });
  });

  // Last in this file: it closes the app's connection pool (the database server keeps running).
  it('is not ready once the database stops answering, and stays live', async () => {
    await gateway.app.get(DataSource).destroy();
    expect(await probe(gateway, '/health/ready')).toEqual({
      status: 503,
      body: { status: 'error', checks: { database: 'down' } },
    });
    expect(await probe(gateway, '/health/live')).toEqual({ status: 200, body: { status: 'ok' } });
    // Redis being optional does not make the database so.
    await withoutRedis?.app.get(DataSource).destroy();
    expect(withoutRedis && (await probe(withoutRedis, '/health/ready'))).toEqual({
      status: 503,
      body: { status: 'error', checks: { database: 'down', redis: 'down' } },
    });
  });
});
