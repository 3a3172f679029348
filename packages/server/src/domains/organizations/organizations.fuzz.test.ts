/**
 * Fuzzing the organizations Backend API with fast-check: organizations, metadata, logo, memberships,
 * invitations, domains, roles, permissions and the instance's organization settings.
 *
 * Every answer must hold three properties (the approach of users.fuzz.test.ts):
 *   1. the status is 2xx or 4xx, never 5xx;
 *   2. a 4xx is the Clerk error envelope with `content-type: application/json`, and a 2xx is JSON;
 *   3. a 4xx changed nothing: organizations, organization_memberships, organization_invitations,
 *      organization_domains, organization_roles, organization_permissions, organization_role_permissions,
 *      organization_suggestions, messages and instance are identical (every column, `updated_at`
 *      included) before and after.
 * After every property, each organization's members_count and admins_count must match its memberships.
 *
 * Ids of real rows are generated as markers (`\uE000org:3`) and resolved just before sending against the
 * rows present then; `\uE000memberOrg:i` and `\uE000memberUser:i` with the same i name one membership
 * (likewise invOrg/inv and domOrg/dom). The delivery worker is stopped so that queued messages do not
 * change under the snapshot. LATCH_FUZZ_SCALE multiplies the number of runs; LATCH_FUZZ_SEED pins the seed.
 */
import fc from 'fast-check';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ClerkErrorsSchema } from '../../http/wire-schemas.js';
import { startTestServer, testDialects, type TestServer } from '../../test/harness.js';

const SCALE = Number(process.env.LATCH_FUZZ_SCALE ?? '1') || 1;
const SEED = process.env.LATCH_FUZZ_SEED ? Number(process.env.LATCH_FUZZ_SEED) : undefined;
const MAX_IMAGE_BYTES = 8192;

// ---------------------------------------------------------------------------------------------------
// Requests as plain generated data
// ---------------------------------------------------------------------------------------------------

type Method = 'GET' | 'POST' | 'PUT' | 'PATCH' | 'DELETE' | 'OPTIONS';

interface PathId {
  raw: string;
  encode: boolean;
}

type QueryPart = { key: string; value: string | null; encode: boolean } | { junk: string } | { repeat: string; count: number };

interface FormPart {
  name: string;
  file: { bytes: ImageBytes; type: string; filename: string } | null;
  value: string;
}

type Body =
  | { kind: 'none' }
  | { kind: 'json'; value: unknown; contentType: string | null }
  | { kind: 'text'; text: string; contentType: string | null }
  | RawMultipart
  | { kind: 'form'; parts: FormPart[] };

interface Req {
  method: Method;
  /** Path below /v1; `{0}`, `{1}` are replaced by the path ids. */
  path: string;
  ids: PathId[];
  query: QueryPart[];
  body: Body;
}

// ---------------------------------------------------------------------------------------------------
// Markers for real ids and values, resolved at run time
// ---------------------------------------------------------------------------------------------------

type RefKind =
  | 'org'
  | 'orgSlug'
  | 'user'
  | 'memberOrg'
  | 'memberUser'
  | 'invOrg'
  | 'inv'
  | 'domOrg'
  | 'dom'
  | 'role'
  | 'roleKey'
  | 'perm'
  | 'permKey'
  | 'emailValue'
  | 'invitationEmail'
  | 'domainName'
  | 'image';
type RefContext = Record<RefKind, string[]>;

const FALLBACK: Record<RefKind, string> = {
  org: 'org_2zzzzzzzzzzzzzzzzzzzzzzzzzz',
  orgSlug: 'no-such-org',
  user: 'user_2zzzzzzzzzzzzzzzzzzzzzzzzzz',
  memberOrg: 'org_2zzzzzzzzzzzzzzzzzzzzzzzzzy',
  memberUser: 'user_2zzzzzzzzzzzzzzzzzzzzzzzzzy',
  invOrg: 'org_2zzzzzzzzzzzzzzzzzzzzzzzzzx',
  inv: 'orginv_2zzzzzzzzzzzzzzzzzzzzzzzzzz',
  domOrg: 'org_2zzzzzzzzzzzzzzzzzzzzzzzzzw',
  dom: 'orgdmn_2zzzzzzzzzzzzzzzzzzzzzzzzzz',
  role: 'role_2zzzzzzzzzzzzzzzzzzzzzzzzzz',
  roleKey: 'org:nobody',
  perm: 'perm_2zzzzzzzzzzzzzzzzzzzzzzzzzz',
  permKey: 'org:nobody:nothing',
  emailValue: 'nobody@example.com',
  invitationEmail: 'nobody-invited@example.com',
  domainName: 'nobody.example.com',
  image: 'img_2zzzzzzzzzzzzzzzzzzzzzzzzzz',
};

const REF_RE = /\uE000([A-Za-z]+)(\^?):(\d+)/g;
const big = (n: number) => `\uE001${n}\uE001`;

function expand(s: string): string {
  return s.replace(/\uE001(\d+)\uE001/g, (_m, n: string) => 'x'.repeat(Number(n)));
}

const ref = (kind: RefKind, upper = false) => fc.nat({ max: 999 }).map((i) => `\uE000${kind}${upper ? '^' : ''}:${i}`);

function resolveText(s: string, ctx: RefContext): string {
  return expand(s).replace(REF_RE, (_m, kind: string, upper: string, i: string) => {
    const list = ctx[kind as RefKind] ?? [];
    const value = list.length ? (list[Number(i) % list.length] as string) : (FALLBACK[kind as RefKind] ?? 'missing');
    return upper ? value.toUpperCase() : value;
  });
}

function wellFormed(s: string): string {
  return s.replace(/[\uD800-\uDBFF](?![\uDC00-\uDFFF])|(?<![\uD800-\uDBFF])[\uDC00-\uDFFF]/g, '\uFFFD');
}

const enc = (s: string, encode: boolean) => (encode ? encodeURIComponent(wellFormed(s)) : s);


// ---------------------------------------------------------------------------------------------------
// Value generators
// ---------------------------------------------------------------------------------------------------

function protoObject(inner: unknown): Record<string, unknown> {
  return Object.fromEntries([
    ['__proto__', inner],
    ['constructor', { prototype: inner }],
    ['prototype', inner],
  ]);
}

const nastyUnit = fc.oneof(
  { weight: 5, arbitrary: fc.constantFrom('a', 'b', 'Z', '0', '9', ' ', '-', '_', '.', '@', '+', '*') },
  { weight: 1, arbitrary: fc.constantFrom('\ud800', '\udbff', '\udc00', '\udfff') },
  { weight: 2, arbitrary: fc.constantFrom('\u0000', '\u0001', '\u202e', '\ufeff', '\uffff', '\u2028', '%', '\\', '"', "'", '\n', '\r', '<', '>', '{', '}', 'é', '🙂', 'İ') },
);
const nasty = fc.string({ unit: nastyUnit, maxLength: 12 });

