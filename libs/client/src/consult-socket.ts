import type { Ack, ClientEvents, ServerEvents } from '@sharedcare/contract';
import { io, type Socket } from 'socket.io-client';

export type ConsultSocket = Socket<ServerEvents, ClientEvents>;

export interface ConsultSocketOptions {
  /**
   * Read at every (re)connection, so a reconnect after `session.expired` presents the token the
   * session has refreshed since.
   */
  token: () => string | undefined;
  /** Reconnect by itself after a dropped connection (socket.io's backoff); off in tests that drive it. */
  reconnection?: boolean;
}

/** A socket on the `/consult` namespace of the consult service at `baseUrl` ('' for the page's own origin). */
export function connectConsult(baseUrl: string, options: ConsultSocketOptions): ConsultSocket {
  return io(`${baseUrl}/consult`, {
    auth: (callback) => callback({ token: options.token() }),
    reconnection: options.reconnection ?? true,
    forceNew: true,
    transports: ['websocket'],
  });
}

/** The acknowledgement's answer, or an ApiError-like rejection with its code. */
export class EventError extends Error {
  constructor(
    readonly code: string,
    message: string,
  ) {
    super(message);
    this.name = 'EventError';
  }
}

type EventName = keyof ClientEvents;
type Payload<E extends EventName> = Parameters<ClientEvents[E]>[0];
type Answer<E extends EventName> = Parameters<Parameters<ClientEvents[E]>[1]>[0];
type Success<E extends EventName> = Extract<Answer<E>, { ok: true }>;

/** Emits `event` and resolves with its acknowledgement when ok, rejecting with its error code when not. */
export async function request<E extends EventName>(
  socket: ConsultSocket,
  event: E,
  payload: Payload<E>,
  timeoutMs = 10_000,
): Promise<Success<E>> {
  // socket.io's typed emitWithAck cannot follow a generic event name; the map above types the answer.
  const timed = socket.timeout(timeoutMs);
  const emit = timed.emitWithAck.bind(timed) as unknown as (name: E, body: Payload<E>) => Promise<Ack>;
  const answer = await emit(event, payload);
  if (!answer.ok) throw new EventError(answer.error.code, answer.error.message);
  return answer as Success<E>;
}
