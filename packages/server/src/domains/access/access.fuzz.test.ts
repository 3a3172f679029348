/**
 * Fuzzing the access, invitations, templates and messages Backend API with fast-check:
 * `/allowlist_identifiers`, `/blocklist_identifiers`, `/instance/restrictions`, `/invitations`,
 * `/templates/{type}[/{slug}[/revert|/preview|/toggle_delivery]]`, `/emails`, `/sms_messages`, and the
 * unauthenticated `GET /tickets/accept`.
 *
 * Every answer must hold three properties (the approach of users.fuzz.test.ts):
 *   1. the status is 2xx or 4xx (3xx too for /tickets/accept), never 5xx;
 *   2. a 4xx is the Clerk error envelope with `content-type: application/json` (an HTML page for
 *      /tickets/accept), and a 2xx is JSON;
 *   3. a 4xx changed nothing: allowlist_identifiers, blocklist_identifiers, invitations, templates,
 *      messages and instance are identical (every column, `updated_at` included) before and after.
 *
 * Ids of real rows are generated as markers (`\uE000allow:3`) and resolved just before sending against the
 * rows present then. The delivery worker is stopped so that queued messages do not change under the
 * snapshot. LATCH_FUZZ_SCALE multiplies the number of runs; LATCH_FUZZ_SEED pins the seed.
 */
import fc from 'fast-check';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  type BaseReq,
  type Body,
  type Canonical,
  canonicalize,
  COMMON_QUERY_JUNK,
  commonBodyOf,
  bulkBodyOf,
  big,
  bigString,
  describeFetchError,
  diffSnapshots,
  edgeValue,
  enc,
  type Fields,
  fillIds,
  fuzzParams,
  fuzzSuite,
  junkQueryOf,
  logSeed,
  metadata,
  type Method,
  nasty,
  nullableBool,
  type PathId,
  pathIdOf as kitPathIdOf,
  preview,
  type QueryPart,
  queryKeyOf,
  queryPartsOf,
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

interface Req extends BaseReq {
  /** Path below /v1; `{0}`, `{1}` are replaced by the path ids. */
  ids: PathId[];
}

// ---------------------------------------------------------------------------------------------------
// Markers for real ids and values, resolved at run time
// ---------------------------------------------------------------------------------------------------

type RefKind = 'allow' | 'block' | 'invitation' | 'emailIdn' | 'phoneIdn' | 'user' | 'email' | 'sms' | 'emailValue' | 'allowValue' | 'blockValue' | 'invitationEmail' | 'ticket';
type RefContext = Record<RefKind, string[]>;

const FALLBACK: Record<RefKind, string> = {
  allow: 'alid_2zzzzzzzzzzzzzzzzzzzzzzzzzz',
  block: 'blid_2zzzzzzzzzzzzzzzzzzzzzzzzzz',
  invitation: 'inv_2zzzzzzzzzzzzzzzzzzzzzzzzzz',
  emailIdn: 'idn_2zzzzzzzzzzzzzzzzzzzzzzzzzz',
  phoneIdn: 'idn_2zzzzzzzzzzzzzzzzzzzzzzzzzy',
  user: 'user_2zzzzzzzzzzzzzzzzzzzzzzzzzz',
  email: 'ema_2zzzzzzzzzzzzzzzzzzzzzzzzzz',
  sms: 'sms_2zzzzzzzzzzzzzzzzzzzzzzzzzz',
  emailValue: 'nobody@example.com',
  allowValue: 'nobody-allowed@example.com',
  blockValue: 'nobody-blocked@example.com',
  invitationEmail: 'nobody-invited@example.com',
  ticket: 'not-a-ticket',
};

const ref = (kind: RefKind, upper = false) => refOf(kind, upper);
const resolveText = refResolver(FALLBACK);

// ---------------------------------------------------------------------------------------------------
// Value generators
// ---------------------------------------------------------------------------------------------------

