/**
 * Password hashing for Latch accounts, and verification of digests imported from other systems.
 *
 * New passwords are always hashed with argon2id (OWASP's recommended m=19456 KiB, t=2, p=1). Digests
 * imported through the Backend API (`password_digest` + `password_hasher`) are kept as given and checked
 * with their own algorithm; `verifyPassword` reports `needsRehash` so callers can replace them with an
 * argon2id digest at the user's next successful sign-in.
 *
 * The accepted digest layouts follow Clerk's documented import formats, so an export that Clerk accepts
 * is accepted here unchanged.
 *
 * @example
 * const digest = await hashPassword('correct horse battery staple');
 * const { valid, needsRehash } = await verifyPassword(input, user.passwordHasher, user.passwordDigest);
 * if (valid && needsRehash) await saveDigest(user.id, await hashPassword(input));
 */
import { createCipheriv, createHash, pbkdf2, scrypt, timingSafeEqual } from 'node:crypto';
import type { ScryptOptions } from 'node:crypto';
import { hash as argon2Hash, hashRaw as argon2HashRaw } from '@node-rs/argon2';
import type { Algorithm, Version } from '@node-rs/argon2';
import bcrypt from 'bcryptjs';

/** Every `password_hasher` value Latch can verify, spelled as in Clerk's Backend API. */
export const PASSWORD_HASHERS = [
  'argon2id',
  'argon2i',
  'bcrypt',
  'bcrypt_sha256_django',
  'pbkdf2_sha1',
  'pbkdf2_sha256',
  'pbkdf2_sha256_django',
  'pbkdf2_sha512',
  'pbkdf2_sha512_hex',
  'scrypt_firebase',
  'scrypt_werkzeug',
  'sha256',
  'md5',
  'phpass',
  'ldap_ssha',
  'sha512_symfony',
] as const;

/** A supported `password_hasher` value. */
export type PasswordHasher = (typeof PASSWORD_HASHERS)[number];

/** Whether `v` names a supported password hasher. */
export function isPasswordHasher(v: string): v is PasswordHasher {
  return (PASSWORD_HASHERS as readonly string[]).includes(v);
}

// The @node-rs/argon2 enums are ambient `const enum`s, which isolatedModules forbids reading, so their
// (stable, documented) numeric values are restated here.
const ARGON2I = 1 as Algorithm;
const ARGON2ID = 2 as Algorithm;
const ARGON2_V10 = 0 as Version;
const ARGON2_V13 = 1 as Version;

/** Parameters of every digest `hashPassword` produces. */
const CURRENT_ARGON2 = { memoryCost: 19456, timeCost: 2, parallelism: 1, version: 19 } as const;

/**
 * Hashes a new password with argon2id (m=19456 KiB, t=2, p=1) and returns the PHC string, e.g.
 * `$argon2id$v=19$m=19456,t=2,p=1$<salt>$<hash>`. Runs on the native library's thread pool, off the
 * event loop.
 */
export async function hashPassword(plain: string): Promise<string> {
  return argon2Hash(plain, {
    algorithm: ARGON2ID,
    version: ARGON2_V13,
    memoryCost: CURRENT_ARGON2.memoryCost,
    timeCost: CURRENT_ARGON2.timeCost,
    parallelism: CURRENT_ARGON2.parallelism,
  });
}

// ---------------------------------------------------------------------------------------------------
// Limits. Imported digests carry their own cost parameters, and a sign-in attempt pays for them, so
// parameters beyond anything a real deployment uses are refused at import rather than letting one
// digest pin a CPU or allocate gigabytes on every sign-in attempt.
// ---------------------------------------------------------------------------------------------------

const MAX_DIGEST_LENGTH = 1024;
const MAX_SALT_BYTES = 512;
/** Shorter outputs would let many wrong passwords match by chance. */
const MIN_HASH_BYTES = 16;
const MAX_HASH_BYTES = 256;
const MAX_ARGON2_MEMORY_KIB = 256 * 1024;
const MAX_ARGON2_TIME = 20;
const MAX_ARGON2_PARALLELISM = 16;
const MAX_BCRYPT_COST = 16;
const MAX_PBKDF2_ITERATIONS = 5_000_000;
/** scrypt's working set is 128·N·r bytes. */
const MAX_SCRYPT_MEMORY_BYTES = 256 * 1024 * 1024;
const MAX_SCRYPT_PARALLELISM = 16;
const MAX_PHPASS_LOG2_ROUNDS = 18;
const MAX_SYMFONY_ITERATIONS = 1_000_000;

