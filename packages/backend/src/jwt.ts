/**
 * Offline verification of session tokens (RS256/384/512 JWTs). The key comes from `jwtKey` (a PEM,
 * parsed once: no network at all) or from the instance's JWKS at `<apiUrl>/v1/jwks`, fetched once per
 * `apiUrl` + secret key and cached; a token naming a `kid` the cache does not know makes it fetch the
 * JWKS again (key rotation), with concurrent lookups sharing one fetch. The hot path is a split, two
 * base64url decodes, one JSON.parse and one `crypto.verify` with a cached KeyObject.
 */
import { createPublicKey, verify as cryptoVerify, type KeyObject } from 'node:crypto';
import { TokenVerificationError, TokenVerificationErrorReason as R } from './errors.js';
import { API_VERSION_HEADER, SDK_USER_AGENT } from './request.js';

/** The claims of a session token. */
export interface JwtPayload {
  sub: string;
  exp: number;
  iat?: number;
  nbf?: number;
  iss?: string;
  azp?: string;
  sid?: string;
  sts?: string;
  v?: number;
  fva?: [number, number];
  fea?: string;
  pla?: string;
  act?: Record<string, unknown>;
  o?: { id: string; rol: string; slg: string; per?: string; fpm?: string };
  org_id?: string;
  org_role?: string;
  org_slug?: string;
  org_permissions?: string[];
  [claim: string]: unknown;
}

export interface JwtHeader {
  alg: string;
  kid?: string;
  typ?: string;
  cat?: string;
}

export interface KeySourceOptions {
  /** The instance's public key (SPKI PEM, or a JWK object) for networkless verification. */
  jwtKey?: string | JsonWebKey | undefined;
  /** With `apiUrl`: where the JWKS comes from when there is no `jwtKey`. */
  secretKey?: string | undefined;
  apiUrl?: string | undefined;
  apiVersion?: string | undefined;
  /** How long a fetched JWKS is used before it is fetched again (default 5 minutes). */
  jwksCacheTtlMs?: number | undefined;
  /**
   * The least time between two fetches caused by unknown `kid`s (default 1 s), so tokens with made-up
   * kids cannot turn into a stream of Backend API calls.
   */
  jwksRefetchIntervalMs?: number | undefined;
  fetch?: typeof fetch | undefined;
}

export interface VerifyTokenOptions extends KeySourceOptions {
  /** Accepted `azp` values (the origins of your app); when given, a token without `azp` is refused. */
  authorizedParties?: string[] | undefined;
  /** Accepted `iss` values (or a predicate). */
  issuer?: string | string[] | ((iss: string) => boolean) | undefined;
  /** Accepted `aud` values; checked when the token has one. */
  audience?: string | string[] | undefined;
  /** Tolerance for `exp`, `nbf` and `iat` (default 5000 ms). */
  clockSkewInMs?: number | undefined;
}

const HASH: Record<string, string> = { RS256: 'sha256', RS384: 'sha384', RS512: 'sha512' };
/** `cat` values of session tokens (and of tokens to ignore the category of), as the official SDK knows them. */
const SESSION_CATEGORIES = new Set(['cl_B7d4PD111AAA', 'cl_I7d4PD111III']);

const headerCache = new Map<string, JwtHeader | null>();

function parseSegment(segment: string): unknown {
  return JSON.parse(Buffer.from(segment, 'base64url').toString('utf8'));
}

function headerOf(segment: string): JwtHeader | null {
  let h = headerCache.get(segment);
  if (h === undefined) {
    try {
      const v = parseSegment(segment) as JwtHeader;
      h = v && typeof v === 'object' && typeof v.alg === 'string' ? v : null;
    } catch {
      h = null;
    }
    if (headerCache.size > 256) headerCache.clear();
    headerCache.set(segment, h);
  }
  return h;
}

export interface DecodedJwt {
  header: JwtHeader;
  payload: JwtPayload;
  /** `header.payload`, the signed bytes. */
  signed: string;
  signature: string;
}

