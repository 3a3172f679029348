import { describe, expect, it } from 'vitest';
import { ERROR_CODE_INFO, ErrorCode } from './errors.js';
import { isIdOf, newId, randomToken } from './ids.js';
import { decodePublishableKey, encodePublishableKey, isSecretKeyShape, newSecretKey, secretKeyInstanceType } from './keys.js';

describe('ids', () => {
  it('has the prefix and 27 base62 characters', () => {
    expect(newId('user')).toMatch(/^user_[0-9A-Za-z]{27}$/);
    expect(isIdOf('user', newId('user'))).toBe(true);
    expect(isIdOf('org', newId('user'))).toBe(false);
  });

  it('sorts by creation time as plain strings', () => {
    const ids = [0, 1, 1000, 1_700_000_000_000, 1_700_000_000_001, 2 ** 47].map((t) => newId('user', t));
    expect([...ids].sort()).toEqual(ids);
  });

  it('is strictly increasing when minted in the same millisecond or with a clock that steps back', () => {
    const ids = [newId('idn', 1_000), newId('idn', 1_000), newId('idn', 1_000), newId('idn', 999), newId('idn', 1_001)];
    expect([...ids].sort()).toEqual(ids);
    expect(new Set(ids).size).toBe(ids.length);
  });

  it('does not repeat', () => {
    const set = new Set(Array.from({ length: 10_000 }, () => newId('sess', 5)));
    expect(set.size).toBe(10_000);
  });

  it('makes random tokens of the requested length from the base62 alphabet', () => {
    expect(randomToken(64)).toMatch(/^[0-9A-Za-z]{64}$/);
  });
});

describe('keys', () => {
  it('round-trips publishable keys the way the official SDKs decode them', () => {
    const pk = encodePublishableKey('development', 'auth.example.com');
    expect(pk).toBe(`pk_test_${btoa('auth.example.com$')}`);
    expect(pk.split('_')).toHaveLength(3);
    expect(decodePublishableKey(pk)).toEqual({ instanceType: 'development', frontendApi: 'auth.example.com' });
    expect(decodePublishableKey(encodePublishableKey('production', '127.0.0.1:4000'))).toEqual({ instanceType: 'production', frontendApi: '127.0.0.1:4000' });
  });

  it('rejects publishable keys the SDKs would reject', () => {
    expect(decodePublishableKey(`pk_test_${btoa('localhost:3000$')}`)).toBeNull();
    expect(decodePublishableKey(`pk_test_${btoa('a.b')}`)).toBeNull();
    expect(decodePublishableKey(`pk_test_${btoa('a$.b$')}`)).toBeNull();
    expect(decodePublishableKey('pk_prod_abc')).toBeNull();
    expect(decodePublishableKey('pk_test_!!!')).toBeNull();
  });

  it('mints secret keys by instance type', () => {
    const sk = newSecretKey('production');
    expect(sk).toMatch(/^sk_live_[0-9A-Za-z]{48}$/);
    expect(isSecretKeyShape(sk)).toBe(true);
    expect(secretKeyInstanceType(sk)).toBe('production');
    expect(secretKeyInstanceType(newSecretKey('development'))).toBe('development');
    expect(isSecretKeyShape('sk_test_short')).toBe(false);
  });
});

describe('error codes', () => {
  it('maps every code to a 4xx or 5xx status and a message', () => {
    for (const code of Object.values(ErrorCode)) {
      const info = ERROR_CODE_INFO[code];
      expect(info.status).toBeGreaterThanOrEqual(400);
      expect(info.message.length).toBeGreaterThan(0);
    }
    expect(ERROR_CODE_INFO[ErrorCode.FormIdentifierExists].status).toBe(422);
    expect(ERROR_CODE_INFO[ErrorCode.ClerkKeyInvalid].status).toBe(401);
  });
});
