import type { ErrorCode } from '@sharedcare/contract';

// The codes and the refusal body are part of the contract shared with clients (libs/contract).
export { ERROR_CODES, type ErrorBody, type ErrorCode } from '@sharedcare/contract';

export const HTTP_STATUS_BY_CODE: Record<ErrorCode, number> = {
  unauthenticated: 401,
  not_found: 404,
  invalid: 400,
  consent_required: 403,
  conflict: 409,
  rate_limited: 429,
  internal: 500,
  // The process is shutting down: the same request succeeds on a reconnect (another process).
  unavailable: 503,
};