// ---------------------------------------------------------------------------------------------------
// Parsed digests: one parser per hasher is the single authority on what is valid, shared by
// isValidDigest (import) and verifyPassword (sign-in) so the two can never disagree.
// ---------------------------------------------------------------------------------------------------

type ShaAlgorithm = 'sha1' | 'sha256' | 'sha384' | 'sha512';

type ParsedDigest =
  | {
      kind: 'argon2';
      algorithm: 'argon2i' | 'argon2id';
      version: 16 | 19;
      memoryCost: number;
      timeCost: number;
      parallelism: number;
      salt: Buffer;
      hash: Buffer;
    }
  | { kind: 'bcrypt'; setting: string; checksum: string; sha256Prehash: boolean }
  | { kind: 'pbkdf2'; digest: 'sha1' | 'sha256' | 'sha512'; iterations: number; salt: Buffer; hash: Buffer }
  | { kind: 'scrypt'; N: number; r: number; p: number; salt: Buffer; hash: Buffer }
  | { kind: 'scrypt_firebase'; N: number; r: number; salt: Buffer; signerKey: Buffer; hash: Buffer }
  | { kind: 'plain'; digest: 'md5' | 'sha256'; hash: Buffer }
  | { kind: 'ssha'; digest: ShaAlgorithm; salt: Buffer; hash: Buffer }
  | { kind: 'phpass'; log2Rounds: number; salt: string; checksum: string }
  | { kind: 'symfony'; iterations: number; salt: string; hash: Buffer };

const DECIMAL = /^[1-9][0-9]{0,9}$/;
const HEX = /^(?:[0-9a-fA-F]{2})+$/;
// Standard and URL-safe alphabets, padding optional: exporters disagree on both.
const BASE64 = /^[A-Za-z0-9+/_-]*={0,2}$/;

function parseDecimal(s: string | undefined, min: number, max: number): number | null {
  if (s === undefined || !DECIMAL.test(s)) return null;
  const n = Number(s);
  return n >= min && n <= max ? n : null;
}

function decodeHex(s: string | undefined): Buffer | null {
  return s !== undefined && HEX.test(s) ? Buffer.from(s, 'hex') : null;
}

// Node's decoder silently skips junk, so the shape is checked first to make malformed input fail.
function decodeBase64(s: string | undefined): Buffer | null {
  if (s === undefined || s.length === 0 || !BASE64.test(s)) return null;
  const body = s.replace(/=+$/, '');
  if (body.length % 4 === 1) return null;
  if (body.length !== s.length && s.length % 4 !== 0) return null;
  return Buffer.from(body, 'base64');
}

function isHashLength(b: Buffer): boolean {
  return b.length >= MIN_HASH_BYTES && b.length <= MAX_HASH_BYTES;
}

function rawSalt(s: string): Buffer | null {
  const salt = Buffer.from(s, 'utf8');
  return salt.length > 0 && salt.length <= MAX_SALT_BYTES ? salt : null;
}

/** Splits `<prefix>$<iterations>$<salt>$<hash>`, letting the salt itself contain `$`. */
function splitIterated(digest: string, prefix: string): { iterations: string; salt: string; hash: string } | null {
  if (!digest.startsWith(`${prefix}$`)) return null;
  const rest = digest.slice(prefix.length + 1);
  const first = rest.indexOf('$');
  const last = rest.lastIndexOf('$');
  if (first < 0 || last <= first) return null;
  return { iterations: rest.slice(0, first), salt: rest.slice(first + 1, last), hash: rest.slice(last + 1) };
}

