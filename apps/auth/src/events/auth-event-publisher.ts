/**
 * What the gateway hears about sessions: it refuses the access tokens of the sessions named, and
 * closes the provider's live sockets.
 */
export interface SessionEvent {
  type: 'provider.sessions_revoked' | 'provider.disabled';
  providerId: string;
  organisationId: string;
  /** Every session (`sid`) the event ended that may still hold a live access token. */
  sessionIds: string[];
  /** ISO 8601. */
  at: string;
}

export const AUTH_EVENTS_CHANNEL = 'sharedcare:auth-events';

/**
 * Delivers session events to the gateway. Every event is first written to the auth_outbox
 * table; `publish` returns true when a transport took it (the row is then marked published).
 */
export abstract class AuthEventPublisher {
  abstract publish(event: SessionEvent): Promise<boolean>;
  /** Resolves when the push transport answers (the readiness check); absent without one. */
  ping?(): Promise<void>;
}

/**
 * Without REDIS_URL nothing is pushed: the event stays an auth_outbox row, which the consult
 * service reads from GET /internal/session-events.
 */
export class OutboxOnlyPublisher extends AuthEventPublisher {
  async publish(): Promise<boolean> {
    return false;
  }
}
