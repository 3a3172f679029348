/**
 * Fuzzing the users Backend API (/users, /email_addresses, /phone_numbers) with fast-check.
 *
 * Every route gets generated input: bodies built from its real parameter names with wrong-typed and edge
 * values, arbitrary JSON, non-JSON text with and without a JSON content type, empty bodies, garbage
 * multipart, junk query strings and hostile path ids. Every answer must hold three properties:
 *   1. the status is 2xx or 4xx, never 5xx;
 *   2. a 4xx is the Clerk error envelope (ClerkErrorsSchema) with `content-type: application/json`,
 *      and a 2xx is JSON;
 *   3. a 4xx changed nothing: the users, identifications, passwords and images tables are identical
 *      before and after.
 *
 * Ids of real rows are generated as markers (`\uE000user:3`) and resolved at run time against the rows
 * present just before the request, so generated requests hit real users, addresses and images even as
 * earlier requests create and delete them.
 *
 * LATCH_FUZZ_SCALE multiplies every property's number of runs; LATCH_FUZZ_SEED pins fast-check's seed;
 * LATCH_FUZZ_STATS=1 prints the statuses each property drew.
 */
import { createHash } from 'node:crypto';
import { Agent, request as httpRequest } from 'node:http';
import bcryptjs from 'bcryptjs';
import fc from 'fast-check';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { PASSWORD_HASHERS } from '../../crypto/passwords.js';
import {
  type BaseReq,
  type Body,
  type Canonical,
  big,
  bodyOf,
  canonicalize as canonicalizeTables,
  diffSnapshots as diffTables,
  edgeValueOf,
  enc,
  type Fields,
  formPartOf,
  fuzzParams,
  fuzzSuite,
  imageBytesOf,
  jsonContentTypeOf,
  junkQueryOf,
  junkStringOf,
  logSeed,
  type Method,
  multipartBodyOf,
  nastyUnitOf,
  nested,
  noBody,
  noQuery,
  nullableBool,
  type PathId,
  pathIdOf,
  PNG,
  protoObject,
  type QueryPart,
  queryKeyOf,
  queryPartsOf,
  rawMultipartOf,
  rawTextOf,
  refOf,
  refResolver,
  type Row,
  strings,
  structuredOf,
  weirdNumberOf,
} from '../../test/fuzz-kit.js';
import { startTestServer, testDialects, type TestServer } from '../../test/harness.js';

const MAX_IMAGE_BYTES = 8192;
/** LATCH_FUZZ_STATS=1 prints, per property, how many requests got which status and how long they took. */
const STATS = process.env.LATCH_FUZZ_STATS === '1';

interface Req extends BaseReq {
  /** Path below /v1; `{id}` is replaced by the path id. */
  id: PathId | null;
}

// ---------------------------------------------------------------------------------------------------
// Markers for real ids and values, resolved at run time
// ---------------------------------------------------------------------------------------------------

type RefKind = 'user' | 'pwuser' | 'email' | 'phone' | 'image' | 'emailValue' | 'phoneValue' | 'usernameValue' | 'externalIdValue';
type RefContext = Record<RefKind, string[]>;

const FALLBACK: Record<RefKind, string> = {
  user: 'user_2zzzzzzzzzzzzzzzzzzzzzzzzzz',
  pwuser: 'user_2zzzzzzzzzzzzzzzzzzzzzzzzzy',
  email: 'idn_2zzzzzzzzzzzzzzzzzzzzzzzzzz',
  phone: 'idn_2zzzzzzzzzzzzzzzzzzzzzzzzzy',
  image: 'img_2zzzzzzzzzzzzzzzzzzzzzzzzzz',
  emailValue: 'nobody@example.com',
  phoneValue: '+14155559999',
  usernameValue: 'nobody_here',
  externalIdValue: 'nobody-ext',
};

const ref = (kind: RefKind, upper = false) => refOf(kind, upper);
const resolveText = refResolver(FALLBACK, { nested: true });

// ---------------------------------------------------------------------------------------------------
// Value generators
// ---------------------------------------------------------------------------------------------------

/** Characters that break things: NUL, lone surrogates, BOM, bidi overrides, line separators, quotes. */
const nastyUnit = nastyUnitOf(
  ['a', 'b', 'Z', '0', '9', ' ', '-', '_', '.', '@', '+'],
  ['\u0000', '\u0001', '\u202e', '\ufeff', '\uffff', '\u0085', '\u2028', '%', '\\', '"', "'", '\n', '\t', 'é', '🙂', 'ǅ', 'İ', '*', '^'],
);
const nasty = fc.string({ unit: nastyUnit, maxLength: 12 });

const SPECIAL_STRINGS = [
  '',
  ' ',
  '\u0000',
  '\udc00',
  'a\u0000b',
  '\ud800',
  '\udfff',
  'x\ud83d',
  '🙂'.repeat(40),
  'ǅǈß İı',
  '\u202eevil',
  '\r\n\t',
  'null',
  'true',
  '0',
  '-1',
  '1e400',
  'NaN',
  "' OR 1=1 --",
  '"; DROP TABLE users; --',
  '%00',
  '%s%n%x',
  '../../etc/passwd',
  '<script>alert(1)</script>',
  '__proto__',
  'constructor',
  'toString',
  '*',
  '"',
  '"unterminated',
  'NEAR(a b)',
  'a OR b AND NOT c',
  '^a*',
  '\\',
  '%',
  '_',
  '+',
  '-',
  '--created_at',
  'user_',
  'idn_',
];

const bigString = fc.constantFrom(32, 33, 64, 65, 128, 129, 256, 257, 320, 321, 1024, 1025, 5000, 70_000).map(big);

