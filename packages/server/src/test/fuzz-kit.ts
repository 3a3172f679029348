/**
 * Shared machinery of the Backend API fuzz suites (`*.fuzz.test.ts`): requests as plain generated data,
 * markers for real ids resolved at run time, junk value/body/query/path generators, multipart building,
 * table snapshots and their comparison, and the check every generated request goes through:
 *   1. the status is 2xx or 4xx, never 5xx;
 *   2. a 4xx is the Clerk error envelope with `content-type: application/json`, and a 2xx is JSON;
 *   3. a 4xx changed nothing in the observed tables.
 *
 * LATCH_FUZZ_SCALE multiplies every property's number of runs; LATCH_FUZZ_SEED pins fast-check's seed.
 */
import fc from 'fast-check';
import { expect } from 'vitest';
import { ClerkErrorsSchema } from '../http/wire-schemas.js';
import type { TestServer } from './harness.js';

// ---------------------------------------------------------------------------------------------------
// Scale and seed
// ---------------------------------------------------------------------------------------------------

export const SCALE = Number(process.env.LATCH_FUZZ_SCALE ?? '1') || 1;
export const SEED = process.env.LATCH_FUZZ_SEED ? Number(process.env.LATCH_FUZZ_SEED) : undefined;

/** fast-check parameters for a property of `numRuns` runs, scaled and seeded from the environment. */
export function fuzzParams(numRuns: number): { numRuns: number; seed?: number } {
  return { numRuns: Math.max(1, Math.round(numRuns * SCALE)), ...(SEED !== undefined ? { seed: SEED } : {}) };
}

/** Prints the pinned seed, if any, so that a run can be repeated. */
export function logSeed(suite: string, dialect: string): void {
  if (SEED !== undefined) console.log(`${suite} fuzz on ${dialect}: fast-check seed ${SEED}`);
}

// ---------------------------------------------------------------------------------------------------
// Requests as plain generated data
// ---------------------------------------------------------------------------------------------------

export type Method = 'GET' | 'POST' | 'PUT' | 'PATCH' | 'DELETE' | 'OPTIONS';

/** A path id: its text (may hold markers) and whether it is percent-encoded into the path. */
export interface PathId {
  raw: string;
  encode: boolean;
}

/** One `key=value` (or bare `key`), a raw junk piece, or one key repeated `count` times (`key=v0&key=v1…`). */
export type QueryPart = { key: string; value: string | null; encode: boolean } | { junk: string } | { repeat: string; count: number };

/** Image content: bytes, or a number n for a PNG signature padded with zeros to n bytes (built when sent). */
export type ImageBytes = Uint8Array | number;

export interface FormPart {
  name: string;
  file: { bytes: ImageBytes; type: string; filename: string } | null;
  value: string;
}

export type MultipartCt = 'same' | 'missing' | 'other' | 'upper' | 'mixed' | 'none';
export type MultipartShape = 'full' | 'truncated' | 'no-close' | 'junk' | 'no-headers' | 'empty';
export interface RawMultipart {
  kind: 'multipart';
  boundary: string;
  contentType: MultipartCt;
  image: ImageBytes;
  shape: MultipartShape;
  cut: number;
  junk: string;
}

export type Body =
  | { kind: 'none' }
  | { kind: 'json'; value: unknown; contentType: string | null }
  | { kind: 'text'; text: string; contentType: string | null }
  | RawMultipart
  | { kind: 'form'; parts: FormPart[] };

/** What every suite's generated request has; how its path is filled in is the suite's business. */
export interface BaseReq {
  method: Method;
  /** Path below /v1, with placeholders for path ids. */
  path: string;
  query: QueryPart[];
  body: Body;
}

export type Fields = Record<string, fc.Arbitrary<unknown>>;
export type Weighted<T> = { weight: number; arbitrary: fc.Arbitrary<T> };

// ---------------------------------------------------------------------------------------------------
// Markers for real ids and values, resolved at run time
// ---------------------------------------------------------------------------------------------------

/** `\uE000kind:i` is the i-th (mod count) id or value of that kind; `\uE000kind^:i` the same, upper-cased. */
const REF_RE = /\uE000([A-Za-z]+)(\^?):(\d+)/g;

// Big values are generated as short markers and expanded just before sending, so that a failure report
// prints `\uE00170000\uE001` instead of seventy thousand x's.
/** A string of n x's. */
export const big = (n: number) => `\uE001${n}\uE001`;
/** n nested arrays (`arr`) or objects (`obj`): a JSON value once expanded inside JSON text. */
export const nested = (shape: 'arr' | 'obj', n: number) => `\uE002${shape}:${n}\uE002`;

function nestedJson(shape: string, n: number): string {
  if (shape === 'arr') return '['.repeat(n) + '1' + ']'.repeat(n);
  return '{"a":'.repeat(Math.max(0, n - 1)) + '{"leaf":true}' + '}'.repeat(Math.max(0, n - 1));
}

