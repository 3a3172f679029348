import fc from 'fast-check';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { FapiBrowser } from '../../test/fapi-browser.js';
import { enc, fuzzParams, logSeed, weirdString } from '../../test/fuzz-kit.js';
import { startTestServer, testDialects, type TestServer } from '../../test/harness.js';

type Json = Record<string, unknown>;
type Envelope = { response: Json & { id: string; status: string }; client: Json & { id: string; sessions: Json[]; last_active_session_id: string | null } };
type Err = { errors: { code: string; meta?: { param_name?: string } }[] };

const PASSWORD = 'correct horse battery staple';
const LANDING = 'http://localhost:3000/sign-in/verify';

describe.each(testDialects())('e-mail links on %s', (dialect) => {
  let t: TestServer;
  let seq = 0;

  beforeAll(async () => {
    t = await startTestServer(dialect);
  });
  afterAll(async () => {
    await t.close();
  });
  beforeEach(async () => {
    const res = await t.api('/instance/auth_settings', { method: 'PATCH', json: { email_address: { verification: ['email_code', 'email_link'] }, email_link_require_same_client: false } });
    expect(res.status).toBe(200);
  });

  async function user(extra: Json = {}): Promise<{ id: string; email: string }> {
    const email = `linked${++seq}-${dialect}@example.com`;
    const res = await t.api('/users', { method: 'POST', json: { email_address: [email], password: PASSWORD, ...extra } });
    expect(res.status).toBe(200);
    return { id: ((await res.json()) as { id: string }).id, email };
  }

  /** The link in the newest e-mail of `slug` to `address`, as the person would click it. */
  async function lastLinkTo(address: string, slug: string): Promise<string> {
    const row = await t.server.services.storage.db
      .selectFrom('messages')
      .select(['body'])
      .where('to_address', '=', address)
      .where('slug', '=', slug)
      .orderBy('created_at', 'desc')
      .orderBy('id', 'desc')
      .executeTakeFirstOrThrow();
    const href = /href="([^"]+\/fapi\/v1\/verify\?token=[^"]+)"/.exec(row.body)?.[1];
    if (!href) throw new Error('no link in the e-mail');
    return href.replace(/&amp;/g, '&');
  }

  /** A sign-in waiting for its e-mail link, and the link. */
  async function linkSignIn(b: FapiBrowser, email: string): Promise<{ id: string; link: string }> {
    const created = await b.post<Envelope>('/client/sign_ins', { identifier: email });
    expect(created.status).toBe(200);
    const factor = (created.body.response.supported_first_factors as Json[]).find((f) => f.strategy === 'email_link');
    expect(factor).toMatchObject({ strategy: 'email_link', safe_identifier: email, primary: true });
    const prepared = await b.post<Envelope>(`/client/sign_ins/${created.body.response.id}/prepare_first_factor`, {
      strategy: 'email_link',
      email_address_id: factor?.email_address_id as string,
      redirect_url: LANDING,
    });
    expect(prepared.status).toBe(200);
    expect(prepared.body.response.first_factor_verification).toMatchObject({ object: 'verification_email_link', status: 'unverified', strategy: 'email_link', verified_at_client: null });
    return { id: created.body.response.id, link: await lastLinkTo(email, 'magic_link_sign_in') };
  }

  it('a link opened on another device signs in the browser that asked, which finds itself signed in when it polls', async () => {
    const u = await user();
    const asker = new FapiBrowser(t.url);
    const { id, link } = await linkSignIn(asker, u.email);
    expect(link.startsWith(`${t.url}/fapi/v1/verify?token=`)).toBe(true);

    const phone = new FapiBrowser(t.url);
    const opened = await phone.open(link);
    expect(opened.status).toBe(303);
    const landing = new URL(opened.location ?? '');
    expect(`${landing.origin}${landing.pathname}`).toBe(LANDING);
    expect(landing.searchParams.get('__clerk_status')).toBe('verified');
    const sid = landing.searchParams.get('__clerk_created_session');
    expect(sid).toMatch(/^sess_/);
    // The other device gets no client and no session of its own.
    expect(phone.cookies.get('__client')).toBeUndefined();

    const polled = await asker.get<Envelope>(`/client/sign_ins/${id}`);
    expect(polled.body.response).toMatchObject({ status: 'complete', created_session_id: sid });
    expect(polled.body.response.first_factor_verification).toMatchObject({ status: 'verified', strategy: 'email_link', verified_at_client: null });
    expect(polled.body.client.sessions.map((s) => s.id)).toEqual([sid]);
    const users = (await (await t.api(`/users/${u.id}`)).json()) as { last_sign_in_at: number | null };
    expect(users.last_sign_in_at).not.toBeNull();

    // One use only.
    const again = await phone.open(link);
    expect(new URL(again.location ?? '').searchParams.get('__clerk_status')).toBe('failed');
    const sessions = (await (await t.api(`/sessions?user_id=${u.id}`)).json()) as unknown[];
    expect(sessions).toHaveLength(1);
  });

  it('a link opened in the browser that asked signs it in there, with a fresh client token and __client_uat', async () => {
    const u = await user();
    const b = new FapiBrowser(t.url);
    const { id, link } = await linkSignIn(b, u.email);
    const before = b.cookies.get('__client');
    const clientId = (await b.get<Envelope>('/client')).body.response.id;
    const opened = await b.open(link);
    expect(new URL(opened.location ?? '').searchParams.get('__clerk_status')).toBe('verified');
    expect(b.cookies.get('__client')).not.toBe(before);
    expect(b.cookies.get('__client_uat')).toMatch(/^[1-9]\d+$/);
    const polled = await b.get<Envelope>(`/client/sign_ins/${id}`);
    expect(polled.body.response.status).toBe('complete');
    // The SDK compares this with its own client to tell "this tab" from "another device".
    expect(polled.body.response.first_factor_verification).toMatchObject({ verified_at_client: clientId });
  });

  it('refuses a redirect_url off the allowed origins, unknown and forged tokens, and expired links', async () => {
    const u = await user();
    const b = new FapiBrowser(t.url);
    const created = await b.post<Envelope>('/client/sign_ins', { identifier: u.email });
    const evil = await b.post<Err>(`/client/sign_ins/${created.body.response.id}/prepare_first_factor`, { strategy: 'email_link', redirect_url: 'https://evil.example/steal' });
    expect(evil.status).toBe(422);
    expect(evil.body.errors[0]).toMatchObject({ code: 'form_param_value_invalid', meta: { param_name: 'redirect_url' } });
    const notUrl = await b.post<Err>(`/client/sign_ins/${created.body.response.id}/prepare_first_factor`, { strategy: 'email_link', redirect_url: 'javascript:alert(1)' });
    expect(notUrl.body.errors[0]?.meta?.param_name).toBe('redirect_url');

    const stranger = new FapiBrowser(t.url);
    for (const token of ['nonsense', 'ver_abc.def', `ver_${'x'.repeat(26)}.${'A'.repeat(43)}`]) {
      const res = await stranger.open(`${t.url}/fapi/v1/verify?token=${encodeURIComponent(token)}`);
      expect(res.status).toBe(400);
      expect(res.text).toContain('not valid');
    }
    const { id, link } = await linkSignIn(b, u.email);
    // The right id with another secret proves nothing, and does not use up the real link.
    const token = new URL(link).searchParams.get('token') ?? '';
    const forged = `${token.split('.')[0]}.${'B'.repeat(43)}`;
    expect((await stranger.open(`${t.url}/fapi/v1/verify?token=${forged}`)).status).toBe(400);

    await t.server.services.storage.db.updateTable('verifications').set({ expires_at: Date.now() - 1 }).where('owner_id', '=', id).execute();
    const expired = await stranger.open(link);
    expect(new URL(expired.location ?? '').searchParams.get('__clerk_status')).toBe('expired');
    expect((await b.get<Envelope>(`/client/sign_ins/${id}`)).body.response.status).toBe('needs_first_factor');
  });

  it('with email_link_require_same_client, only the browser that asked can use its link', async () => {
    expect((await t.api('/instance/auth_settings', { method: 'PATCH', json: { email_link_require_same_client: true } })).status).toBe(200);
    const env = await new FapiBrowser(t.url).get<Json & { user_settings: { attack_protection: { email_link: { require_same_client: boolean } } } }>('/environment');
    expect(env.body.user_settings.attack_protection.email_link.require_same_client).toBe(true);
    const u = await user();
    const b = new FapiBrowser(t.url);
    const { id, link } = await linkSignIn(b, u.email);
    const elsewhere = await new FapiBrowser(t.url).open(link);
    expect(new URL(elsewhere.location ?? '').searchParams.get('__clerk_status')).toBe('client_mismatch');
    expect((await b.get<Envelope>(`/client/sign_ins/${id}`)).body.response.status).toBe('needs_first_factor');
    const here = await b.open(link);
    expect(new URL(here.location ?? '').searchParams.get('__clerk_status')).toBe('verified');
    expect((await b.get<Envelope>(`/client/sign_ins/${id}`)).body.response.status).toBe('complete');
  });

  it('a user banned after the link was sent is not signed in by it', async () => {
    const u = await user();
    const b = new FapiBrowser(t.url);
    const { id, link } = await linkSignIn(b, u.email);
    expect((await t.api(`/users/${u.id}/ban`, { method: 'POST' })).status).toBe(200);
    const opened = await new FapiBrowser(t.url).open(link);
    expect(new URL(opened.location ?? '').searchParams.get('__clerk_status')).toBe('failed');
    expect((await b.get<Envelope>(`/client/sign_ins/${id}`)).body.response.status).toBe('needs_first_factor');
    expect((await (await t.api(`/sessions?user_id=${u.id}`)).json()) as unknown[]).toHaveLength(0);
  });

  it('only offers and sends links when the instance verifies by link', async () => {
    expect((await t.api('/instance/auth_settings', { method: 'PATCH', json: { email_address: { verification: ['email_code'] } } })).status).toBe(200);
    const u = await user();
    const b = new FapiBrowser(t.url);
    const created = await b.post<Envelope>('/client/sign_ins', { identifier: u.email });
    expect((created.body.response.supported_first_factors as Json[]).map((f) => f.strategy)).not.toContain('email_link');
    const refused = await b.post<Err>(`/client/sign_ins/${created.body.response.id}/prepare_first_factor`, { strategy: 'email_link', redirect_url: LANDING });
    expect(refused.status).toBe(422);
    expect(refused.body.errors[0]).toMatchObject({ code: 'strategy_for_user_invalid', meta: { param_name: 'strategy' } });
  });

  it('signs up with an e-mail link: the address is verified, the user created and the asking browser signed in', async () => {
    const email = `newcomer${++seq}-${dialect}@example.com`;
    const b = new FapiBrowser(t.url);
    const created = await b.post<Envelope>('/client/sign_ups', { email_address: email, password: PASSWORD });
    expect(created.body.response).toMatchObject({ status: 'missing_requirements', unverified_fields: ['email_address'] });
    const prepared = await b.post<Envelope>(`/client/sign_ups/${created.body.response.id}/prepare_verification`, { strategy: 'email_link', redirect_url: 'http://localhost:3000/sign-up/verify' });
    expect(prepared.status).toBe(200);
    expect((prepared.body.response.verifications as Json).email_address).toMatchObject({ strategy: 'email_link', status: 'unverified' });
    const link = await lastLinkTo(email, 'magic_link_sign_up');

    const opened = await new FapiBrowser(t.url).open(link);
    const landing = new URL(opened.location ?? '');
    expect(landing.pathname).toBe('/sign-up/verify');
    expect(landing.searchParams.get('__clerk_status')).toBe('verified');
    const sid = landing.searchParams.get('__clerk_created_session');
    expect(sid).toMatch(/^sess_/);

    const polled = await b.get<Envelope>(`/client/sign_ups/${created.body.response.id}`);
    expect(polled.body.response).toMatchObject({ status: 'complete', created_session_id: sid });
    expect((polled.body.response.verifications as Json).email_address).toMatchObject({ status: 'verified', strategy: 'email_link' });
    const users = (await (await t.api(`/users?email_address=${encodeURIComponent(email)}`)).json()) as { email_addresses: { email_address: string; verification: { status: string; strategy: string } }[]; password_enabled: boolean }[];
    expect(users).toHaveLength(1);
    expect(users[0]?.password_enabled).toBe(true);
    expect(users[0]?.email_addresses[0]?.verification.status).toBe('verified');
  });

  it('of concurrent openings of one link, exactly one proves it and one session is made', async () => {
    const u = await user();
    const b = new FapiBrowser(t.url);
    const { id, link } = await linkSignIn(b, u.email);
    const results = await Promise.all(Array.from({ length: 6 }, () => new FapiBrowser(t.url).open(link)));
    const statuses = results.map((r) => new URL(r.location ?? '').searchParams.get('__clerk_status'));
    expect(statuses.filter((s) => s === 'verified')).toHaveLength(1);
    expect(statuses.filter((s) => s === 'failed')).toHaveLength(5);
    expect((await b.get<Envelope>(`/client/sign_ins/${id}`)).body.response.status).toBe('complete');
    expect((await (await t.api(`/sessions?user_id=${u.id}`)).json()) as unknown[]).toHaveLength(1);
  });

  it('verifies an address added in the profile by link: the address only, nobody is signed in by it', async () => {
    const u = await user();
    const b = new FapiBrowser(t.url);
    const signedIn = await b.post<Envelope>('/client/sign_ins', { identifier: u.email, strategy: 'password', password: PASSWORD });
    expect(signedIn.body.response.status).toBe('complete');
    const second = `added${++seq}-${dialect}@example.com`;
    const added = await b.post<{ response: { id: string; verification: Json | null } }>('/me/email_addresses', { email_address: second });
    expect(added.status).toBe(200);
    const evil = await b.post<Err>(`/me/email_addresses/${added.body.response.id}/prepare_verification`, { strategy: 'email_link', redirect_url: 'https://evil.example/' });
    expect(evil.body.errors[0]?.meta?.param_name).toBe('redirect_url');
    const prepared = await b.post<{ response: { verification: Json } }>(`/me/email_addresses/${added.body.response.id}/prepare_verification`, { strategy: 'email_link', redirect_url: 'http://localhost:3000/user' });
    expect(prepared.status).toBe(200);
    expect(prepared.body.response.verification).toMatchObject({ strategy: 'email_link', status: 'unverified' });
    const link = await lastLinkTo(second, 'magic_link_sign_in');
    const elsewhere = new FapiBrowser(t.url);
    const opened = await elsewhere.open(link);
    const landing = new URL(opened.location ?? '');
    expect(landing.pathname).toBe('/user');
    expect(landing.searchParams.get('__clerk_status')).toBe('verified');
    expect(landing.searchParams.get('__clerk_created_session')).toBeNull();
    expect(elsewhere.cookies.get('__client')).toBeUndefined();
    const bapi = (await (await t.api(`/users/${u.id}`)).json()) as { email_addresses: { email_address: string; verification: { status: string; strategy: string } | null }[] };
    expect(bapi.email_addresses.find((e) => e.email_address === second)?.verification).toMatchObject({ status: 'verified', strategy: 'email_link' });
    const again = await elsewhere.open(link);
    expect(new URL(again.location ?? '').searchParams.get('__clerk_status')).toBe('failed');
    expect((await (await t.api(`/sessions?user_id=${u.id}`)).json()) as unknown[]).toHaveLength(1);
  });

  // Last: it spends this address's per-IP allowance of link openings.
  it('any token at all: never 5xx, and nothing proved or stored', async () => {
    logSeed('email-links', dialect);
    const u = await user();
    const b = new FapiBrowser(t.url);
    const { id, link } = await linkSignIn(b, u.email);
    const real = new URL(link).searchParams.get('token') ?? '';
    const [realId = ''] = real.split('.');
    const token = fc.oneof(weirdString, weirdString.map((s) => `${realId}.${s}`), fc.string({ minLength: 43, maxLength: 43 }).map((s) => `${realId}.${s}`));
    await fc.assert(
      fc.asyncProperty(token, async (tk) => {
        fc.pre(tk !== real);
        const res = await fetch(`${t.url}/fapi/v1/verify?token=${enc(tk, true)}`, { redirect: 'manual' });
        const text = await res.text();
        // A page for a link that proves nothing, the envelope for a malformed request, or the per-IP limit.
        expect([400, 422, 429], text.slice(0, 200)).toContain(res.status);
      }),
      fuzzParams(60),
    );
    expect((await b.get<Envelope>(`/client/sign_ins/${id}`)).body.response.status).toBe('needs_first_factor');
    // The real link is still unused after all that.
    const row = await t.server.services.storage.db.selectFrom('verifications').select(['status', 'attempts']).where('owner_id', '=', id).executeTakeFirstOrThrow();
    expect(row).toEqual({ status: 'unverified', attempts: 0 });
  }, 120_000);

});
