import { Logger, type OnApplicationShutdown } from '@nestjs/common';
import { createClient } from 'redis';
import { AUTH_EVENTS_CHANNEL, AuthEventPublisher, type SessionEvent } from './auth-event-publisher.js';

const PUBLISH_TIMEOUT_MS = 2_000;

/**
 * Publishes session events as JSON on the `sharedcare:auth-events` channel. A Redis outage or
 * stall never fails the request that caused the event, and never crashes the process: errors
 * are logged, publishes time out, and the outbox row stays unpublished.
 */
export class RedisAuthEventPublisher extends AuthEventPublisher implements OnApplicationShutdown {
  private readonly logger = new Logger(RedisAuthEventPublisher.name);
  private readonly client;
  private readonly connecting: Promise<void>;

  constructor(url: string) {
    super();
    this.client = createClient({
      url,
      disableOfflineQueue: true,
      socket: { connectTimeout: 2_000, reconnectStrategy: (retries: number) => Math.min(200 * (retries + 1), 5_000) },
    });
    // Unhandled, a client 'error' event would crash the process.
    this.client.on('error', (error: Error) => this.logger.warn({ error: error.name }, 'Redis client error'));
    this.connecting = this.client.connect().then(
      () => undefined,
      (error: Error) => this.logger.warn({ error: error.name }, 'Redis connection failed; events stay in the outbox'),
    );
  }

  async publish(event: SessionEvent): Promise<boolean> {
    await Promise.race([this.connecting, delay(PUBLISH_TIMEOUT_MS)]);
    if (!this.client.isReady) return false;
    const message = JSON.stringify({
      type: event.type,
      providerId: event.providerId,
      organisationId: event.organisationId,
      at: event.at,
    });
    try {
      await Promise.race([
        this.client.publish(AUTH_EVENTS_CHANNEL, message),
        delay(PUBLISH_TIMEOUT_MS).then(() => Promise.reject(new Error('Redis publish timed out'))),
      ]);
      return true;
    } catch (error) {
      this.logger.warn(
        { error: (error as Error).name, eventType: event.type },
        'Redis publish failed; event stays in the outbox',
      );
      return false;
    }
  }

  async onApplicationShutdown(): Promise<void> {
    if (this.client.isOpen) await this.client.close().catch(() => this.client.destroy());
  }
}

function delay(ms: number): Promise<void> {
  return new Promise((resolve) => setTimeout(resolve, ms).unref());
}
