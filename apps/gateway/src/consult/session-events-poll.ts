import { Logger, type OnApplicationBootstrap, type OnApplicationShutdown } from '@nestjs/common';
import type { EndedSessions } from '@sharedcare/auth';
import type { Clock } from '@sharedcare/common';
import { type AuthSessionEvent, parseSessionEvent, sessionEndOf } from './session-event.js';

const CURSOR = /^\d{1,15}:[0-9a-f-]{36}$/;
const PAGE = 500;
const RETRY_MS = { first: 250, max: 5_000 };

export interface SessionEventsPollOptions {
  authUrl: string;
  internalApiKey: Buffer;
  intervalMilliseconds: number;
  clock: Clock;
  /** Filled with every event before listeners hear of it. */
  endedSessions: EndedSessions;
}

/**
 * Logout-all and disable from the auth service's outbox feed (`GET /internal/session-events`,
 * behind INTERNAL_API_KEY). At boot it reads the feed from one token-acceptance window back, so a
 * process that was not running when sessions ended still refuses their tokens; until that read
 * succeeds the app does not finish starting (it retries, and never listens without it). Then it
 * polls every `intervalMilliseconds`; a failed poll is retried at the next tick from the same
 * position, so nothing is skipped. With Redis the same events usually arrive sooner on the channel,
 * and this is the backstop for a publish or a subscription lost in a Redis outage.
 */
export class SessionEventsPoll implements OnApplicationBootstrap, OnApplicationShutdown {
  private readonly logger = new Logger(SessionEventsPoll.name);
  private readonly listeners: ((event: AuthSessionEvent) => void)[] = [];
  private timer?: NodeJS.Timeout;
  private position?: string;
  private polling = false;
  private warned = false;
  private stopped = false;

  constructor(private readonly options: SessionEventsPollOptions) {}

  onSessionEvent(listener: (event: AuthSessionEvent) => void): void {
    this.listeners.push(listener);
  }

  async onApplicationBootstrap(): Promise<void> {
    const from = this.options.clock.now().getTime() - this.options.endedSessions.retainSeconds * 1000;
    this.position = `${from}:00000000-0000-0000-0000-000000000000`;
    for (let wait = RETRY_MS.first; !this.stopped; wait = Math.min(wait * 2, RETRY_MS.max)) {
      try {
        await this.readToEnd();
        this.logger.log({ ended: this.options.endedSessions.size }, 'ended sessions read from the auth service');
        break;
      } catch (error) {
        this.warn(error, 'auth session events unreachable; not starting until they are read');
        await new Promise((resolve) => setTimeout(resolve, wait));
      }
    }
    if (this.stopped) return;
    this.warned = false;
    this.timer = setInterval(() => void this.poll(), this.options.intervalMilliseconds);
    this.timer.unref();
  }

  onApplicationShutdown(): void {
    this.stopped = true;
    clearInterval(this.timer);
  }

  private async poll(): Promise<void> {
    if (this.polling) return;
    this.polling = true;
    try {
      await this.readToEnd();
      this.warned = false;
    } catch (error) {
      this.warn(error, 'session events not polled');
    } finally {
      this.polling = false;
    }
  }

  private async readToEnd(): Promise<void> {
    for (;;) {
      const before = this.position;
      const url = new URL('/internal/session-events', this.options.authUrl);
      url.searchParams.set('after', this.position as string);
      url.searchParams.set('limit', String(PAGE));
      const response = await fetch(url, {
        headers: { authorization: `Bearer ${this.options.internalApiKey.toString('base64url')}` },
        signal: AbortSignal.timeout(5_000),
      });
      if (!response.ok) throw new Error(`auth session events answered ${response.status}`);
      const body = (await response.json()) as { events?: unknown[]; nextAfter?: unknown };
      const events = Array.isArray(body.events) ? body.events : [];
      for (const event of events.map(parseSessionEvent)) if (event) this.deliver(event);
      if (typeof body.nextAfter === 'string' && CURSOR.test(body.nextAfter)) this.position = body.nextAfter;
      if (events.length < PAGE || this.position === before) return;
    }
  }

  private deliver(event: AuthSessionEvent): void {
    this.options.endedSessions.end(sessionEndOf(event));
    for (const listener of this.listeners) listener(event);
  }

  private warn(error: unknown, message: string): void {
    if (!this.warned) this.logger.warn({ reason: error instanceof Error ? error.message : 'unknown' }, message);
    this.warned = true;
  }
}
