/**
 * Session tokens: short-lived RS256 JWTs that application servers verify offline with the instance's
 * public key. Minting is one RSA-2048 signature over a small JSON payload; the private key is parsed once
 * and kept as a KeyObject.
 */
import { createPrivateKey, createPublicKey, sign, verify, type KeyObject } from 'node:crypto';

export interface SigningKey {
  kid: string;
  privatePem: string;
}

/** The claims of a version-2 session token (and any custom claims from a template). */
export interface SessionClaims {
  sub: string;
  sid: string;
  iss: string;
  azp?: string;
  iat: number;
  nbf: number;
  exp: number;
  v: 2;
  sts?: string;
  fva?: [number, number];
  o?: { id: string; rol: string; slg: string; per?: string; fpm?: string };
  [custom: string]: unknown;
}

function b64url(value: string | Buffer): string {
  return Buffer.from(value).toString('base64url');
}

export interface TokenSigner {
  /** Signs the claims with the active key; the header names the key (`kid`). */
  sign(claims: Record<string, unknown>): Promise<string>;
}

/** A signer that loads the active key on first use and keeps it. `loadKey` is asked again after `rotate()`. */
export function createTokenSigner(loadKey: () => Promise<SigningKey | undefined>): TokenSigner & { rotate(): void } {
  let cached: Promise<{ kid: string; key: KeyObject; header: string }> | null = null;
  function key() {
    cached ??= loadKey().then((k) => {
      if (!k) throw new Error('no active signing key');
      return { kid: k.kid, key: createPrivateKey(k.privatePem), header: b64url(JSON.stringify({ alg: 'RS256', kid: k.kid, typ: 'JWT' })) };
    });
    cached.catch(() => {
      cached = null;
    });
    return cached;
  }
  return {
    async sign(claims) {
      const k = await key();
      const input = `${k.header}.${b64url(JSON.stringify(claims))}`;
      return `${input}.${sign('sha256', Buffer.from(input), k.key).toString('base64url')}`;
    },
    rotate() {
      cached = null;
    },
  };
}

/**
 * Checks a session token against the instance's public keys: RS256 by a known `kid`, a valid signature,
 * and `exp`/`nbf` around `nowSeconds` (with `skewSeconds` of tolerance). Returns the claims, or null —
 * a bad token is an expected "no".
 */
export function verifySessionToken(token: string, jwks: readonly object[], nowSeconds: number, skewSeconds = 5): Record<string, unknown> | null {
  const parts = token.split('.');
  if (parts.length !== 3 || token.length > 16_384) return null;
  const [h, p, s] = parts as [string, string, string];
  let header: { alg?: unknown; kid?: unknown };
  let claims: Record<string, unknown>;
  try {
    header = JSON.parse(Buffer.from(h, 'base64url').toString('utf8')) as typeof header;
    claims = JSON.parse(Buffer.from(p, 'base64url').toString('utf8')) as Record<string, unknown>;
  } catch {
    return null;
  }
  if (header.alg !== 'RS256' || typeof header.kid !== 'string' || claims === null || typeof claims !== 'object') return null;
  const jwk = jwks.find((k) => (k as { kid?: string }).kid === header.kid);
  if (!jwk) return null;
  let ok: boolean;
  try {
    ok = verify('sha256', Buffer.from(`${h}.${p}`), createPublicKey({ key: jwk as never, format: 'jwk' }), Buffer.from(s, 'base64url'));
  } catch {
    return null;
  }
  if (!ok) return null;
  if (typeof claims.exp !== 'number' || claims.exp + skewSeconds <= nowSeconds) return null;
  if (typeof claims.nbf === 'number' && claims.nbf - skewSeconds > nowSeconds) return null;
  return claims;
}