const email = fc.oneof(
  { weight: 4, arbitrary: fc.emailAddress({ size: 'xsmall' }) },
  { weight: 1, arbitrary: nasty.map((n) => `${n}@example.com`) },
  { weight: 2, arbitrary: fc.oneof(ref('emailValue'), ref('allowValue'), ref('blockValue'), ref('invitationEmail')) },
  { weight: 1, arbitrary: fc.oneof(ref('emailValue', true), ref('invitationEmail', true)).map((v) => ` ${v} `) },
  { weight: 2, arbitrary: fc.constantFrom('fresh@example.com', 'x@example', '@example.com', 'a@b.c', 'a..b@example.com', 'a+tag@example.com', `${'l'.repeat(65)}@example.com`, `a@${'d'.repeat(250)}.com`) },
);

const phoneValue = fc.oneof(fc.stringMatching(/^\+[1-9]\d{7,14}$/), fc.constantFrom('+1 (415) 555-0100', '12345', '+0123456789', '+', '+1234567890123456'));
const wallet = fc.oneof(fc.stringMatching(/^0x[0-9a-fA-F]{40}$/), fc.constantFrom('0x', '0xZZ', `0x${'0'.repeat(41)}`));
const wildcard = fc.oneof(fc.domain().map((d) => `*@${d}`), fc.constantFrom('*@', '*@*', '*@.', '*@-x.com', '*@x', '*@exa mple.com', '*@EXAMPLE.COM', '**@x.com', '*x@y.com'));

const identifierValue = fc.oneof(email, phoneValue, wallet, wildcard, weirdString);


const ALLOW_BODY: Fields = { identifier: identifierValue, notify: nullableBool };
const BLOCK_BODY: Fields = { identifier: identifierValue };
const RESTRICTIONS_BODY: Fields = {
  allowlist: nullableBool,
  blocklist: nullableBool,
  allowlist_blocklist_disabled_on_sign_in: nullableBool,
  block_email_subaddresses: nullableBool,
  block_disposable_email_domains: nullableBool,
};
const INVITATION_BODY: Fields = {
  email_address: email,
  public_metadata: fc.oneof(metadata, fc.constant(null)),
  redirect_url: fc.oneof(fc.webUrl(), fc.constantFrom('javascript:alert(1)', '/relative', 'http://', '', 'ftp://x', null), weirdString),
  notify: nullableBool,
  ignore_existing: nullableBool,
  expires_in_days: fc.oneof(fc.integer({ min: -3, max: 400 }), fc.constantFrom(0, 1e6, 2 ** 31, 2 ** 53, null)),
  template_slug: fc.constantFrom('invitation', 'waitlist_invitation', 'verification_code', '', null),
};

const EMAIL_SLUGS = ['verification_code', 'reset_password_code', 'magic_link_sign_in', 'magic_link_sign_up', 'invitation', 'waitlist_invitation', 'organization_invitation', 'allowlist_notification', 'password_changed', 'primary_email_address_changed'];
const SMS_SLUGS = ['verification_code', 'reset_password_code', 'invitation', 'allowlist_notification'];

const templateText = fc.oneof(
  fc.string({ maxLength: 40 }),
  fc.constantFrom('{{action_url}}', 'Hi {{app.name}} {{action_url}}', '{{otp_code}}', '{{{action_url}}}', '{{#each x}}{{/each}}', '{{', '}}{{', '{{action_url', '<b>{{action_url}}</b>', '{{> partial}}', '{{constructor.constructor}}', '{{__proto__}}'),
  nasty,
  bigString,
);
const TEMPLATE_BODY: Fields = {
  name: fc.oneof(fc.string({ maxLength: 20 }), weirdString),
  subject: fc.oneof(templateText, fc.constant(null)),
  markup: templateText,
  body: templateText,
  delivered_by_clerk: fc.boolean(),
  from_email_name: fc.oneof(fc.string({ maxLength: 20 }), fc.constant(null), nasty),
  reply_to_email_name: fc.oneof(fc.string({ maxLength: 20 }), fc.constant(null), nasty),
};
const PREVIEW_BODY: Fields = { subject: templateText, body: templateText, from_email_name: fc.string({ maxLength: 20 }), reply_to_email_name: fc.string({ maxLength: 20 }) };
const TOGGLE_BODY: Fields = { delivered_by_clerk: nullableBool };