function expandBig(s: string): string {
  return s.replace(/\uE001(\d+)\uE001/g, (_m, n: string) => 'x'.repeat(Number(n)));
}

function expandNested(s: string): string {
  return expandBig(
    s
      .replace(/"\uE002(arr|obj):(\d+)\uE002"/g, (_m, shape: string, n: string) => nestedJson(shape, Number(n)))
      .replace(/\uE002(arr|obj):(\d+)\uE002/g, (_m, shape: string, n: string) => nestedJson(shape, Number(n))),
  );
}

/** A marker for the i-th real id or value of `kind`, resolved when sent. */
export function refOf<K extends string>(kind: K, upper = false): fc.Arbitrary<string> {
  return fc.nat({ max: 999 }).map((i) => `\uE000${kind}${upper ? '^' : ''}:${i}`);
}

/**
 * The resolver of a suite's markers: big values expanded (`nested` markers too when `nested` is set),
 * then each ref marker replaced by the real value present now, or the kind's fallback when there is none.
 */
export function refResolver<K extends string>(fallback: Record<K, string>, opts: { nested?: boolean } = {}): (s: string, ctx: Record<K, string[]>) => string {
  const expand = opts.nested ? expandNested : expandBig;
  return (s, ctx) =>
    expand(s).replace(REF_RE, (_m, kind: string, upper: string, i: string) => {
      const list = ctx[kind as K] ?? [];
      const value = list.length ? (list[Number(i) % list.length] as string) : (fallback[kind as K] ?? 'missing');
      return upper ? value.toUpperCase() : value;
    });
}

/** Lone surrogates replaced, so encodeURIComponent cannot throw. */
function wellFormed(s: string): string {
  return s.replace(/[\uD800-\uDBFF](?![\uDC00-\uDFFF])|(?<![\uD800-\uDBFF])[\uDC00-\uDFFF]/g, '\uFFFD');
}

export const enc = (s: string, encode: boolean) => (encode ? encodeURIComponent(wellFormed(s)) : s);

/** `{0}`, `{1}`… of `path` replaced by the resolved path ids. */
export function fillIds<X>(path: string, ids: readonly PathId[], ctx: X, resolve: (s: string, ctx: X) => string): string {
  let out = path;
  ids.forEach((id, i) => {
    out = out.replace(`{${i}}`, enc(resolve(id.raw, ctx), id.encode));
  });
  return out;
}

// ---------------------------------------------------------------------------------------------------
// Value generators
// ---------------------------------------------------------------------------------------------------

/** An object whose own keys are __proto__, constructor and prototype (as JSON.parse would make them). */
export function protoObject(inner: unknown): Record<string, unknown> {
  return Object.fromEntries([
    ['__proto__', inner],
    ['constructor', { prototype: inner }],
    ['prototype', inner],
  ]);
}

export const nullableBool = fc.oneof(fc.boolean(), fc.constant(null));

/** Characters that break things: `plain` ones mostly, lone surrogates, and the `odd` ones (NUL, BOM, bidi overrides, quotes…). */
export function nastyUnitOf(plain: readonly string[], odd: readonly string[]): fc.Arbitrary<string> {
  return fc.oneof(
    { weight: 5, arbitrary: fc.constantFrom(...plain) },
    { weight: 1, arbitrary: fc.constantFrom('\ud800', '\udbff', '\udc00', '\udfff') },
    { weight: 2, arbitrary: fc.constantFrom(...odd) },
  );
}

/**
 * Junk strings: the special ones, nasty ones, arbitrary strings (also grapheme and binary-ascii ones
 * when `moreUnits`), and now and then `tail` (big ones).
 */
export function junkStringOf(special: readonly string[], nasty: fc.Arbitrary<string>, tail: fc.Arbitrary<string>, moreUnits = false): fc.Arbitrary<string> {
  return fc.oneof(
    { weight: 3, arbitrary: fc.constantFrom(...special) },
    { weight: 3, arbitrary: nasty },
    { weight: 2, arbitrary: fc.string({ maxLength: 20 }) },
    ...(moreUnits ? [{ weight: 2, arbitrary: fc.string({ unit: 'grapheme', maxLength: 20 }) }] : []),
    { weight: 2, arbitrary: fc.string({ unit: 'binary', maxLength: 20 }) },
    ...(moreUnits ? [{ weight: 2, arbitrary: fc.string({ unit: 'binary-ascii', maxLength: 20 }) }] : []),
    { weight: 1, arbitrary: tail },
  );
}

export function weirdNumberOf(constants: readonly number[]): fc.Arbitrary<number> {
  return fc.oneof(fc.constantFrom(...constants), fc.integer(), fc.double({ noNaN: true, noDefaultInfinity: true }));
}

