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
import {
  type BaseReq,
  type Body,
  type Canonical,
  canonicalize,
  canonicalRow,
  COMMON_QUERY_JUNK,
  commonBodyOf,
  bulkBodyOf,
  big,
  diffSnapshots,
  edgeValue,
  type Fields,
  fillIds,
  formPartOf,
  fuzzSuite,
  imageBytesOf,
  junkQueryOf,
  logSeed,
  metadata,
  type Method,
  multipartBodyOf,
  nasty,
  nullableBool,
  type PathId,
  pathIdOf as kitPathIdOf,
  type QueryPart,
  queryKeyOf,
  queryPartsOf,
  rawMultipartOf,
  rawTextOf,
  refOf,
  refResolver,
  type Row,
  snapshotTables,
  strings,
  structuredOf,
  urlString,
  weirdString,
} from '../../test/fuzz-kit.js';
import { startTestServer, testDialects, type TestServer } from '../../test/harness.js';

const MAX_IMAGE_BYTES = 8192;

interface Req extends BaseReq {
  /** Path below /v1; `{0}`, `{1}` are replaced by the path ids. */
  ids: PathId[];
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

const ref = (kind: RefKind, upper = false) => refOf(kind, upper);
const resolveText = refResolver(FALLBACK);

// ---------------------------------------------------------------------------------------------------
// Value generators
// ---------------------------------------------------------------------------------------------------

const email = fc.oneof(
  { weight: 4, arbitrary: fc.emailAddress({ size: 'xsmall' }) },
  { weight: 1, arbitrary: nasty.map((n) => `${n}@example.com`) },
  { weight: 2, arbitrary: fc.oneof(ref('emailValue'), ref('invitationEmail'), ref('domainName').map((d) => `someone@${d}`)) },
  { weight: 1, arbitrary: fc.oneof(ref('emailValue', true), ref('invitationEmail', true)).map((v) => ` ${v} `) },
  { weight: 2, arbitrary: fc.constantFrom('fresh@example.com', 'x@example', '@example.com', 'a@b.c', 'a..b@example.com', 'a+tag@example.com', `${'l'.repeat(65)}@example.com`, `a@${'d'.repeat(250)}.com`) },
);

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
  legacy_role_keys: nullableBool,
};
const EXTRA_KEYS = ['__proto__', 'constructor', 'prototype', 'toString', 'nope', '', 'id', 'object', 'organization_id', 'user_id', 'role', 'members_count'];
const structured = structuredOf(edgeValue, EXTRA_KEYS);

const RAW_TEXTS = [
  '{', '{"a":', '[1,2', 'null', 'true', '1', '"str"', '[]', '{}garbage', '{"a":1,"a":2}', '{"__proto__":{"polluted":true}}', '\uFEFF{}', 'NaN', '1e400',
  '{"max_allowed_memberships":1e400}', '{"name":"\\ud800"}', '{"name":"\\u0000"}', '{"role":"org:admin","user_id":null}', '{"email_address":"a\\u0000@example.com"}', '{"public_metadata":{"\\u0000":1}}',
  '[{"email_address":"a@example.com"},', '[null]', '[[]]', '\u0000', ' ', 'a=b&c=d', '<xml/>', '{"a":1}{"b":2}', '[' + '1,'.repeat(300) + '1]',
];
const rawText = rawTextOf(RAW_TEXTS);

/** Bodies of every kind; `value` drives the structured ones. */
const bodyOf = (value: fc.Arbitrary<unknown>) => commonBodyOf(value, rawText);
const bodyArb = (fields: Fields, required: readonly string[] = []) => bodyOf(structured(fields, required));

/** Bulk invitation bodies: arrays of 0..12 structured items, junk elements, or not an array at all. */
const bulkBody = bulkBodyOf(bodyOf, structured(INVITATION_BODY, ['email_address', 'role']), (i) => ({ email_address: `bulk${i}@example.com`, role: 'org:member', notify: false }), edgeValue);

// ---- multipart ----