const idnRef = fc.oneof(ref('emailIdn'), ref('emailIdn'), ref('phoneIdn'), ref('user'), weirdString);
const EMAIL_BODY: Fields = {
  from_email_name: fc.oneof(fc.string({ maxLength: 20 }), fc.constantFrom('a\r\nBcc: x@y', 'a<b>', '"q"', 'x'.repeat(65), null)),
  subject: fc.oneof(fc.string({ minLength: 1, maxLength: 30 }), fc.constantFrom('line\nbreak', '', 'x'.repeat(999))),
  body: fc.oneof(fc.string({ minLength: 1, maxLength: 60 }), templateText),
  email_address_id: idnRef,
};
const SMS_BODY: Fields = {
  message: fc.oneof(fc.string({ minLength: 1, maxLength: 60 }), fc.constantFrom('', 'x'.repeat(1600), 'x'.repeat(1601), '🙂'.repeat(900))),
  phone_number_id: fc.oneof(ref('phoneIdn'), ref('phoneIdn'), ref('emailIdn'), ref('user'), weirdString),
};

const EXTRA_KEYS = ['__proto__', 'constructor', 'prototype', 'toString', 'nope', '', 'id', 'object', 'identifier_type', 'status', 'instance_id'];
const structured = structuredOf(edgeValue, EXTRA_KEYS);

const RAW_TEXTS = [
  '{', '{"a":', '[1,2', 'null', 'true', '1', '"str"', '[]', '{}garbage', '{"a":1,"a":2}', '{"__proto__":{"polluted":true}}', '\uFEFF{}', 'NaN', '1e400',
  '{"expires_in_days":1e400}', '{"identifier":"\\ud800"}', '{"identifier":"\\u0000"}', '{"email_address":"a\\u0000@example.com"}', '{"public_metadata":{"\\u0000":1}}',
  '[{"email_address":"a@example.com"},', '[null]', '[[]]', '\u0000', ' ', 'a=b&c=d', '<xml/>', '{"a":1}{"b":2}', '[' + '1,'.repeat(300) + '1]',
];
const rawText = rawTextOf(RAW_TEXTS);

/** Bodies of every kind; `value` drives the structured ones. */
const bodyOf = (value: fc.Arbitrary<unknown>) => commonBodyOf(value, rawText);
const bodyArb = (fields: Fields, required: readonly string[] = []) => bodyOf(structured(fields, required));

/** Bulk invitation bodies: arrays of 0..12 structured items, junk elements, or not an array at all. */
const bulkBody = bulkBodyOf(bodyOf, structured(INVITATION_BODY, ['email_address']), (i) => ({ email_address: `bulk${i}@example.com`, notify: false }), edgeValue);

// ---- query strings ----

const LIST_KEYS = ['paginated', 'limit', 'offset', 'status', 'query', 'order_by', 'email_address', 'identifier'];

const queryKey = queryKeyOf(LIST_KEYS);

const queryValue = fc.oneof(
  { weight: 4, arbitrary: fc.constantFrom('0', '-0', '1', '-1', '10', '500', '501', '1e3', '1.5', 'NaN', 'Infinity', '0x10', ' 1', '+1', '9999999999999999', '1000000000', '1000000001', '') },
  { weight: 2, arbitrary: fc.constantFrom('+created_at', '-created_at', 'created_at', 'email_address', '-expires_at', '--created_at', '+-created_at', '-', '+', 'id', '__proto__', 'created_at;DROP TABLE x') },
  { weight: 2, arbitrary: fc.constantFrom('pending', 'accepted', 'revoked', 'expired', 'PENDING', 'true', 'false', 'TRUE', 'yes', '1', '0') },
  { weight: 1, arbitrary: fc.constantFrom('%ED%A0%80', '%C0%80', '%FF', '%00', 'a%00b', '%E2%80%AE', '%25', '%5F', '_%') },
  { weight: 1, arbitrary: fc.oneof(ref('invitationEmail'), ref('allowValue')) },
  { weight: 3, arbitrary: urlString },
  { weight: 1, arbitrary: fc.constantFrom(64, 65, 320, 321).map((n) => 'q'.repeat(n)) },
);