/** A wrong-typed or edge value for any parameter; `afterArrays` and `afterJson` add suite-specific ones. */
export function edgeValueOf(
  weirdNumber: fc.Arbitrary<number>,
  weirdString: fc.Arbitrary<string>,
  extra: { afterArrays?: Weighted<unknown>[]; afterJson?: Weighted<unknown>[] } = {},
): fc.Arbitrary<unknown> {
  return fc.oneof(
    { weight: 2, arbitrary: fc.constant(null) },
    { weight: 1, arbitrary: fc.boolean() },
    { weight: 2, arbitrary: weirdNumber },
    { weight: 4, arbitrary: weirdString },
    { weight: 1, arbitrary: fc.array(weirdString, { maxLength: 3 }) },
    ...(extra.afterArrays ?? []),
    { weight: 1, arbitrary: fc.jsonValue({ maxDepth: 2, stringUnit: 'binary' }) },
    ...(extra.afterJson ?? []),
    { weight: 1, arbitrary: fc.constant(protoObject({ polluted: true })) },
    { weight: 1, arbitrary: fc.constantFrom({}, [], [[]], { '': null }) },
  );
}

/**
 * `structured(fields, required)` builds an object from the real parameter names: each parameter present
 * now and then (required ones mostly), its value plausible or, one time in five, an edge value; sometimes
 * an extra key from `extraKeys`. Every key shrinks to "absent" and every value to a plausible one.
 */
export function structuredOf(edgeValue: fc.Arbitrary<unknown>, extraKeys: readonly string[]) {
  return (fields: Fields, required: readonly string[] = []): fc.Arbitrary<Record<string, unknown>> => {
    const names = Object.keys(fields);
    const absent = Math.max(1, Math.round(names.length / 3));
    const slot = (name: string) => {
      const value = fc.oneof({ withCrossShrink: true }, { weight: 4, arbitrary: fields[name] as fc.Arbitrary<unknown> }, { weight: 1, arbitrary: edgeValue });
      const isRequired = required.includes(name);
      return fc.oneof({ withCrossShrink: true }, { weight: isRequired ? 1 : absent, arbitrary: fc.constant(undefined) }, { weight: isRequired ? 8 : 1, arbitrary: value });
    };
    const extra = fc.oneof(
      { withCrossShrink: true },
      { weight: 5, arbitrary: fc.constant(null) },
      { weight: 1, arbitrary: fc.tuple(fc.oneof(fc.constantFrom(...extraKeys), fc.string({ maxLength: 6 })), edgeValue) },
    );
    return fc.tuple(fc.record(Object.fromEntries(names.map((n) => [n, slot(n)]))), extra).map(([rec, more]) => {
      const entries = Object.entries(rec).filter(([, v]) => v !== undefined);
      if (more) entries.push(more);
      return Object.fromEntries(entries) as Record<string, unknown>;
    });
  };
}

/** Mostly `application/json`, sometimes one of `odd`. */
export function jsonContentTypeOf(odd: readonly (string | null)[]): fc.Arbitrary<string | null> {
  return fc.oneof({ withCrossShrink: true }, { weight: 12, arbitrary: fc.constant('application/json') }, { weight: 3, arbitrary: fc.constantFrom<string | null>(...odd) });
}

/** JSON-safe version of anything fast-check makes (undefined, NaN, functions dropped as JSON would). */
export function jsonSafe(v: unknown): unknown {
  try {
    const text = JSON.stringify(v);
    return text === undefined ? null : (JSON.parse(text) as unknown);
  } catch {
    return null;
  }
}

export function rawTextOf(texts: readonly string[]): fc.Arbitrary<string> {
  return fc.oneof(fc.constantFrom(...texts), fc.string({ maxLength: 40 }), fc.string({ unit: 'binary', maxLength: 40 }));
}

export const noBody: Weighted<Body> = { weight: 1, arbitrary: fc.constant({ kind: 'none' as const }) };

/**
 * Bodies of every kind: `value` as JSON mostly, arbitrary JSON, arbitrary values made JSON-safe, raw
 * text with a JSON content type, then the suite's `rest`.
 */
export function bodyOf(
  value: fc.Arbitrary<unknown>,
  o: { contentType: fc.Arbitrary<string | null>; rawText: fc.Arbitrary<string>; rest: Weighted<Body>[] },
): fc.Arbitrary<Body> {
  const contentType = o.contentType;
  return fc.oneof(
    { withCrossShrink: true },
    { weight: 10, arbitrary: fc.record({ kind: fc.constant('json' as const), value, contentType }) },
    { weight: 1, arbitrary: fc.record({ kind: fc.constant('json' as const), value: fc.jsonValue({ maxDepth: 3 }), contentType }) },
    { weight: 1, arbitrary: fc.record({ kind: fc.constant('json' as const), value: fc.anything({ maxDepth: 2, stringUnit: 'binary' }).map(jsonSafe), contentType }) },
    { weight: 2, arbitrary: fc.record({ kind: fc.constant('text' as const), text: o.rawText, contentType }) },
    ...o.rest,
  );
}

