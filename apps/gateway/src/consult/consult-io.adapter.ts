import type { IncomingMessage } from 'node:http';
import type { INestApplicationContext } from '@nestjs/common';
import { IoAdapter } from '@nestjs/platform-socket.io';
import type { MessageMappingProperties } from '@nestjs/websockets';
import { defer, finalize, isObservable, mergeMap, type Observable, of } from 'rxjs';
import type { Socket } from 'socket.io';
import { type ServiceDrain, SHUTTING_DOWN } from '@sharedcare/common';

// @nestjs/platform-socket.io pins its own copy of socket.io, which is the one that runs; its
// types are taken from the adapter rather than from our socket.io dependency.
type IoServerOptions = NonNullable<Parameters<IoAdapter['createIOServer']>[1]>;
type IoServer = ReturnType<IoAdapter['createIOServer']>;

export interface ConsultIoOptions {
  /** Browser origins allowed to open a socket; see {@link isOriginAllowed}. */
  allowedOrigins: string[];
  /** Largest accepted socket.io message, in bytes. */
  maxHttpBufferSize?: number;
  /** Rooms shared between processes (the Redis adapter); the in-memory adapter otherwise. */
  adapter?: () => NonNullable<IoServerOptions['adapter']>;
  /** Counts each event until it is answered, and refuses connections and events once draining. */
  drain: ServiceDrain;
}

/**
 * A request without an Origin header comes from a non-browser client (a native app, a test),
 * which no web page can impersonate; a browser always sends one on a cross-origin request and on
 * every WebSocket handshake, so any Origin that is present must be on the allow-list.
 */
export function isOriginAllowed(origin: string | undefined, allowedOrigins: readonly string[]): boolean {
  return origin === undefined || allowedOrigins.includes(origin);
}

/**
 * socket.io on the HTTP server's port, with the settings that come from configuration rather
 * than from the gateway's decorator: the Origin allow-list (CORS headers for polling, and a hard
 * refusal in `allowRequest` for both transports) and the message size limit.
 * Connection-state recovery stays off: see createSocketAuthMiddleware before turning it on.
 * During a shutdown's drain, new connections are refused in `allowRequest` (a transport-level
 * refusal, which socket.io-client retries, so a reconnecting client lands on another process), and
 * new events are answered `unavailable`; the events already being handled count as in flight until
 * their answer has been written to the connection.
 */
export class ConsultIoAdapter extends IoAdapter {
  constructor(
    app: INestApplicationContext,
    private readonly options: ConsultIoOptions,
  ) {
    super(app);
  }

  override createIOServer(port: number, options?: IoServerOptions): IoServer {
    const { allowedOrigins, maxHttpBufferSize = 64 * 1024, adapter, drain } = this.options;
    return super.createIOServer(port, {
      ...options,
      ...(adapter ? { adapter: adapter() } : {}),
      serveClient: false,
      maxHttpBufferSize,
      cors: { origin: allowedOrigins, methods: ['GET', 'POST'] },
      allowRequest: (
        request: IncomingMessage,
        callback: (error: string | null | undefined, success: boolean) => void,
      ) => {
        if (drain.isDraining) return callback('Shutting down', false);
        return isOriginAllowed(request.headers.origin, allowedOrigins)
          ? callback(null, true)
          : callback('Origin not allowed', false);
      },
    } as IoServerOptions);
  }

  override bindMessageHandlers(
    socket: Socket,
    handlers: MessageMappingProperties[],
    transform: (data: unknown) => Observable<unknown>,
  ): void {
    const { drain } = this.options;
    // Each event's ack, as Nest hands it both to the handler (and the filter, for a refusal) and to
    // its own subscription (which answers a handler's result): one function whose call is seen.
    const answers = new WeakMap<object, AnswerState>();
    socket.use((packet, next) => {
      const ack = packet.at(-1);
      if (typeof ack === 'function') {
        const state: AnswerState = { answered: false };
        const answer = (...args: unknown[]) => {
          state.answered = true;
          afterWritten(
            socket,
            () => (ack as (...answer: unknown[]) => void)(...args),
            () => state.written?.(),
          );
        };
        answers.set(answer, state);
        packet[packet.length - 1] = answer;
      }
      next();
    });
    const drained = handlers.map((handler) => ({
      ...handler,
      callback: (data: unknown, ack?: unknown) => {
        if (drain.isDraining) {
          // Answered like any refusal (WsContractFilter): through the ack, else an `error` event.
          if (typeof ack === 'function') ack({ ok: false, error: SHUTTING_DOWN });
          else socket.emit('error', SHUTTING_DOWN);
          return Promise.resolve(undefined);
        }
        const done = drain.start();
        // The event is in flight until its answer has been written to the connection, so the
        // shutdown notice, sent once nothing is in flight, always follows it, however the answer is
        // reached (a batch of the group commit, a refusal through the filter). An event answered
        // without its ack (none given, none sent) is over when its handler is: with an interceptor,
        // Nest's callback resolves to a lazy Observable that runs the handler only when subscribed.
        const state = typeof ack === 'function' ? answers.get(ack) : undefined;
        if (state) state.written = done;
        return defer(() => handler.callback(data, ack)).pipe(
          mergeMap((result: unknown) => (isObservable(result) ? result : of(result))),
          finalize(() => {
            if (!state?.answered) done();
          }),
        );
      },
    }));
    super.bindMessageHandlers(socket, drained, transform);
  }
}

/** One event's acknowledgement: whether it was called, and what to do once it is written. */
interface AnswerState {
  answered: boolean;
  written?: () => void;
}

/**
 * Sends a packet with `send` and calls `then` once it has been handed to the connection's transport
 * (engine.io's `flush`: written to the WebSocket, or into the pending polling response), or once
 * the connection is gone and nothing more will be written. A packet queued behind a write still
 * under way goes with the next flush, in order.
 */
function afterWritten(socket: Socket, send: () => void, then: () => void): void {
  const connection = socket.conn;
  let flushed = false;
  const onFlush = () => (flushed = true);
  connection.on('flush', onFlush);
  try {
    send();
  } catch (error) {
    then();
    throw error;
  } finally {
    connection.off('flush', onFlush);
  }
  if (flushed || connection.readyState === 'closed') return then();
  const finish = () => {
    connection.off('flush', finish);
    connection.off('close', finish);
    then();
  };
  connection.on('flush', finish);
  connection.on('close', finish);
}