const weirdString = junkStringOf(SPECIAL_STRINGS, nasty, bigString, true);
const weirdNumber = weirdNumberOf([0, -0, -1, 1, 1.5, -1.5, 2 ** 31, 2 ** 32, 2 ** 53 + 2, 1e21, 1e308, -1e308, Number.MAX_SAFE_INTEGER, 5e-324, 1e6, 1e6 + 1]);

/** Strings for the URL (path ids, query values): as weird, but short enough for the request line. */
const urlString = junkStringOf(SPECIAL_STRINGS, nasty, fc.constantFrom(32, 33, 128, 129, 256, 257, 320, 321, 1025, 2000).map(big), true);

/** A wrong-typed or edge value for any parameter. */
const edgeValue = edgeValueOf(weirdNumber, weirdString, {
  afterArrays: [
    { weight: 1, arbitrary: fc.array(fc.oneof(weirdNumber, fc.constant(null), fc.boolean()), { maxLength: 3 }) },
    { weight: 1, arbitrary: fc.constantFrom(101, 150).map((n) => Array.from({ length: n }, (_, i) => `v${i}@example.com`)) },
  ],
  afterJson: [
    { weight: 1, arbitrary: fc.constantFrom(40, 500, 2000).map((n) => nested('arr', n)) },
    { weight: 1, arbitrary: fc.constantFrom(33, 100, 1500).map((n) => nested('obj', n)) },
  ],
});

const email = fc.oneof(
  { weight: 4, arbitrary: fc.emailAddress({ size: 'xsmall' }) },
  { weight: 1, arbitrary: nasty.map((n) => `${n}@example.com`) },
  { weight: 2, arbitrary: ref('emailValue') },
  { weight: 2, arbitrary: ref('emailValue', true).map((v) => ` ${v} `) },
  {
    weight: 2,
    arbitrary: fc.constantFrom('fresh@example.com', 'x@example', '@example.com', 'a@b.c', 'a..b@example.com', `${'l'.repeat(65)}@example.com`, `a@${'d'.repeat(250)}.com`),
  },
);

const phone = fc.oneof(
  { weight: 4, arbitrary: fc.stringMatching(/^\+[1-9]\d{7,14}$/) },
  { weight: 2, arbitrary: ref('phoneValue') },
  { weight: 2, arbitrary: fc.constantFrom('+1 (415) 555-0100', '12345', '+0123456789', '+', '+1-4-1-5-5-5-5-0-1-9-9', '+1234567890123456', '(415) 555-0100') },
);

const username = fc.oneof(
  { weight: 3, arbitrary: fc.stringMatching(/^[A-Za-z0-9_.-]{4,20}$/) },
  { weight: 2, arbitrary: ref('usernameValue') },
  { weight: 1, arbitrary: fc.constantFrom('abc', 'a'.repeat(65), ' Spaced ', 'ünï', 'a b c d') },
);

const externalId = fc.oneof(fc.string({ maxLength: 12 }), nasty, ref('externalIdValue'), fc.constant(''));

const wallet = fc.oneof(fc.stringMatching(/^0x[0-9a-fA-F]{40}$/), fc.constantFrom('0x', '0xZZ', `0x${'0'.repeat(41)}`));

const RFC3339 = /^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}(\.\d{1,9})?(Z|[+-]\d{2}:\d{2})$/;
const dateTime = fc.oneof(
  fc.date({ noInvalidDate: true, min: new Date('0000-01-01T00:00:00.000Z'), max: new Date('9999-12-31T23:59:59.999Z') }).map((d) => d.toISOString()),
  fc.stringMatching(RFC3339),
  fc.constantFrom('0000-01-01T00:00:00Z', '9999-12-31T23:59:59.999999999+23:59', '1970-01-01T00:00:00-23:59', '2024-02-30T00:00:00Z', '2024-13-01T25:61:61Z', '2024-01-01', '2024-01-01T00:00:00'),
);

const metadata: fc.Arbitrary<unknown> = fc.oneof(
  { weight: 5, arbitrary: fc.dictionary(fc.string({ maxLength: 8 }), fc.jsonValue({ maxDepth: 3 }), { maxKeys: 5 }) },
  { weight: 2, arbitrary: fc.dictionary(fc.string({ unit: 'binary', maxLength: 6 }), fc.jsonValue({ maxDepth: 2, stringUnit: 'binary' }), { maxKeys: 3 }) },
  { weight: 3, arbitrary: fc.dictionary(nasty, fc.jsonValue({ maxDepth: 2, stringUnit: nastyUnit }), { maxKeys: 3 }) },
  { weight: 2, arbitrary: fc.dictionary(fc.constantFrom('a', 'b', 'keep', 'role', 'nested'), fc.oneof(fc.constant(null), fc.jsonValue({ maxDepth: 2 })), { maxKeys: 4 }) },
  { weight: 1, arbitrary: fc.constantFrom(31, 32, 33, 64, 400).map((n) => nested('obj', n)) },
  { weight: 1, arbitrary: fc.constantFrom(8000, 8180, 8190, 8200, 20_000).map((n) => ({ blob: big(n) })) },
  { weight: 1, arbitrary: fc.constant(protoObject({ polluted: true })) },
);

const BCRYPT_DIGEST = bcryptjs.hashSync('fuzz-imported-secret', 4);
const passwordDigest = fc.oneof(
  fc.constant(BCRYPT_DIGEST),
  fc.constantFrom(
    '',
    'nonsense',
    '$2b$17$abcdefghijklmnopqrstuuabcdefghijklmnopqrstuvwxyz01234',
    '$2b$31$abcdefghijklmnopqrstuuabcdefghijklmnopqrstuvwxyz01234',
    '$argon2id$v=19$m=99999999,t=2,p=1$c29tZXNhbHQ$RdescudvJCsgt3ub+b+dWRWJTmaaJObG',
    '$argon2id$v=19$m=19456,t=2,p=1$$',
    'pbkdf2_sha256$99999999$salt$hash',
    'sha1$x$y',
    '$P$',
    '{SSHA}',
  ),
  fc.string({ maxLength: 80 }),
);