const queryParts = queryPartsOf(queryKey, queryValue, COMMON_QUERY_JUNK, ['status', 'limit', 'query', 'paginated'], [2, 101, 300]);
const junkQuery = junkQueryOf(queryParts);

// ---- path ids ----

const PATH_JUNK = ['..', '.', '%2F', '..%2F..%2F', '%2e%2e', '%', '%ZZ', '%00', '%C0%AF', '%FF', '%ED%A0%80', ' ', '%20', '+', ';', 'null', 'undefined', '0', '-1', '__proto__', 'constructor', 'bulk', 'revoke', big(128), big(129), big(3000), '🙂', '\\', '*', '\u0000'];

const pathIdOf = (real: fc.Arbitrary<string>) => kitPathIdOf(real, PATH_JUNK, urlString);
const anyRef = fc.oneof(ref('allow'), ref('block'), ref('invitation'), ref('email'), ref('sms'), ref('emailIdn'));
const templateType = fc.oneof({ weight: 8, arbitrary: fc.constantFrom('email', 'sms') }, { weight: 1, arbitrary: fc.constantFrom('EMAIL', 'Email', 'push', 'email ', '') });
const templateSlug = fc.oneof({ weight: 6, arbitrary: fc.constantFrom(...EMAIL_SLUGS, ...SMS_SLUGS) }, { weight: 1, arbitrary: fc.constantFrom('VERIFICATION_CODE', 'verification-code', 'x'.repeat(64), 'x'.repeat(65)) });

function req(method: Method, path: string, parts: { ids?: fc.Arbitrary<PathId>[]; query?: fc.Arbitrary<QueryPart[]>; body?: fc.Arbitrary<Body> } = {}): fc.Arbitrary<Req> {
  return fc.record({
    method: fc.constant(method),
    path: fc.constant(path),
    ids: fc.tuple(...(parts.ids ?? [])),
    query: parts.query ?? junkQuery,
    body: method === 'GET' ? fc.constant<Body>({ kind: 'none' }) : (parts.body ?? bodyArb({})),
  });
}


// ---------------------------------------------------------------------------------------------------
// Snapshots
// ---------------------------------------------------------------------------------------------------

const TABLES = ['allowlist_identifiers', 'blocklist_identifiers', 'invitations', 'templates', 'messages', 'instance'] as const;
type Table = (typeof TABLES)[number];
const keyOf: Record<Table, (r: Row) => string> = {
  allowlist_identifiers: (r) => String(r.id),
  blocklist_identifiers: (r) => String(r.id),
  invitations: (r) => String(r.id),
  templates: (r) => `${String(r.template_type)}/${String(r.slug)}`,
  messages: (r) => String(r.id),
  instance: (r) => String(r.id),
};