/** PHC string: `$argon2id$v=19$m=..,t=..,p=..$<salt>$<hash>`; `v=` may be absent (then 0x10, per spec). */
function parseArgon2(digest: string, algorithm: 'argon2i' | 'argon2id'): ParsedDigest | null {
  const parts = digest.split('$');
  if (parts[0] !== '' || parts[1] !== algorithm) return null;
  let version: 16 | 19 = 16;
  let i = 2;
  if (parts[2]?.startsWith('v=')) {
    if (parts[2] === 'v=19') version = 19;
    else if (parts[2] !== 'v=16') return null;
    i = 3;
  }
  if (parts.length !== i + 3) return null;
  const params = new Map<string, string>();
  for (const kv of (parts[i] ?? '').split(',')) {
    const eq = kv.indexOf('=');
    const key = kv.slice(0, eq);
    if (eq < 0 || params.has(key)) return null;
    params.set(key, kv.slice(eq + 1));
  }
  if (params.size !== 3) return null;
  const parallelism = parseDecimal(params.get('p'), 1, MAX_ARGON2_PARALLELISM);
  const timeCost = parseDecimal(params.get('t'), 1, MAX_ARGON2_TIME);
  const memoryCost = parseDecimal(params.get('m'), 1, MAX_ARGON2_MEMORY_KIB);
  const salt = decodeBase64(parts[i + 1]);
  const hash = decodeBase64(parts[i + 2]);
  if (parallelism === null || timeCost === null || memoryCost === null || !salt || !hash) return null;
  // Argon2 itself requires m >= 8p and a salt of at least 8 bytes.
  if (memoryCost < 8 * parallelism || salt.length < 8 || salt.length > MAX_SALT_BYTES || !isHashLength(hash)) {
    return null;
  }
  return { kind: 'argon2', algorithm, version, memoryCost, timeCost, parallelism, salt, hash };
}

const BCRYPT = /^(\$2[aby]\$(\d\d)\$[./A-Za-z0-9]{22})([./A-Za-z0-9]{31})$/;

/** `$2a$`/`$2b$`/`$2y$<cost>$<22 salt chars><31 hash chars>`; Django's variant prefixes `bcrypt_sha256$`. */
function parseBcrypt(digest: string, sha256Prehash: boolean): ParsedDigest | null {
  const prefix = sha256Prehash ? 'bcrypt_sha256$' : '';
  if (!digest.startsWith(prefix)) return null;
  const m = BCRYPT.exec(digest.slice(prefix.length));
  const cost = Number(m?.[2]);
  if (!m || cost < 4 || cost > MAX_BCRYPT_COST) return null;
  return { kind: 'bcrypt', setting: m[1] ?? '', checksum: m[3] ?? '', sha256Prehash };
}

function pbkdf2Digest(
  digest: 'sha1' | 'sha256' | 'sha512',
  iterations: string,
  salt: Buffer | null,
  hash: Buffer | null,
): ParsedDigest | null {
  const n = parseDecimal(iterations, 1, MAX_PBKDF2_ITERATIONS);
  if (n === null || !salt || salt.length === 0 || salt.length > MAX_SALT_BYTES || !hash || !isHashLength(hash)) {
    return null;
  }
  return { kind: 'pbkdf2', digest, iterations: n, salt, hash };
}

/**
 * `pbkdf2_sha1$<iterations>$<salt>$<hex hash>` or `pbkdf2_sha1$<iterations>$<hex salt>$<hex hash>$<key length>`.
 * As Clerk documents, the salt is hex-decoded when it is valid hex and used as raw text otherwise. A
 * base64 hash (Django's own PBKDF2SHA1PasswordHasher layout) is also taken, since it cannot be mistaken
 * for hex: a base64 SHA-1 output always ends in `=`.
 */
function parsePbkdf2Sha1(digest: string): ParsedDigest | null {
  const parts = digest.split('$');
  if (parts[0] !== 'pbkdf2_sha1' || (parts.length !== 4 && parts.length !== 5)) return null;
  const [, iterations = '', saltText = '', hashText = '', keyLength] = parts;
  const hash = decodeHex(hashText) ?? (keyLength === undefined ? decodeBase64(hashText) : null);
  if (keyLength !== undefined && parseDecimal(keyLength, 1, MAX_HASH_BYTES) !== hash?.length) return null;
  return pbkdf2Digest('sha1', iterations, decodeHex(saltText) ?? rawSalt(saltText), hash);
}

