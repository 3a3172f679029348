import { describe, expect, it } from 'vitest';
import fc from 'fast-check';
import { ERROR_CODE_INFO, ErrorCode } from '@latch/core';
import { COMMON_PASSWORDS } from './common-passwords.js';
import { checkPasswordPolicy } from './password-policy.js';

describe('common password list', () => {
  it('holds at least 1,000 lower-case entries of 8+ characters without whitespace', () => {
    expect(COMMON_PASSWORDS.size).toBeGreaterThanOrEqual(1000);
    for (const p of COMMON_PASSWORDS) {
      expect(p.length, p).toBeGreaterThanOrEqual(8);
      expect(p, p).toBe(p.toLowerCase());
      expect(p, p).not.toMatch(/\s/);
    }
  });

  it('contains the perennial top entries', () => {
    for (const p of ['password', '12345678', '123456789', 'qwertyuiop', 'iloveyou', 'iloveyou1', 'password1', '1q2w3e4r', 'sunshine', 'football']) {
      expect(COMMON_PASSWORDS.has(p), p).toBe(true);
    }
  });
});

describe('checkPasswordPolicy', () => {
  it('accepts a reasonable password', () => {
    expect(checkPasswordPolicy('tangerine-orbit-47')).toBeNull();
    expect(checkPasswordPolicy('tangerine-orbit-47', { identifiers: ['jane@example.com', 'jane', '+15551234567'] })).toBeNull();
  });

  it('refuses passwords shorter than 8 characters', () => {
    for (const p of ['', 'a', 'x9!Kq2z']) {
      expect(checkPasswordPolicy(p)?.code).toBe(ErrorCode.FormPasswordLengthTooShort);
    }
    expect(checkPasswordPolicy('x9!Kq2zT')).toBeNull();
  });

  it('counts characters, not UTF-16 units', () => {
    // Seven emoji are 14 UTF-16 units but only 7 characters.
    expect(checkPasswordPolicy('🔑🔒🗝🚪🧱🪟🏠')?.code).toBe(ErrorCode.FormPasswordLengthTooShort);
    expect(checkPasswordPolicy('🔑🔒🗝🚪🧱🪟🏠🌳')).toBeNull();
  });

  it('accepts 256 characters and refuses 257', () => {
    const base = 'Zq7!vR2#'.repeat(32);
    expect(base).toHaveLength(256);
    expect(checkPasswordPolicy(base)).toBeNull();
    expect(checkPasswordPolicy(`${base}x`)?.code).toBe(ErrorCode.FormPasswordLengthTooLong);
    expect(checkPasswordPolicy('é'.repeat(256))).toBeNull();
  });

  it('refuses common passwords in any letter case', () => {
    for (const p of ['password', 'Password', 'PASSWORD1', 'QwErTyUiOp', '12345678', 'iloveyou1', 'Summer2024!', 'P@ssw0rd']) {
      const v = checkPasswordPolicy(p);
      expect(v?.code, p).toBe(ErrorCode.FormPasswordPwned);
      expect(v?.message).toMatch(/data breach/);
      expect(v?.longMessage.length).toBeGreaterThan(0);
    }
  });

  it('refuses a password equal to one of the user identifiers', () => {
    const identifiers = ['Jane.Doe@Example.com', 'janedoe_88', '+1 (555) 123-4567'];
    for (const p of ['jane.doe@example.com', 'JANE.DOE@EXAMPLE.COM', 'jane.doe', 'janedoe_88', 'JaneDoe_88', '+15551234567', '15551234567', '5551234567', '555-123-4567']) {
      const v = checkPasswordPolicy(p, { identifiers });
      expect(v?.code, p).toBe(ErrorCode.FormPasswordPwned);
      expect(v?.message, p).toMatch(/must not match/);
    }
    expect(checkPasswordPolicy('janedoe_88x', { identifiers })).toBeNull();
    expect(checkPasswordPolicy('1234-5555', { identifiers })).toBeNull();
  });

  it('ignores empty or missing identifiers', () => {
    expect(checkPasswordPolicy('tangerine-orbit-47', {})).toBeNull();
    expect(checkPasswordPolicy('tangerine-orbit-47', { identifiers: ['', '   ', '-'] })).toBeNull();
    expect(checkPasswordPolicy('(((((((((', { identifiers: ['-', '()'] })).toBeNull();
  });

  it('always returns null or a well-formed violation with a known code', () => {
    const known = new Set(Object.keys(ERROR_CODE_INFO));
    fc.assert(
      fc.property(fc.string({ maxLength: 300 }), fc.array(fc.string()), (password, identifiers) => {
        const v = checkPasswordPolicy(password, { identifiers });
        if (v === null) return;
        expect(known.has(v.code)).toBe(true);
        expect(v.message.length).toBeGreaterThan(0);
        expect(v.longMessage.length).toBeGreaterThan(0);
      }),
      { numRuns: 500 },
    );
  });
});