/** Bulk bodies: arrays of structured items, `count` fixed items, duplicated items, junk elements, or not an array at all. */
export function bulkBodyOf(
  body: (value: fc.Arbitrary<unknown>) => fc.Arbitrary<Body>,
  item: fc.Arbitrary<Record<string, unknown>>,
  fixed: (i: number) => Record<string, unknown>,
  edgeValue: fc.Arbitrary<unknown>,
): fc.Arbitrary<Body> {
  return body(
    fc.oneof(
      { weight: 5, arbitrary: fc.array(item, { maxLength: 4 }) },
      { weight: 1, arbitrary: fc.integer({ min: 10, max: 12 }).map((n) => Array.from({ length: n }, (_, i) => fixed(i))) },
      { weight: 1, arbitrary: fc.array(item, { minLength: 1, maxLength: 2 }).map((a) => [...a, ...a]) },
      { weight: 2, arbitrary: fc.array(edgeValue, { maxLength: 4 }) },
      { weight: 1, arbitrary: item },
    ),
  );
}

// ---- the common junk set (shared by the access and organizations suites) ----

export const nastyUnit = nastyUnitOf(
  ['a', 'b', 'Z', '0', '9', ' ', '-', '_', '.', '@', '+', '*'],
  ['\u0000', '\u0001', '\u202e', '\ufeff', '\uffff', '\u2028', '%', '\\', '"', "'", '\n', '\r', '<', '>', '{', '}', 'é', '🙂', 'İ'],
);
export const nasty = fc.string({ unit: nastyUnit, maxLength: 12 });

const SPECIAL_STRINGS = [
  '', ' ', '\u0000', '\udc00', 'a\u0000b', '\ud800', '🙂'.repeat(40), 'ǅǈß İı', '\u202eevil', '\r\n\t', 'null', 'true', '0', '-1', '1e400', 'NaN',
  "' OR 1=1 --", '"; DROP TABLE invitations; --', '%00', '%s%n%x', '../../etc/passwd', '<script>alert(1)</script>', '__proto__', 'constructor',
  'toString', '*', '*@', '*@*', '@', '*@example.com', '*@.com', '"', '\\', '%', '_', '+', '-', '{{', '}}', '{{action_url}}', '{{#if}}', '{{{raw}}}',
];

export const bigString = fc.constantFrom(64, 65, 129, 257, 321, 999, 1025, 5000, 70_000).map(big);
export const weirdString = junkStringOf(SPECIAL_STRINGS, nasty, bigString);
export const weirdNumber = weirdNumberOf([0, -0, -1, 1, 1.5, -1.5, 2 ** 31, 2 ** 53 + 2, 1e21, 1e308, -1e308, Number.MAX_SAFE_INTEGER, 5e-324, 1e6]);
/** Strings for the URL (path ids, query values): as weird, but short enough for the request line. */
export const urlString = junkStringOf(SPECIAL_STRINGS, nasty, fc.constantFrom(128, 129, 257, 321, 2000).map(big));
export const edgeValue = edgeValueOf(weirdNumber, weirdString);

export const metadata: fc.Arbitrary<unknown> = fc.oneof(
  { weight: 5, arbitrary: fc.dictionary(fc.string({ maxLength: 8 }), fc.jsonValue({ maxDepth: 3 }), { maxKeys: 5 }) },
  { weight: 2, arbitrary: fc.dictionary(nasty, fc.jsonValue({ maxDepth: 2, stringUnit: nastyUnit }), { maxKeys: 3 }) },
  { weight: 1, arbitrary: fc.constantFrom(8000, 8200, 20_000).map((n) => ({ blob: big(n) })) },
  { weight: 1, arbitrary: fc.constant(protoObject({ polluted: true })) },
);

export const jsonContentType = jsonContentTypeOf(['application/json; charset=utf-8', 'Application/JSON', 'application/jsonx', 'text/plain', 'application/x-www-form-urlencoded', 'multipart/form-data; boundary=x', '', null]);

/** Bodies of every kind (the common set's): `value` as JSON mostly, and deep bracket nests. */
export function commonBodyOf(value: fc.Arbitrary<unknown>, rawText: fc.Arbitrary<string>): fc.Arbitrary<Body> {
  return bodyOf(value, {
    contentType: jsonContentType,
    rawText,
    rest: [
      noBody,
      { weight: 1, arbitrary: fc.constantFrom(3000, 150_000).map((d) => ({ kind: 'text' as const, text: '['.repeat(d) + ']'.repeat(d), contentType: 'application/json' })) },
    ],
  });
}

export const COMMON_QUERY_JUNK = ['%', '%Z', '%ZZ', '%C0%AF', '%FF%FE', '%00', '&&', '=', '==', '&=&', '+', '%2B', ';', '[]', '[', ']', '%ED%A0%80', 'limit=%', 'query=%E0%A4%A'];

// ---- multipart ----