/** Tickets found in any `…/tickets/accept?ticket=…` URL of a response. */
function harvestTickets(text: string, into: Set<string>): void {
  for (const m of text.matchAll(/tickets\/accept\?ticket=([^"&\s\\]+)/g)) {
    try {
      into.add(decodeURIComponent(m[1] as string));
    } catch {
      // not a ticket
    }
  }
}
describe.each(testDialects())('access, invitations, templates and messages BAPI fuzz on %s', (dialect) => {
  let t: TestServer;
  const tickets = new Set<string>();
  let generation = 0;

  async function observe(): Promise<{ canon: Canonical<Table>; ctx: RefContext }> {
    const s = await snapshotTables(t, TABLES, keyOf);
    const canon = canonicalize(TABLES, s, keyOf);
    const db = t.server.services.storage.db;
    const idents = await db.selectFrom('identifications').select(['id', 'type', 'value']).orderBy('id').execute();
    const users = await db.selectFrom('users').select('id').orderBy('id').execute();
    const ctx: RefContext = {
      allow: strings(s.allowlist_identifiers, 'id'),
      block: strings(s.blocklist_identifiers, 'id'),
      invitation: strings(s.invitations, 'id'),
      emailIdn: idents.filter((r) => r.type === 'email_address').map((r) => r.id),
      phoneIdn: idents.filter((r) => r.type === 'phone_number').map((r) => r.id),
      user: users.map((u) => u.id),
      email: strings(s.messages.filter((m) => m.kind === 'email'), 'id'),
      sms: strings(s.messages.filter((m) => m.kind === 'sms'), 'id'),
      emailValue: idents.filter((r) => r.type === 'email_address').map((r) => r.value),
      allowValue: strings(s.allowlist_identifiers, 'identifier'),
      blockValue: strings(s.blocklist_identifiers, 'identifier'),
      invitationEmail: strings(s.invitations, 'email_address'),
      ticket: [...tickets],
    };
    return { canon, ctx };
  }

  async function api(path: string, method: string, json?: unknown): Promise<unknown> {
    const res = await t.api(path, { method, ...(json !== undefined ? { json } : {}) });
    const text = await res.text();
    harvestTickets(text, tickets);
    expect(res.status, `seeding ${method} ${path}: ${text}`).toBe(200);
    return JSON.parse(text) as unknown;
  }

  /** Users with addresses and phones, allow/block entries, pending and revoked invitations, a template override and messages; topped up when fuzzing deleted them. */
  async function ensureSeeds(): Promise<void> {
    suite.forget();
    const { ctx } = await observe();
    const g = ++generation;
    if (ctx.emailIdn.length < 2 || ctx.phoneIdn.length < 1) {
      await api('/users', 'POST', { email_address: [`seed${g}@example.com`, `seed${g}b@example.com`], phone_number: [`+1415${String(5_000_000 + g)}`] });
    }
    if (ctx.allow.length < 3) {
      await api('/allowlist_identifiers', 'POST', { identifier: `allowed${g}@example.com` });
      await api('/allowlist_identifiers', 'POST', { identifier: `*@allowed${g}.example.com` });
      await api('/allowlist_identifiers', 'POST', { identifier: `+1415${String(6_000_000 + g)}` });
    }
    if (ctx.block.length < 2) {
      await api('/blocklist_identifiers', 'POST', { identifier: `blocked${g}@example.com` });
      await api('/blocklist_identifiers', 'POST', { identifier: `*@blocked${g}.example.com` });
    }
    if (ctx.invitation.length < 3) {
      await api('/invitations', 'POST', { email_address: `invited${g}@example.com`, public_metadata: { seed: g, nested: { a: [1, 2] } } });
      await api('/invitations', 'POST', { email_address: `invited${g}b@example.com`, notify: false, expires_in_days: 3 });
      const revoked = (await api('/invitations', 'POST', { email_address: `revoked${g}@example.com`, notify: false })) as { id: string };
      await api(`/invitations/${revoked.id}/revoke`, 'POST');
    }
    await api('/invitations?status=pending&limit=50', 'GET');
    const db = t.server.services.storage.db;
    const overrides = await db.selectFrom('templates').select('slug').execute();
    if (overrides.length === 0) await api('/templates/email/invitation', 'PUT', { name: 'Seeded invitation', subject: 'Join us', body: '<p>{{action_url}}</p>' });
    const after = await observe();
    if (after.ctx.email.length < 1) await api('/emails', 'POST', { email_address_id: after.ctx.emailIdn[0], subject: 'Seed', body: 'Hello' });
    if (after.ctx.sms.length < 1) await api('/sms_messages', 'POST', { phone_number_id: after.ctx.phoneIdn[0], message: 'Hello' });
    suite.forget();
  }
  const suite = fuzzSuite<Canonical<Table>, RefContext, Req>({
    server: () => t,
    observe,
    diff: (before, after) => diffSnapshots(TABLES, before, after),
    resolve: resolveText,
    pathOf: (r, ctx) => fillIds(r.path, r.ids, ctx, resolveText),
    ensureSeeds,
    onResponse: (_status, text) => harvestTickets(text, tickets),
  });
  const { fuzz } = suite;

  beforeAll(async () => {
    logSeed('access', dialect);
    t = await startTestServer(dialect);
    // Queued messages must not change under the snapshots.
    await t.server.services.delivery.stop();
  });
  afterAll(async () => {
    await t?.close();
  });

  const TIMEOUT = 120_000;
  const allowId = pathIdOf(fc.oneof(ref('allow'), ref('allow'), anyRef));
  const blockId = pathIdOf(fc.oneof(ref('block'), ref('block'), anyRef));
  const invId = pathIdOf(fc.oneof(ref('invitation'), ref('invitation'), anyRef));

  it('GET /allowlist_identifiers and /blocklist_identifiers with junk query strings', () =>
    fuzz(fc.oneof(req('GET', '/allowlist_identifiers', { query: queryParts }), req('GET', '/blocklist_identifiers', { query: queryParts })), 120), TIMEOUT);
  it('POST /allowlist_identifiers', () => fuzz(req('POST', '/allowlist_identifiers', { body: bodyArb(ALLOW_BODY, ['identifier']) }), 200), TIMEOUT);
  it('POST /blocklist_identifiers', () => fuzz(req('POST', '/blocklist_identifiers', { body: bodyArb(BLOCK_BODY, ['identifier']) }), 160), TIMEOUT);
  it('DELETE /allowlist_identifiers/{id} and /blocklist_identifiers/{id}', () =>
    fuzz(fc.oneof(req('DELETE', '/allowlist_identifiers/{0}', { ids: [allowId] }), req('DELETE', '/blocklist_identifiers/{0}', { ids: [blockId] })), 100), TIMEOUT);
  it('GET and PATCH /instance/restrictions', () =>
    fuzz(fc.oneof(req('GET', '/instance/restrictions'), req('PATCH', '/instance/restrictions', { body: bodyArb(RESTRICTIONS_BODY) })), 120), TIMEOUT);
  it('GET /invitations with junk query strings', () => fuzz(req('GET', '/invitations', { query: queryParts }), 160), TIMEOUT);
  it('POST /invitations', () => fuzz(req('POST', '/invitations', { body: bodyArb(INVITATION_BODY, ['email_address']) }), 200), TIMEOUT);
  it('POST /invitations/bulk with junk arrays', () => fuzz(req('POST', '/invitations/bulk', { body: bulkBody }), 140), TIMEOUT);
  it('POST /invitations/{id}/revoke and DELETE /invitations/{id}', () =>
    fuzz(fc.oneof(req('POST', '/invitations/{0}/revoke', { ids: [invId] }), req('DELETE', '/invitations/{0}', { ids: [invId] })), 120), TIMEOUT);
  it('/templates/{type}[/{slug}[/revert|/preview|/toggle_delivery]]', () => {
    const type = pathIdOf(templateType);
    const slug = pathIdOf(templateSlug);
    return fuzz(
      fc.oneof(
        req('GET', '/templates/{0}', { ids: [type], query: queryParts }),
        req('GET', '/templates/{0}/{1}', { ids: [type, slug] }),
        req('PUT', '/templates/{0}/{1}', { ids: [type, slug], body: bodyArb(TEMPLATE_BODY) }),
        req('POST', '/templates/{0}/{1}/revert', { ids: [type, slug] }),
        req('POST', '/templates/{0}/{1}/preview', { ids: [type, slug], body: bodyArb(PREVIEW_BODY) }),
        req('POST', '/templates/{0}/{1}/toggle_delivery', { ids: [type, slug], body: bodyArb(TOGGLE_BODY) }),
      ),
      300,
    );
  }, TIMEOUT);
  it('POST /emails and GET /emails/{id}', () =>
    fuzz(
      fc.oneof(
        req('POST', '/emails', { body: bodyArb(EMAIL_BODY, ['subject', 'body', 'email_address_id']) }),
        req('GET', '/emails/{0}', { ids: [pathIdOf(fc.oneof(ref('email'), ref('email'), ref('sms'), anyRef))] }),
      ),
      160,
    ), TIMEOUT);
  it('POST /sms_messages and GET /sms_messages/{id}', () =>
    fuzz(
      fc.oneof(
        req('POST', '/sms_messages', { body: bodyArb(SMS_BODY, ['message', 'phone_number_id']) }),
        req('GET', '/sms_messages/{0}', { ids: [pathIdOf(fc.oneof(ref('sms'), ref('sms'), ref('email'), anyRef))] }),
      ),
      120,
    ), TIMEOUT);
  it('any method on any of these paths with any body', () => {
    const paths = [
      '/allowlist_identifiers', '/allowlist_identifiers/{0}', '/blocklist_identifiers', '/blocklist_identifiers/{0}', '/instance/restrictions', '/invitations',
      '/invitations/bulk', '/invitations/{0}', '/invitations/{0}/revoke', '/templates/email', '/templates/email/{0}', '/templates/sms/{0}/revert',
      '/templates/email/{0}/preview', '/templates/email/{0}/toggle_delivery', '/emails', '/emails/{0}', '/sms_messages', '/sms_messages/{0}', '/invitations/{0}/nope',
    ];
    const all: Fields = { ...ALLOW_BODY, ...INVITATION_BODY, ...TEMPLATE_BODY, ...EMAIL_BODY, ...SMS_BODY, ...RESTRICTIONS_BODY };
    const arb = fc
      .tuple(fc.constantFrom<Method>('GET', 'POST', 'PUT', 'PATCH', 'DELETE', 'OPTIONS'), fc.constantFrom(...paths))
      .chain(([m, p]) => req(m, p, { ids: [pathIdOf(fc.oneof(anyRef, templateSlug))], query: junkQuery, body: bodyArb(all) }));
    return fuzz(arb, 200);
  }, TIMEOUT);

  it('GET /tickets/accept with junk and real tickets answers a redirect or an HTML 404/410 and changes nothing', async () => {
    await ensureSeeds();
    const ticket = fc.oneof(
      { weight: 3, arbitrary: ref('ticket') },
      { weight: 2, arbitrary: fc.tuple(ref('ticket'), fc.constantFrom('x', 'X', '.', '%00', '==', '\u0000')).map(([a, s]) => a + s) },
      { weight: 1, arbitrary: ref('ticket').map((x) => `\uE003${x}`) },
      { weight: 3, arbitrary: urlString },
      { weight: 1, arbitrary: fc.constantFrom('', '.', '..', 'a.b', 'a.b.c', 'eyJ.eyJ.sig', 'inv_x.sig', big(5000), '%', '%ZZ') },
    );
    const arb = fc.record({ ticket: fc.option(ticket, { freq: 10 }), encode: fc.boolean(), extra: fc.option(fc.constantFrom('ticket=x', 'ticket=', 'ticket[]=a', 'x=1'), { freq: 4 }) });
    await fc.assert(
      fc.asyncProperty(arb, async ({ ticket: tk, encode, extra }) => {
        const before = await suite.take();
        let value = tk === null ? null : resolveText(tk, before.ctx);
        // \uE003 marks a real ticket with one character flipped in the middle.
        if (value !== null && value.startsWith('\uE003')) {
          const v = value.slice(1);
          const at = Math.floor(v.length / 2);
          value = v.slice(0, at) + (v[at] === 'A' ? 'B' : 'A') + v.slice(at + 1);
        }
        const params = [value === null ? null : `ticket=${enc(value, encode)}`, extra].filter((x): x is string => x !== null);
        const target = `/tickets/accept${params.length ? `?${params.join('&')}` : ''}`;
        try {
          new URL(`${t.url}${target}`);
        } catch {
          return;
        }
        let res: Response;
        let text: string;
        try {
          res = await fetch(`${t.url}${target}`, { redirect: 'manual', headers: { connection: 'close' } });
          text = await res.text();
        } catch (err) {
          return expect.fail(`no response: ${describeFetchError(err)}\nGET ${preview(target, 400)}`);
        }
        const contentType = res.headers.get('content-type') ?? '';
        const what = `GET ${preview(target, 400)}\n  -> ${res.status} [${contentType}] ${preview(text, 800)}`;
        expect(res.status, what).toBeLessThan(500);
        if (res.status === 303) {
          expect(res.headers.get('location'), what).toBeTruthy();
        } else {
          expect([404, 410], what).toContain(res.status);
          expect(contentType.toLowerCase().startsWith('text/html'), what).toBe(true);
        }
        const after = await observe();
        expect(diffSnapshots(TABLES, before.canon, after.canon), `GET /tickets/accept changed data\n${what}`).toEqual([]);
        suite.keep(after);
      }),
      fuzzParams(160),
    );
  }, TIMEOUT);
});
