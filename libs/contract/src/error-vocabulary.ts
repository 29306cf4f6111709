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

/** The body every refusal carries, on REST and in socket acknowledgements. */
export interface ErrorBody {
  code: ErrorCode;
  message: string;
  details?: unknown;
}
