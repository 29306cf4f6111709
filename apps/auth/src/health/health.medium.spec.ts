import { jest } from '@jest/globals';
import { ServiceDrain } from '@sharedcare/common';
import { DataSource } from 'typeorm';
import { createTestDatabase, type TestDatabase } from '../../../../test/support/test-database.js';
import { type AuthTestApp, createAuthTestApp } from '../../test/auth-testing.js';
import { authEntities, authMigrations } from '../database/schema.js';
import { HealthRepository } from './health.repository.js';

/** The auth service's probes, and its drain at shutdown. */
describe('auth service health probes', () => {
  let db: TestDatabase;
  let t: AuthTestApp;
  let url: string;

  beforeAll(async () => {
    db = await createTestDatabase('auth', authEntities, authMigrations);
    t = await createAuthTestApp(db);
    url = await t.listen();
  });
  afterAll(async () => {
    await t.close();
    await db.stop();
  });

  async function probe(path: string): Promise<{ status: number; body: unknown }> {
    const response = await fetch(`${url}${path}`);
    expect(response.headers.get('cache-control')).toBe('no-store');
    return { status: response.status, body: await response.json() };
  }

  afterEach(() => {
    delete t.publisher.ping;
  });

  it('answers live without asking any dependency, and ready once the database answers', async () => {
    expect(await probe('/health/live')).toEqual({ status: 200, body: { status: 'ok' } });
    expect(await probe('/health/ready')).toEqual({ status: 200, body: { status: 'ok', checks: { database: 'up' } } });
  });

  it('asks Redis too when session events are pushed through it, says only up or down, and stays ready without it', async () => {
    t.publisher.ping = async () => undefined;
    expect(await probe('/health/ready')).toEqual({
      status: 200,
      body: { status: 'ok', checks: { database: 'up', redis: 'up' } },
    });
    t.publisher.ping = async () => {
      throw new Error('connect ECONNREFUSED 10.0.0.7:6379');
    };
    // The outbox keeps every event, and the consult service reads it from the feed: degraded, still ready.
    expect(await probe('/health/ready')).toEqual({
      status: 200,
      body: { status: 'degraded', checks: { database: 'up', redis: 'down' } },
    });
    expect(await probe('/health/live')).toEqual({ status: 200, body: { status: 'ok' } });
  });

  it('finishes a request under way when the drain begins, refusing new ones and turning unready', async () => {
    const health = t.get(HealthRepository);
    const ping = health.ping.bind(health);
    let release = () => {};
    const released = new Promise<void>((resolve) => (release = resolve));
    let inside = () => {};
    const entered = new Promise<void>((resolve) => (inside = resolve));
    const held = jest.spyOn(health, 'ping').mockImplementation(async () => {
      inside();
      await released;
      return ping();
    });
    const underWay = fetch(`${url}/health`);
    await entered;
    const drain = t.get(ServiceDrain);
    drain.begin();
    let drained: boolean | undefined;
    const settled = drain.settled(30_000).then((idle) => (drained = idle));
    try {
      expect(await probe('/health/ready')).toEqual({ status: 503, body: { status: 'shutting_down', checks: {} } });
      expect(await probe('/health/live')).toEqual({ status: 200, body: { status: 'ok' } });
      const refused = await fetch(`${url}/.well-known/jwks.json`);
      expect(refused.status).toBe(503);
      expect(await refused.json()).toEqual({ error: { code: 'unavailable', message: expect.any(String) } });
      expect(drained).toBeUndefined();
    } finally {
      release();
      held.mockRestore();
    }
    expect(await settled).toBe(true);
    const answered = await underWay;
    expect(answered.status).toBe(200);
    expect(await answered.json()).toEqual({ status: 'ok' });
  });

  // Last in this file: it closes the app's connection pool (the database server keeps running).
  it('is not ready once the database stops answering, and stays live', async () => {
    // A fresh app: the one above is draining for good.
    const fresh = await createAuthTestApp(db);
    const freshUrl = await fresh.listen();
    try {
      await fresh.get(DataSource).destroy();
      const ready = await fetch(`${freshUrl}/health/ready`);
      expect({ status: ready.status, body: await ready.json() }).toEqual({
        status: 503,
        body: { status: 'error', checks: { database: 'down' } },
      });
      expect((await fetch(`${freshUrl}/health/live`)).status).toBe(200);
    } finally {
      await fresh.close();
    }
  });
});
