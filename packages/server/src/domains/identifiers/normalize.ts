/**
 * Normalization of identifiers, so that uniqueness holds for what a person would call "the same":
 * e-mail addresses compare lower-cased, phone numbers in E.164, usernames lower-cased, wallets lower-cased.
 * Each function returns null for a value that is not a valid identifier of its kind.
 */

// A pragmatic RFC 5322 subset: dot-atom local part, a domain of labels with a TLD of letters.
const EMAIL = /^[A-Za-z0-9!#$%&'*+/=?^_`{|}~-]+(\.[A-Za-z0-9!#$%&'*+/=?^_`{|}~-]+)*@([A-Za-z0-9]([A-Za-z0-9-]{0,61}[A-Za-z0-9])?\.)+[A-Za-z]{2,63}$/;

/** Lower-cased, trimmed e-mail address, or null when it is not one. */
export function normalizeEmail(value: string): string | null {
  const v = value.trim();
  if (v.length > 254 || !EMAIL.test(v)) return null;
  const local = v.slice(0, v.lastIndexOf('@'));
  if (local.length > 64) return null;
  return v.toLowerCase();
}

/** E.164 form (`+` and 8 to 15 digits, no leading zero) of a phone number; spaces, dashes, dots and parentheses are ignored. */
export function normalizePhone(value: string): string | null {
  const v = value.trim().replace(/[\s\-().]/g, '');
  return /^\+[1-9]\d{7,14}$/.test(v) ? v : null;
}

/** Usernames: 4 to 64 characters of letters, digits, `_`, `-` and `.`; compared lower-cased. */
export function normalizeUsername(value: string): string | null {
  const v = value.trim();
  return /^[A-Za-z0-9_.-]{4,64}$/.test(v) ? v.toLowerCase() : null;
}

/** Ethereum-style wallet address: 0x and 40 hex digits, lower-cased. */
export function normalizeWeb3Wallet(value: string): string | null {
  const v = value.trim();
  return /^0x[0-9a-fA-F]{40}$/.test(v) ? v.toLowerCase() : null;
}