const SPECIAL_STRINGS = [
  '', ' ', '\u0000', '\udc00', 'a\u0000b', '\ud800', '🙂'.repeat(40), 'ǅǈß İı', '\u202eevil', '\r\n\t', 'null', 'true', '0', '-1', '1e400', 'NaN',
  "' OR 1=1 --", '"; DROP TABLE invitations; --', '%00', '%s%n%x', '../../etc/passwd', '<script>alert(1)</script>', '__proto__', 'constructor',
  'toString', '*', '*@', '*@*', '@', '*@example.com', '*@.com', '"', '\\', '%', '_', '+', '-', '{{', '}}', '{{action_url}}', '{{#if}}', '{{{raw}}}',
];

const bigString = fc.constantFrom(64, 65, 129, 257, 321, 999, 1025, 5000, 70_000).map(big);

const weirdString = fc.oneof(
  { weight: 3, arbitrary: fc.constantFrom(...SPECIAL_STRINGS) },
  { weight: 3, arbitrary: nasty },
  { weight: 2, arbitrary: fc.string({ maxLength: 20 }) },
  { weight: 2, arbitrary: fc.string({ unit: 'binary', maxLength: 20 }) },
  { weight: 1, arbitrary: bigString },
);

const weirdNumber = fc.oneof(
  fc.constantFrom(0, -0, -1, 1, 1.5, -1.5, 2 ** 31, 2 ** 53 + 2, 1e21, 1e308, -1e308, Number.MAX_SAFE_INTEGER, 5e-324, 1e6),
  fc.integer(),
  fc.double({ noNaN: true, noDefaultInfinity: true }),
);

const urlString = fc.oneof(
  { weight: 3, arbitrary: fc.constantFrom(...SPECIAL_STRINGS) },
  { weight: 3, arbitrary: nasty },
  { weight: 2, arbitrary: fc.string({ maxLength: 20 }) },
  { weight: 2, arbitrary: fc.string({ unit: 'binary', maxLength: 20 }) },
  { weight: 1, arbitrary: fc.constantFrom(128, 129, 257, 321, 2000).map(big) },
);

const edgeValue: fc.Arbitrary<unknown> = fc.oneof(
  { weight: 2, arbitrary: fc.constant(null) },
  { weight: 1, arbitrary: fc.boolean() },
  { weight: 2, arbitrary: weirdNumber },
  { weight: 4, arbitrary: weirdString },
  { weight: 1, arbitrary: fc.array(weirdString, { maxLength: 3 }) },
  { weight: 1, arbitrary: fc.jsonValue({ maxDepth: 2, stringUnit: 'binary' }) },
  { weight: 1, arbitrary: fc.constant(protoObject({ polluted: true })) },
  { weight: 1, arbitrary: fc.constantFrom({}, [], [[]], { '': null }) },
);

const nullableBool = fc.oneof(fc.boolean(), fc.constant(null));

const email = fc.oneof(
  { weight: 4, arbitrary: fc.emailAddress({ size: 'xsmall' }) },
  { weight: 1, arbitrary: nasty.map((n) => `${n}@example.com`) },
  { weight: 2, arbitrary: fc.oneof(ref('emailValue'), ref('invitationEmail'), ref('domainName').map((d) => `someone@${d}`)) },
  { weight: 1, arbitrary: fc.oneof(ref('emailValue', true), ref('invitationEmail', true)).map((v) => ` ${v} `) },
  { weight: 2, arbitrary: fc.constantFrom('fresh@example.com', 'x@example', '@example.com', 'a@b.c', 'a..b@example.com', 'a+tag@example.com', `${'l'.repeat(65)}@example.com`, `a@${'d'.repeat(250)}.com`) },
);


const metadata: fc.Arbitrary<unknown> = fc.oneof(
  { weight: 5, arbitrary: fc.dictionary(fc.string({ maxLength: 8 }), fc.jsonValue({ maxDepth: 3 }), { maxKeys: 5 }) },
  { weight: 2, arbitrary: fc.dictionary(nasty, fc.jsonValue({ maxDepth: 2, stringUnit: nastyUnit }), { maxKeys: 3 }) },
  { weight: 1, arbitrary: fc.constantFrom(8000, 8200, 20_000).map((n) => ({ blob: big(n) })) },
  { weight: 1, arbitrary: fc.constant(protoObject({ polluted: true })) },
);


type Fields = Record<string, fc.Arbitrary<unknown>>;

const RFC3339 = /^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}(\.\d{1,9})?(Z|[+-]\d{2}:\d{2})$/;
const dateTime = fc.oneof(
  fc.date({ noInvalidDate: true, min: new Date('0000-01-01T00:00:00.000Z'), max: new Date('9999-12-31T23:59:59.999Z') }).map((d) => d.toISOString()),
  fc.stringMatching(RFC3339),
  fc.constantFrom('0000-01-01T00:00:00Z', '9999-12-31T23:59:59.999999999+23:59', '2024-02-30T00:00:00Z', '2024-13-01T25:61:61Z', '2024-01-01', '+275760-09-13T00:00:00Z'),
);

const roleValue = fc.oneof(
  { weight: 4, arbitrary: fc.constantFrom('org:admin', 'org:member', 'org:fuzz_role') },
  { weight: 3, arbitrary: ref('roleKey') },
  { weight: 1, arbitrary: ref('role') },
  { weight: 2, arbitrary: fc.constantFrom('admin', 'basic_member', 'ORG:ADMIN', 'org:', 'org:admin ', 'org:nope', 'org:a:b', '') },
  { weight: 1, arbitrary: weirdString },
);
const userRef = fc.oneof({ weight: 4, arbitrary: ref('user') }, { weight: 1, arbitrary: ref('memberUser') }, { weight: 1, arbitrary: fc.oneof(ref('org'), weirdString) });
const slugValue = fc.oneof(fc.stringMatching(/^[a-z0-9-]{1,20}$/), ref('orgSlug'), ref('orgSlug', true), fc.constantFrom('', '-', 'a--b', 'UPPER', 'has space', 'x'.repeat(64), 'x'.repeat(65), 'org_123', 'ünï'), nasty);
const nameValue = fc.oneof(fc.string({ minLength: 1, maxLength: 20 }), nasty, fc.constantFrom('', ' ', 'x'.repeat(256), 'x'.repeat(257)));
const domainValue = fc.oneof(
  { weight: 3, arbitrary: fc.domain() },
  { weight: 2, arbitrary: ref('domainName') },
  { weight: 1, arbitrary: ref('domainName', true) },
  { weight: 2, arbitrary: fc.constantFrom('gmail.com', 'localhost', 'example', '.com', 'a..b.com', '-a.com', 'xn--bcher-kva.com', 'bücher.de', '*.example.com', 'exa mple.com', `${'a'.repeat(64)}.com`, `${'a.'.repeat(130)}com`) },
  { weight: 1, arbitrary: weirdString },
);
const modeValue = fc.oneof(fc.constantFrom('manual_invitation', 'automatic_invitation', 'automatic_suggestion'), fc.constantFrom('MANUAL_INVITATION', '', 'none'));
const roleKeyValue = fc.oneof(fc.stringMatching(/^org:[a-z0-9_]{1,10}$/), ref('roleKey'), fc.constantFrom('org:admin', 'org:member', 'admin', 'org:', 'org:A', 'org:a:b:c', 'x'.repeat(129)), weirdString);
const permKeyValue = fc.oneof(fc.stringMatching(/^org:[a-z0-9_]{1,8}:[a-z0-9_]{1,8}$/), ref('permKey'), fc.constantFrom('org:sys_memberships:manage', 'org:x', 'org:a:b:c', 'ORG:A:B', ''), weirdString);
const permissionsList = fc.oneof(
  fc.array(fc.oneof(ref('permKey'), ref('perm'), permKeyValue), { maxLength: 4 }),
  fc.constantFrom(100, 101).map((n) => Array.from({ length: n }, (_, i) => `org:p${i}:x`)),
  fc.array(ref('permKey'), { minLength: 1, maxLength: 2 }).map((a) => [...a, ...a]),
);

