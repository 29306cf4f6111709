import { type ArgumentsHost, Catch, type ExceptionFilter, HttpException, HttpStatus, Logger } from '@nestjs/common';
import type { Response } from 'express';
import { contractAnswerOf } from './domain.exception.js';
import { type ErrorBody, type ErrorCode, HTTP_STATUS_BY_CODE } from './error-code.js';

/**
 * Framework refusals answer a fixed message per status: their own messages can quote the request
 * (a JSON parse error repeats the start of the body, which may be a password).
 */
const MESSAGE_BY_HTTP_STATUS: Record<number, string> = {
  [HttpStatus.BAD_REQUEST]: 'Malformed request',
  [HttpStatus.PAYLOAD_TOO_LARGE]: 'Request body too large',
  [HttpStatus.UNSUPPORTED_MEDIA_TYPE]: 'Unsupported media type',
  [HttpStatus.UNAUTHORIZED]: 'Authentication required',
  [HttpStatus.CONFLICT]: 'Conflict',
  [HttpStatus.TOO_MANY_REQUESTS]: 'Too many requests',
};

const CODE_BY_HTTP_STATUS: Record<number, ErrorCode> = {
  [HttpStatus.BAD_REQUEST]: 'invalid',
  [HttpStatus.PAYLOAD_TOO_LARGE]: 'invalid',
  [HttpStatus.UNSUPPORTED_MEDIA_TYPE]: 'invalid',
  [HttpStatus.UNAUTHORIZED]: 'unauthenticated',
  [HttpStatus.FORBIDDEN]: 'not_found',
  [HttpStatus.NOT_FOUND]: 'not_found',
  [HttpStatus.METHOD_NOT_ALLOWED]: 'not_found',
  [HttpStatus.CONFLICT]: 'conflict',
  [HttpStatus.TOO_MANY_REQUESTS]: 'rate_limited',
};

/** Maps any thrown value to a contract error; anything unexpected is logged and answered 500. */
export function toErrorBody(error: unknown, logger?: Logger): { status: number; body: ErrorBody; retryAfter?: number } {
  const answer = contractAnswerOf(error);
  if (answer) {
    return { status: HTTP_STATUS_BY_CODE[answer.code], body: answer.toBody(), retryAfter: answer.retryAfterSeconds };
  }
  if (error instanceof HttpException) {
    const status = error.getStatus();
    const code = CODE_BY_HTTP_STATUS[status] ?? (status >= 500 ? 'internal' : 'invalid');
    const message =
      code === 'not_found'
        ? 'Not found'
        : status >= 500
          ? 'Internal error'
          : (MESSAGE_BY_HTTP_STATUS[status] ?? 'Invalid request');
    return { status: status === HttpStatus.FORBIDDEN ? 404 : status, body: { code, message } };
  }
  // Only the error's type and stack frames are logged: messages from drivers can quote values.
  const frames = (error as Error)?.stack?.split('\n').filter((line) => line.trimStart().startsWith('at '));
  logger?.error({ err: { type: (error as Error)?.name, frames } }, 'unhandled error');
  return { status: 500, body: { code: 'internal', message: 'Internal error' } };
}

@Catch()
export class ContractExceptionFilter implements ExceptionFilter {
  private readonly logger = new Logger('ContractExceptionFilter');

  catch(error: unknown, host: ArgumentsHost): void {
    if (host.getType() !== 'http') throw error;
    const response = host.switchToHttp().getResponse<Response>();
    const { status, body, retryAfter } = toErrorBody(error, this.logger);
    if (retryAfter !== undefined) response.setHeader('Retry-After', String(retryAfter));
    response.status(status).json({ error: body });
  }
}
