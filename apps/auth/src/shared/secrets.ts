import { createHash, randomBytes } from 'node:crypto';

/** An opaque bearer secret: 32 random bytes, base64url (43 characters). */
export function randomSecret(): string {
  return randomBytes(32).toString('base64url');
}

/** How opaque secrets (refresh tokens, MFA tokens, invite codes) are stored and looked up. */
export function sha256Hex(value: string): string {
  return createHash('sha256').update(value, 'utf8').digest('hex');
}
