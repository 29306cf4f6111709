import { randomBytes } from 'node:crypto';
import { SealError, open, openText, seal } from './aes-gcm.js';

describe('seal / open (AES-256-GCM)', () => {
  const key = randomBytes(32);

  it('round-trips text and bytes, and never contains the plaintext', () => {
    const sealed = seal(key, 'JBSWY3DPEHPK3PXP', 'provider:1');
    expect(sealed).toMatch(/^v1\.[\w-]+\.[\w-]+\.[\w-]+$/);
    expect(sealed).not.toContain('JBSWY3DPEHPK3PXP');
    expect(openText(key, sealed, 'provider:1')).toBe('JBSWY3DPEHPK3PXP');
    const bytes = randomBytes(48);
    expect(open(key, seal(key, bytes))).toEqual(bytes);
  });

  it('uses a fresh IV each time', () => {
    expect(seal(key, 'same')).not.toBe(seal(key, 'same'));
  });

  it('refuses the wrong key, the wrong context and tampered text', () => {
    const sealed = seal(key, 'secret', 'provider:1');
    expect(() => open(randomBytes(32), sealed, 'provider:1')).toThrow(SealError);
    expect(() => open(key, sealed, 'provider:2')).toThrow(SealError);
    const parts = sealed.split('.');
    const ciphertext = Buffer.from(parts[3], 'base64url');
    ciphertext[0] ^= 1;
    parts[3] = ciphertext.toString('base64url');
    expect(() => open(key, parts.join('.'), 'provider:1')).toThrow(SealError);
    expect(() => open(key, 'plain text', 'provider:1')).toThrow(SealError);
  });

  it('refuses a key that is not 32 bytes', () => {
    expect(() => seal(randomBytes(16), 'x')).toThrow(RangeError);
  });
});