const ORG_CREATE: Fields = {
  name: nameValue,
  created_by: fc.oneof(userRef, fc.constant(null)),
  private_metadata: fc.oneof(metadata, fc.constant(null)),
  public_metadata: fc.oneof(metadata, fc.constant(null)),
  slug: fc.oneof(slugValue, fc.constant(null)),
  max_allowed_memberships: fc.oneof(fc.integer({ min: -2, max: 5 }), fc.constantFrom(1e6, 1e6 + 1, 1.5, null)),
  created_at: fc.oneof(dateTime, fc.constant(null)),
  role_set_key: fc.oneof(fc.string({ maxLength: 10 }), fc.constant(null)),
};
const ORG_UPDATE: Fields = { ...ORG_CREATE, admin_delete_enabled: nullableBool };
delete ORG_UPDATE.created_by;
const METADATA_BODY: Fields = { public_metadata: fc.oneof(metadata, fc.constant(null)), private_metadata: fc.oneof(metadata, fc.constant(null)) };
const MEMBERSHIP_CREATE: Fields = { user_id: userRef, role: roleValue, public_metadata: METADATA_BODY.public_metadata as fc.Arbitrary<unknown>, private_metadata: METADATA_BODY.private_metadata as fc.Arbitrary<unknown> };
const MEMBERSHIP_UPDATE: Fields = { role: roleValue };
const INVITATION_BODY: Fields = {
  email_address: email,
  inviter_user_id: fc.oneof(userRef, ref('memberUser'), fc.constant(null)),
  role: roleValue,
  public_metadata: METADATA_BODY.public_metadata as fc.Arbitrary<unknown>,
  private_metadata: METADATA_BODY.private_metadata as fc.Arbitrary<unknown>,
  redirect_url: fc.oneof(fc.webUrl(), fc.constantFrom('javascript:alert(1)', '/relative', 'http://', '', null), weirdString),
  expires_in_days: fc.oneof(fc.integer({ min: -3, max: 400 }), fc.constantFrom(0, 1e6, 2 ** 31, 2 ** 53, null)),
  notify: nullableBool,
};
const REVOKE_BODY: Fields = { requesting_user_id: fc.oneof(userRef, ref('memberUser'), fc.constant(null)) };
const DOMAIN_CREATE: Fields = { name: domainValue, enrollment_mode: fc.oneof(modeValue, fc.constant(null)), verified: nullableBool };
const DOMAIN_UPDATE: Fields = { enrollment_mode: fc.oneof(modeValue, fc.constant(null)), verified: nullableBool, name: fc.oneof(domainValue, fc.constant(null)) };
const PREPARE_BODY: Fields = { affiliation_email_address: fc.oneof(email, ref('domainName').map((d) => `someone@${d}`), ref('emailValue')) };
const ATTEMPT_BODY: Fields = { code: fc.oneof(fc.stringMatching(/^\d{6}$/), fc.constantFrom('', '000000', '123456', 'x'.repeat(12), 'x'.repeat(13)), weirdString) };
const ROLE_CREATE: Fields = {
  name: nameValue,
  key: roleKeyValue,
  description: fc.oneof(fc.string({ maxLength: 20 }), fc.constantFrom('x'.repeat(1025)), fc.constant(null)),
  permissions: fc.oneof(permissionsList, fc.constant(null)),
  include_in_initial_role_set: nullableBool,
};
const ROLE_UPDATE: Fields = { ...ROLE_CREATE };
delete ROLE_UPDATE.include_in_initial_role_set;
const PERM_CREATE: Fields = { name: nameValue, key: permKeyValue, description: fc.oneof(fc.string({ maxLength: 20 }), fc.constant(null)) };
const SETTINGS_BODY: Fields = {
  enabled: nullableBool,
  max_allowed_memberships: fc.oneof(fc.integer({ min: -1, max: 10 }), fc.constantFrom(1e6, 1e6 + 1, null)),
  admin_delete_enabled: nullableBool,
  domains_enabled: nullableBool,
  slug_disabled: nullableBool,
  domains_enrollment_modes: fc.oneof(fc.array(modeValue, { maxLength: 4 }), fc.constant(null)),
  creator_role_id: fc.oneof(ref('role'), ref('roleKey'), roleValue, fc.constant(null)),
  domains_default_role_id: fc.oneof(ref('role'), ref('roleKey'), roleValue, fc.constant(null)),
};

const EXTRA_KEYS = ['__proto__', 'constructor', 'prototype', 'toString', 'nope', '', 'id', 'object', 'organization_id', 'user_id', 'role', 'members_count'];

function structured(fields: Fields, required: readonly string[] = []): fc.Arbitrary<Record<string, unknown>> {
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
    { weight: 1, arbitrary: fc.tuple(fc.oneof(fc.constantFrom(...EXTRA_KEYS), fc.string({ maxLength: 6 })), edgeValue) },
  );
  return fc.tuple(fc.record(Object.fromEntries(names.map((n) => [n, slot(n)]))), extra).map(([rec, more]) => {
    const entries = Object.entries(rec).filter(([, v]) => v !== undefined);
    if (more) entries.push(more);
    return Object.fromEntries(entries) as Record<string, unknown>;
  });
}

const jsonContentType = fc.oneof(
  { withCrossShrink: true },
  { weight: 12, arbitrary: fc.constant('application/json') },
  { weight: 3, arbitrary: fc.constantFrom<string | null>('application/json; charset=utf-8', 'Application/JSON', 'application/jsonx', 'text/plain', 'application/x-www-form-urlencoded', 'multipart/form-data; boundary=x', '', null) },
);

function jsonSafe(v: unknown): unknown {
  try {
    const text = JSON.stringify(v);
    return text === undefined ? null : (JSON.parse(text) as unknown);
  } catch {
    return null;
  }
}