export const PNG = [0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a];
const JPEG = [0xff, 0xd8, 0xff, 0xe0];
const GIF = [0x47, 0x49, 0x46, 0x38, 0x39, 0x61];
const WEBP = [0x52, 0x49, 0x46, 0x46, 0, 0, 0, 0, 0x57, 0x45, 0x42, 0x50];

/** Image content: real signatures with junk tails, junk, the given stubs and texts, and sizes around `maxImageBytes`. */
export function imageBytesOf(maxImageBytes: number, stubs: readonly number[][], texts: readonly string[]): fc.Arbitrary<ImageBytes> {
  return fc.oneof(
    { weight: 4, arbitrary: fc.tuple(fc.constantFrom(PNG, JPEG, GIF, WEBP), fc.uint8Array({ maxLength: 48 })).map(([h, tail]) => Uint8Array.from([...h, ...tail])) },
    { weight: 2, arbitrary: fc.uint8Array({ maxLength: 48 }) },
    { weight: 1, arbitrary: fc.constantFrom(...stubs).map((a) => Uint8Array.from(a)) },
    { weight: 1, arbitrary: fc.constantFrom(...texts).map((s) => new TextEncoder().encode(s)) },
    { weight: 1, arbitrary: fc.constantFrom(maxImageBytes, maxImageBytes + 1, 70 * 1024) },
  );
}

export function imageOf(b: ImageBytes): Uint8Array<ArrayBuffer> {
  if (typeof b !== 'number') return new Uint8Array(b);
  const out = new Uint8Array(b);
  out.set(PNG);
  return out;
}

/** A form part: mostly named `file` (else one of `names`), mostly with a file, and a text `value`. */
export function formPartOf(names: readonly string[], imageBytes: fc.Arbitrary<ImageBytes>, value: fc.Arbitrary<string>): fc.Arbitrary<FormPart> {
  return fc.record({
    name: fc.oneof({ weight: 4, arbitrary: fc.constant('file') }, { weight: 1, arbitrary: fc.constantFrom(...names) }),
    file: fc.option(
      fc.record({
        bytes: imageBytes,
        type: fc.constantFrom('image/png', 'image/jpeg', 'image/svg+xml', 'text/html', '', 'application/octet-stream'),
        filename: fc.constantFrom('a.png', '', '../../x.png', 'ü.png', 'a"b.png', 'x'.repeat(300), 'a\r\nb.png'),
      }),
      { freq: 4 },
    ),
    value,
  });
}

function concatBytes(...parts: (string | Uint8Array)[]): Uint8Array<ArrayBuffer> {
  const chunks = parts.map((p) => (typeof p === 'string' ? new TextEncoder().encode(p) : p));
  const out = new Uint8Array(chunks.reduce((n, c) => n + c.length, 0));
  let at = 0;
  for (const c of chunks) {
    out.set(c, at);
    at += c.length;
  }
  return out;
}

/** Hand-made multipart bodies: well framed, truncated, with a wrong or missing boundary, or pure junk. */
export function rawMultipartOf(imageBytes: fc.Arbitrary<ImageBytes>): fc.Arbitrary<RawMultipart> {
  return fc.record({
    kind: fc.constant('multipart' as const),
    boundary: fc.constantFrom('B0undary', 'x', '-', 'a b', '"quoted"', 'ü', ''),
    contentType: fc.constantFrom<MultipartCt>('same', 'same', 'missing', 'other', 'upper', 'mixed', 'none'),
    image: imageBytes,
    shape: fc.constantFrom<MultipartShape>('full', 'full', 'truncated', 'no-close', 'junk', 'no-headers', 'empty'),
    cut: fc.nat(),
    junk: fc.string({ unit: 'binary', maxLength: 40 }),
  });
}

export function buildMultipart(m: RawMultipart): { bytes: Uint8Array<ArrayBuffer>; contentType: string | null } {
  const { boundary } = m;
  const b = boundary.replace(/^"|"$/g, '');
  const contentType = {
    same: `multipart/form-data; boundary=${boundary}`,
    missing: 'multipart/form-data',
    other: 'multipart/form-data; boundary=someOtherBoundary',
    upper: `MULTIPART/FORM-DATA; BOUNDARY=${boundary}`,
    mixed: `multipart/mixed; boundary=${boundary}`,
    none: null,
  }[m.contentType];
  const head = `--${b}\r\nContent-Disposition: form-data; name="file"; filename="a.png"\r\nContent-Type: image/png\r\n\r\n`;
  const image = imageOf(m.image);
  let bytes: Uint8Array<ArrayBuffer>;
  if (m.shape === 'junk') bytes = new TextEncoder().encode(m.junk);
  else if (m.shape === 'empty') bytes = new Uint8Array();
  else if (m.shape === 'no-headers') bytes = concatBytes(`--${b}\r\n\r\n`, image, `\r\n--${b}--\r\n`);
  else if (m.shape === 'no-close') bytes = concatBytes(head, image);
  else bytes = concatBytes(head, image, `\r\n--${b}--\r\n`);
  if (m.shape === 'truncated') bytes = bytes.slice(0, m.cut % (bytes.length + 1));
  return { bytes, contentType };
}

