import { newTotpSecret, otpauthUrl, totpCode, verifyTotp } from './totp.js';

const now = new Date('2026-01-05T09:00:00Z'); // a period boundary
const seconds = (n: number) => new Date(now.getTime() + n * 1000);
const stepAt = (date: Date) => Math.floor(date.getTime() / 1000 / 30);

describe('TOTP', () => {
  const secret = newTotpSecret();

  it('makes a base32 secret and an otpauth URL naming the issuer and account', () => {
    expect(secret).toMatch(/^[A-Z2-7]{32}$/);
    const url = new URL(otpauthUrl(secret, 'therapist@demo.test'));
    expect(url.protocol).toBe('otpauth:');
    expect(url.searchParams.get('secret')).toBe(secret);
    expect(url.searchParams.get('issuer')).toBe('SharedCare');
    expect(decodeURIComponent(url.pathname)).toContain('therapist@demo.test');
  });

  it('accepts the current code and returns its time step', async () => {
    await expect(verifyTotp(secret, await totpCode(secret, now), now, null)).resolves.toBe(stepAt(now));
  });

  it('refuses the same code a second time (replay), even within its period', async () => {
    const code = await totpCode(secret, now);
    const step = await verifyTotp(secret, code, now, null);
    await expect(verifyTotp(secret, code, seconds(5), step!)).resolves.toBeUndefined();
  });

  it('refuses an older code once a newer one has been used', async () => {
    const older = await totpCode(secret, seconds(-30));
    const newerStep = await verifyTotp(secret, await totpCode(secret, now), now, null);
    await expect(verifyTotp(secret, older, now, newerStep!)).resolves.toBeUndefined();
  });

  it('accepts the next period’s code after the current one was used', async () => {
    const step = await verifyTotp(secret, await totpCode(secret, now), now, null);
    await expect(verifyTotp(secret, await totpCode(secret, seconds(30)), seconds(30), step!)).resolves.toBe(step! + 1);
  });

  it('allows one step of drift and no more', async () => {
    await expect(verifyTotp(secret, await totpCode(secret, seconds(-30)), now, null)).resolves.toBe(stepAt(now) - 1);
    await expect(verifyTotp(secret, await totpCode(secret, seconds(-90)), now, null)).resolves.toBeUndefined();
  });

  it('refuses a wrong or malformed code without throwing', async () => {
    const code = await totpCode(secret, now);
    const wrong = String((Number(code) + 1) % 1_000_000).padStart(6, '0');
    await expect(verifyTotp(secret, wrong, now, null)).resolves.toBeUndefined();
    await expect(verifyTotp(secret, '12345', now, null)).resolves.toBeUndefined();
    await expect(verifyTotp(secret, 'abcdef', now, null)).resolves.toBeUndefined();
  });
});