/** Werkzeug: `scrypt:<N>:<r>:<p>$<salt>$<hex hash>` (Clerk writes it with a leading `$`; both are taken). */
function parseScryptWerkzeug(digest: string): ParsedDigest | null {
  const parts = (digest.startsWith('$') ? digest.slice(1) : digest).split('$');
  if (parts.length !== 3) return null;
  const [method = '', saltText = '', hashText = ''] = parts;
  const args = method.split(':');
  if (args[0] !== 'scrypt') return null;
  // A bare `scrypt` method means Werkzeug's defaults.
  const [N, r, p] =
    args.length === 1
      ? [2 ** 15, 8, 1]
      : args.length === 4
        ? [
            parseDecimal(args[1], 2, 2 ** 24),
            parseDecimal(args[2], 1, 64),
            parseDecimal(args[3], 1, MAX_SCRYPT_PARALLELISM),
          ]
        : [null, null, null];
  const salt = rawSalt(saltText);
  const hash = decodeHex(hashText) ?? decodeBase64(hashText);
  if (N === null || r === null || p === null || !salt || !hash || !isHashLength(hash)) return null;
  if (!isScryptAffordable(N, r)) return null;
  return { kind: 'scrypt', N, r, p, salt, hash };
}

function isScryptAffordable(N: number, r: number): boolean {
  // N must be a power of two greater than one.
  return N > 1 && (N & (N - 1)) === 0 && 128 * N * r <= MAX_SCRYPT_MEMORY_BYTES;
}

/** Firebase: `<hash>$<salt>$<signer key>$<salt separator>$<rounds>$<memory cost>`, binary parts in base64. */
function parseScryptFirebase(digest: string): ParsedDigest | null {
  const parts = digest.split('$');
  if (parts.length !== 6) return null;
  const [hashText, saltText, signerText, separatorText, roundsText, memCostText] = parts;
  const hash = decodeBase64(hashText);
  const salt = decodeBase64(saltText);
  const signerKey = decodeBase64(signerText);
  // An empty separator is legitimate (it is only appended to the salt), so it may be empty text.
  const separator = separatorText === '' ? Buffer.alloc(0) : decodeBase64(separatorText);
  const r = parseDecimal(roundsText, 1, 64);
  const memCost = parseDecimal(memCostText, 1, 24);
  if (!hash || !salt || !signerKey || !separator || r === null || memCost === null) return null;
  const N = 2 ** memCost;
  // AES-CTR output is as long as its input, so the stored hash must match the signer key's length.
  if (!isHashLength(hash) || hash.length !== signerKey.length || salt.length === 0) return null;
  if (salt.length + separator.length > MAX_SALT_BYTES || !isScryptAffordable(N, r)) return null;
  return { kind: 'scrypt_firebase', N, r, salt: Buffer.concat([salt, separator]), signerKey, hash };
}

const SSHA_SCHEMES: Record<string, { digest: ShaAlgorithm; length: number }> = {
  '{SSHA}': { digest: 'sha1', length: 20 },
  '{SSHA256}': { digest: 'sha256', length: 32 },
  '{SSHA384}': { digest: 'sha384', length: 48 },
  '{SSHA512}': { digest: 'sha512', length: 64 },
};

/** RFC 2307 style `{SSHA}base64(sha1(password || salt) || salt)`; the SHA-2 siblings are taken too. */
function parseLdapSsha(digest: string): ParsedDigest | null {
  const close = digest.indexOf('}');
  const scheme = SSHA_SCHEMES[digest.slice(0, close + 1).toUpperCase()];
  if (close < 0 || !scheme) return null;
  const payload = decodeBase64(digest.slice(close + 1));
  if (!payload || payload.length <= scheme.length || payload.length > scheme.length + MAX_SALT_BYTES) return null;
  return {
    kind: 'ssha',
    digest: scheme.digest,
    hash: payload.subarray(0, scheme.length),
    salt: payload.subarray(scheme.length),
  };
}

const PHPASS_ITOA64 = './0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz';
const PHPASS = /^\$[PH]\$([./0-9A-Za-z])([./0-9A-Za-z]{8})([./0-9A-Za-z]{22})$/;

