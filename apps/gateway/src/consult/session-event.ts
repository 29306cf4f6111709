import type { SessionEnd } from '@sharedcare/auth';
import { isUuid } from '@sharedcare/common';

/** Logout-all or account disable, as the auth service publishes it (Redis) and lists it (its feed). */
export interface AuthSessionEvent {
  type: 'provider.sessions_revoked' | 'provider.disabled';
  providerId: string;
  organisationId: string;
  /** The sessions (`sid`) it ended; absent on events from before the auth service named them. */
  sessionIds?: string[];
  at: string;
}

/** Far more sessions than one provider holds in an access-token lifetime; a longer list is not the auth service's. */
const MAX_SESSIONS = 10_000;

/** The event, or undefined when it is not one the auth service sends. */
export function parseSessionEvent(value: unknown): AuthSessionEvent | undefined {
  const event = value as Partial<AuthSessionEvent> | null;
  const known = event?.type === 'provider.sessions_revoked' || event?.type === 'provider.disabled';
  if (!known || typeof event.providerId !== 'string' || !isUuid(event.providerId)) return undefined;
  if (typeof event.at !== 'string' || Number.isNaN(Date.parse(event.at))) return undefined;
  const { sessionIds } = event;
  if (
    sessionIds !== undefined &&
    !(
      Array.isArray(sessionIds) &&
      sessionIds.length <= MAX_SESSIONS &&
      sessionIds.every((id) => typeof id === 'string' && id.length > 0 && id.length <= 128)
    )
  )
    return undefined;
  return event as AuthSessionEvent;
}

export function sessionEndOf(event: AuthSessionEvent): SessionEnd {
  return { providerId: event.providerId, sessionIds: event.sessionIds, at: new Date(event.at) };
}