const RAW_TEXTS = [
  '{', '{"a":', '[1,2', 'null', 'true', '1', '"str"', '[]', '{}garbage', '{"a":1,"a":2}', '{"__proto__":{"polluted":true}}', '\uFEFF{}', 'NaN', '1e400',
  '{"max_allowed_memberships":1e400}', '{"name":"\\ud800"}', '{"name":"\\u0000"}', '{"role":"org:admin","user_id":null}', '{"email_address":"a\\u0000@example.com"}', '{"public_metadata":{"\\u0000":1}}',
  '[{"email_address":"a@example.com"},', '[null]', '[[]]', '\u0000', ' ', 'a=b&c=d', '<xml/>', '{"a":1}{"b":2}', '[' + '1,'.repeat(300) + '1]',
];
const rawText = fc.oneof(fc.constantFrom(...RAW_TEXTS), fc.string({ maxLength: 40 }), fc.string({ unit: 'binary', maxLength: 40 }));

/** Bodies of every kind; `value` drives the structured ones. */
function bodyOf(value: fc.Arbitrary<unknown>): fc.Arbitrary<Body> {
  return fc.oneof(
    { withCrossShrink: true },
    { weight: 10, arbitrary: fc.record({ kind: fc.constant('json' as const), value, contentType: jsonContentType }) },
    { weight: 1, arbitrary: fc.record({ kind: fc.constant('json' as const), value: fc.jsonValue({ maxDepth: 3 }), contentType: jsonContentType }) },
    { weight: 1, arbitrary: fc.record({ kind: fc.constant('json' as const), value: fc.anything({ maxDepth: 2, stringUnit: 'binary' }).map(jsonSafe), contentType: jsonContentType }) },
    { weight: 2, arbitrary: fc.record({ kind: fc.constant('text' as const), text: rawText, contentType: jsonContentType }) },
    { weight: 1, arbitrary: fc.constant({ kind: 'none' as const }) },
    { weight: 1, arbitrary: fc.constantFrom(3000, 150_000).map((d) => ({ kind: 'text' as const, text: '['.repeat(d) + ']'.repeat(d), contentType: 'application/json' })) },
  );
}
const bodyArb = (fields: Fields, required: readonly string[] = []) => bodyOf(structured(fields, required));

/** Bulk invitation bodies: arrays of 0..12 structured items, junk elements, or not an array at all. */
const bulkBody = bodyOf(
  fc.oneof(
    { weight: 5, arbitrary: fc.array(structured(INVITATION_BODY, ['email_address', 'role']), { maxLength: 4 }) },
    { weight: 1, arbitrary: fc.integer({ min: 10, max: 12 }).map((n) => Array.from({ length: n }, (_, i) => ({ email_address: `bulk${i}@example.com`, role: 'org:member', notify: false }))) },
    { weight: 1, arbitrary: fc.array(structured(INVITATION_BODY, ['email_address', 'role']), { minLength: 1, maxLength: 2 }).map((a) => [...a, ...a]) },
    { weight: 2, arbitrary: fc.array(edgeValue, { maxLength: 4 }) },
    { weight: 1, arbitrary: structured(INVITATION_BODY, ['email_address', 'role']) },
  ),
);

// ---- multipart ----

const PNG = [0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a];
const JPEG = [0xff, 0xd8, 0xff, 0xe0];
const GIF = [0x47, 0x49, 0x46, 0x38, 0x39, 0x61];
const WEBP = [0x52, 0x49, 0x46, 0x46, 0, 0, 0, 0, 0x57, 0x45, 0x42, 0x50];

/** Image content: bytes, or a number n for a PNG signature padded with zeros to n bytes (built when sent). */
type ImageBytes = Uint8Array | number;

const imageBytes: fc.Arbitrary<ImageBytes> = fc.oneof(
  { weight: 4, arbitrary: fc.tuple(fc.constantFrom(PNG, JPEG, GIF, WEBP), fc.uint8Array({ maxLength: 48 })).map(([h, tail]) => Uint8Array.from([...h, ...tail])) },
  { weight: 2, arbitrary: fc.uint8Array({ maxLength: 48 }) },
  { weight: 1, arbitrary: fc.constantFrom([], [0x89], [0x89, 0x50, 0x4e]).map((a) => Uint8Array.from(a)) },
  { weight: 1, arbitrary: fc.constantFrom('<svg onload="alert(1)"/>', '<html><script>x</script>', '').map((s) => new TextEncoder().encode(s)) },
  { weight: 1, arbitrary: fc.constantFrom(MAX_IMAGE_BYTES, MAX_IMAGE_BYTES + 1, 70 * 1024) },
);

function imageOf(b: ImageBytes): Uint8Array<ArrayBuffer> {
  if (typeof b !== 'number') return new Uint8Array(b);
  const out = new Uint8Array(b);
  out.set(PNG);
  return out;
}

const formPart: fc.Arbitrary<FormPart> = fc.record({
  name: fc.oneof({ weight: 4, arbitrary: fc.constant('file') }, { weight: 1, arbitrary: fc.constantFrom('File', 'files', 'file[]', '', 'uploader_user_id', 'file\u0000') }),
  file: fc.option(
    fc.record({
      bytes: imageBytes,
      type: fc.constantFrom('image/png', 'image/jpeg', 'image/svg+xml', 'text/html', '', 'application/octet-stream'),
      filename: fc.constantFrom('a.png', '', '../../x.png', 'ü.png', 'a"b.png', 'x'.repeat(300), 'a\r\nb.png'),
    }),
    { freq: 4 },
  ),
  value: fc.oneof(fc.string({ maxLength: 20 }), ref('user'), fc.constantFrom('', '\u0000', '\x89PNG')),
});

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

type MultipartCt = 'same' | 'missing' | 'other' | 'upper' | 'mixed' | 'none';
type MultipartShape = 'full' | 'truncated' | 'no-close' | 'junk' | 'no-headers' | 'empty';
interface RawMultipart {
  kind: 'multipart';
  boundary: string;
  contentType: MultipartCt;
  image: ImageBytes;
  shape: MultipartShape;
  cut: number;
  junk: string;
}

const rawMultipart: fc.Arbitrary<RawMultipart> = fc.record({
  kind: fc.constant('multipart' as const),
  boundary: fc.constantFrom('B0undary', 'x', '-', 'a b', '"quoted"', 'ü', ''),
  contentType: fc.constantFrom<MultipartCt>('same', 'same', 'missing', 'other', 'upper', 'mixed', 'none'),
  image: imageBytes,
  shape: fc.constantFrom<MultipartShape>('full', 'full', 'truncated', 'no-close', 'junk', 'no-headers', 'empty'),
  cut: fc.nat(),
  junk: fc.string({ unit: 'binary', maxLength: 40 }),
});