/** phpass portable hashes: `$P$` (WordPress) or `$H$` (phpBB), rounds char, 8 salt chars, 22 checksum chars. */
function parsePhpass(digest: string): ParsedDigest | null {
  const m = PHPASS.exec(digest);
  if (!m) return null;
  const log2Rounds = PHPASS_ITOA64.indexOf(m[1] ?? '');
  if (log2Rounds < 7 || log2Rounds > MAX_PHPASS_LOG2_ROUNDS) return null;
  return { kind: 'phpass', log2Rounds, salt: m[2] ?? '', checksum: m[3] ?? '' };
}

/** Symfony's legacy MessageDigestPasswordEncoder (SHA-512): `sha512_symfony$<iterations>$<salt>$<hash>`. */
function parseSymfony(digest: string): ParsedDigest | null {
  const parts = splitIterated(digest, 'sha512_symfony');
  if (!parts) return null;
  const iterations = parseDecimal(parts.iterations, 1, MAX_SYMFONY_ITERATIONS);
  // Symfony refuses salts with braces because it appends the salt as `{salt}`.
  if (iterations === null || /[{}]/.test(parts.salt) || Buffer.byteLength(parts.salt) > MAX_SALT_BYTES) return null;
  // The encoder emits base64 by default and hex when `encode_as_base64` is off; lengths tell them apart.
  const hash = parts.hash.length === 128 ? decodeHex(parts.hash) : decodeBase64(parts.hash);
  if (!hash || hash.length !== 64) return null;
  return { kind: 'symfony', iterations, salt: parts.salt, hash };
}

function parsePlain(digest: string, algorithm: 'md5' | 'sha256'): ParsedDigest | null {
  const hash = decodeHex(digest);
  return hash && hash.length === (algorithm === 'md5' ? 16 : 32) ? { kind: 'plain', digest: algorithm, hash } : null;
}

const PARSERS: Record<PasswordHasher, (digest: string) => ParsedDigest | null> = {
  argon2id: (d) => parseArgon2(d, 'argon2id'),
  argon2i: (d) => parseArgon2(d, 'argon2i'),
  bcrypt: (d) => parseBcrypt(d, false),
  // Django writes `bcrypt_sha256$` followed by the bcrypt string, hence the doubled `$`.
  bcrypt_sha256_django: (d) => parseBcrypt(d, true),
  pbkdf2_sha1: parsePbkdf2Sha1,
  // Clerk's own layout: salt and hash both base64.
  pbkdf2_sha256: (d) => {
    const p = splitIterated(d, 'pbkdf2_sha256');
    return p && pbkdf2Digest('sha256', p.iterations, decodeBase64(p.salt), decodeBase64(p.hash));
  },
  // Django's layout: the salt is plain text, the hash base64.
  pbkdf2_sha256_django: (d) => {
    const p = splitIterated(d, 'pbkdf2_sha256');
    return p && pbkdf2Digest('sha256', p.iterations, rawSalt(p.salt), decodeBase64(p.hash));
  },
  pbkdf2_sha512: (d) => {
    const p = splitIterated(d, 'pbkdf2_sha512');
    return p && pbkdf2Digest('sha512', p.iterations, rawSalt(p.salt), decodeHex(p.hash));
  },
  pbkdf2_sha512_hex: (d) => {
    const p = splitIterated(d, 'pbkdf2_sha512_hex');
    return p && pbkdf2Digest('sha512', p.iterations, decodeHex(p.salt), decodeHex(p.hash));
  },
  scrypt_firebase: parseScryptFirebase,
  scrypt_werkzeug: parseScryptWerkzeug,
  sha256: (d) => parsePlain(d, 'sha256'),
  md5: (d) => parsePlain(d, 'md5'),
  phpass: parsePhpass,
  ldap_ssha: parseLdapSsha,
  sha512_symfony: parseSymfony,
};

function parseDigest(hasher: PasswordHasher, digest: string): ParsedDigest | null {
  if (typeof digest !== 'string' || digest.length === 0 || digest.length > MAX_DIGEST_LENGTH) return null;
  if (!Object.hasOwn(PARSERS, hasher)) return null;
  try {
    return PARSERS[hasher](digest);
  } catch {
    return null;
  }
}

