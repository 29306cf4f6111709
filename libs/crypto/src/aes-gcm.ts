import { createCipheriv, createDecipheriv, randomBytes } from 'node:crypto';

const VERSION = 'v1';
const IV_BYTES = 12;
const TAG_BYTES = 16;
const KEY_BYTES = 32;

/** A sealed value could not be opened: wrong key, wrong context, or tampered text. */
export class SealError extends Error {
  constructor(message = 'Sealed value could not be opened') {
    super(message);
    this.name = 'SealError';
  }
}

function requireKey(key: Buffer): void {
  if (key.length !== KEY_BYTES) throw new RangeError(`AES-256-GCM needs a ${KEY_BYTES}-byte key`);
}

/**
 * Encrypts `plaintext` with AES-256-GCM under `key` into one printable string
 * (`v1.<iv>.<tag>.<ciphertext>`, base64url). `context` is bound as additional authenticated
 * data: a value sealed for one row (say, a provider id) does not open for another, so ciphertexts
 * cannot be swapped between rows of a database dump.
 */
export function seal(key: Buffer, plaintext: Buffer | string, context = ''): string {
  requireKey(key);
  const iv = randomBytes(IV_BYTES);
  const cipher = createCipheriv('aes-256-gcm', key, iv, { authTagLength: TAG_BYTES });
  cipher.setAAD(Buffer.from(context, 'utf8'));
  const ciphertext = Buffer.concat([cipher.update(plaintext), cipher.final()]);
  return [VERSION, iv, cipher.getAuthTag(), ciphertext]
    .map((part) => (typeof part === 'string' ? part : part.toString('base64url')))
    .join('.');
}

/** Opens a value made by {@link seal} with the same key and context; throws SealError otherwise. */
export function open(key: Buffer, sealed: string, context = ''): Buffer {
  requireKey(key);
  const parts = sealed.split('.');
  if (parts.length !== 4 || parts[0] !== VERSION) throw new SealError('Not a sealed value');
  const [iv, tag, ciphertext] = parts.slice(1).map((part) => Buffer.from(part, 'base64url'));
  if (iv.length !== IV_BYTES || tag.length !== TAG_BYTES) throw new SealError('Not a sealed value');
  try {
    const decipher = createDecipheriv('aes-256-gcm', key, iv, { authTagLength: TAG_BYTES });
    decipher.setAAD(Buffer.from(context, 'utf8'));
    decipher.setAuthTag(tag);
    return Buffer.concat([decipher.update(ciphertext), decipher.final()]);
  } catch {
    throw new SealError();
  }
}

/** {@link open} for values that were sealed from UTF-8 text. */
export function openText(key: Buffer, sealed: string, context = ''): string {
  return open(key, sealed, context).toString('utf8');
}
