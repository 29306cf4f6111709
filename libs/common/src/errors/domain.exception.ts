import type { ErrorBody, ErrorCode } from './error-code.js';

/**
 * The one exception services throw for an expected refusal. Its code is part of the public
 * contract; its message is for people and must never carry clinical text or secrets.
 */
export class DomainException extends Error {
  constructor(
    readonly code: ErrorCode,
    message: string,
    readonly details?: unknown,
    /** Seconds the caller should wait before trying again (rate_limited only). */
    readonly retryAfterSeconds?: number,
  ) {
    super(message);
    this.name = 'DomainException';
  }

  toBody(): ErrorBody {
    return this.details === undefined
      ? { code: this.code, message: this.message }
      : { code: this.code, message: this.message, details: this.details };
  }

  static notFound(what = 'Not found'): DomainException {
    return new DomainException('not_found', what);
  }

  static unauthenticated(message = 'Authentication required'): DomainException {
    return new DomainException('unauthenticated', message);
  }

  static invalid(message: string, details?: unknown): DomainException {
    return new DomainException('invalid', message, details);
  }

  static conflict(message: string): DomainException {
    return new DomainException('conflict', message);
  }

  static rateLimited(retryAfterSeconds: number, message = 'Too many requests'): DomainException {
    return new DomainException('rate_limited', message, undefined, retryAfterSeconds);
  }
}

/**
 * An error of a lower layer that stands for a contract answer: the exception filters answer with
 * it, not `internal`. A crypto-shredded client's key is one: the client's data is gone for good, so
 * any read of it answers as if the client never existed.
 */
export interface HasContractAnswer {
  contractAnswer(): DomainException;
}

/** The contract answer `error` stands for: itself when it is a DomainException. */
export function contractAnswerOf(error: unknown): DomainException | undefined {
  if (error instanceof DomainException) return error;
  const answer = (error as Partial<HasContractAnswer> | null | undefined)?.contractAnswer;
  return error instanceof Error && typeof answer === 'function' ? answer.call(error) : undefined;
}