/**
 * Cheap syntactic check of an imported digest for its hasher, so a bad import is refused with a 422 at
 * the API edge instead of failing silently at sign-in. It also refuses cost parameters beyond sane
 * bounds (e.g. bcrypt cost > 16, argon2 memory > 256 MiB). Never throws.
 */
export function isValidDigest(hasher: PasswordHasher, digest: string): boolean {
  return parseDigest(hasher, digest) !== null;
}

// ---------------------------------------------------------------------------------------------------
// Verification
// ---------------------------------------------------------------------------------------------------

function bytesEqual(a: Uint8Array, b: Uint8Array): boolean {
  // Lengths come from the stored digest, not the password, so comparing them early leaks nothing.
  return a.length === b.length && timingSafeEqual(a, b);
}

function pbkdf2Async(password: Buffer, salt: Buffer, iterations: number, keylen: number, digest: string): Promise<Buffer> {
  return new Promise((resolve, reject) => {
    pbkdf2(password, salt, iterations, keylen, digest, (err, key) => (err ? reject(err) : resolve(key)));
  });
}

function scryptAsync(password: Buffer, salt: Buffer, keylen: number, options: ScryptOptions): Promise<Buffer> {
  return new Promise((resolve, reject) => {
    scrypt(password, salt, keylen, options, (err, key) => (err ? reject(err) : resolve(key)));
  });
}

function scryptOptions(N: number, r: number, p: number): ScryptOptions {
  // OpenSSL's own budget check counts 128·r·(N+2) for V plus 128·r·p for B; Node's 32 MiB default
  // maxmem is below what common parameters (e.g. Werkzeug's N=2^15, r=8) need.
  return { N, r, p, maxmem: 128 * r * (N + 2) + 128 * r * p + 1024 * 1024 };
}

const yieldToEventLoop = (): Promise<void> => new Promise((resolve) => setImmediate(resolve));
/** Iterated-hash loops run on the main thread, so they hand control back this often. */
const ITERATIONS_PER_SLICE = 4096;

/** phpass's own base64 variant: little-endian 6-bit groups over the itoa64 alphabet. */
function phpassEncode64(input: Uint8Array): string {
  let out = '';
  for (let i = 0; i < input.length; i += 3) {
    const value = (input[i] ?? 0) | ((input[i + 1] ?? 0) << 8) | ((input[i + 2] ?? 0) << 16);
    const chars = Math.min(4, Math.ceil(((input.length - i) * 8) / 6));
    for (let c = 0; c < chars; c++) out += PHPASS_ITOA64[(value >> (6 * c)) & 0x3f];
  }
  return out;
}