/** Mostly short strings (refused before any hashing); rarely a strong one, which costs a hash. */
const password = fc.oneof(
  { weight: 12, arbitrary: fc.string({ maxLength: 7 }) },
  { weight: 2, arbitrary: fc.constantFrom('password123', '12345678', 'qwertyuiop') },
  { weight: 1, arbitrary: fc.constant('Fuzz-horse-battery-9') },
);

const idStatus = fc.constantFrom('verified', 'reserved', 'unverified', 'VERIFIED', '', 'pending');
const anyRealId = fc.oneof(ref('user'), ref('email'), ref('phone'), ref('image'));

const CREATE_USER: Fields = {
  external_id: externalId,
  first_name: fc.oneof(fc.string({ maxLength: 20 }), nasty, fc.constant(null)),
  last_name: fc.oneof(fc.string({ unit: 'grapheme', maxLength: 20 }), nasty, fc.constant(null)),
  locale: fc.constantFrom('en', 'fr-FR', 'x'.repeat(32), 'x'.repeat(33), null),
  email_address: fc.array(email, { maxLength: 3 }),
  email_address_identification_status: fc.array(idStatus, { maxLength: 3 }),
  phone_number: fc.array(phone, { maxLength: 3 }),
  phone_number_identification_status: fc.array(idStatus, { maxLength: 3 }),
  web3_wallet: fc.array(wallet, { maxLength: 2 }),
  username: fc.oneof(username, fc.constant(null)),
  password,
  password_digest: passwordDigest,
  password_hasher: fc.oneof(fc.constantFrom(...PASSWORD_HASHERS), fc.constantFrom('BCRYPT', 'none', '', 'argon2')),
  skip_password_checks: nullableBool,
  skip_password_requirement: nullableBool,
  totp_secret: fc.oneof(fc.stringMatching(/^[A-Z2-7]{16,32}$/), fc.constantFrom('short', 'JBSW Y3DP EHPK 3PXP', '0000000000000000', 'a'.repeat(257)), fc.constant(null)),
  backup_codes: fc.array(fc.oneof(fc.string({ maxLength: 12 }), nasty), { maxLength: 4 }),
  public_metadata: metadata,
  private_metadata: metadata,
  unsafe_metadata: metadata,
  delete_self_enabled: nullableBool,
  legal_accepted_at: fc.oneof(dateTime, fc.constant(null)),
  skip_legal_checks: nullableBool,
  skip_user_requirement: nullableBool,
  create_organization_enabled: nullableBool,
  create_organizations_limit: fc.oneof(fc.integer({ min: -5, max: 1_000_005 }), fc.constant(null)),
  created_at: fc.oneof(dateTime, fc.constant(null)),
  bypass_client_trust: nullableBool,
  banned: nullableBool,
  locked: nullableBool,
};

const UPDATE_USER: Fields = {
  external_id: externalId,
  first_name: CREATE_USER.first_name as fc.Arbitrary<unknown>,
  last_name: CREATE_USER.last_name as fc.Arbitrary<unknown>,
  locale: CREATE_USER.locale as fc.Arbitrary<unknown>,
  primary_email_address_id: fc.oneof(ref('email'), anyRealId, fc.constant(null)),
  notify_primary_email_address_changed: nullableBool,
  primary_phone_number_id: fc.oneof(ref('phone'), anyRealId, fc.constant(null)),
  primary_web3_wallet_id: fc.oneof(anyRealId, fc.constant(null)),
  username: fc.oneof(username, fc.constant(null)),
  profile_image_id: fc.oneof(ref('image'), anyRealId, fc.constant(null)),
  password,
  password_digest: passwordDigest,
  password_hasher: CREATE_USER.password_hasher as fc.Arbitrary<unknown>,
  skip_password_checks: nullableBool,
  sign_out_of_other_sessions: nullableBool,
  totp_secret: CREATE_USER.totp_secret as fc.Arbitrary<unknown>,
  backup_codes: CREATE_USER.backup_codes as fc.Arbitrary<unknown>,
  public_metadata: fc.oneof(metadata, fc.constant(null)),
  private_metadata: fc.oneof(metadata, fc.constant(null)),
  unsafe_metadata: fc.oneof(metadata, fc.constant(null)),
  delete_self_enabled: nullableBool,
  create_organization_enabled: nullableBool,
  legal_accepted_at: CREATE_USER.legal_accepted_at as fc.Arbitrary<unknown>,
  skip_legal_checks: nullableBool,
  create_organizations_limit: CREATE_USER.create_organizations_limit as fc.Arbitrary<unknown>,
  created_at: CREATE_USER.created_at as fc.Arbitrary<unknown>,
  bypass_client_trust: nullableBool,
};

const METADATA_BODY: Fields = { public_metadata: metadata, private_metadata: metadata, unsafe_metadata: metadata };

const USER_IDS_BODY: Fields = {
  user_ids: fc.oneof(
    { weight: 4, arbitrary: fc.array(fc.oneof(ref('user'), ref('user'), weirdString), { maxLength: 5 }) },
    { weight: 1, arbitrary: fc.constantFrom(100, 101).map((n) => Array.from({ length: n }, (_, i) => `user_${i}`)) },
    { weight: 1, arbitrary: fc.array(ref('user'), { minLength: 2, maxLength: 4 }).map((a) => [...a, ...a]) },
  ),
};