/** Splits and parses a JWT without checking it; throws `token-invalid` when it is not one. */
export function decodeJwt(token: string): DecodedJwt {
  if (typeof token !== 'string' || token.length > 16_384) throw new TokenVerificationError(R.TokenInvalid, 'The token is not a JWT.');
  const a = token.indexOf('.');
  const b = a < 0 ? -1 : token.indexOf('.', a + 1);
  if (a < 1 || b < 0 || token.indexOf('.', b + 1) !== -1) throw new TokenVerificationError(R.TokenInvalid, 'The token is not a JWT (three dot-separated parts).');
  const header = headerOf(token.slice(0, a));
  if (!header) throw new TokenVerificationError(R.TokenInvalid, 'The token header is not valid JSON with an alg.');
  let payload: JwtPayload;
  try {
    payload = parseSegment(token.slice(a + 1, b)) as JwtPayload;
  } catch {
    throw new TokenVerificationError(R.TokenInvalid, 'The token payload is not valid JSON.');
  }
  if (payload === null || typeof payload !== 'object' || Array.isArray(payload)) throw new TokenVerificationError(R.TokenInvalid, 'The token payload is not an object.');
  return { header, payload, signed: token.slice(0, b), signature: token.slice(b + 1) };
}

// ---------------------------------------------------------------------------------------------------
// Keys

const pemKeys = new Map<string, KeyObject>();

function keyFromJwtKey(jwtKey: string | JsonWebKey): KeyObject {
  if (typeof jwtKey !== 'string') return createPublicKey({ key: jwtKey as never, format: 'jwk' });
  let key = pemKeys.get(jwtKey);
  if (!key) {
    try {
      const pem = jwtKey.includes('-----BEGIN') ? jwtKey.replace(/\\n/g, '\n') : `-----BEGIN PUBLIC KEY-----\n${jwtKey.replace(/\s+/g, '')}\n-----END PUBLIC KEY-----\n`;
      key = createPublicKey(pem);
    } catch (err) {
      throw new TokenVerificationError(R.LocalJWKMissing, `jwtKey is not a public key in PEM form: ${(err as Error).message}`);
    }
    if (pemKeys.size > 32) pemKeys.clear();
    pemKeys.set(jwtKey, key);
  }
  return key;
}

interface JwksEntry {
  keys: Map<string, KeyObject>;
  fetchedAt: number;
  inflight: Promise<void> | null;
}

const jwksCaches = new Map<string, JwksEntry>();

/** Forgets every cached JWKS (tests, or after changing keys by hand). */
export function clearJwksCache(): void {
  jwksCaches.clear();
}

async function fetchJwks(opts: KeySourceOptions, entry: JwksEntry): Promise<void> {
  const url = `${(opts.apiUrl as string).replace(/\/+$/, '')}/${opts.apiVersion ?? 'v1'}/jwks`;
  let res: Response;
  try {
    res = await (opts.fetch ?? globalThis.fetch)(url, {
      headers: { Authorization: `Bearer ${opts.secretKey}`, 'Clerk-API-Version': API_VERSION_HEADER, 'User-Agent': SDK_USER_AGENT },
    });
  } catch (err) {
    throw new TokenVerificationError(R.RemoteJWKFailedToLoad, `The JWKS at ${url} could not be fetched: ${(err as Error).message}`);
  }
  const text = await res.text();
  type JwksBody = { keys?: unknown; errors?: { code?: string }[] };
  let body: JwksBody | null;
  try {
    body = JSON.parse(text) as JwksBody;
  } catch {
    body = null;
  }
  if (!res.ok) {
    const code = body?.errors?.[0]?.code;
    if (res.status === 401 || code === 'clerk_key_invalid' || code === 'authentication_invalid') {
      throw new TokenVerificationError(R.InvalidSecretKey, `The secret key was refused by ${url} (${res.status} ${code ?? ''}).`);
    }
    throw new TokenVerificationError(R.RemoteJWKFailedToLoad, `The JWKS at ${url} answered ${res.status}.`);
  }
  if (!body || !Array.isArray(body.keys)) throw new TokenVerificationError(R.RemoteJWKInvalid, `The JWKS at ${url} has no keys.`);
  const keys = new Map<string, KeyObject>();
  for (const jwk of body.keys as (JsonWebKey & { kid?: string })[]) {
    if (!jwk || typeof jwk.kid !== 'string' || jwk.kty !== 'RSA') continue;
    try {
      keys.set(jwk.kid, createPublicKey({ key: { kty: 'RSA', n: jwk.n as string, e: jwk.e as string }, format: 'jwk' }));
    } catch {
      // A key this runtime cannot read is skipped; tokens signed with it fail with jwk-kid-mismatch.
    }
  }
  entry.keys = keys;
  entry.fetchedAt = Date.now();
}

