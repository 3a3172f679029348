/**
 * Resource IDs: `<prefix>_<27 base62 characters>`.
 *
 * The 27 characters encode 20 bytes: a 48-bit millisecond timestamp followed by 112 random bits, so IDs
 * sort by creation time as plain strings and never collide in practice. Web-standard (crypto.getRandomValues).
 *
 * @example
 * const id = newId('user'); // "user_2x8…"
 */

const ALPHABET = '0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz';
const BODY_LENGTH = 27;

/** Prefixes of every resource Latch mints, as they appear on the wire. */
export const ID_PREFIXES = [
  'ins',
  'user',
  'idn',
  'img',
  'sess',
  'client',
  'sia',
  'sua',
  'inv',
  'alid',
  'blid',
  'org',
  'orgmem',
  'orginv',
  'orgdmn',
  'ema',
  'sms',
  'ak',
  'tmpl',
  'role',
  'perm',
  'orgsugg',
  'orgmemreq',
  'trace',
  'ver',
  'sit',
  'jtmp',
] as const;
export type IdPrefix = (typeof ID_PREFIXES)[number];

function toBase62(bytes: Uint8Array): string {
  let n = 0n;
  for (const b of bytes) n = (n << 8n) | BigInt(b);
  let out = '';
  while (n > 0n) {
    out = ALPHABET[Number(n % 62n)] + out;
    n /= 62n;
  }
  return out.padStart(BODY_LENGTH, '0');
}

let lastTime = -1;
const lastRandom = new Uint8Array(14);

/**
 * Returns a new time-ordered ID with the given prefix. `now` is injectable for tests.
 *
 * IDs minted in the same millisecond (or with a clock that stepped back) are still strictly increasing:
 * the random part of the previous ID is incremented instead of drawn anew, so the order of IDs is the
 * order they were made in, within one process.
 */
export function newId(prefix: IdPrefix, now: number = Date.now()): string {
  const bytes = new Uint8Array(20);
  let t = now;
  if (t <= lastTime) {
    t = lastTime;
    let i = lastRandom.length - 1;
    while (i >= 0 && lastRandom[i] === 255) lastRandom[i--] = 0;
    if (i >= 0) lastRandom[i] = (lastRandom[i] as number) + 1;
    else t = lastTime + 1;
  } else {
    crypto.getRandomValues(lastRandom);
    // Keep the top bit clear so billions of increments fit before the random part would overflow.
    lastRandom[0] = (lastRandom[0] as number) & 0x7f;
  }
  lastTime = t;
  bytes.set(lastRandom, 6);
  let rest = t;
  for (let i = 5; i >= 0; i--) {
    bytes[i] = rest % 256;
    rest = Math.floor(rest / 256);
  }
  return `${prefix}_${toBase62(bytes)}`;
}

const ID_PATTERN = /^[a-z]+_[0-9A-Za-z]{27}$/;

/** True when `value` has the shape of an ID with `prefix` (it may still not exist). */
export function isIdOf(prefix: IdPrefix, value: string): boolean {
  return value.startsWith(`${prefix}_`) && ID_PATTERN.test(value);
}

/** Random URL-safe token of `length` base62 characters, for secrets and tickets. */
export function randomToken(length: number): string {
  const bytes = new Uint8Array(length);
  crypto.getRandomValues(bytes);
  let out = '';
  // 62 * 4 = 248: reject bytes >= 248 so every character is equally likely.
  let i = 0;
  while (out.length < length) {
    if (i === bytes.length) {
      crypto.getRandomValues(bytes);
      i = 0;
    }
    const b = bytes[i++] as number;
    if (b < 248) out += ALPHABET[b % 62];
  }
  return out;
}