function buildMultipart(m: RawMultipart): { bytes: Uint8Array<ArrayBuffer>; contentType: string | null } {
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

const multipartBody: fc.Arbitrary<Body> = fc.oneof(
  { weight: 5, arbitrary: fc.record({ kind: fc.constant('form' as const), parts: fc.array(formPart, { minLength: 0, maxLength: 3 }) }) },
  { weight: 3, arbitrary: rawMultipart },
  { weight: 2, arbitrary: bodyArb({ file: fc.oneof(fc.string(), fc.constant('iVBORw0KGgo=')) }) },
);

// ---- query strings ----

const LIST_KEYS = [
  'include_members_count', 'include_missing_member_with_elevated_permissions', 'query', 'user_id', 'organization_id', 'order_by', 'limit', 'offset',
  'email_address', 'phone_number', 'username', 'web3_wallet', 'role', 'email_address_query', 'phone_number_query', 'username_query', 'name_query',
  'last_active_at_before', 'last_active_at_after', 'created_at_before', 'created_at_after', 'status', 'verified', 'enrollment_mode', 'domains',
];

const queryKey = fc.oneof(
  { weight: 6, arbitrary: fc.constantFrom(...LIST_KEYS) },
  { weight: 2, arbitrary: fc.constantFrom(...LIST_KEYS).map((k) => `${k}[]`) },
  { weight: 1, arbitrary: fc.constantFrom('__proto__', 'constructor', '', 'LIMIT', 'limit ', 'a[b][c]') },
  { weight: 1, arbitrary: fc.string({ maxLength: 8 }) },
);

const queryValue = fc.oneof(
  { weight: 4, arbitrary: fc.constantFrom('0', '-0', '1', '-1', '10', '500', '501', '1e3', '1.5', 'NaN', 'Infinity', '0x10', ' 1', '+1', '9999999999999999', '8640000000000000', '8640000000000001', '1000000001', '') },
  {
    weight: 2,
    arbitrary: fc.constantFrom('+created_at', '-created_at', 'name', '-members_count', 'role', '-first_name', 'email_address', 'phone_number', 'key', '--created_at', '+-created_at', '-', '+', 'id', '__proto__', 'created_at;DROP TABLE x'),
  },
  { weight: 2, arbitrary: fc.constantFrom('pending', 'accepted', 'revoked', 'expired', 'manual_invitation', 'automatic_suggestion', 'org:admin', 'org:member', 'true', 'false', 'TRUE', 'yes') },
  { weight: 1, arbitrary: fc.constantFrom('%ED%A0%80', '%C0%80', '%FF', '%00', 'a%00b', '%E2%80%AE', '%25', '%5F', '_%') },
  { weight: 2, arbitrary: fc.oneof(ref('org'), ref('user'), ref('memberUser'), ref('emailValue'), ref('domainName'), ref('orgSlug')) },
  { weight: 3, arbitrary: urlString },
  { weight: 1, arbitrary: fc.constantFrom(64, 65, 253, 254, 256, 257, 320, 321).map((n) => 'q'.repeat(n)) },
);

const QUERY_JUNK = ['%', '%Z', '%ZZ', '%C0%AF', '%FF%FE', '%00', '&&', '=', '==', '&=&', '+', '%2B', ';', '[]', '[', ']', '%ED%A0%80', 'limit=%', 'query=%E0%A4%A'];

const queryParts: fc.Arbitrary<QueryPart[]> = fc
  .tuple(
    fc.array(
      fc.oneof(
        { weight: 6, arbitrary: fc.record({ key: queryKey, value: fc.option(queryValue, { freq: 8 }), encode: fc.boolean() }) },
        { weight: 1, arbitrary: fc.record({ junk: fc.constantFrom(...QUERY_JUNK) }) },
      ),
      { maxLength: 6 },
    ),
    fc.oneof({ weight: 8, arbitrary: fc.constant(null) }, { weight: 1, arbitrary: fc.tuple(fc.constantFrom('status', 'user_id', 'organization_id', 'role', 'enrollment_mode', 'domains'), fc.constantFrom(2, 5, 101, 300)) }),
  )
  .map(([parts, repeated]) => (repeated ? [...parts, { repeat: repeated[0], count: repeated[1] }] : parts));

const noQuery = fc.constant<QueryPart[]>([]);
const junkQuery = fc.oneof({ weight: 4, arbitrary: noQuery }, { weight: 1, arbitrary: queryParts });

// ---- path ids ----

const PATH_JUNK = ['..', '.', '%2F', '..%2F..%2F', '%2e%2e', '%', '%ZZ', '%00', '%C0%AF', '%FF', '%ED%A0%80', ' ', '%20', '+', ';', 'null', 'undefined', '0', '-1', '__proto__', 'constructor', 'bulk', 'pending', 'memberships', 'metadata', 'logo', big(128), big(129), big(3000), '🙂', '\\', '*', '\u0000'];

function pathIdOf(real: fc.Arbitrary<string>): fc.Arbitrary<PathId> {
  return fc.record({
    raw: fc.oneof(
      { weight: 6, arbitrary: real },
      { weight: 1, arbitrary: fc.tuple(real, fc.constantFrom('x', '/', '%00', ' ', '/..', '.', '%2F', '?x=1', '#frag')).map(([r, s]) => r + s) },
      { weight: 2, arbitrary: fc.constantFrom(...PATH_JUNK) },
      { weight: 2, arbitrary: urlString.filter((s) => s.length > 0) },
    ),
    encode: fc.boolean(),
  });
}
const anyRef = fc.oneof(ref('org'), ref('user'), ref('inv'), ref('dom'), ref('role'), ref('perm'), ref('orgSlug'));
const orgId = pathIdOf(fc.oneof({ weight: 4, arbitrary: ref('org') }, { weight: 1, arbitrary: ref('orgSlug') }, { weight: 1, arbitrary: anyRef }));
const userId = pathIdOf(fc.oneof(ref('user'), ref('memberUser'), anyRef));

/** An organization and a row of it (same index: the same membership, invitation or domain), or unrelated ids. */
function pairIds(orgKind: RefKind, childKind: RefKind): fc.Arbitrary<PathId[]> {
  return fc.oneof(
    { weight: 5, arbitrary: fc.tuple(fc.nat({ max: 999 }), fc.boolean()).map(([i, e]) => [{ raw: `\uE000${orgKind}:${i}`, encode: e }, { raw: `\uE000${childKind}:${i}`, encode: e }]) },
    { weight: 2, arbitrary: fc.tuple(orgId, pathIdOf(fc.oneof(ref(childKind), anyRef))) },
  );
}

function req(method: Method, path: string, parts: { ids?: fc.Arbitrary<PathId[]>; query?: fc.Arbitrary<QueryPart[]>; body?: fc.Arbitrary<Body> } = {}): fc.Arbitrary<Req> {
  return fc.record({
    method: fc.constant(method),
    path: fc.constant(path),
    ids: parts.ids ?? fc.constant([]),
    query: parts.query ?? junkQuery,
    body: method === 'GET' ? fc.constant<Body>({ kind: 'none' }) : (parts.body ?? bodyArb({})),
  });
}
const one = (a: fc.Arbitrary<PathId>) => a.map((x) => [x]);

// ---------------------------------------------------------------------------------------------------
// Snapshots
// ---------------------------------------------------------------------------------------------------

type Row = Record<string, unknown>;
const TABLES = [
  'organizations',
  'organization_memberships',
  'organization_invitations',
  'organization_domains',
  'organization_roles',
  'organization_permissions',
  'organization_role_permissions',
  'organization_suggestions',
  'messages',
  'instance',
] as const;
type Table = (typeof TABLES)[number];
const JSON_COLUMNS = new Set(['settings', 'public_metadata', 'private_metadata', 'data']);
const keyOf: Record<Table, (r: Row) => string> = {
  organizations: (r) => String(r.id),
  organization_memberships: (r) => String(r.id),
  organization_invitations: (r) => String(r.id),
  organization_domains: (r) => String(r.id),
  organization_roles: (r) => String(r.id),
  organization_permissions: (r) => String(r.id),
  organization_role_permissions: (r) => `${String(r.role_id)}/${String(r.permission_id)}`,
  organization_suggestions: (r) => String(r.id),
  messages: (r) => String(r.id),
  instance: (r) => String(r.id),
};

function sortKeys(v: unknown): unknown {
  if (Array.isArray(v)) return v.map(sortKeys);
  if (v && typeof v === 'object') return Object.fromEntries(Object.entries(v).sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0)).map(([k, x]) => [k, sortKeys(x)]));
  return v;
}

