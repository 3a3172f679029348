/**
 * Field schemas for Frontend API bodies. A form carries only strings: these accept the string forms the
 * browser SDK sends (and the typed values of a JSON body) and produce typed values.
 */
import { z } from 'zod';
import { metadataObject } from '../validation.js';

/** `true` / `false` (a JSON body may send the boolean itself). */
export const formBool = z
  .union([z.boolean(), z.enum(['true', 'false', '1', '0'])])
  .transform((v) => v === true || v === 'true' || v === '1')
  .meta({ type: 'boolean' });

/** A string where an empty value means "none" (the SDK sends null as ``). */
export function formNullableString(max = 512) {
  return z
    .union([z.string().max(max), z.null()])
    .transform((v) => (v === '' || v === null ? null : v))
    .meta({ type: ['string', 'null'], maxLength: max });
}

/** A JSON object sent as JSON text in a form field (`unsafe_metadata={"a":1}`), or as an object in JSON. */
export const formJsonObject = z
  .union([z.string().max(64 * 1024), z.record(z.string(), z.unknown())])
  .transform((v, ctx) => {
    if (typeof v !== 'string') return v;
    if (v === '') return {};
    try {
      return JSON.parse(v) as unknown;
    } catch {
      ctx.addIssue({ code: 'custom', message: 'must be a JSON object' });
      return z.NEVER;
    }
  })
  .pipe(metadataObject);

/** One value or several (a repeated form key): always an array. */
export function formArray(max = 100, itemMax = 320) {
  return z
    .union([z.string().max(itemMax), z.array(z.string().max(itemMax)).max(max)])
    .transform((v) => (Array.isArray(v) ? v : [v]))
    .meta({ type: 'array', items: { type: 'string' } });
}
