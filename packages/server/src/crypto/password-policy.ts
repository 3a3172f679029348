/**
 * The rules a new plaintext password must pass before it is hashed: length, not a well-known breached
 * password, and not simply one of the user's own identifiers.
 *
 * Imported digests (`password_digest`) bypass this module: their plaintext is unknown.
 *
 * @example
 * const violation = checkPasswordPolicy(body.password, { identifiers: [email, username] });
 * if (violation) throw new ApiError({ ...violation, paramName: 'password' });
 */
import { ErrorCode } from '@latch/core';
import { COMMON_PASSWORDS } from './common-passwords.js';

/** Why a password was refused, ready to become one entry of an error envelope. */
export interface PasswordPolicyViolation {
  code: ErrorCode;
  message: string;
  longMessage: string;
}

/** Fewest characters (Unicode code points) a password may have. */
export const MIN_PASSWORD_LENGTH = 8;
/** Most characters (Unicode code points) a password may have. */
export const MAX_PASSWORD_LENGTH = 256;

const TOO_SHORT: PasswordPolicyViolation = {
  code: ErrorCode.FormPasswordLengthTooShort,
  message: `Passwords must be ${MIN_PASSWORD_LENGTH} characters or more.`,
  longMessage: `Passwords must be ${MIN_PASSWORD_LENGTH} characters or more.`,
};

const TOO_LONG: PasswordPolicyViolation = {
  code: ErrorCode.FormPasswordLengthTooLong,
  message: `Passwords must be ${MAX_PASSWORD_LENGTH} characters or fewer.`,
  longMessage: `Passwords must be ${MAX_PASSWORD_LENGTH} characters or fewer.`,
};

const PWNED: PasswordPolicyViolation = {
  code: ErrorCode.FormPasswordPwned,
  message: 'Password has been found in an online data breach. For account safety, please use a different password.',
  longMessage:
    'Password has been found in an online data breach. For account safety, please use a different password.',
};

// Reuses the "pwned" code on purpose: SDKs already handle it as "pick a different password", and a
// password equal to the user's public identifier is guessable for the same reason a breached one is.
const MATCHES_IDENTIFIER: PasswordPolicyViolation = {
  code: ErrorCode.FormPasswordPwned,
  message: 'Password must not match your email address, username or phone number.',
  longMessage:
    'Your password must not be the same as your email address, username or phone number. Please use a different password.',
};

/** Case- and width-insensitive form used for every comparison. */
function fold(s: string): string {
  return s.normalize('NFKC').toLowerCase();
}

const PHONE_LIKE = /^\+?[\d\s().-]+$/;
/** A phone number written without its country code still identifies the user. */
const MIN_PHONE_SUFFIX_DIGITS = 8;

function matchesIdentifier(password: string, identifier: string): boolean {
  const id = fold(identifier.trim());
  if (id.length === 0) return false;
  const pw = fold(password);
  if (pw === id) return true;
  // Mailbox names are the guessable half of an email address.
  const at = id.lastIndexOf('@');
  if (at > 0 && pw === id.slice(0, at)) return true;
  if (PHONE_LIKE.test(id) && PHONE_LIKE.test(pw)) {
    const idDigits = id.replace(/\D/g, '');
    const pwDigits = pw.replace(/\D/g, '');
    if (idDigits.length === 0) return false;
    if (pwDigits === idDigits || (pwDigits.length >= MIN_PHONE_SUFFIX_DIGITS && idDigits.endsWith(pwDigits))) {
      return true;
    }
  }
  return false;
}

/**
 * Checks a new plaintext password: at least 8 and at most 256 characters (code points), not in the
 * built-in list of common/breached passwords (case-insensitive), and not equal to one of the user's
 * identifiers (email address or its mailbox name, username, phone number with or without formatting
 * or country code) passed in `context`. Returns `null` when the password is acceptable, otherwise the
 * first rule it breaks.
 */
export function checkPasswordPolicy(
  password: string,
  context?: { identifiers?: string[] },
): PasswordPolicyViolation | null {
  // Counted in code points so an emoji counts once, as a user would count it.
  const length = [...password].length;
  if (length < MIN_PASSWORD_LENGTH) return { ...TOO_SHORT };
  if (length > MAX_PASSWORD_LENGTH) return { ...TOO_LONG };
  for (const identifier of context?.identifiers ?? []) {
    if (typeof identifier === 'string' && matchesIdentifier(password, identifier)) return { ...MATCHES_IDENTIFIER };
  }
  if (COMMON_PASSWORDS.has(fold(password))) return { ...PWNED };
  return null;
}
