/**
 * The three kinds of metadata (public, private, unsafe): deep merge where `null` deletes a key, and the
 * 8 KB limit on each kind's serialized size.
 */
import type { Metadata } from '@latch/core';
import { ApiError } from '../../errors.js';

/** Largest serialized size of one kind of metadata, in bytes. */
export const METADATA_MAX_BYTES = 8 * 1024;

function isPlainObject(v: unknown): v is Record<string, unknown> {
  return typeof v === 'object' && v !== null && !Array.isArray(v);
}

/** Deep-merges `patch` into `target`: nested objects merge, `null` removes a key, anything else replaces. */
export function deepMerge(target: Metadata, patch: Metadata): Metadata {
  const out: Metadata = { ...target };
  for (const [key, value] of Object.entries(patch)) {
    if (value === null) {
      delete out[key];
    } else if (isPlainObject(value) && isPlainObject(out[key])) {
      out[key] = deepMerge(out[key] as Metadata, value);
    } else if (isPlainObject(value)) {
      // A new nested object may itself carry nulls meaning "absent": drop them.
      out[key] = deepMerge({}, value);
    } else {
      out[key] = value;
    }
  }
  return out;
}

/** Throws 422 naming `paramName` when `value` serializes to more than 8 KB. */
export function assertMetadataSize(paramName: string, value: Metadata): void {
  const bytes = Buffer.byteLength(JSON.stringify(value), 'utf8');
  if (bytes > METADATA_MAX_BYTES) {
    throw new ApiError({
      code: 'form_param_exceeds_allowed_size',
      message: 'exceeds the allowed size',
      longMessage: `${paramName} must be at most ${METADATA_MAX_BYTES} bytes when serialized; got ${bytes}.`,
      paramName,
    });
  }
}

/** How a metadata write combines with what is stored: PATCH merges, PUT and profile updates replace. */
export type MetadataWrite = 'merge' | 'replace';

/**
 * The stored value after writing `value` to one kind of metadata whose current JSON is `current`:
 * `null` clears it, `merge` deep-merges (a `null` inside deletes that key), `replace` takes `value`
 * (without its null keys). Checks the size limit, naming `paramName`. Callers hold the row's lock.
 */
export function nextMetadata(paramName: string, current: Metadata, value: Metadata | null, mode: MetadataWrite): Metadata {
  const next = value === null ? {} : mode === 'replace' ? deepMerge({}, value) : deepMerge(current, value);
  assertMetadataSize(paramName, next);
  return next;
}