const imageBytes = imageBytesOf(MAX_IMAGE_BYTES, [[], [0x89], [0x89, 0x50, 0x4e]], ['<svg onload="alert(1)"/>', '<html><script>x</script>', '']);
const formPart = formPartOf(['File', 'files', 'file[]', '', 'uploader_user_id', 'file\u0000'], imageBytes, fc.oneof(fc.string({ maxLength: 20 }), ref('user'), fc.constantFrom('', '\u0000', '\x89PNG')));
const multipartBody = multipartBodyOf(formPart, rawMultipartOf(imageBytes), bodyArb({ file: fc.oneof(fc.string(), fc.constant('iVBORw0KGgo=')) }));

// ---- query strings ----

const LIST_KEYS = [
  'include_members_count', 'include_missing_member_with_elevated_permissions', 'query', 'user_id', 'organization_id', 'order_by', 'limit', 'offset',
  'email_address', 'phone_number', 'username', 'web3_wallet', 'role', 'email_address_query', 'phone_number_query', 'username_query', 'name_query',
  'last_active_at_before', 'last_active_at_after', 'created_at_before', 'created_at_after', 'status', 'verified', 'enrollment_mode', 'domains',
];
const queryKey = queryKeyOf(LIST_KEYS);

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
const queryParts = queryPartsOf(queryKey, queryValue, COMMON_QUERY_JUNK, ['status', 'user_id', 'organization_id', 'role', 'enrollment_mode', 'domains'], [2, 5, 101, 300]);
const junkQuery = junkQueryOf(queryParts);

// ---- path ids ----

const PATH_JUNK = ['..', '.', '%2F', '..%2F..%2F', '%2e%2e', '%', '%ZZ', '%00', '%C0%AF', '%FF', '%ED%A0%80', ' ', '%20', '+', ';', 'null', 'undefined', '0', '-1', '__proto__', 'constructor', 'bulk', 'pending', 'memberships', 'metadata', 'logo', big(128), big(129), big(3000), '🙂', '\\', '*', '\u0000'];

const pathIdOf = (real: fc.Arbitrary<string>) => kitPathIdOf(real, PATH_JUNK, urlString);
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

describe.each(testDialects())('organizations BAPI fuzz on %s', (dialect) => {
  let t: TestServer;
  let generation = 0;

  async function observe(): Promise<{ canon: Canonical<Table>; ctx: RefContext }> {
    const s = await snapshotTables(t, TABLES, keyOf);
    const canon = canonicalize(TABLES, s, keyOf);
    const db = t.server.services.storage.db;
    const idents = await db.selectFrom('identifications').select(['id', 'type', 'value']).orderBy('id').execute();
    const users = await db.selectFrom('users').select('id').orderBy('id').execute();
    const images = await db.selectFrom('images').select('id').orderBy('id').execute();
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
    suite.forget();
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
    suite.forget();
  }

  /**
   * A wrong affiliation code is refused and, by design (brute-force limit), counted: that domain's
   * code_attempts goes up by one and its updated_at moves. Anything else must not change.
   */
  function forgiveCountedAttempt(before: Canonical<Table>, after: Canonical<Table>): Canonical<Table> {
    const domains = new Map(after.organization_domains);
    for (const [k, v] of domains) {
      const was = before.organization_domains.get(k);
      if (was === undefined || was === v) continue;
      const a = JSON.parse(was) as Row;
      const b = JSON.parse(v) as Row;
      if (Number(b.code_attempts) === Number(a.code_attempts) + 1 && canonicalRow({ ...b, code_attempts: a.code_attempts, updated_at: a.updated_at }) === canonicalRow(a)) domains.set(k, was);
    }
    return { ...after, organization_domains: domains };
  }

  const suite = fuzzSuite<Canonical<Table>, RefContext, Req>({
    server: () => t,
    observe,
    diff: (before, after) => diffSnapshots(TABLES, before, after),
    resolve: resolveText,
    pathOf: (r, ctx) => fillIds(r.path, r.ids, ctx, resolveText),
    ensureSeeds,
    resolveFormValues: true,
    compared: (r, parsed, before, after) => {
      const code = (parsed as { errors?: { code?: string }[] }).errors?.[0]?.code;
      return r.path.endsWith('/attempt_affiliation_verification') && code === 'form_code_incorrect' ? forgiveCountedAttempt(before, after) : after;
    },
    afterProperty: checkCounts,
  });
  const { fuzz } = suite;

  beforeAll(async () => {
    logSeed('organizations', dialect);
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
