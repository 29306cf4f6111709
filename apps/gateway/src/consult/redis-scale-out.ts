import { Logger, type OnApplicationShutdown } from '@nestjs/common';
import { createAdapter } from '@socket.io/redis-adapter';
import { createClient, type RedisClientType } from 'redis';
import type { EndedSessions } from '@sharedcare/auth';
import { type AuthSessionEvent, parseSessionEvent, sessionEndOf } from './session-event.js';

/** The auth service's channel for logout-all and account disable (apps/auth AUTH_EVENTS_CHANNEL). */
export const AUTH_EVENTS_CHANNEL = 'sharedcare:auth-events';

function parseMessage(message: string): AuthSessionEvent | undefined {
  try {
    return parseSessionEvent(JSON.parse(message));
  } catch {
    return undefined;
  }
}

/** The commands the adapter sends without catching their failure. */
const FIRE_AND_FORGET = new Set([
  'publish',
  'sPublish',
  'subscribe',
  'pSubscribe',
  'sSubscribe',
  'unsubscribe',
  'pUnsubscribe',
  'sUnsubscribe',
]);

/**
 * Wraps a client the socket.io adapter uses so that a failed publish or (un)subscribe is logged,
 * never an unhandled rejection: @socket.io/redis-adapter calls them without catching, and under a
 * Redis stall node-redis rejects queued commands (and a client closed at shutdown rejects what is
 * still queued), which by default would kill the process (DESIGN.md, Scale-out). Postgres stays
 * the source of truth: a lost fan-out is recovered by the client's next `thread.join {afterSeq}`.
 */
function catching(client: RedisClientType, onFailure: () => void): RedisClientType {
  return new Proxy(client, {
    get(target, property) {
      const value: unknown = Reflect.get(target, property, target);
      if (typeof value !== 'function') return value;
      const method = (value as (...args: unknown[]) => unknown).bind(target);
      if (typeof property !== 'string' || !FIRE_AND_FORGET.has(property)) return method;
      return (...args: unknown[]) =>
        Promise.resolve(method(...args)).catch(() => {
          onFailure();
          return undefined;
        });
    },
  });
}

/**
 * Several consult-service processes share rooms and events through Redis when REDIS_URL is set:
 * the socket.io Redis adapter, and the auth service's session events. Redis being down or slow
 * never stops this process: boot does not wait for it, commands fail fast instead of queueing
 * without bound, and every error is caught and logged once per outage.
 */
export class RedisScaleOut implements OnApplicationShutdown {
  private readonly logger = new Logger(RedisScaleOut.name);
  private readonly pub: RedisClientType;
  private readonly sub: RedisClientType;
  private readonly events: RedisClientType;
  private warned = false;

  /** `endedSessions` is filled with every session event before listeners hear of it. */
  constructor(
    url: string,
    private readonly endedSessions?: EndedSessions,
  ) {
    const options = {
      url,
      commandsQueueMaxLength: 10_000,
      socket: { connectTimeout: 2_000, reconnectStrategy: (retries: number) => Math.min(200 * (retries + 1), 5_000) },
    };
    // Publishing fails fast while Redis is away; subscriptions wait for the connection (and are
    // renewed by node-redis after a reconnect), so a gateway that boots before Redis still hears.
    this.pub = createClient({ ...options, disableOfflineQueue: true }) as RedisClientType;
    this.sub = createClient(options) as RedisClientType;
    this.events = createClient(options) as RedisClientType;
    for (const client of [this.pub, this.sub, this.events]) {
      // Unhandled, a client 'error' event would crash the process.
      client.on('error', (error: Error) => this.warnOnce(error.name));
      client.on('ready', () => (this.warned = false));
    }
    // Boot does not wait for Redis; the clients keep retrying in the background.
    for (const client of [this.pub, this.sub, this.events]) client.connect().catch(() => undefined);
  }

  /** The socket.io adapter constructor for `server.adapter(...)`. */
  adapter(): ReturnType<typeof createAdapter> {
    const failed = () => this.warnOnce('CommandFailed');
    return createAdapter(catching(this.pub, failed), catching(this.sub, failed), { requestsTimeout: 3_000 });
  }

  /** Calls `listener` with each session event the auth service publishes. */
  async onSessionEvent(listener: (event: AuthSessionEvent) => void): Promise<void> {
    await this.events
      .subscribe(AUTH_EVENTS_CHANNEL, (message: string) => {
        const event = parseMessage(message);
        if (!event) return;
        this.endedSessions?.end(sessionEndOf(event));
        listener(event);
      })
      .catch(() => this.warnOnce('SubscribeFailed'));
  }

  /** Resolves when all three connections are up and Redis answers (the readiness check). */
  async ping(): Promise<void> {
    if (![this.pub, this.sub, this.events].every((client) => client.isReady)) throw new Error('Redis not connected');
    await this.pub.ping();
  }

  async onApplicationShutdown(): Promise<void> {
    for (const client of [this.events, this.sub, this.pub]) {
      try {
        if (client.isReady) await client.close();
        else if (client.isOpen) client.destroy();
      } catch {
        // already closed
      }
    }
  }

  private warnOnce(reason: string): void {
    if (!this.warned) this.logger.warn({ reason }, 'Redis unavailable; live events reach this process’s sockets only');
    this.warned = true;
  }
}