function canonical(row: Row): string {
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

type Canonical = Record<Table, Map<string, string>>;
type Snapshot = Record<Table, Row[]>;

function diffSnapshots(before: Canonical, after: Canonical): string[] {
  const out: string[] = [];
  for (const table of TABLES) {
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

function preview(s: string, n = 600): string {
  return s.length > n ? `${s.slice(0, n)}… (${s.length} chars)` : s;
}

function describeFetchError(err: unknown): string {
  const cause = (err as { cause?: { code?: string; message?: string } }).cause;
  return `${String(err)}${cause ? ` (${cause.code ?? ''} ${cause.message ?? ''})` : ''}`;
}


describe.each(testDialects())('organizations BAPI fuzz on %s', (dialect) => {
  let t: TestServer;
  let generation = 0;
  let known: { canon: Canonical; ctx: RefContext } | null = null;

  async function snapshot(): Promise<Snapshot> {
    const db = t.server.services.storage.db;
    const rows = await Promise.all(TABLES.map((table) => db.selectFrom(table).selectAll().execute()));
    return Object.fromEntries(TABLES.map((table, i) => [table, (rows[i] as Row[]).slice().sort((a, b) => (keyOf[table](a) < keyOf[table](b) ? -1 : 1))])) as Snapshot;
  }

  async function observe(): Promise<{ canon: Canonical; ctx: RefContext }> {
    const s = await snapshot();
    const canon = Object.fromEntries(TABLES.map((table) => [table, new Map(s[table].map((r) => [keyOf[table](r), canonical(r)]))])) as Canonical;
    const db = t.server.services.storage.db;
    const idents = await db.selectFrom('identifications').select(['id', 'type', 'value']).orderBy('id').execute();
    const users = await db.selectFrom('users').select('id').orderBy('id').execute();
    const images = await db.selectFrom('images').select('id').orderBy('id').execute();
    const strings = (rows: Row[], col: string) => rows.map((r) => r[col]).filter((v): v is string => typeof v === 'string' && v !== '');
    const ctx: RefContext = {
      org: strings(s.organizations, 'id'),
      orgSlug: strings(s.organizations, 'slug'),
      user: users.map((u) => u.id),
      memberOrg: strings(s.organization_memberships, 'organization_id'),
      memberUser: strings(s.organization_memberships, 'user_id'),
      invOrg: strings(s.organization_invitations, 'organization_id'),
      inv: strings(s.organization_invitations, 'id'),
      domOrg: strings(s.organization_domains, 'organization_id'),
      dom: strings(s.organization_domains, 'id'),
      role: strings(s.organization_roles, 'id'),
      roleKey: strings(s.organization_roles, 'key'),
      perm: strings(s.organization_permissions, 'id'),
      permKey: strings(s.organization_permissions, 'key'),
      emailValue: idents.filter((r) => r.type === 'email_address').map((r) => r.value),
      invitationEmail: strings(s.organization_invitations, 'email_address'),
      domainName: strings(s.organization_domains, 'name'),
      image: images.map((i) => i.id),
    };
    return { canon, ctx };
  }

  async function api(path: string, method: string, json?: unknown): Promise<unknown> {
    const res = await t.api(path, { method, ...(json !== undefined ? { json } : {}) });
    const text = await res.text();
    expect(res.status, `seeding ${method} ${path}: ${text}`).toBe(200);
    return JSON.parse(text) as unknown;
  }

  /** members_count and admins_count of every organization agree with its memberships. */
  async function checkCounts(): Promise<void> {
    const db = t.server.services.storage.db;
    const orgs = await db.selectFrom('organizations').select(['id', 'members_count', 'admins_count']).execute();
    const members = await db.selectFrom('organization_memberships').select(['organization_id', 'role']).execute();
    const wrong = orgs
      .map((o) => {
        const mine = members.filter((m) => m.organization_id === o.id);
        const admins = mine.filter((m) => m.role === 'org:admin').length;
        return Number(o.members_count) === mine.length && Number(o.admins_count) === admins
          ? null
          : `${o.id}: members_count ${o.members_count} (actual ${mine.length}), admins_count ${o.admins_count} (actual ${admins})`;
      })
      .filter((x): x is string => x !== null);
    expect(wrong, 'organization counters disagree with memberships').toEqual([]);
  }

  /** Users, organizations with an admin and a member, invitations, domains, a custom permission and role; topped up when fuzzing deleted them. */
  async function ensureSeeds(): Promise<void> {
    known = null;
    // A fuzzed settings change may have disabled organizations or domains: back to the defaults.
    await api('/instance/organization_settings', 'PATCH', {
      enabled: true,
      max_allowed_memberships: 0,
      admin_delete_enabled: true,
      domains_enabled: true,
      slug_disabled: false,
      domains_enrollment_modes: ['manual_invitation', 'automatic_invitation', 'automatic_suggestion'],
      creator_role_id: 'org:admin',
      domains_default_role_id: 'org:member',
    });
    let { ctx } = await observe();
    const g = ++generation;
    if (!ctx.permKey.includes('org:fuzz:perm')) await api('/organization_permissions', 'POST', { name: 'Fuzz perm', key: 'org:fuzz:perm', description: 'seeded' });
    if (!ctx.roleKey.includes('org:fuzz_role')) await api('/organization_roles', 'POST', { name: 'Fuzz role', key: 'org:fuzz_role', description: 'seeded', permissions: ['org:fuzz:perm'] });
    if (ctx.user.length < 4) {
      for (let k = 0; k < 4; k++) await api('/users', 'POST', { email_address: [`seed${g}u${k}@seed${g}.example.com`], first_name: `Seed${k}` });
    }
    ({ ctx } = await observe());
    if (ctx.org.length < 2) {
      for (let k = 0; k < 2; k++) {
        const admin = ctx.user[k % ctx.user.length] as string;
        const member = ctx.user[(k + 1) % ctx.user.length] as string;
        const org = (await api('/organizations', 'POST', { name: `Seed org ${g}-${k}`, created_by: admin, public_metadata: { seed: g, nested: { a: [1, 2] } }, private_metadata: { k } })) as { id: string };
        await api(`/organizations/${org.id}/memberships`, 'POST', { user_id: member, role: k === 0 ? 'org:member' : 'org:fuzz_role' });
      }
      ({ ctx } = await observe());
    }
    if (ctx.inv.length < 2) {
      for (const org of ctx.org.slice(0, 2)) await api(`/organizations/${org}/invitations`, 'POST', { email_address: `invitee${g}@example.com`, role: 'org:member', notify: false });
    }
    if (ctx.dom.length < 2) {
      for (const [k, org] of ctx.org.slice(0, 2).entries()) await api(`/organizations/${org}/domains`, 'POST', { name: `dom${g}-${k}.example.com`, enrollment_mode: k === 0 ? 'automatic_suggestion' : 'manual_invitation', verified: k === 0 });
    }
    known = null;
  }

  async function check(r: Req): Promise<void> {
    const before = known ?? (await observe());
    known = null;
    const { ctx } = before;
    let path = r.path;
    r.ids.forEach((id, i) => {
      path = path.replace(`{${i}}`, enc(resolveText(id.raw, ctx), id.encode));
    });
    const query = r.query
      .map((p) => {
        if ('junk' in p) return p.junk;
        if ('repeat' in p) return Array.from({ length: p.count }, (_, i) => `${encodeURIComponent(p.repeat)}=v${i}`).join('&');
        return enc(resolveText(p.key, ctx), p.encode) + (p.value === null ? '' : `=${enc(resolveText(p.value, ctx), p.encode)}`);
      })
      .join('&');
    const target = `${path}${query ? `?${query}` : ''}`;
    fc.pre(target.length <= 15_000);
    try {
      new URL(`${t.url}/v1${target}`);
    } catch {
      return;
    }
    const headers = new Headers({ connection: 'close' });
    let body: BodyInit | undefined;
    let shown = '';
    const b = r.body;
    if (b.kind === 'json' || b.kind === 'text') {
      const text = b.kind === 'json' ? resolveText(JSON.stringify(b.value) ?? 'null', ctx) : resolveText(b.text, ctx);
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
        else form.append(p.name, resolveText(p.value, ctx));
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
    const contentType = res.headers.get('content-type');
    const what = `${r.method} /v1${preview(target, 400)}\n  body: ${shown || '(none)'}\n  -> ${res.status} [${contentType}] ${preview(text, 1500)}`;
    if (res.status >= 500) {
      const changed = diffSnapshots(before.canon, (await observe()).canon);
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
    const after = await observe();
    const code = (parsed as { errors?: { code?: string }[] }).errors?.[0]?.code;
    const compared = r.path.endsWith('/attempt_affiliation_verification') && code === 'form_code_incorrect' ? forgiveCountedAttempt(before.canon, after.canon) : after.canon;
    expect(diffSnapshots(before.canon, compared), `a rejected request changed data\n${what}`).toEqual([]);
    known = after;
  }

  /**
   * A wrong affiliation code is refused and, by design (brute-force limit), counted: that domain's
   * code_attempts goes up by one and its updated_at moves. Anything else must not change.
   */
  function forgiveCountedAttempt(before: Canonical, after: Canonical): Canonical {
    const domains = new Map(after.organization_domains);
    for (const [k, v] of domains) {
      const was = before.organization_domains.get(k);
      if (was === undefined || was === v) continue;
      const a = JSON.parse(was) as Row;
      const b = JSON.parse(v) as Row;
      if (Number(b.code_attempts) === Number(a.code_attempts) + 1 && canonical({ ...b, code_attempts: a.code_attempts, updated_at: a.updated_at }) === canonical(a)) domains.set(k, was);
    }
    return { ...after, organization_domains: domains };
  }

  async function fuzz(arb: fc.Arbitrary<Req>, numRuns: number): Promise<void> {
    await ensureSeeds();
    await fc.assert(
      fc.asyncProperty(arb, (r) => check(r)),
      { numRuns: Math.max(1, Math.round(numRuns * SCALE)), ...(SEED !== undefined ? { seed: SEED } : {}) },
    );
    await checkCounts();
  }

  beforeAll(async () => {
    if (SEED !== undefined) console.log(`organizations fuzz on ${dialect}: fast-check seed ${SEED}`);
    t = await startTestServer(dialect, { LATCH_MAX_IMAGE_BYTES: String(MAX_IMAGE_BYTES) });
    // Queued messages (invitation e-mails) must not change under the snapshots.
    await t.server.services.delivery.stop();
  });
  afterAll(async () => {
    await t?.close();
  });

  const TIMEOUT = 150_000;
  const member = pairIds('memberOrg', 'memberUser');
  const invitation = pairIds('invOrg', 'inv');
  const domain = pairIds('domOrg', 'dom');
  const roleId = pathIdOf(fc.oneof({ weight: 3, arbitrary: ref('role') }, { weight: 1, arbitrary: ref('roleKey') }, { weight: 1, arbitrary: anyRef }));
  const permId = pathIdOf(fc.oneof({ weight: 3, arbitrary: ref('perm') }, { weight: 1, arbitrary: ref('permKey') }, { weight: 1, arbitrary: anyRef }));

  it('GET /organizations with junk query strings', () => fuzz(req('GET', '/organizations', { query: queryParts }), 80), TIMEOUT);
  it('POST /organizations', () => fuzz(req('POST', '/organizations', { body: bodyArb(ORG_CREATE, ['name']) }), 120), TIMEOUT);
  it('GET, PATCH /organizations/{id} (by id or slug)', () =>
    fuzz(
      fc.oneof(req('GET', '/organizations/{0}', { ids: one(orgId), query: queryParts }), req('PATCH', '/organizations/{0}', { ids: one(orgId), body: bodyArb(ORG_UPDATE) })),
      140,
    ), TIMEOUT);
  it('PATCH and PUT /organizations/{id}/metadata', () =>
    fuzz(fc.oneof(req('PATCH', '/organizations/{0}/metadata', { ids: one(orgId), body: bodyArb(METADATA_BODY) }), req('PUT', '/organizations/{0}/metadata', { ids: one(orgId), body: bodyArb(METADATA_BODY) })), 100), TIMEOUT);
  it('PUT and DELETE /organizations/{id}/logo with junk multipart', () =>
    fuzz(fc.oneof(req('PUT', '/organizations/{0}/logo', { ids: one(orgId), body: multipartBody }), req('DELETE', '/organizations/{0}/logo', { ids: one(orgId) })), 100), TIMEOUT);
  it('memberships: list with junk filters, create, patch role, metadata, delete', () =>
    fuzz(
      fc.oneof(
        req('GET', '/organizations/{0}/memberships', { ids: one(orgId), query: queryParts }),
        req('POST', '/organizations/{0}/memberships', { ids: one(orgId), body: bodyArb(MEMBERSHIP_CREATE, ['user_id', 'role']) }),
        req('PATCH', '/organizations/{0}/memberships/{1}', { ids: member, body: bodyArb(MEMBERSHIP_UPDATE, ['role']) }),
        req('PATCH', '/organizations/{0}/memberships/{1}/metadata', { ids: member, body: bodyArb(METADATA_BODY) }),
        req('DELETE', '/organizations/{0}/memberships/{1}', { ids: member }),
      ),
      200,
    ), TIMEOUT);
  it('GET /organization_memberships and /users/{id}/organization_memberships', () =>
    fuzz(fc.oneof(req('GET', '/organization_memberships', { query: queryParts }), req('GET', '/users/{0}/organization_memberships', { ids: one(userId), query: queryParts })), 80), TIMEOUT);
  it('organization invitations: create, bulk, list, pending, get, revoke', () =>
    fuzz(
      fc.oneof(
        req('POST', '/organizations/{0}/invitations', { ids: one(orgId), body: bodyArb(INVITATION_BODY, ['email_address', 'role']) }),
        req('POST', '/organizations/{0}/invitations/bulk', { ids: one(orgId), body: bulkBody }),
        req('GET', '/organizations/{0}/invitations', { ids: one(orgId), query: queryParts }),
        req('GET', '/organizations/{0}/invitations/pending', { ids: one(orgId), query: queryParts }),
        req('GET', '/organizations/{0}/invitations/{1}', { ids: invitation }),
        req('POST', '/organizations/{0}/invitations/{1}/revoke', { ids: invitation, body: bodyArb(REVOKE_BODY) }),
      ),
      200,
    ), TIMEOUT);
  it('GET /organization_invitations and /users/{id}/organization_invitations', () =>
    fuzz(fc.oneof(req('GET', '/organization_invitations', { query: queryParts }), req('GET', '/users/{0}/organization_invitations', { ids: one(userId), query: queryParts })), 80), TIMEOUT);
  it('organization domains: create, list, patch, delete, verify_ownership, affiliation verification', () =>
    fuzz(
      fc.oneof(
        req('POST', '/organizations/{0}/domains', { ids: one(orgId), body: bodyArb(DOMAIN_CREATE, ['name']) }),
        req('GET', '/organizations/{0}/domains', { ids: one(orgId), query: queryParts }),
        req('PATCH', '/organizations/{0}/domains/{1}', { ids: domain, body: bodyArb(DOMAIN_UPDATE) }),
        req('DELETE', '/organizations/{0}/domains/{1}', { ids: domain }),
        req('POST', '/organizations/{0}/domains/{1}/verify_ownership', { ids: domain }),
        req('POST', '/organizations/{0}/domains/{1}/prepare_affiliation_verification', { ids: domain, body: bodyArb(PREPARE_BODY, ['affiliation_email_address']) }),
        req('POST', '/organizations/{0}/domains/{1}/attempt_affiliation_verification', { ids: domain, body: bodyArb(ATTEMPT_BODY, ['code']) }),
        req('GET', '/organization_domains', { query: queryParts }),
      ),
      200,
    ), TIMEOUT);
  it('organization roles and role permissions', () =>
    fuzz(
      fc.oneof(
        req('GET', '/organization_roles', { query: queryParts }),
        req('POST', '/organization_roles', { body: bodyArb(ROLE_CREATE, ['name', 'key']) }),
        req('GET', '/organization_roles/{0}', { ids: one(roleId) }),
        req('PATCH', '/organization_roles/{0}', { ids: one(roleId), body: bodyArb(ROLE_UPDATE) }),
        req('DELETE', '/organization_roles/{0}', { ids: one(roleId) }),
        req('POST', '/organization_roles/{0}/permissions/{1}', { ids: fc.tuple(roleId, permId) }),
        req('DELETE', '/organization_roles/{0}/permissions/{1}', { ids: fc.tuple(roleId, permId) }),
      ),
      160,
    ), TIMEOUT);
  it('organization permissions', () =>
    fuzz(
      fc.oneof(
        req('GET', '/organization_permissions', { query: queryParts }),
        req('POST', '/organization_permissions', { body: bodyArb(PERM_CREATE, ['name', 'key']) }),
        req('GET', '/organization_permissions/{0}', { ids: one(permId) }),
        req('PATCH', '/organization_permissions/{0}', { ids: one(permId), body: bodyArb(PERM_CREATE) }),
        req('DELETE', '/organization_permissions/{0}', { ids: one(permId) }),
      ),
      120,
    ), TIMEOUT);
  it('GET and PATCH /instance/organization_settings', () =>
    fuzz(fc.oneof(req('GET', '/instance/organization_settings'), req('PATCH', '/instance/organization_settings', { body: bodyArb(SETTINGS_BODY) })), 80), TIMEOUT);
  it('DELETE /organizations/{id}', () => fuzz(req('DELETE', '/organizations/{0}', { ids: one(orgId) }), 40), TIMEOUT);
  it('any method on any organizations path with any body', () => {
    const paths = [
      '/organizations', '/organizations/{0}', '/organizations/{0}/metadata', '/organizations/{0}/logo', '/organizations/{0}/memberships', '/organizations/{0}/memberships/{1}',
      '/organizations/{0}/memberships/{1}/metadata', '/organizations/{0}/invitations', '/organizations/{0}/invitations/bulk', '/organizations/{0}/invitations/pending',
      '/organizations/{0}/invitations/{1}', '/organizations/{0}/invitations/{1}/revoke', '/organizations/{0}/domains', '/organizations/{0}/domains/{1}',
      '/organizations/{0}/domains/{1}/verify_ownership', '/organization_memberships', '/organization_invitations', '/organization_domains', '/organization_roles',
      '/organization_roles/{0}', '/organization_roles/{0}/permissions/{1}', '/organization_permissions', '/organization_permissions/{0}', '/instance/organization_settings',
      '/users/{0}/organization_memberships', '/organizations/{0}/nope',
    ];
    const all: Fields = { ...ORG_UPDATE, ...MEMBERSHIP_CREATE, ...INVITATION_BODY, ...DOMAIN_CREATE, ...ROLE_CREATE, ...SETTINGS_BODY };
    const arb = fc
      .tuple(fc.constantFrom<Method>('GET', 'POST', 'PUT', 'PATCH', 'DELETE', 'OPTIONS'), fc.constantFrom(...paths))
      .chain(([m, p]) => req(m, p, { ids: fc.oneof(member, invitation, domain, fc.tuple(orgId, roleId), fc.tuple(roleId, permId)), query: junkQuery, body: fc.oneof(bodyArb(all), multipartBody) }));
    return fuzz(arb, 160);
  }, TIMEOUT);
});
