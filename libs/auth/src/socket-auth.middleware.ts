import type { Socket } from 'socket.io';
import { DomainException, type ErrorBody } from '@sharedcare/common';
import { type AuthContext, requestOrigin } from './auth-context.js';
import type { TokenVerifier } from './token-verifier.js';

/** The shape socket.io hands to the client's `connect_error` listener as `error.data`. */
export type SocketAuthError = Error & { data: ErrorBody };

/** What the handshake middleware leaves on `socket.data` for handlers and the guard. */
export interface AuthenticatedSocketData {
  auth: AuthContext;
}

function refusal(error: unknown): SocketAuthError {
  const body: ErrorBody =
    error instanceof DomainException && error.code === 'unauthenticated'
      ? { code: 'unauthenticated', message: error.message }
      : { code: 'unauthenticated', message: 'Authentication required' };
  return Object.assign(new Error(body.message), { data: body });
}

/**
 * Handshake middleware for a socket.io namespace (`namespace.use(...)`): verifies
 * `socket.handshake.auth.token` with the same verifier as REST and keeps the caller on
 * `socket.data.auth`; a refusal reaches the client as `connect_error` with
 * `data: {code: 'unauthenticated', message}`. Nest guards do not run on connection
 * (nestjs/nest#882), so this is where sockets are authenticated.
 *
 * Connection-state recovery is off. If it is ever enabled, set its `skipMiddlewares: false`
 * (the default is true): a recovered socket would otherwise reconnect without running this
 * middleware, i.e. without its token being verified again.
 */
export function createSocketAuthMiddleware(verifier: TokenVerifier) {
  return (socket: Socket, next: (error?: SocketAuthError) => void): void => {
    const token: unknown = (socket.handshake.auth as Record<string, unknown> | undefined)?.token;
    verifier.verify(token).then(
      (auth) => {
        (socket.data as AuthenticatedSocketData).auth = {
          ...auth,
          origin: requestOrigin(socket.handshake.address, socket.handshake.headers['user-agent']),
        };
        next();
      },
      (error: unknown) => next(refusal(error)),
    );
  };
}
