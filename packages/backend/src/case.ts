/**
 * The Backend API speaks snake_case; this SDK speaks camelCase, as the official Node SDK does. Responses
 * are converted deeply except inside values that belong to the application (metadata, template claims,
 * message data), whose keys are kept exactly as they were stored. Request bodies are converted shallowly
 * (top-level keys only), so nested metadata keys travel unchanged.
 */

/** `first_name` → `firstName` at the type level. */
export type CamelCase<S extends string> = S extends `${infer Head}_${infer Tail}` ? `${Head}${Capitalize<CamelCase<Tail>>}` : S;

/** Keys whose values are the application's own data and keep their keys. */
type Opaque = 'public_metadata' | 'private_metadata' | 'unsafe_metadata' | 'claims' | 'data' | 'actor';

/** A wire type with camelCase keys, deeply, leaving application data (metadata, claims) as it is. */
export type Camelized<T> = T extends readonly (infer U)[]
  ? Camelized<U>[]
  : T extends object
    ? { [K in keyof T as K extends string ? CamelCase<K> : K]: K extends Opaque ? T[K] : Camelized<T[K]> }
    : T;

const OPAQUE = new Set<string>(['public_metadata', 'private_metadata', 'unsafe_metadata', 'claims', 'data', 'actor']);

const camelCache = new Map<string, string>();

export function camelKey(key: string): string {
  let out = camelCache.get(key);
  if (out === undefined) {
    out = key.includes('_') ? key.replace(/_([a-z0-9])/g, (_, c: string) => c.toUpperCase()) : key;
    if (camelCache.size < 2000) camelCache.set(key, out);
  }
  return out;
}

/** `primaryEmailAddressID` → `primary_email_address_id`, `web3Wallet` → `web3_wallet`; snake keys pass. */
export function snakeKey(key: string): string {
  return key
    .replace(/([a-z0-9])([A-Z])/g, '$1_$2')
    .replace(/([A-Z])([A-Z][a-z])/g, '$1_$2')
    .toLowerCase();
}

/** Deep camelCase of a response value (see the module comment for what is left alone). */
export function camelize<T>(value: unknown): T {
  return convert(value) as T;
}

function convert(value: unknown): unknown {
  if (Array.isArray(value)) return value.map(convert);
  if (value === null || typeof value !== 'object') return value;
  const out: Record<string, unknown> = {};
  for (const [k, v] of Object.entries(value as Record<string, unknown>)) out[camelKey(k)] = OPAQUE.has(k) ? v : convert(v);
  return out;
}

/** Top-level snake_case of a request body; `undefined` values are dropped, everything else is kept. */
export function snakeBody(value: Record<string, unknown>): Record<string, unknown> {
  const out: Record<string, unknown> = {};
  for (const [k, v] of Object.entries(value)) if (v !== undefined) out[snakeKey(k)] = v;
  return out;
}
