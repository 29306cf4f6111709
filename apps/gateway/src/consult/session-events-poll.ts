import { Logger, type OnApplicationShutdown } from '@nestjs/common';
import type { AuthSessionEvent } from './redis-scale-out.js';

const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;
const CURSOR = /^\d{1,15}:[0-9a-f-]{36}$/;

function parse(value: unknown): AuthSessionEvent | undefined {
  const event = value as Partial<AuthSessionEvent> | null;
  const known = event?.type === 'provider.sessions_revoked' || event?.type === 'provider.disabled';
  return known && typeof event.providerId === 'string' && UUID.test(event.providerId)
    ? (event as AuthSessionEvent)
    : undefined;
}

/**
 * Logout-all and disable for a consult service without Redis (one process): polls the auth
 * service's outbox feed (`GET /internal/session-events`, behind INTERNAL_API_KEY) every
 * `intervalMilliseconds`, from the position it found at boot. A failed poll is retried at the next
 * tick from the same position, so nothing is skipped.
 */
export class SessionEventsPoll implements OnApplicationShutdown {
  private readonly logger = new Logger(SessionEventsPoll.name);
  private timer?: NodeJS.Timeout;
  private position?: string;
  private polling = false;
  private warned = false;

  constructor(private readonly options: { authUrl: string; internalApiKey: Buffer; intervalMilliseconds: number }) {}

  onSessionEvent(listener: (event: AuthSessionEvent) => void): void {
    this.timer = setInterval(() => void this.poll(listener), this.options.intervalMilliseconds);
    this.timer.unref();
    void this.poll(listener);
  }

  onApplicationShutdown(): void {
    clearInterval(this.timer);
  }

  private async poll(listener: (event: AuthSessionEvent) => void): Promise<void> {
    if (this.polling) return;
    this.polling = true;
    try {
      const url = new URL('/internal/session-events', this.options.authUrl);
      if (this.position) url.searchParams.set('after', this.position);
      const response = await fetch(url, {
        headers: { authorization: `Bearer ${this.options.internalApiKey.toString('base64url')}` },
        signal: AbortSignal.timeout(5_000),
      });
      if (!response.ok) throw new Error(`auth session events answered ${response.status}`);
      const body = (await response.json()) as { events?: unknown[]; nextAfter?: unknown };
      for (const event of (body.events ?? []).map(parse)) if (event) listener(event);
      if (typeof body.nextAfter === 'string' && CURSOR.test(body.nextAfter)) this.position = body.nextAfter;
      this.warned = false;
    } catch (error) {
      if (!this.warned) {
        this.logger.warn({ reason: error instanceof Error ? error.message : 'unknown' }, 'session events not polled');
      }
      this.warned = true;
    } finally {
      this.polling = false;
    }
  }
}