async function computeMatches(plain: string, parsed: ParsedDigest): Promise<boolean> {
  const password = Buffer.from(plain, 'utf8');
  switch (parsed.kind) {
    case 'argon2': {
      // Re-deriving raw bytes (rather than the library's verify) keeps our parser the only judge of the
      // format and lets the comparison be crypto.timingSafeEqual.
      const derived = await argon2HashRaw(password, {
        algorithm: parsed.algorithm === 'argon2id' ? ARGON2ID : ARGON2I,
        version: parsed.version === 19 ? ARGON2_V13 : ARGON2_V10,
        memoryCost: parsed.memoryCost,
        timeCost: parsed.timeCost,
        parallelism: parsed.parallelism,
        outputLen: parsed.hash.length,
        salt: parsed.salt,
      });
      return bytesEqual(derived, parsed.hash);
    }
    case 'bcrypt': {
      // Django hashes first so bcrypt's 72-byte input limit does not truncate long passwords.
      const input = parsed.sha256Prehash ? createHash('sha256').update(password).digest('hex') : plain;
      // The async form yields to the event loop between rounds.
      const computed = await bcrypt.hash(input, parsed.setting);
      // Only the checksum is compared: bcryptjs re-encodes the salt, which may differ in its unused bits.
      return bytesEqual(Buffer.from(computed.slice(-31)), Buffer.from(parsed.checksum));
    }
    case 'pbkdf2': {
      const derived = await pbkdf2Async(password, parsed.salt, parsed.iterations, parsed.hash.length, parsed.digest);
      return bytesEqual(derived, parsed.hash);
    }
    case 'scrypt': {
      const options = scryptOptions(parsed.N, parsed.r, parsed.p);
      const derived = await scryptAsync(password, parsed.salt, parsed.hash.length, options);
      return bytesEqual(derived, parsed.hash);
    }
    case 'scrypt_firebase': {
      const key = await scryptAsync(password, parsed.salt, 32, scryptOptions(parsed.N, parsed.r, 1));
      const cipher = createCipheriv('aes-256-ctr', key, Buffer.alloc(16));
      const derived = Buffer.concat([cipher.update(parsed.signerKey), cipher.final()]);
      return bytesEqual(derived, parsed.hash);
    }
    case 'plain':
      return bytesEqual(createHash(parsed.digest).update(password).digest(), parsed.hash);
    case 'ssha': {
      const derived = createHash(parsed.digest).update(password).update(parsed.salt).digest();
      return bytesEqual(derived, parsed.hash);
    }
    case 'phpass': {
      let h = createHash('md5').update(parsed.salt).update(password).digest();
      const rounds = 2 ** parsed.log2Rounds;
      for (let i = 0; i < rounds; i++) {
        if (i > 0 && i % ITERATIONS_PER_SLICE === 0) await yieldToEventLoop();
        h = createHash('md5').update(h).update(password).digest();
      }
      return bytesEqual(Buffer.from(phpassEncode64(h)), Buffer.from(parsed.checksum));
    }
    case 'symfony': {
      const salted = Buffer.from(parsed.salt === '' ? plain : `${plain}{${parsed.salt}}`, 'utf8');
      let h = createHash('sha512').update(salted).digest();
      for (let i = 1; i < parsed.iterations; i++) {
        if (i % ITERATIONS_PER_SLICE === 0) await yieldToEventLoop();
        h = createHash('sha512').update(h).update(salted).digest();
      }
      return bytesEqual(h, parsed.hash);
    }
  }
}

function isCurrentArgon2(parsed: ParsedDigest): boolean {
  return (
    parsed.kind === 'argon2' &&
    parsed.algorithm === 'argon2id' &&
    parsed.version === CURRENT_ARGON2.version &&
    parsed.memoryCost === CURRENT_ARGON2.memoryCost &&
    parsed.timeCost === CURRENT_ARGON2.timeCost &&
    parsed.parallelism === CURRENT_ARGON2.parallelism
  );
}

/**
 * Checks `plain` against a stored digest made by `hasher`. Derived bytes are compared with
 * `crypto.timingSafeEqual`. Never throws: a malformed digest, an unknown hasher or any failure inside
 * an algorithm yields `valid: false`.
 *
 * `needsRehash` is only ever true alongside `valid: true`, and is true when the digest is not argon2id
 * with exactly the current parameters (m=19456, t=2, p=1, v=19) — i.e. for every imported digest — so
 * the caller can store `await hashPassword(plain)` in its place.
 */
export async function verifyPassword(
  plain: string,
  hasher: PasswordHasher,
  digest: string,
): Promise<{ valid: boolean; needsRehash: boolean }> {
  const parsed = typeof plain === 'string' ? parseDigest(hasher, digest) : null;
  if (!parsed) return { valid: false, needsRehash: false };
  let valid: boolean;
  try {
    valid = await computeMatches(plain, parsed);
  } catch {
    valid = false;
  }
  return { valid, needsRehash: valid && !isCurrentArgon2(parsed) };
}

/** A digest of a random, discarded password, made with the current parameters. */
const DUMMY_DIGEST = '$argon2id$v=19$m=19456,t=2,p=1$0juU7DQgaySAWVyuK+diRA$Bz6rKGmnQYRFiiMrvCRQblBErgiwxbMoQARIecQdExE';

/**
 * Spends about the time of one real verification against a current argon2id digest, for sign-in
 * attempts on unknown identifiers, so response times do not reveal which accounts exist.
 */
export async function dummyVerify(plain: string): Promise<void> {
  await verifyPassword(plain, 'argon2id', DUMMY_DIGEST);
}
