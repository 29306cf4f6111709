import type { Socket } from 'socket.io';
import type { AuthenticatedSocketData, SocketAuthError } from '@sharedcare/auth';

/**
 * At most `limit` sockets of one provider open on this process. The check is made in the
 * handshake (a namespace middleware, after authentication), so a socket over the limit is never
 * connected: its client gets `connect_error` with `data: {code: 'rate_limited', ...}`, like any
 * other handshake refusal, instead of a connection that is dropped after it opened.
 *
 * Each provider's open sockets are held by id, not counted: holding the same socket twice (a
 * socket recovered with connection-state recovery keeps its id, and may or may not have run the
 * middleware) counts it once, and a release that holds nothing changes nothing. A slot is taken in
 * the middleware and given back when the socket disconnects, or when its connection closes before
 * it ever connected (socket.io then drops it without a `disconnect` event).
 */
export class ProviderSocketCap {
  /** providerId → its sockets held open here, by id. */
  private readonly held = new Map<string, Map<string, Socket>>();

  constructor(readonly limit: number) {}

  /** Handshake middleware: `namespace.use(cap.middleware)`, after the authentication middleware. */
  readonly middleware = (socket: Socket, next: (error?: SocketAuthError) => void): void => {
    // The client went away during authentication: socket.io discards the socket; nothing to hold.
    if (socket.conn.readyState !== 'open') return next();
    if (this.hold(socket, false)) return next();
    const body = {
      code: 'rate_limited' as const,
      message: `At most ${this.limit} connections at once`,
      details: { limit: this.limit },
    };
    next(Object.assign(new Error(body.message), { data: body }));
  };

  /**
   * Holds a slot for the socket until it disconnects. Answers false, holding nothing, when the
   * provider's slots are all taken by other sockets and `beyondLimit` is false. A connected socket
   * that did not pass through the middleware (a recovered one) is held with `beyondLimit`: it is
   * open, so it counts.
   */
  hold(socket: Socket, beyondLimit: boolean): boolean {
    const { providerId } = (socket.data as AuthenticatedSocketData).auth;
    const sockets = this.held.get(providerId) ?? new Map<string, Socket>();
    const current = sockets.get(socket.id);
    if (current === socket) return true;
    if (!current && !beyondLimit && sockets.size >= this.limit) return false;
    // A recovered socket takes over its predecessor's slot (same id), whose release then frees nothing.
    sockets.set(socket.id, socket);
    this.held.set(providerId, sockets);
    const release = () => {
      socket.off('disconnect', release);
      socket.conn.off('close', release);
      this.release(providerId, socket);
    };
    socket.once('disconnect', release);
    socket.conn.once('close', release);
    return true;
  }

  /** Sockets of the provider held open here. */
  openFor(providerId: string): number {
    return this.held.get(providerId)?.size ?? 0;
  }

  // Only the socket that took the slot gives it back: a recovered socket reuses its predecessor's id.
  private release(providerId: string, socket: Socket): void {
    const sockets = this.held.get(providerId);
    if (sockets?.get(socket.id) !== socket) return;
    sockets.delete(socket.id);
    if (sockets.size === 0) this.held.delete(providerId);
  }
}