function refresh(opts: KeySourceOptions, entry: JwksEntry): Promise<void> {
  entry.inflight ??= fetchJwks(opts, entry).finally(() => {
    entry.inflight = null;
  });
  return entry.inflight;
}

function cacheKeyOf(opts: KeySourceOptions): string {
  return `${opts.apiUrl}|${opts.apiVersion ?? 'v1'}|${opts.secretKey}`;
}

/** The key without waiting, when there is one: `jwtKey`, or a fresh cached JWKS that has the kid. */
function keyAtHand(header: JwtHeader, opts: KeySourceOptions): KeyObject | null {
  if (opts.jwtKey) return keyFromJwtKey(opts.jwtKey);
  if (!opts.secretKey || !opts.apiUrl || typeof header.kid !== 'string') return null;
  const entry = jwksCaches.get(cacheKeyOf(opts));
  if (!entry || entry.fetchedAt === 0 || Date.now() - entry.fetchedAt > (opts.jwksCacheTtlMs ?? 5 * 60_000)) return null;
  return entry.keys.get(header.kid) ?? null;
}

/** The key that verifies a token with this header, from `jwtKey` or the (cached) JWKS. */
export async function resolveKey(header: JwtHeader, opts: KeySourceOptions): Promise<KeyObject> {
  if (opts.jwtKey) return keyFromJwtKey(opts.jwtKey);
  if (!opts.secretKey || !opts.apiUrl) {
    throw new TokenVerificationError(R.JWKFailedToResolve, 'No key to verify the token with: pass jwtKey, or secretKey and apiUrl (LATCH_JWT_KEY, or LATCH_SECRET_KEY and LATCH_API_URL).');
  }
  const kid = header.kid;
  if (typeof kid !== 'string') throw new TokenVerificationError(R.JWKKidMismatch, 'The token names no key (kid) and no jwtKey was given.');
  const cacheKey = cacheKeyOf(opts);
  let entry = jwksCaches.get(cacheKey);
  if (!entry) {
    entry = { keys: new Map(), fetchedAt: 0, inflight: null };
    jwksCaches.set(cacheKey, entry);
  }
  const ttl = opts.jwksCacheTtlMs ?? 5 * 60_000;
  const now = Date.now();
  if (entry.fetchedAt === 0) await refresh(opts, entry);
  else if (now - entry.fetchedAt > ttl) {
    // Stale: fetch again, but keep verifying with the keys we have if the server cannot be reached.
    await refresh(opts, entry).catch(() => undefined);
  }
  let key = entry.keys.get(kid);
  if (key) return key;
  if (entry.inflight) await entry.inflight.catch(() => undefined);
  else if (Date.now() - entry.fetchedAt >= (opts.jwksRefetchIntervalMs ?? 1000)) await refresh(opts, entry);
  key = entry.keys.get(kid);
  if (key) return key;
  throw new TokenVerificationError(R.JWKKidMismatch, `No key with kid ${kid} in the JWKS; the token was not signed by this instance.`);
}

/** Checks the signature of a decoded token; the key comes from `opts`. */
export async function verifySignature(decoded: DecodedJwt, opts: KeySourceOptions): Promise<void> {
  const hash = HASH[decoded.header.alg];
  if (!hash) throw new TokenVerificationError(R.TokenInvalidAlgorithm, `Algorithm ${decoded.header.alg} is not accepted (RS256, RS384 or RS512).`);
  const key = keyAtHand(decoded.header, opts) ?? (await resolveKey(decoded.header, opts));
  let ok: boolean;
  try {
    ok = cryptoVerify(hash, Buffer.from(decoded.signed), key, Buffer.from(decoded.signature, 'base64url'));
  } catch {
    ok = false;
  }
  if (!ok) throw new TokenVerificationError(R.TokenInvalidSignature, 'The token signature is not valid.');
}

