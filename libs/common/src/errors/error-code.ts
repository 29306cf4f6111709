/** Stable error codes of the public contract (DESIGN.md, Interfaces), REST and live alike. */
export const ERROR_CODES = [
  'unauthenticated',
  'not_found',
  'invalid',
  'consent_required',
  'conflict',
  'rate_limited',
  'internal',
  'unavailable',
] as const;

export type ErrorCode = (typeof ERROR_CODES)[number];

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

/** The body every refusal carries, on REST and in socket acknowledgements. */
export interface ErrorBody {
  code: ErrorCode;
  message: string;
  details?: unknown;
}