/** Form bodies, hand-made multipart, and JSON bodies (`fileBody`) where a file is expected. */
export function multipartBodyOf(formPart: fc.Arbitrary<FormPart>, rawMultipart: fc.Arbitrary<RawMultipart>, fileBody: fc.Arbitrary<Body>): fc.Arbitrary<Body> {
  return fc.oneof(
    { weight: 5, arbitrary: fc.record({ kind: fc.constant('form' as const), parts: fc.array(formPart, { minLength: 0, maxLength: 3 }) }) },
    { weight: 3, arbitrary: rawMultipart },
    { weight: 2, arbitrary: fileBody },
  );
}

// ---- query strings ----

/** Query keys: the real ones, as `key[]` (and `key[0]` when `indexed`), odd ones and arbitrary ones. */
export function queryKeyOf(keys: readonly string[], indexed = false): fc.Arbitrary<string> {
  return fc.oneof(
    { weight: 6, arbitrary: fc.constantFrom(...keys) },
    { weight: 2, arbitrary: fc.constantFrom(...keys).map((k) => `${k}[]`) },
    ...(indexed ? [{ weight: 1, arbitrary: fc.constantFrom(...keys).map((k) => `${k}[0]`) }] : []),
    { weight: 1, arbitrary: fc.constantFrom('__proto__', 'constructor', '', 'LIMIT', 'limit ', 'a[b][c]') },
    { weight: 1, arbitrary: fc.string({ maxLength: 8 }) },
  );
}

/** Up to six key/value or junk pieces, and now and then one of `repeatKeys` repeated one of `repeatCounts` times. */
export function queryPartsOf(
  key: fc.Arbitrary<string>,
  value: fc.Arbitrary<string>,
  junk: readonly string[],
  repeatKeys: readonly string[],
  repeatCounts: readonly number[],
): fc.Arbitrary<QueryPart[]> {
  return fc
    .tuple(
      fc.array(
        fc.oneof(
          { weight: 6, arbitrary: fc.record({ key, value: fc.option(value, { freq: 8 }), encode: fc.boolean() }) },
          { weight: 1, arbitrary: fc.record({ junk: fc.constantFrom(...junk) }) },
        ),
        { maxLength: 6 },
      ),
      fc.oneof({ weight: 8, arbitrary: fc.constant(null) }, { weight: 1, arbitrary: fc.tuple(fc.constantFrom(...repeatKeys), fc.constantFrom(...repeatCounts)) }),
    )
    .map(([parts, repeated]): QueryPart[] => (repeated ? [...parts, { repeat: repeated[0], count: repeated[1] }] : parts));
}

export const noQuery = fc.constant<QueryPart[]>([]);
export const junkQueryOf = (queryParts: fc.Arbitrary<QueryPart[]>) => fc.oneof({ weight: 4, arbitrary: noQuery }, { weight: 1, arbitrary: queryParts });

/** The query string of `parts`, markers resolved. */
export function queryString<X>(parts: readonly QueryPart[], ctx: X, resolve: (s: string, ctx: X) => string): string {
  return parts
    .map((p) => {
      if ('junk' in p) return p.junk;
      if ('repeat' in p) return Array.from({ length: p.count }, (_, i) => `${encodeURIComponent(p.repeat)}=v${i}`).join('&');
      return enc(resolve(p.key, ctx), p.encode) + (p.value === null ? '' : `=${enc(resolve(p.value, ctx), p.encode)}`);
    })
    .join('&');
}

// ---- path ids ----

const PATH_SUFFIXES = ['x', '/', '%00', ' ', '/..', '.', '%2F', '?x=1', '#frag'];

/** Path ids: mostly `real`, sometimes `suffixed` with a junk suffix, junk from `junk`, or a URL string. */
export function pathIdOf(
  real: fc.Arbitrary<string>,
  junk: readonly string[],
  urlString: fc.Arbitrary<string>,
  suffixed: { base?: fc.Arbitrary<string>; suffixes?: readonly string[] } = {},
): fc.Arbitrary<PathId> {
  return fc.record({
    raw: fc.oneof(
      { weight: 6, arbitrary: real },
      { weight: 1, arbitrary: fc.tuple(suffixed.base ?? real, fc.constantFrom(...(suffixed.suffixes ?? PATH_SUFFIXES))).map(([r, s]) => r + s) },
      { weight: 2, arbitrary: fc.constantFrom(...junk) },
      { weight: 2, arbitrary: urlString.filter((s) => s.length > 0) },
    ),
    encode: fc.boolean(),
  });
}

// ---------------------------------------------------------------------------------------------------
// Snapshots
// ---------------------------------------------------------------------------------------------------

export type Row = Record<string, unknown>;
/** Each table's rows as canonical JSON by primary key. */
export type Canonical<T extends string> = Record<T, Map<string, string>>;

