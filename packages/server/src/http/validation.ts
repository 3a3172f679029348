/**
 * Edge validation: zod issues turned into coded errors, and the small schema helpers for query strings
 * (where every value arrives as text and arrays arrive as repeated keys).
 */
import { z } from 'zod';
import { ApiError, type ApiErrorDetail } from '../errors.js';

type Issue = z.core.$ZodIssue;

function paramName(path: PropertyKey[]): string {
  const head = path[0];
  return typeof head === 'string' ? head : path.map(String).join('.');
}

function describePath(path: PropertyKey[]): string {
  return path.length ? path.map((p) => (typeof p === 'number' ? `[${p}]` : String(p))).join('.').replace(/\.\[/g, '[') : 'the body';
}

/** Maps one zod issue to the error code a client can act on. */
function valueAt(input: unknown, path: PropertyKey[]): unknown {
  let v = input;
  for (const key of path) {
    if (typeof v !== 'object' || v === null) return undefined;
    v = (v as Record<PropertyKey, unknown>)[key];
  }
  return v;
}

function detailOf(issue: Issue, input: unknown, where: 'body' | 'query' | 'path'): ApiErrorDetail[] {
  const name = paramName(issue.path);
  if (issue.code === 'unrecognized_keys') {
    return issue.keys.map((key) => ({
      code: 'form_param_unknown' as const,
      message: 'is unknown',
      longMessage: `${key} is not a valid parameter for this request.`,
      paramName: issue.path.length ? `${describePath(issue.path)}.${key}` : key,
    }));
  }
  if (issue.code === 'invalid_type' && valueAt(input, issue.path) === undefined) {
    return [
      {
        code: 'form_param_missing',
        message: 'missing data',
        longMessage: `${describePath(issue.path)} must be included.`,
        paramName: name,
      },
    ];
  }
  const format = issue.code === 'invalid_type' || issue.code === 'invalid_format';
  return [
    {
      code: format ? 'form_param_format_invalid' : 'form_param_value_invalid',
      message: 'is invalid',
      longMessage: `${describePath(issue.path)} ${issue.message.replace(/^Invalid input: /, '').toLowerCase()} (in ${where}).`,
      paramName: name,
    },
  ];
}

/** Parses `input` with `schema` or throws an ApiError listing every problem. */
export function parseOrThrow<T extends z.ZodType>(schema: T, input: unknown, where: 'body' | 'query' | 'path'): z.output<T> {
  const result = schema.safeParse(input);
  if (result.success) return result.data;
  throw new ApiError(result.error.issues.flatMap((i) => detailOf(i, input, where)));
}

// Query-string helpers. `meta` keeps the OpenAPI document honest about the decoded type.

/** A query integer in [min, max]. */
export function qInt(min: number, max: number) {
  return z
    .string()
    .regex(/^-?\d{1,16}$/, 'must be an integer')
    .transform(Number)
    .pipe(z.number().int().min(min).max(max))
    .meta({ type: 'integer', minimum: min, maximum: max });
}

/** A query boolean: `true` or `false`. */
export function qBool() {
  return z
    .enum(['true', 'false', '1', '0'])
    .transform((v) => v === 'true' || v === '1')
    .meta({ type: 'boolean' });
}

/** A repeated query key (`k=a&k=b`), at most `max` values of at most 320 characters each. */
export function qArray(max = 100) {
  return z.array(z.string().max(320)).max(max);
}

/** Keys of a query schema whose values are arrays, so the parser collects repeated keys for them. */
export function arrayKeys(schema: z.ZodObject): Set<string> {
  const out = new Set<string>();
  for (const [key, field] of Object.entries(schema.shape)) {
    let f = field as z.ZodType;
    while (f instanceof z.ZodOptional || f instanceof z.ZodDefault) f = f.unwrap() as z.ZodType;
    if (f instanceof z.ZodArray) out.add(key);
  }
  return out;
}

/** Depth of a JSON value, computed without recursion so hostile nesting cannot exhaust the stack. */
export function jsonDepth(value: unknown): number {
  let max = 0;
  const stack: [unknown, number][] = [[value, 1]];
  while (stack.length) {
    const [v, d] = stack.pop() as [unknown, number];
    if (typeof v !== 'object' || v === null) continue;
    if (d > max) max = d;
    if (max > 64) return max;
    for (const child of Object.values(v)) stack.push([child, d + 1]);
  }
  return max;
}

/** A metadata value: a JSON object (not an array), nested at most 32 levels. */
export const metadataObject = z
  .custom<Record<string, unknown>>((v) => typeof v === 'object' && v !== null && !Array.isArray(v), 'must be a JSON object')
  .refine((v) => jsonDepth(v) <= 32, 'must not nest deeper than 32 levels')
  .meta({ type: 'object', additionalProperties: true });

/** An RFC 3339 date-time string, decoded to epoch milliseconds. */
export const rfc3339 = z
  .string()
  .regex(/^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}(\.\d{1,9})?(Z|[+-]\d{2}:\d{2})$/, 'must be an RFC 3339 date-time')
  .refine((s) => !Number.isNaN(Date.parse(s)), 'must be a valid date-time')
  .transform((s) => Date.parse(s));

/** Parses `order_by` (`field`, `+field` or `-field`) against the allowed fields; 422 naming order_by otherwise. */
export function parseOrderBy<F extends string>(raw: string | undefined, fields: readonly F[], fallback: string): { field: F; direction: 'asc' | 'desc' } {
  const value = raw ?? fallback;
  const field = value.replace(/^[+-]/, '');
  if (!(fields as readonly string[]).includes(field)) {
    throw new ApiError({
      code: 'form_param_value_invalid',
      longMessage: `order_by must be one of ${fields.join(', ')}, optionally prefixed with + or -.`,
      paramName: 'order_by',
    });
  }
  return { field: field as F, direction: value.startsWith('-') ? 'desc' : 'asc' };
}
