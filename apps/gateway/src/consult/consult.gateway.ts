import { Logger, Optional, UseFilters, UsePipes } from '@nestjs/common';
import {
  type OnGatewayConnection,
  type OnGatewayDisconnect,
  type OnGatewayInit,
  WebSocketGateway,
  WebSocketServer,
} from '@nestjs/websockets';
import type { Namespace, Socket } from 'socket.io';
import { type AuthenticatedSocketData, createSocketAuthMiddleware, TokenVerifier } from '@sharedcare/auth';
import { Clock, createValidationPipe, SystemClock, WsContractFilter } from '@sharedcare/common';
import { DirectoryService } from '@sharedcare/directory';

export const CONSULT_NAMESPACE = '/consult';

/** The room every socket of one provider joins, so events can reach all their devices. */
export function providerRoom(providerId: string): string {
  return `provider:${providerId}`;
}

// setTimeout's ceiling; an access token lives minutes, so this only guards against odd clocks.
const MAX_TIMER_MS = 2_147_483_647;

/**
 * The live side of the consult service (namespace `/consult`). Sockets are authenticated in the
 * handshake; events (later issues) are guarded per event by the global guard, validated by the
 * pipe bound here, and refused through their acknowledgement by WsContractFilter.
 */
@WebSocketGateway({ namespace: CONSULT_NAMESPACE })
@UsePipes(createValidationPipe())
@UseFilters(new WsContractFilter())
export class ConsultGateway implements OnGatewayInit, OnGatewayConnection, OnGatewayDisconnect {
  private readonly logger = new Logger(ConsultGateway.name);
  /** The `/consult` namespace, for emitting to rooms. */
  @WebSocketServer() readonly namespace: Namespace;
  private readonly expiryTimers = new WeakMap<Socket, NodeJS.Timeout>();

  constructor(
    private readonly verifier: TokenVerifier,
    private readonly directory: DirectoryService,
    @Optional() private readonly clock: Clock = new SystemClock(),
  ) {}

  afterInit(namespace: Namespace): void {
    namespace.use(createSocketAuthMiddleware(this.verifier));
  }

  // Nest does not await this hook, so nothing here may reject.
  handleConnection(socket: Socket): void {
    const { auth } = socket.data as AuthenticatedSocketData;
    // The in-memory adapter joins synchronously; the Redis adapter (scale-out) will not.
    void Promise.resolve(socket.join(providerRoom(auth.providerId))).catch(() => {
      this.logger.error({ socketId: socket.id }, 'could not join the provider room; disconnecting');
      socket.disconnect(true);
    });
    // The socket may not outlive the token it was opened with (DESIGN.md: session.expired).
    const remaining = Math.min(Math.max(auth.expiresAt.getTime() - this.clock.now().getTime(), 0), MAX_TIMER_MS);
    this.expiryTimers.set(
      socket,
      setTimeout(() => {
        socket.emit('session.expired');
        socket.disconnect(true);
      }, remaining),
    );
    void this.directory.noteCaller(auth).catch(() => {
      this.logger.warn({ socketId: socket.id }, 'could not record the caller in the directory');
    });
    this.logger.log({ socketId: socket.id, providerId: auth.providerId }, 'socket connected');
  }

  handleDisconnect(socket: Socket, reason?: string): void {
    clearTimeout(this.expiryTimers.get(socket));
    this.expiryTimers.delete(socket);
    this.logger.log({ socketId: socket.id, reason }, 'socket disconnected');
  }
}
