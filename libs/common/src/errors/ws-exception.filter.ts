import { type ArgumentsHost, Catch, type ExceptionFilter, Logger } from '@nestjs/common';
import { WsException } from '@nestjs/websockets';
import type { ErrorBody } from './error-code.js';
import { toErrorBody } from './http-exception.filter.js';

/** The acknowledgement every client→server event is answered with when it is refused. */
export interface AckError {
  ok: false;
  error: ErrorBody;
}

/**
 * Maps anything a socket event handler (or its guard or validation pipe) throws to the
 * contract's refusal: DomainException keeps its code and message, framework errors get their
 * contract code, anything else is logged by type and answered `internal` with no detail.
 */
export function toAckError(error: unknown, logger?: Logger): AckError {
  if (error instanceof WsException) {
    // Nest throws this when a guard answers false: refused looks like missing (CONVENTIONS 4).
    return { ok: false, error: { code: 'not_found', message: 'Not found' } };
  }
  return { ok: false, error: toErrorBody(error, logger).body };
}

/** The socket.io client this filter answers: an ack callback, or an `error` event without one. */
interface SocketLike {
  emit(event: string, ...args: unknown[]): unknown;
}

/**
 * Exception filter for socket.io gateways (`@UseFilters(new WsContractFilter())`; Nest does not
 * apply global filters to gateways). A refused event is answered through its acknowledgement
 * callback with `{ok: false, error: {code, message}}`; an event sent without one gets an `error`
 * event carrying the same body, so a refusal is never silent (DESIGN.md, Security).
 */
@Catch()
export class WsContractFilter implements ExceptionFilter {
  private readonly logger = new Logger(WsContractFilter.name);

  catch(error: unknown, host: ArgumentsHost): void {
    if (host.getType() !== 'ws') throw error;
    const answer = toAckError(error, this.logger);
    // Nest calls a gateway handler with (socket, data, ack?, pattern).
    const ack = host.getArgByIndex<unknown>(2);
    if (typeof ack === 'function') {
      ack(answer);
      return;
    }
    host.switchToWs().getClient<SocketLike>().emit('error', answer.error);
  }
}
