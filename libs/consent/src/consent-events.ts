import { Inject, Injectable, Logger, type OnApplicationBootstrap, type OnApplicationShutdown } from '@nestjs/common';
import pg from 'pg';
import { LocalEvents } from '@sharedcare/common';

/** Published when a consent is revoked: its recipients may have lost the client. */
export interface ConsentRevokedEvent {
  type: 'consent.revoked';
  clientId: string;
  consentId: string;
  providerIds: string[];
  at: string;
}

/** Published when someone breaks the glass: the care team is told at once. */
export interface EmergencyAccessOpenedEvent {
  type: 'emergency_access.opened';
  clientId: string;
  grantId: string;
  providerId: string;
  careTeamIds: string[];
  expiresAt: string;
  at: string;
}

export type ConsentEvent = ConsentRevokedEvent | EmergencyAccessOpenedEvent;

/** The Postgres channel consent events travel on (NOTIFY is sent in the changing transaction). */
export const CONSENT_EVENTS_CHANNEL = 'sharedcare_consent_events';

export interface ConsentEventsOptions {
  databaseUrl: string;
  /** The embedded database serves one process and does not deliver NOTIFY between connections. */
  embedded: boolean;
}

export const CONSENT_EVENTS_OPTIONS = Symbol('CONSENT_EVENTS_OPTIONS');

const RECONNECT_MILLISECONDS = 1_000;

function parseEvent(payload: string | undefined): ConsentEvent | undefined {
  try {
    const event = JSON.parse(payload ?? '') as ConsentEvent;
    return event.type === 'consent.revoked' || event.type === 'emergency_access.opened' ? event : undefined;
  } catch {
    return undefined;
  }
}

/**
 * Consent changes every gateway process must act on at once (issue 3: revocation takes the
 * recipients' live sockets out of the client's rooms). The repository sends `pg_notify` inside
 * the transaction that makes the change, so Postgres delivers it on commit and never for a
 * rollback, to every process listening on the same database: no second broker to lose it.
 *
 * On the embedded database (one process by construction) the service hands the event over
 * after commit instead ({@link committed}).
 */
@Injectable()
export class ConsentEvents implements OnApplicationBootstrap, OnApplicationShutdown {
  private readonly logger = new Logger(ConsentEvents.name);
  private readonly local = new LocalEvents<ConsentEvent>(this.logger);
  private client?: pg.Client;
  private reconnectTimer?: NodeJS.Timeout;
  private stopped = false;

  constructor(@Inject(CONSENT_EVENTS_OPTIONS) private readonly options: ConsentEventsOptions) {}

  async onApplicationBootstrap(): Promise<void> {
    if (!this.options.embedded) await this.listen();
  }

  async onApplicationShutdown(): Promise<void> {
    this.stopped = true;
    clearTimeout(this.reconnectTimer);
    await this.client?.end().catch(() => undefined);
  }

  /** Calls `listener` with every consent event; returns the unsubscribe function. */
  subscribe(listener: (event: ConsentEvent) => void): () => void {
    return this.local.subscribe(listener);
  }

  /** Called once the transaction that staged `event` has committed. */
  committed(event: ConsentEvent): void {
    if (this.options.embedded) this.local.emit(event);
  }

  private async listen(): Promise<void> {
    const client = new pg.Client({ connectionString: this.options.databaseUrl });
    client.on('notification', (message) => {
      const event = message.channel === CONSENT_EVENTS_CHANNEL ? parseEvent(message.payload) : undefined;
      if (event) this.local.emit(event);
    });
    client.on('error', (error) => {
      this.logger.warn({ reason: error.message }, 'consent event listener lost its connection; reconnecting');
      this.scheduleReconnect(client);
    });
    client.on('end', () => this.scheduleReconnect(client));
    this.client = client;
    await client.connect();
    await client.query(`LISTEN ${CONSENT_EVENTS_CHANNEL}`);
  }

  private scheduleReconnect(failed: pg.Client): void {
    if (this.stopped || this.client !== failed || this.reconnectTimer) return;
    this.client = undefined;
    void failed.end().catch(() => undefined);
    this.reconnectTimer = setTimeout(() => {
      this.reconnectTimer = undefined;
      this.listen().catch((error: unknown) => {
        this.logger.warn(
          { reason: error instanceof Error ? error.message : 'unknown' },
          'consent event listener could not reconnect',
        );
        if (this.client) this.scheduleReconnect(this.client);
      });
    }, RECONNECT_MILLISECONDS);
    this.reconnectTimer.unref();
  }
}
