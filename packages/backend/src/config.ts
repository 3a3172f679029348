/**
 * Configuration by environment, read once and checked at start: a missing or malformed value fails with
 * a message naming the variable. Three variables are enough (`LATCH_SECRET_KEY`, `LATCH_API_URL`,
 * `LATCH_PUBLISHABLE_KEY`); `LATCH_FRONTEND_API_URL` (where the handshake goes) defaults to
 * `<LATCH_API_URL>/fapi`, and `LATCH_JWT_KEY` (the PEM of the signing key) makes verification networkless.
 */
import { createPublicKey } from 'node:crypto';
import { decodePublishableKey, isSecretKeyShape } from '@latch/core';
import { LatchConfigError } from './errors.js';

export interface LatchConfig {
  secretKey: string;
  apiUrl: string;
  publishableKey: string;
  frontendApiUrl: string;
  /** PEM of the instance's public signing key, when networkless verification is configured. */
  jwtKey: string | undefined;
}

export type Env = Record<string, string | undefined>;

function httpUrl(name: string, value: string): string {
  let u: URL;
  try {
    u = new URL(value);
  } catch {
    throw new LatchConfigError(name, `${name} is not a URL: "${value}" (expected e.g. https://auth.example.com).`);
  }
  if (u.protocol !== 'http:' && u.protocol !== 'https:') throw new LatchConfigError(name, `${name} must be an http(s) URL, got "${value}".`);
  return value.replace(/\/+$/, '');
}

/**
 * Reads and checks the configuration from `env` (default `process.env`). `publishable: false` makes the
 * publishable key optional (a server that only calls the Backend API or verifies tokens).
 *
 * @example
 * const config = latchConfigFromEnv();  // throws LatchConfigError('LATCH_SECRET_KEY', …) when unset
 */
export function latchConfigFromEnv(env: Env = process.env, opts: { publishable?: boolean } = {}): LatchConfig {
  const get = (...names: string[]): [string, string | undefined] => {
    for (const n of names) {
      const v = env[n]?.trim();
      if (v) return [n, v];
    }
    return [names[0] as string, undefined];
  };

  const [, secretKey] = get('LATCH_SECRET_KEY');
  if (!secretKey) throw new LatchConfigError('LATCH_SECRET_KEY', 'LATCH_SECRET_KEY is not set: give it the secret key (sk_test_… / sk_live_…) that `latch start` printed or that LATCH_SECRET_KEY pins on the server.');
  if (!isSecretKeyShape(secretKey)) throw new LatchConfigError('LATCH_SECRET_KEY', 'LATCH_SECRET_KEY is malformed: expected sk_test_… or sk_live_… followed by 20–128 letters and digits.');

  const [, rawApiUrl] = get('LATCH_API_URL');
  if (!rawApiUrl) throw new LatchConfigError('LATCH_API_URL', 'LATCH_API_URL is not set: give it the Latch server\'s URL (e.g. https://auth.example.com, the Backend API is at <it>/v1).');
  const apiUrl = httpUrl('LATCH_API_URL', rawApiUrl);

  const [pkName, publishableKey] = get('LATCH_PUBLISHABLE_KEY', 'NEXT_PUBLIC_LATCH_PUBLISHABLE_KEY');
  if (!publishableKey && opts.publishable !== false) {
    throw new LatchConfigError('LATCH_PUBLISHABLE_KEY', 'LATCH_PUBLISHABLE_KEY (or NEXT_PUBLIC_LATCH_PUBLISHABLE_KEY) is not set: give it the publishable key (pk_test_… / pk_live_…).');
  }
  if (publishableKey && !decodePublishableKey(publishableKey)) throw new LatchConfigError(pkName, `${pkName} is malformed: expected pk_test_… or pk_live_… with base64 of "<host>$".`);

  const [, rawFapi] = get('LATCH_FRONTEND_API_URL');
  const frontendApiUrl = rawFapi ? httpUrl('LATCH_FRONTEND_API_URL', rawFapi) : `${apiUrl}/fapi`;

  const [, rawJwtKey] = get('LATCH_JWT_KEY');
  let jwtKey: string | undefined;
  if (rawJwtKey) {
    jwtKey = rawJwtKey.replace(/\\n/g, '\n');
    try {
      const key = createPublicKey(jwtKey.includes('-----BEGIN') ? jwtKey : `-----BEGIN PUBLIC KEY-----\n${jwtKey.replace(/\s+/g, '')}\n-----END PUBLIC KEY-----\n`);
      if (key.asymmetricKeyType !== 'rsa') throw new Error(`a ${key.asymmetricKeyType} key, not RSA`);
    } catch (err) {
      throw new LatchConfigError('LATCH_JWT_KEY', `LATCH_JWT_KEY is not an RSA public key in PEM form (${(err as Error).message}); copy it from GET /v1/jwks as a PEM, or leave it unset to use the JWKS.`);
    }
  }
  return { secretKey, apiUrl, publishableKey: publishableKey ?? '', frontendApiUrl, jwtKey };
}

let cached: { env: Env; config: LatchConfig } | null = null;

/** `latchConfigFromEnv(process.env)`, read on first use and kept. */
export function loadLatchConfig(): LatchConfig {
  if (!cached || cached.env !== process.env) cached = { env: process.env, config: latchConfigFromEnv(process.env) };
  return cached.config;
}
