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
    // Unhandled, a client 'error' event would crash the process. One warning per outage, not per retry.
    let warned = false;
    this.client.on('error', (error: Error) => {
      if (!warned) this.logger.warn({ error: error.name }, 'Redis unavailable; session events stay in the outbox');
      warned = true;
    });
    this.client.on('ready', () => (warned = false));
    // Boot does not wait for Redis; the client keeps retrying in the background.
    this.connecting = this.client.connect().then(
      () => undefined,
      () => undefined,
    );
  }

  async publish(event: SessionEvent): Promise<boolean> {
    await Promise.race([this.connecting, delay(PUBLISH_TIMEOUT_MS)]);
    if (!this.client.isReady) return false;
    const message = JSON.stringify({
      type: event.type,
      providerId: event.providerId,
      organisationId: event.organisationId,
      sessionIds: event.sessionIds,
      at: event.at,
    });
    // Both sides settle without rejecting: a late failure must not become an unhandled rejection.
    const sent = this.client.publish(AUTH_EVENTS_CHANNEL, message).then(
      () => 'sent' as const,
      () => 'failed' as const,
    );
    const outcome = await Promise.race([sent, delay(PUBLISH_TIMEOUT_MS).then(() => 'timed_out' as const)]);
    if (outcome !== 'sent')
      this.logger.warn({ outcome, eventType: event.type }, 'Redis publish failed; event stays in the outbox');
    return outcome === 'sent';
  }

  override async ping(): Promise<void> {
    if (!this.client.isReady) throw new Error('Redis not connected');
    await this.client.ping();
  }

  async onApplicationShutdown(): Promise<void> {
    try {
      if (this.client.isReady) await this.client.close();
      else if (this.client.isOpen) this.client.destroy();
    } catch {
      // already closed
    }
  }
}

function delay(ms: number): Promise<void> {
  return new Promise((resolve) => setTimeout(resolve, ms).unref());
}