function sortKeys(v: unknown): unknown {
  if (Array.isArray(v)) return v.map(sortKeys);
  if (v && typeof v === 'object') return Object.fromEntries(Object.entries(v).sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0)).map(([k, x]) => [k, sortKeys(x)]));
  return v;
}

const JSON_COLUMNS = new Set(['settings', 'public_metadata', 'private_metadata', 'data']);

/** A row as JSON with sorted keys, JSON text columns parsed, bigints marked. */
export function canonicalRow(row: Row): string {
  const out: Row = {};
  for (const [k, v] of Object.entries(row)) {
    let value = v;
    if (JSON_COLUMNS.has(k) && typeof v === 'string') {
      try {
        value = JSON.parse(v) as unknown;
      } catch {
        value = `unparsable:${v}`;
      }
    }
    out[k] = typeof value === 'bigint' ? `${value}n` : sortKeys(value);
  }
  return JSON.stringify(sortKeys(out));
}

/** Every row of each table, sorted by `keyOf`. */
export async function snapshotTables<T extends string>(t: TestServer, tables: readonly T[], keyOf: Record<T, (r: Row) => string>): Promise<Record<T, Row[]>> {
  const db = t.server.services.storage.db as unknown as { selectFrom(table: string): { selectAll(): { execute(): Promise<Row[]> } } };
  const rows = await Promise.all(tables.map((table) => db.selectFrom(table).selectAll().execute()));
  return Object.fromEntries(tables.map((table, i) => [table, (rows[i] as Row[]).slice().sort((a, b) => (keyOf[table](a) < keyOf[table](b) ? -1 : 1))])) as Record<T, Row[]>;
}

/** Each table's rows as canonical text by key. */
export function canonicalize<T extends string>(tables: readonly T[], snap: Record<T, Row[]>, keyOf: Record<T, (r: Row) => string>, canonical: (r: Row) => string = canonicalRow): Canonical<T> {
  return Object.fromEntries(tables.map((table) => [table, new Map(snap[table].map((r) => [keyOf[table](r), canonical(r)]))])) as Canonical<T>;
}

/** Rows deleted, changed or inserted between two canonical snapshots. */
export function diffSnapshots<T extends string>(tables: readonly T[], before: Canonical<T>, after: Canonical<T>): string[] {
  const out: string[] = [];
  for (const table of tables) {
    const a = before[table];
    const b = after[table];
    for (const [k, v] of a) {
      if (!b.has(k)) out.push(`${table} ${k} deleted: ${v.slice(0, 400)}`);
      else if (b.get(k) !== v) out.push(`${table} ${k} changed:\n  before ${v.slice(0, 1500)}\n  after  ${(b.get(k) ?? '').slice(0, 1500)}`);
    }
    for (const [k, v] of b) if (!a.has(k)) out.push(`${table} ${k} inserted: ${v.slice(0, 400)}`);
  }
  return out;
}

/** The strings (non-empty) of one column. */
export const strings = (rows: Row[], col: string) => rows.map((r) => r[col]).filter((v): v is string => typeof v === 'string' && v !== '');

// ---------------------------------------------------------------------------------------------------
// Sending and checking
// ---------------------------------------------------------------------------------------------------

export function describeFetchError(err: unknown): string {
  const cause = (err as { cause?: { code?: string; message?: string } }).cause;
  return `${String(err)}${cause ? ` (${cause.code ?? ''} ${cause.message ?? ''})` : ''}`;
}

export function preview(s: string, n = 600): string {
  return s.length > n ? `${s.slice(0, n)}… (${s.length} chars)` : s;
}

/** Longest request target the general properties send; longer ones have their own property. */
const MAX_TARGET = 15_000;

export interface Observation<C, X> {
  canon: C;
  ctx: X;
}

export interface FuzzSuite<C, X, R extends BaseReq> {
  server: () => TestServer;
  observe: () => Promise<Observation<C, X>>;
  diff: (before: C, after: C) => string[];
  resolve: (s: string, ctx: X) => string;
  /** The request's path below /v1 with its ids filled in. */
  pathOf: (r: R, ctx: X) => string;
  ensureSeeds: () => Promise<void>;
  /** Form field values go through `resolve` too. */
  resolveFormValues?: boolean;
  /** Sees every response that reached the client, with the time since the check began. */
  onResponse?: (status: number, text: string, ms: number) => void;
  /** What the state after a refused request is compared with (default: itself). */
  compared?: (r: R, parsed: unknown, before: C, after: C) => C;
  /** Runs after each property. */
  afterProperty?: () => Promise<void>;
}

/**
 * The check every generated request goes through, and `fuzz`, which runs it as a property. The state
 * observed after a refused request is kept (`known`) as the state before the next one, since nothing
 * is known to have changed it; anything else (2xx, failure, seeding) clears it.
 */
