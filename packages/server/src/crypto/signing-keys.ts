/**
 * Signing keys for session tokens: RSA-2048 with e=65537 (the official SDKs' networkless `jwtKey` path
 * only accepts that shape), published as a JWKS.
 */
import { createHash, createPublicKey, generateKeyPair } from 'node:crypto';
import { promisify } from 'node:util';
import type { JwkJSON } from '@latch/core';

const generate = promisify(generateKeyPair);

export interface GeneratedSigningKey {
  kid: string;
  privatePem: string;
  publicJwk: JwkJSON;
}

/** Generates a new RSA-2048 key pair; its `kid` is derived from the public key (RFC 7638 thumbprint). */
export async function generateSigningKey(): Promise<GeneratedSigningKey> {
  const { privateKey, publicKey } = await generate('rsa', {
    modulusLength: 2048,
    publicExponent: 0x10001,
    privateKeyEncoding: { type: 'pkcs8', format: 'pem' },
    publicKeyEncoding: { type: 'spki', format: 'pem' },
  });
  const jwk = createPublicKey(publicKey).export({ format: 'jwk' }) as { n: string; e: string };
  const thumbprint = createHash('sha256')
    .update(JSON.stringify({ e: jwk.e, kty: 'RSA', n: jwk.n }))
    .digest('base64url');
  const kid = `ins_${thumbprint.slice(0, 27)}`;
  return { kid, privatePem: privateKey, publicJwk: { kid, kty: 'RSA', n: jwk.n, e: jwk.e, alg: 'RS256', use: 'sig' } };
}

/** The SPKI PEM of a public JWK: what an application passes as `jwtKey` for networkless verification. */
export function publicPemOf(jwk: JwkJSON): string {
  return createPublicKey({ key: { kty: 'RSA', n: jwk.n, e: jwk.e }, format: 'jwk' })
    .export({ type: 'spki', format: 'pem' })
    .toString();
}