const VERIFY_PASSWORD_BODY: Fields = { password: fc.oneof(fc.string({ maxLength: 12 }), fc.constant('fuzz-imported-secret'), bigString) };
const REMOVE_PASSWORD_BODY: Fields = { sign_out_of_other_sessions: nullableBool };

const CREATE_EMAIL: Fields = {
  user_id: ref('user'),
  email_address: email,
  verified: nullableBool,
  primary: nullableBool,
  notify_primary_email_address_changed: nullableBool,
};
const UPDATE_EMAIL: Fields = { verified: nullableBool, primary: nullableBool, notify_primary_email_address_changed: nullableBool };
const CREATE_PHONE: Fields = {
  user_id: ref('user'),
  phone_number: phone,
  verified: nullableBool,
  primary: nullableBool,
  reserved_for_second_factor: nullableBool,
};
const UPDATE_PHONE: Fields = { verified: nullableBool, primary: nullableBool, reserved_for_second_factor: nullableBool };
const REPLACE_EMAIL: Fields = { email_address: email, identification_status: idStatus, notify_primary_email_address_changed: nullableBool };
const REPLACE_PHONE: Fields = { phone_number: phone, identification_status: idStatus };

const EXTRA_KEYS = ['__proto__', 'constructor', 'prototype', 'toString', 'hasOwnProperty', 'nope', '', 'EMAIL_ADDRESS', 'email_address[]', 'user_id', 'id', 'object'];

/**
 * An object built from the real parameter names: each parameter present now and then (required ones
 * mostly), its value plausible or, one time in five, an edge value; sometimes an extra key.
 */
const structured = structuredOf(edgeValue, EXTRA_KEYS);

const jsonContentType = jsonContentTypeOf([
  'application/json; charset=utf-8',
  'Application/JSON',
  'application/vnd.api+json',
  'application/json-patch+json',
  'application/jsonx',
  'text/plain',
  'text/json',
  'application/x-www-form-urlencoded',
  'multipart/form-data; boundary=x',
  '',
  ';;;',
  null,
]);

const RAW_TEXTS = [
  '{',
  '{"a":',
  '[1,2',
  'null',
  'true',
  '1',
  '"str"',
  '[]',
  '{}garbage',
  '{"a":1,"a":2}',
  '{"__proto__":{"polluted":true}}',
  '{"constructor":{"prototype":{"polluted":true}}}',
  '{"public_metadata":{"__proto__":{"polluted":true}}}',
  '{"private_metadata":{"constructor":{"prototype":{"x":1}}}}',
  '\uFEFF{}',
  'NaN',
  '1e400',
  '{"create_organizations_limit":1e400}',
  '{"created_at":"0000-01-01T00:00:00Z"}',
  '{"first_name":"\\ud800"}',
  '{"first_name":"\\u0000"}',
  '{"public_metadata":{"k":"\\u0000"}}',
  '{"public_metadata":{"\\u0000":1}}',
  '{"public_metadata":{"k":"\\udc00"}}',
  '{"user_ids":["\\u0000"]}',
  '{"email_address":"a\\u0000@example.com","user_id":"x"}',
  '\u0000',
  ' ',
  '\n\t',
  'a=b&c=d',
  '<xml/>',
  "{'single': 'quotes'}",
  '{"a":1}{"b":2}',
  '[' + '1,'.repeat(300) + '1]',
];

const rawText = rawTextOf(RAW_TEXTS);

function deepRaw(depth: number, shape: 'array' | 'object' | 'metadata'): string {
  if (shape === 'array') return `"${nested('arr', depth)}"`;
  if (shape === 'object') return `"${nested('obj', depth)}"`;
  return `{"public_metadata":"${nested('obj', depth)}"}`;
}

function bodyArb(fields: Fields, required: readonly string[] = []): fc.Arbitrary<Body> {
  return bodyOf(structured(fields, required), {
    contentType: jsonContentType,
    rawText,
    rest: [
      { weight: 1, arbitrary: fc.record({ kind: fc.constant('text' as const), text: fc.constantFrom('', ' ', '\r\n'), contentType: jsonContentType }) },
      noBody,
      {
        weight: 1,
        arbitrary: fc
          .tuple(fc.constantFrom(33, 1000, 50_000, 150_000), fc.constantFrom<'array' | 'object' | 'metadata'>('array', 'object', 'metadata'))
          .map(([d, s]) => ({ kind: 'text' as const, text: deepRaw(d, s), contentType: 'application/json' })),
      },
      {
        weight: 1,
        arbitrary: fc
          .constantFrom(300_000, 1024 * 1024 - 32)
          .map((n) => ({ kind: 'text' as const, text: `{"first_name":"${big(n)}"}`, contentType: 'application/json' })),
      },
    ],
  });
}

// ---- multipart ----

const imageBytes = imageBytesOf(
  MAX_IMAGE_BYTES,
  [[], [0x89], [0x89, 0x50, 0x4e], [0x52, 0x49, 0x46, 0x46, 0, 0]],
  ['<svg onload="alert(1)"/>', '<html><script>x</script>', 'GIF', ''],
);
const formPart = formPartOf(['File', 'files', 'file[]', '', 'image', 'file\u0000', 'fïle'], imageBytes, fc.oneof(fc.string({ maxLength: 20 }), fc.constantFrom('', '\u0000', '\x89PNG')));
const multipartBody = multipartBodyOf(formPart, rawMultipartOf(imageBytes), bodyArb({ file: fc.oneof(fc.string(), fc.constant('iVBORw0KGgo=')) }));

