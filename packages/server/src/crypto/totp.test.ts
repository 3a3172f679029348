import { describe, expect, it } from 'vitest';
import { base32Decode, totpCode, verifyTotp } from './totp.js';

describe('TOTP (RFC 6238)', () => {
  // RFC 6238 appendix B, SHA-1 key "12345678901234567890"; the RFC lists 8-digit codes.
  const key = Buffer.from('12345678901234567890');
  it.each([
    [59, '94287082'],
    [1111111109, '07081804'],
    [1111111111, '14050471'],
    [1234567890, '89005924'],
    [2000000000, '69279037'],
  ])('matches the RFC vector at T=%i', (t, code) => {
    expect(totpCode(key, Math.floor(t / 30), 8)).toBe(code);
  });

  it('decodes base32 and verifies 6-digit codes with one step of drift', () => {
    const secret = 'GEZDGNBVGY3TQOJQGEZDGNBVGY3TQOJQ';
    expect(base32Decode(secret)).toEqual(key);
    expect(verifyTotp(secret, '287082', 59_000)).toBe(true);
    expect(verifyTotp(secret, '287082', 59_000 + 30_000)).toBe(true);
    expect(verifyTotp(secret, '287082', 59_000 + 90_000)).toBe(false);
    expect(verifyTotp(secret, '287083', 59_000)).toBe(false);
    expect(verifyTotp('not base32!', '287082', 59_000)).toBe(false);
    expect(verifyTotp(secret, 'abcdef', 59_000)).toBe(false);
  });
});
