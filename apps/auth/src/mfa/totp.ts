import { generate, generateSecret, generateURI, verify } from 'otplib';

export const TOTP_ISSUER = 'SharedCare';
export const TOTP_PERIOD_SECONDS = 30;
/** One step either side of now, for clock drift between phone and server. */
const TOLERANCE_SECONDS = TOTP_PERIOD_SECONDS;

export function newTotpSecret(): string {
  return generateSecret({ length: 20 });
}

export function otpauthUrl(secret: string, accountEmail: string): string {
  return generateURI({ issuer: TOTP_ISSUER, label: accountEmail, secret, period: TOTP_PERIOD_SECONDS });
}

/** The current code for `secret` at `now` (demo tooling and tests). */
export function totpCode(secret: string, now: Date): Promise<string> {
  return generate({ secret, epoch: Math.floor(now.getTime() / 1000), period: TOTP_PERIOD_SECONDS });
}

/**
 * Checks a six-digit code at `now`, refusing any code from a time step at or before
 * `lastUsedTimeStep` (a code cannot be used twice, nor an older one after a newer).
 * Returns the matched time step, which the caller must record, or undefined.
 */
export async function verifyTotp(
  secret: string,
  code: string,
  now: Date,
  lastUsedTimeStep: number | null,
): Promise<number | undefined> {
  if (!/^\d{6}$/.test(code)) return undefined;
  const result = await verify({
    secret,
    token: code,
    epoch: Math.floor(now.getTime() / 1000),
    period: TOTP_PERIOD_SECONDS,
    epochTolerance: TOLERANCE_SECONDS,
    ...(lastUsedTimeStep === null ? {} : { afterTimeStep: lastUsedTimeStep }),
  });
  return result.valid && 'timeStep' in result ? result.timeStep : undefined;
}