// ---- query strings ----

const LIST_KEYS = [
  'email_address',
  'phone_number',
  'external_id',
  'username',
  'web3_wallet',
  'user_id',
  'organization_id',
  'query',
  'email_address_query',
  'phone_number_query',
  'username_query',
  'name_query',
  'banned',
  'last_active_at_before',
  'last_active_at_after',
  'last_active_at_since',
  'created_at_before',
  'created_at_after',
  'last_sign_in_at_before',
  'last_sign_in_at_after',
  'provider',
  'provider_user_id',
  'limit',
  'offset',
  'starting_after',
  'order_by',
];
const queryKey = queryKeyOf(LIST_KEYS, true);

const queryValue = fc.oneof(
  {
    weight: 4,
    arbitrary: fc.constantFrom(
      '0', '-0', '1', '-1', '10', '500', '501', '1e3', '1.5', 'NaN', 'Infinity', '0x10', ' 1', '1 ', '+1', '00000000000001',
      '9999999999999999', '99999999999999999', '8640000000000000', '8640000000000001', '-9999999999999999', '1000000000', '1000000001', '',
    ),
  },
  {
    weight: 2,
    arbitrary: fc.constantFrom(
      '+created_at', '-created_at', 'created_at', '-updated_at', 'updated_at', 'email_address', '-email_address', 'phone_number',
      'web3wallet', 'username', 'first_name', 'last_name', 'last_sign_in_at', '-last_active_at', '--created_at', '+-created_at', '-', '+',
      'id', '__proto__', 'constructor', 'toString', 'created_at;DROP TABLE users', 'CREATED_AT',
    ),
  },
  { weight: 1, arbitrary: fc.constantFrom('true', 'false', 'TRUE', 'yes', 'on') },
  { weight: 1, arbitrary: fc.constantFrom('%ED%A0%80', '%C0%80', '%F0%9F%98', '%FF', '%00', 'a%00b', '%E2%80%AE', '%EF%BB%BF') },
  { weight: 2, arbitrary: fc.tuple(fc.constantFrom('', '+', '-', '--'), fc.oneof(ref('user'), ref('emailValue'), ref('phoneValue'), ref('usernameValue'), ref('externalIdValue'))).map(([p, r]) => p + r) },
  { weight: 3, arbitrary: urlString },
  { weight: 1, arbitrary: fc.constantFrom(256, 257, 320, 321).map((n) => 'q'.repeat(n)) },
  { weight: 1, arbitrary: fc.integer().map(String) },
  { weight: 1, arbitrary: fc.bigInt().map(String) },
);

const QUERY_JUNK = ['%', '%Z', '%ZZ', '%C0%AF', '%FF%FE', '%E2%82', '%00', '&&', '=', '==', '&=&', '+', '%2B', '%26', ';', '[]', '[', ']', '%ED%A0%80', 'limit=%', 'query=%E0%A4%A'];

const queryParts = queryPartsOf(queryKey, queryValue, QUERY_JUNK, ['email_address', 'user_id', 'external_id', 'phone_number[]', 'username'], [2, 100, 101, 300]);
const junkQuery = junkQueryOf(queryParts);

// ---- path ids ----

const PATH_JUNK = [
  '..', '.', '%2F', '%2f', '..%2F..%2F', '%2e%2e', '%2E', '%', '%ZZ', '%00', '%C0%AF', '%FF', '%ED%A0%80', ' ', '%20', '+', ';', ';x=1',
  'null', 'undefined', '0', '-1', '__proto__', 'constructor', 'count', 'ban', 'unban', 'metadata', 'user_000000000000000000000000000',
  big(128), big(129), big(3000), big(9000), '🙂', 'ü', '\\', '//', '*', '$', '\u0000',
];
const pathId = pathIdOf(fc.oneof(ref('user'), ref('user'), ref('pwuser'), ref('email'), ref('phone'), ref('image')), PATH_JUNK, urlString, {
  base: fc.oneof(ref('user'), ref('email'), ref('phone')),
  suffixes: ['x', '/', '%00', '\u0000', ' ', '/..', '.', '%2F', '?x=1', '#frag'],
});

function req(method: Method, path: string, parts: { id?: fc.Arbitrary<PathId>; query?: fc.Arbitrary<QueryPart[]>; body?: fc.Arbitrary<Body> } = {}): fc.Arbitrary<Req> {
  return fc.record({
    method: fc.constant(method),
    path: fc.constant(path),
    id: parts.id ?? fc.constant(null),
    query: parts.query ?? junkQuery,
    body: method === 'GET' ? fc.constant<Body>({ kind: 'none' }) : (parts.body ?? bodyArb({})),
  });
}

// ---------------------------------------------------------------------------------------------------
// The properties
// ---------------------------------------------------------------------------------------------------
interface Snapshot {
  users: Row[];
  identifications: Row[];
  passwords: Row[];
  images: Row[];
}

function canonical(row: Row): string {
  return JSON.stringify(row, (_k, v: unknown) => {
    if (v instanceof Uint8Array) return `sha256:${createHash('sha256').update(v).digest('hex')}:${v.length}`;
    if (typeof v === 'bigint') return `${v}n`;
    return v;
  });
}

const TABLES = ['users', 'identifications', 'passwords', 'images'] as const;
type Table = (typeof TABLES)[number];
const keyOf: Record<Table, (r: Row) => string> = {
  users: (r) => String(r.id),
  identifications: (r) => String(r.id),
  passwords: (r) => String(r.user_id),
  images: (r) => String(r.id),
};

const canonicalize = (snap: Snapshot): Canonical<Table> => canonicalizeTables(TABLES, snap, keyOf, canonical);
const diffSnapshots = (before: Canonical<Table>, after: Canonical<Table>) => diffTables(TABLES, before, after);

