/**
 * Secrets at rest: only a SHA-256 digest of a secret key is stored, and stored digests are compared in
 * constant time.
 */
import { createHash, timingSafeEqual } from 'node:crypto';

/** Hex SHA-256 of a high-entropy secret (secret keys, tickets). Not for passwords. */
export function hashSecret(secret: string): string {
  return createHash('sha256').update(secret, 'utf8').digest('hex');
}

/** Constant-time equality of two hex digests. */
export function digestsEqual(a: string, b: string): boolean {
  const x = Buffer.from(a, 'hex');
  const y = Buffer.from(b, 'hex');
  return x.length === y.length && x.length > 0 && timingSafeEqual(x, y);
}