function listed(value: string, allowed: string | string[] | ((v: string) => boolean)): boolean {
  if (typeof allowed === 'function') return allowed(value);
  return Array.isArray(allowed) ? allowed.includes(value) : allowed === value;
}

/** The claim checks of a session token, after its signature (`nowMs` for tests). */
export function checkClaims(payload: JwtPayload, opts: VerifyTokenOptions, nowMs = Date.now()): void {
  const skew = opts.clockSkewInMs ?? 5000;
  if (typeof payload.sub !== 'string' || payload.sub === '') throw new TokenVerificationError(R.TokenVerificationFailed, 'The token has no subject (sub).');
  if (typeof payload.exp !== 'number') throw new TokenVerificationError(R.TokenVerificationFailed, 'The token has no expiry (exp).');
  if (payload.exp * 1000 <= nowMs - skew) throw new TokenVerificationError(R.TokenExpired, `The token expired at ${new Date(payload.exp * 1000).toISOString()}.`);
  if (typeof payload.nbf === 'number' && payload.nbf * 1000 > nowMs + skew) throw new TokenVerificationError(R.TokenNotActiveYet, `The token is not valid before ${new Date(payload.nbf * 1000).toISOString()}.`);
  if (typeof payload.iat === 'number' && payload.iat * 1000 > nowMs + skew) throw new TokenVerificationError(R.TokenIatInTheFuture, 'The token was issued in the future (check the clocks).');
  if (opts.authorizedParties && opts.authorizedParties.length > 0 && (typeof payload.azp !== 'string' || !opts.authorizedParties.includes(payload.azp))) {
    throw new TokenVerificationError(R.TokenInvalidAuthorizedParties, `The token's authorized party (azp ${String(payload.azp)}) is not one of ${opts.authorizedParties.join(', ')}.`);
  }
  if (opts.issuer !== undefined && (typeof payload.iss !== 'string' || !listed(payload.iss, opts.issuer))) {
    throw new TokenVerificationError(R.TokenInvalidIssuer, `The token's issuer (${String(payload.iss)}) is not accepted.`);
  }
  if (opts.audience !== undefined && payload.aud !== undefined) {
    const auds = Array.isArray(payload.aud) ? (payload.aud as unknown[]) : [payload.aud];
    const wanted = Array.isArray(opts.audience) ? opts.audience : [opts.audience];
    if (!auds.some((a) => typeof a === 'string' && wanted.includes(a))) throw new TokenVerificationError(R.TokenVerificationFailed, 'The token is not meant for this audience (aud).');
  }
}

function checkHeader(header: JwtHeader): void {
  if (header.typ !== undefined && header.typ !== 'JWT') throw new TokenVerificationError(R.TokenInvalid, `The token type ${String(header.typ)} is not JWT.`);
  if (header.cat !== undefined && !SESSION_CATEGORIES.has(header.cat)) throw new TokenVerificationError(R.TokenInvalid, 'The token is not a session token (cat).');
}

/**
 * Verifies a session token offline and returns its claims; throws a `TokenVerificationError` whose
 * `reason` says why not (`token-expired`, `token-invalid-signature`, `jwk-kid-mismatch`, …).
 *
 * @example
 * const claims = await verifyToken(token, { jwtKey: process.env.LATCH_JWT_KEY });
 * const claims = await verifyToken(token, { secretKey, apiUrl: 'https://auth.example.com' });
 */
export async function verifyToken(token: string, opts: VerifyTokenOptions): Promise<JwtPayload> {
  const decoded = decodeJwt(token);
  checkHeader(decoded.header);
  await verifySignature(decoded, opts);
  checkClaims(decoded.payload, opts);
  return decoded.payload;
}