/** One HTTP/1.1 request through `agent` (node:http, so that the test controls connection reuse). */
function send(agent: Agent, url: string, method: string, headers: Record<string, string>, body?: string) {
  return new Promise<{ status: number; headers: Record<string, string | string[] | undefined>; text: string }>((resolve, reject) => {
    const u = new URL(url);
    const req = httpRequest(
      {
        agent,
        host: u.hostname,
        port: u.port,
        path: `${u.pathname}${u.search}`,
        method,
        headers: body === undefined ? headers : { ...headers, 'content-length': String(Buffer.byteLength(body)) },
      },
      (res) => {
        const chunks: Buffer[] = [];
        res.on('data', (c: Buffer) => chunks.push(c));
        res.on('end', () => resolve({ status: res.statusCode ?? 0, headers: res.headers, text: Buffer.concat(chunks).toString('utf8') }));
        res.on('error', reject);
      },
    );
    req.on('error', reject);
    req.end(body);
  });
}

describe.each(testDialects())('users BAPI fuzz on %s', (dialect) => {
  let t: TestServer;
  const seedIds: (string | null)[] = [null, null, null, null];
  let generation = 0;
  let argonDigest: string | null = null;

  const stats = new Map<string, { n: number; ms: number; statuses: Map<number, number> }>();
  function record(status: number, ms: number): void {
    if (!STATS) return;
    const name = expect.getState().currentTestName ?? '?';
    const entry = stats.get(name) ?? { n: 0, ms: 0, statuses: new Map<number, number>() };
    entry.n++;
    entry.ms += ms;
    entry.statuses.set(status, (entry.statuses.get(status) ?? 0) + 1);
    stats.set(name, entry);
  }

  async function observe(): Promise<{ canon: Canonical<Table>; ctx: RefContext }> {
    const snap = await snapshot();
    return { canon: canonicalize(snap), ctx: contextOf(snap) };
  }

  async function snapshot(): Promise<Snapshot> {
    const db = t.server.services.storage.db;
    const [users, identifications, passwords, images] = await Promise.all([
      db.selectFrom('users').selectAll().orderBy('id').execute(),
      db.selectFrom('identifications').selectAll().orderBy('id').execute(),
      db.selectFrom('passwords').selectAll().orderBy('user_id').execute(),
      db.selectFrom('images').selectAll().orderBy('id').execute(),
    ]);
    return { users, identifications, passwords, images } as unknown as Snapshot;
  }

  function contextOf(s: Snapshot): RefContext {
    const idents = (type: string) => s.identifications.filter((r) => r.type === type);
    return {
      user: strings(s.users, 'id'),
      pwuser: strings(s.passwords, 'user_id'),
      email: strings(idents('email_address'), 'id'),
      phone: strings(idents('phone_number'), 'id'),
      image: strings(s.images, 'id'),
      emailValue: strings(idents('email_address'), 'value'),
      phoneValue: strings(idents('phone_number'), 'value'),
      usernameValue: strings(s.users, 'username'),
      externalIdValue: strings(s.users, 'external_id'),
    };
  }

  const png = Uint8Array.from([...PNG, 0, 0, 0, 13, 73, 72, 68, 82]);

  /** Seed users with e-mail addresses, phone numbers, metadata, passwords and an image; re-creates any that a fuzzed request deleted. */
  async function ensureSeeds(): Promise<void> {
    suite.forget();
    const db = t.server.services.storage.db;
    for (let slot = 0; slot < seedIds.length; slot++) {
      const existing = seedIds[slot];
      const present = existing ? await db.selectFrom('users').select('id').where('id', '=', existing).executeTakeFirst() : undefined;
      if (!present) {
        const g = ++generation;
        const phone = (k: number) => `+1415${String(5_000_000 + g * 10 + k)}`;
        const bodies: Record<string, unknown>[] = [
          {
            external_id: `seed-${g}`,
            username: `seed_user_${g}`,
            first_name: 'Seed',
            last_name: `Number ${g}`,
            email_address: [`seed${g}@example.com`, `seed${g}b@example.com`],
            phone_number: [phone(0)],
            public_metadata: { role: 'admin', nested: { a: 1, b: [1, 2] } },
            private_metadata: { stripe: 'cus_1' },
            unsafe_metadata: { theme: 'dark' },
            password_digest: BCRYPT_DIGEST,
            password_hasher: 'bcrypt',
          },
          {
            external_id: `seed-${g}`,
            email_address: [`seed${g}@example.org`],
            phone_number: [phone(1), phone(2)],
            ...(argonDigest ? { password_digest: argonDigest, password_hasher: 'argon2id' } : { password: 'Seed-argon-password-42' }),
          },
          { email_address: [`seed${g}@example.net`], banned: true, locked: true, public_metadata: { banned: true } },
          {},
        ];
        const res = await t.api('/users', { method: 'POST', json: bodies[slot] });
        const created = (await res.json()) as { id: string };
        expect(res.status, JSON.stringify(created)).toBe(200);
        seedIds[slot] = created.id;
        if (slot === 1 && !argonDigest) {
          const pw = await db.selectFrom('passwords').select('digest').where('user_id', '=', created.id).executeTakeFirstOrThrow();
          argonDigest = pw.digest;
        }
      }
      const id = seedIds[slot] as string;
      if (slot <= 1) {
        const pw = await db.selectFrom('passwords').select('user_id').where('user_id', '=', id).executeTakeFirst();
        if (!pw) {
          const json = slot === 0 ? { password_digest: BCRYPT_DIGEST, password_hasher: 'bcrypt' } : { password_digest: argonDigest, password_hasher: 'argon2id' };
          expect((await t.api(`/users/${id}`, { method: 'PATCH', json })).status).toBe(200);
        }
      }
      if (slot === 0) {
        const u = await db.selectFrom('users').select('image_id').where('id', '=', id).executeTakeFirstOrThrow();
        if (!u.image_id) {
          const form = new FormData();
          form.append('file', new Blob([png], { type: 'image/png' }), 'seed.png');
          expect((await t.api(`/users/${id}/profile_image`, { method: 'POST', body: form })).status).toBe(200);
        }
      }
    }
  }

  const suite = fuzzSuite<Canonical<Table>, RefContext, Req>({
    server: () => t,
    observe,
    diff: diffSnapshots,
    resolve: resolveText,
    pathOf: (r, ctx) => r.path.replace('{id}', r.id ? enc(resolveText(r.id.raw, ctx), r.id.encode) : ''),
    ensureSeeds,
    onResponse: (status, _text, ms) => record(status, ms),
  });
  const { fuzz } = suite;

  beforeAll(async () => {
    logSeed('users', dialect);
    t = await startTestServer(dialect, { LATCH_MAX_IMAGE_BYTES: String(MAX_IMAGE_BYTES) });
  });
  afterAll(async () => {
    await t?.close();
    if (!STATS) return;
    for (const [name, e] of stats) {
      const statuses = [...e.statuses].sort(([a], [b]) => a - b).map(([k, v]) => `${k}×${v}`).join(' ');
      console.log(`${name}: ${e.n} requests, ${(e.ms / e.n).toFixed(1)} ms each: ${statuses}`);
    }
  });

  const TIMEOUT = 180_000;

  it('GET /users with junk query strings', () => fuzz(req('GET', '/users', { query: queryParts }), 300), TIMEOUT);
  it('GET /users/count with junk query strings', () => fuzz(req('GET', '/users/count', { query: queryParts }), 150), TIMEOUT);
  it('POST /users with generated bodies', () => fuzz(req('POST', '/users', { body: bodyArb(CREATE_USER) }), 400), TIMEOUT);
  it('GET /users/{id}', () => fuzz(req('GET', '/users/{id}', { id: pathId }), 100), TIMEOUT);
  it('PATCH /users/{id}', () => fuzz(req('PATCH', '/users/{id}', { id: pathId, body: bodyArb(UPDATE_USER) }), 300), TIMEOUT);
  it('PATCH and PUT /users/{id}/metadata', () =>
    fuzz(
      fc.oneof(req('PATCH', '/users/{id}/metadata', { id: pathId, body: bodyArb(METADATA_BODY) }), req('PUT', '/users/{id}/metadata', { id: pathId, body: bodyArb(METADATA_BODY) })),
      300,
    ), TIMEOUT);
  it('POST /users/{id}/ban, unban, lock, unlock', () =>
    fuzz(fc.constantFrom('ban', 'unban', 'lock', 'unlock').chain((a) => req('POST', `/users/{id}/${a}`, { id: pathId })), 150), TIMEOUT);
  it('POST /users/ban and /users/unban', () =>
    fuzz(fc.constantFrom('ban', 'unban').chain((a) => req('POST', `/users/${a}`, { body: bodyArb(USER_IDS_BODY, ['user_ids']) })), 150), TIMEOUT);
  it('POST /users/{id}/verify_password', () => fuzz(req('POST', '/users/{id}/verify_password', { id: pathId, body: bodyArb(VERIFY_PASSWORD_BODY, ['password']) }), 120), TIMEOUT);
  it('POST /users/{id}/remove_password', () => fuzz(req('POST', '/users/{id}/remove_password', { id: pathId, body: bodyArb(REMOVE_PASSWORD_BODY) }), 100), TIMEOUT);
  it('POST /users/{id}/profile_image with multipart, garbage multipart and non-multipart bodies', () =>
    fuzz(req('POST', '/users/{id}/profile_image', { id: pathId, body: multipartBody }), 200), TIMEOUT);
  it('DELETE /users/{id}/profile_image', () => fuzz(req('DELETE', '/users/{id}/profile_image', { id: pathId }), 80), TIMEOUT);
  it('POST /email_addresses', () => fuzz(req('POST', '/email_addresses', { body: bodyArb(CREATE_EMAIL, ['user_id', 'email_address']) }), 200), TIMEOUT);
  it('GET, PATCH, DELETE /email_addresses/{id}', () =>
    fuzz(
      fc.oneof(
        req('GET', '/email_addresses/{id}', { id: pathId }),
        req('PATCH', '/email_addresses/{id}', { id: pathId, body: bodyArb(UPDATE_EMAIL) }),
        req('DELETE', '/email_addresses/{id}', { id: pathId }),
      ),
      200,
    ), TIMEOUT);
  it('PUT /users/{id}/email_address', () => fuzz(req('PUT', '/users/{id}/email_address', { id: pathId, body: bodyArb(REPLACE_EMAIL, ['email_address']) }), 150), TIMEOUT);
  it('POST /phone_numbers', () => fuzz(req('POST', '/phone_numbers', { body: bodyArb(CREATE_PHONE, ['user_id', 'phone_number']) }), 200), TIMEOUT);
  it('GET, PATCH, DELETE /phone_numbers/{id}', () =>
    fuzz(
      fc.oneof(
        req('GET', '/phone_numbers/{id}', { id: pathId }),
        req('PATCH', '/phone_numbers/{id}', { id: pathId, body: bodyArb(UPDATE_PHONE) }),
        req('DELETE', '/phone_numbers/{id}', { id: pathId }),
      ),
      200,
    ), TIMEOUT);
  it('PUT /users/{id}/phone_number', () => fuzz(req('PUT', '/users/{id}/phone_number', { id: pathId, body: bodyArb(REPLACE_PHONE, ['phone_number']) }), 150), TIMEOUT);
  it('DELETE /users/{id}', () => fuzz(req('DELETE', '/users/{id}', { id: pathId }), 100), TIMEOUT);
  it('any method on any users path with any body', () => {
    const paths = [
      '/users',
      '/users/count',
      '/users/{id}',
      '/users/{id}/metadata',
      '/users/{id}/ban',
      '/users/{id}/lock',
      '/users/ban',
      '/users/{id}/verify_password',
      '/users/{id}/remove_password',
      '/users/{id}/profile_image',
      '/users/{id}/email_address',
      '/users/{id}/phone_number',
      '/users/{id}/nope',
      '/users/{id}/metadata/extra',
      '/email_addresses',
      '/email_addresses/{id}',
      '/phone_numbers',
      '/phone_numbers/{id}',
      '/users/',
      '/users//ban',
    ];
    const allFields: Fields = { ...CREATE_USER, ...UPDATE_USER, ...CREATE_EMAIL, ...CREATE_PHONE, ...USER_IDS_BODY };
    const arb = fc
      .tuple(fc.constantFrom<Method>('GET', 'POST', 'PUT', 'PATCH', 'DELETE', 'OPTIONS'), fc.constantFrom(...paths))
      .chain(([m, p]) => req(m, p, { id: pathId, query: junkQuery, body: fc.oneof(bodyArb(allFields), multipartBody) }));
    return fuzz(arb, 250);
  }, TIMEOUT);
  // Last: a refused oversized body can leave the keep-alive connection it came on closing under the next request.
  it('bodies over the size limit are refused with the envelope', () => {
    const overLimit = fc.constantFrom(1024 * 1024 + 1, 1024 * 1024 + 64 * 1024, 2 * 1024 * 1024, 4 * 1024 * 1024);
    const arb = fc.oneof(
      fc
        .tuple(fc.constantFrom<[Method, string]>(['POST', '/users'], ['PATCH', '/users/{id}'], ['PATCH', '/users/{id}/metadata'], ['POST', '/email_addresses']), overLimit)
        .chain(([[m, p], n]) =>
          req(m, p, { id: pathId, query: noQuery, body: fc.constant<Body>({ kind: 'text', text: `{"first_name":"${big(n)}"}`, contentType: 'application/json' }) }),
        ),
      req('POST', '/users/{id}/profile_image', {
        id: pathId,
        query: noQuery,
        body: fc.constantFrom(200 * 1024, 2 * 1024 * 1024).map((n) => ({ kind: 'form' as const, parts: [{ name: 'file', file: { bytes: n, type: 'image/png', filename: 'a.png' }, value: '' }] })),
      }),
    );
    return fuzz(arb, 12);
  }, TIMEOUT);
  it('over-long URLs are refused with the envelope', () => {
    const long = fc.constantFrom(16_500, 70_000);
    const arb = fc.oneof(
      req('GET', '/users/{id}', { id: long.map((n) => ({ raw: big(n), encode: false })), query: noQuery }),
      req('GET', '/users', { query: long.map((n) => [{ key: 'query', value: big(n), encode: false }]) }),
      req('PATCH', '/users/{id}', { id: long.map((n) => ({ raw: big(n), encode: false })), query: noQuery, body: fc.constant<Body>({ kind: 'json', value: {}, contentType: 'application/json' }) }),
    );
    return fuzz(arb, 4, { longUrl: true });
  }, TIMEOUT);
  it('a request body, read or not, does not break the next request on the same keep-alive connection', async () => {
    await ensureSeeds();
    const arb = fc.record({
      route: fc.constantFrom<[Method, string]>(
        ['POST', '/users/{id}/lock'],
        ['POST', '/users/{id}/unban'],
        ['DELETE', '/users/{id}/profile_image'],
        ['DELETE', '/email_addresses/{id}'],
        ['GET', '/users/{id}'],
        ['PATCH', '/users/{id}'],
        ['POST', '/users'],
        ['OPTIONS', '/users'],
      ),
      id: fc.oneof(ref('user'), fc.constant('user_missing')),
      size: fc.constantFrom(10, 10_000, 100_000, 300_000, 1024 * 1024 - 32, 2 * 1024 * 1024),
    });
    await fc.assert(
      fc.asyncProperty(arb, async ({ route: [method, path], id, size }) => {
        suite.forget();
        const target = `/v1${path.replace('{id}', resolveText(id, contextOf(await snapshot())))}`;
        // One keep-alive connection for both requests, as an SDK's connection pool would reuse it.
        const agent = new Agent({ keepAlive: true, maxSockets: 1 });
        try {
          const body = `{"unknown_param":"${'x'.repeat(size)}"}`;
          const headers = { authorization: `Bearer ${t.secretKey}`, 'content-type': 'application/json' };
          const first = await send(agent, `${t.url}${target}`, method, headers, body);
          const what = `${method} ${target} with a ${body.length}-byte JSON body answered ${first.status} (connection: ${first.headers.connection ?? '-'})`;
          let next: Awaited<ReturnType<typeof send>>;
          try {
            next = await send(agent, `${t.url}/v1/users/count`, 'GET', { authorization: headers.authorization });
          } catch (err) {
            return expect.fail(`${what}; the next request (GET /v1/users/count) on the same keep-alive connection failed: ${String(err)}`);
          }
          expect(next.status, what).toBe(200);
        } finally {
          agent.destroy();
        }
      }),
      fuzzParams(25),
    );
  }, TIMEOUT);
});
