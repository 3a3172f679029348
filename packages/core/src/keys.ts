/**
 * Publishable and secret key codecs.
 *
 * A publishable key is `pk_test_` or `pk_live_` followed by standard base64 of `<frontend api host>$`.
 * The official SDKs require the decoded host to contain a dot and the key to split into exactly three
 * parts on `_`, so standard base64 (never base64url) is used.
 *
 * @example
 * encodePublishableKey('development', 'auth.example.com') // "pk_test_YXV0aC5leGFtcGxlLmNvbSQ="
 */

import { randomToken } from './ids.js';

export type InstanceType = 'development' | 'production';

function base64Encode(text: string): string {
  const bytes = new TextEncoder().encode(text);
  let bin = '';
  for (const b of bytes) bin += String.fromCharCode(b);
  return btoa(bin);
}

function base64Decode(text: string): string | null {
  try {
    const bin = atob(text);
    const bytes = Uint8Array.from(bin, (c) => c.charCodeAt(0));
    return new TextDecoder('utf-8', { fatal: true }).decode(bytes);
  } catch {
    return null;
  }
}

/** Encodes the publishable key of an instance whose Frontend API lives at `frontendApiHost`. */
export function encodePublishableKey(type: InstanceType, frontendApiHost: string): string {
  return `${type === 'production' ? 'pk_live_' : 'pk_test_'}${base64Encode(`${frontendApiHost}$`)}`;
}

export interface DecodedPublishableKey {
  instanceType: InstanceType;
  frontendApi: string;
}

/** Decodes a publishable key; returns null when it is not one the official SDKs would accept. */
export function decodePublishableKey(key: string): DecodedPublishableKey | null {
  const parts = key.split('_');
  if (parts.length !== 3 || parts[0] !== 'pk' || (parts[1] !== 'test' && parts[1] !== 'live')) return null;
  const decoded = base64Decode(parts[2] as string);
  if (!decoded || !decoded.endsWith('$') || decoded.indexOf('$') !== decoded.length - 1) return null;
  const frontendApi = decoded.slice(0, -1);
  if (!frontendApi.includes('.')) return null;
  return { instanceType: parts[1] === 'live' ? 'production' : 'development', frontendApi };
}

const SECRET_KEY_PATTERN = /^sk_(test|live)_[0-9A-Za-z]{20,128}$/;

/** Mints a new secret key for an instance of the given type. Only its hash is ever stored. */
export function newSecretKey(type: InstanceType): string {
  return `${type === 'production' ? 'sk_live_' : 'sk_test_'}${randomToken(48)}`;
}

/** True when `key` has the shape of a secret key (it may still be unknown or revoked). */
export function isSecretKeyShape(key: string): boolean {
  return SECRET_KEY_PATTERN.test(key);
}

/** The instance type a secret key was minted for, from its prefix. */
export function secretKeyInstanceType(key: string): InstanceType | null {
  if (key.startsWith('sk_test_')) return 'development';
  if (key.startsWith('sk_live_')) return 'production';
  return null;
}