export function fuzzSuite<C, X, R extends BaseReq>(s: FuzzSuite<C, X, R>) {
  let known: Observation<C, X> | null = null;

  /** The state now, as last observed if nothing changed it since; forgets it. */
  async function take(): Promise<Observation<C, X>> {
    const before = known ?? (await s.observe());
    known = null;
    return before;
  }

  /** Sends one generated request and checks the three properties. */
  async function check(r: R, opts: { longUrl?: boolean } = {}): Promise<void> {
    const started = performance.now();
    const before = await take();
    const { ctx } = before;
    const t = s.server();
    const path = s.pathOf(r, ctx);
    const query = queryString(r.query, ctx, s.resolve);
    const target = `${path}${query ? `?${query}` : ''}`;
    fc.pre(opts.longUrl === true || target.length <= MAX_TARGET);
    try {
      new URL(`${t.url}/v1${target}`);
    } catch {
      return; // not an HTTP request at all: nothing to send
    }
    // A fresh connection per request, so that whatever one request does to its connection cannot be
    // blamed on the next one.
    const headers = new Headers({ connection: 'close' });
    let body: BodyInit | undefined;
    let shown = '';
    const b = r.body;
    if (b.kind === 'json' || b.kind === 'text') {
      const text = b.kind === 'json' ? s.resolve(JSON.stringify(b.value) ?? 'null', ctx) : s.resolve(b.text, ctx);
      if (b.contentType === null) body = new TextEncoder().encode(text);
      else {
        headers.set('content-type', b.contentType);
        body = text;
      }
      shown = `[${b.contentType ?? 'no content-type'}] ${preview(text)}`;
    } else if (b.kind === 'multipart') {
      const m = buildMultipart(b);
      if (m.contentType !== null) headers.set('content-type', m.contentType);
      body = m.bytes;
      shown = `[${m.contentType ?? 'no content-type'}] ${m.bytes.length} bytes: ${JSON.stringify(new TextDecoder().decode(m.bytes.slice(0, 300)))}`;
    } else if (b.kind === 'form') {
      const form = new FormData();
      for (const p of b.parts) {
        if (p.file) form.append(p.name, new Blob([imageOf(p.file.bytes)], { type: p.file.type }), p.file.filename);
        else form.append(p.name, s.resolveFormValues ? s.resolve(p.value, ctx) : p.value);
      }
      body = form;
      shown = `multipart ${JSON.stringify(b.parts.map((p) => ({ name: p.name, file: p.file ? { type: p.file.type, filename: p.file.filename, bytes: imageOf(p.file.bytes).length, head: [...imageOf(p.file.bytes).slice(0, 12)] } : null, value: p.value })))}`;
    }
    let res: Response;
    let text: string;
    try {
      res = await t.api(target, { method: r.method, headers, ...(body !== undefined ? { body } : {}) });
      text = await res.text();
    } catch (err) {
      return expect.fail(`no response reached the client: ${describeFetchError(err)}\n${r.method} /v1${preview(target, 400)}\n  body: ${shown || '(none)'}`);
    }
    s.onResponse?.(res.status, text, performance.now() - started);
    const contentType = res.headers.get('content-type');
    const what = `${r.method} /v1${preview(target, 400)}\n  body: ${shown || '(none)'}\n  -> ${res.status} [${contentType}] ${preview(text, 1500)}`;

    if (res.status >= 500) {
      // Say whether the failed request also left data behind.
      const changed = s.diff(before.canon, (await s.observe()).canon);
      expect.fail(`server error\n${what}\n  data changed: ${changed.length ? changed.join('\n') : 'no'}`);
    }
    expect((res.status >= 200 && res.status < 300) || res.status >= 400, `neither 2xx nor 4xx\n${what}`).toBe(true);
    let parsed: unknown;
    try {
      parsed = JSON.parse(text);
    } catch {
      expect.fail(`response body is not JSON\n${what}`);
    }
    if (res.status < 300) return;

    expect(contentType, what).toBe('application/json');
    const envelope = ClerkErrorsSchema.safeParse(parsed);
    expect(envelope.success, `${what}\n  envelope: ${envelope.error?.message ?? ''}`).toBe(true);
    const after = await s.observe();
    const compared = s.compared ? s.compared(r, parsed, before.canon, after.canon) : after.canon;
    expect(s.diff(before.canon, compared), `a rejected request changed data\n${what}`).toEqual([]);
    known = after;
  }

  /** Seeds, then checks `numRuns` (scaled) generated requests. */
  async function fuzz(arb: fc.Arbitrary<R>, numRuns: number, opts: { longUrl?: boolean } = {}): Promise<void> {
    await s.ensureSeeds();
    await fc.assert(
      fc.asyncProperty(arb, (r) => check(r, opts)),
      fuzzParams(numRuns),
    );
    await s.afterProperty?.();
  }

  return {
    check,
    fuzz,
    take,
    /** Remembers `o` as the state until the next request. */
    keep(o: Observation<C, X>): void {
      known = o;
    },
    /** Forgets the remembered state (something may have changed it). */
    forget(): void {
      known = null;
    },
  };
}
