import { createClient } from 'redis';
import { AUTH_EVENTS_CHANNEL } from './auth-event-publisher.js';
import { RedisAuthEventPublisher } from './redis-auth-event-publisher.js';

const redisUrl = process.env.REDIS_URL;
// Runs against a real Redis when REDIS_URL is set (CI sets it); skipped on the embedded default.
const describeWithRedis = redisUrl ? describe : describe.skip;

describeWithRedis('RedisAuthEventPublisher (real Redis)', () => {
  it('publishes the event as JSON on sharedcare:auth-events', async () => {
    const subscriber = createClient({ url: redisUrl });
    await subscriber.connect();
    const publisher = new RedisAuthEventPublisher(redisUrl!);
    try {
      let received!: Promise<string>;
      // subscribe() resolves once Redis has confirmed the subscription.
      await new Promise<void>((subscribed) => {
        received = new Promise<string>(
          (resolve) => void subscriber.subscribe(AUTH_EVENTS_CHANNEL, resolve).then(() => subscribed()),
        );
      });
      const event = {
        type: 'provider.disabled' as const,
        providerId: 'p-1',
        organisationId: 'o-1',
        sessionIds: ['s-1', 's-2'],
        at: '2026-01-05T09:00:00.000Z',
      };
      await expect(publisher.publish(event)).resolves.toBe(true);
      expect(JSON.parse(await received)).toEqual(event);
      // The readiness check's ping, once connected.
      await expect(publisher.ping()).resolves.toBeUndefined();
    } finally {
      await publisher.onApplicationShutdown();
      await subscriber.close();
    }
  });
});

describe('RedisAuthEventPublisher without a reachable Redis', () => {
  it('answers false (the event stays in the outbox) instead of failing or crashing', async () => {
    const publisher = new RedisAuthEventPublisher('redis://127.0.0.1:1');
    try {
      await expect(
        publisher.publish({
          type: 'provider.sessions_revoked',
          providerId: 'p',
          organisationId: 'o',
          sessionIds: [],
          at: new Date().toISOString(),
        }),
      ).resolves.toBe(false);
      await expect(publisher.ping()).rejects.toThrow('Redis not connected');
    } finally {
      await publisher.onApplicationShutdown();
    }
  });
});
