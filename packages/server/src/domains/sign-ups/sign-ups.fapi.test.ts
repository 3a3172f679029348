import { verifyToken } from '@clerk/backend';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { FapiBrowser } from '../../test/fapi-browser.js';
import { jwtKeyOf, startTestServer, testDialects, type TestServer } from '../../test/harness.js';

type Json = Record<string, unknown>;
type Envelope = { response: Json & { id: string; status: string }; client: Json & { sessions: (Json & { last_active_token: { jwt: string } | null })[]; last_active_session_id: string | null } };
type Err = { errors: { code: string; meta?: { param_name?: string } }[] };

const PASSWORD = 'a long and unusual passphrase';

describe.each(testDialects())('sign-up through the Frontend API on %s', (dialect) => {
  let t: TestServer;
  let pem: string;
  let seq = 0;
  const address = () => `new${++seq}-${dialect}@example.com`;

  beforeAll(async () => {
    t = await startTestServer(dialect);
    pem = await jwtKeyOf(t);
  });
  afterAll(async () => {
    await t.close();
  });

  async function codeTo(to: string): Promise<string> {
    const row = await t.server.services.storage.db
      .selectFrom('messages')
      .select('subject')
      .where('to_address', '=', to)
      .orderBy('created_at', 'desc')
      .orderBy('id', 'desc')
      .executeTakeFirstOrThrow();
    return /(\d{6})/.exec(row.subject ?? '')?.[1] ?? '';
  }

  it('signs up with e-mail, password and an e-mail code; the user is what the Backend API shows', async () => {
    const email = address();
    const b = new FapiBrowser(t.url);
    const created = await b.post<Envelope>('/client/sign_ups', { email_address: email, password: PASSWORD, unsafe_metadata: JSON.stringify({ theme: 'dark' }), locale: 'en-US' });
    expect(created.status).toBe(200);
    const su = created.body.response;
    expect(su).toMatchObject({
      object: 'sign_up_attempt',
      status: 'missing_requirements',
      email_address: email,
      missing_fields: [],
      unverified_fields: ['email_address'],
      required_fields: ['email_address', 'password'],
      password_enabled: true,
      unsafe_metadata: { theme: 'dark' },
      created_user_id: null,
    });
    expect(created.body.client.sign_up).toMatchObject({ id: su.id });
    const prepared = await b.post<Envelope>(`/client/sign_ups/${su.id}/prepare_verification`, { strategy: 'email_code' });
    expect((prepared.body.response.verifications as Json).email_address).toMatchObject({ status: 'unverified', strategy: 'email_code', next_action: 'needs_attempt' });
    const wrong = await b.post<Err>(`/client/sign_ups/${su.id}/attempt_verification`, { strategy: 'email_code', code: '000000' === (await codeTo(email)) ? '111111' : '000000' });
    expect(wrong.body.errors[0]).toMatchObject({ code: 'form_code_incorrect', meta: { param_name: 'code' } });
    const done = await b.post<Envelope>(`/client/sign_ups/${su.id}/attempt_verification`, { strategy: 'email_code', code: await codeTo(email) });
    expect(done.status).toBe(200);
    expect(done.body.response.status).toBe('complete');
    const userId = done.body.response.created_user_id as string;
    const sid = done.body.response.created_session_id as string;
    expect(done.body.client.last_active_session_id).toBe(sid);
    expect(done.body.client.sign_up).toBeNull();
    const claims = await verifyToken(done.body.client.sessions[0]?.last_active_token?.jwt ?? '', { jwtKey: pem });
    expect(claims).toMatchObject({ sub: userId, sid });

    const bapi = (await (await t.api(`/users/${userId}`)).json()) as Json & { email_addresses: Json[] };
    expect(bapi).toMatchObject({ password_enabled: true, unsafe_metadata: { theme: 'dark' } });
    expect(bapi.email_addresses[0]).toMatchObject({ email_address: email, verification: { status: 'verified' } });
    expect(bapi.last_sign_in_at).toBeGreaterThan(0);

    // The password chosen at sign-up signs in.
    const again = await new FapiBrowser(t.url).post<Envelope>('/client/sign_ins', { identifier: email, strategy: 'password', password: PASSWORD });
    expect(again.body.response.status).toBe('complete');
  });

  it('lists what is missing, and completes when it is added', async () => {
    const email = `tester+clerk_test-${dialect}@example.com`;
    const b = new FapiBrowser(t.url);
    const created = await b.post<Envelope>('/client/sign_ups', { email_address: email });
    expect(created.body.response).toMatchObject({ missing_fields: ['password'], unverified_fields: ['email_address'] });
    const id = created.body.response.id;
    await b.post(`/client/sign_ups/${id}/prepare_verification`, { strategy: 'email_code' });
    const verified = await b.post<Envelope>(`/client/sign_ups/${id}/attempt_verification`, { strategy: 'email_code', code: '424242' });
    expect(verified.body.response).toMatchObject({ status: 'missing_requirements', missing_fields: ['password'], unverified_fields: [] });
    const done = await b.call<Envelope>('PATCH', `/client/sign_ups/${id}`, { password: PASSWORD });
    expect(done.body.response.status).toBe('complete');
  });

  it('refuses weak passwords and taken addresses under their fields, and stores nothing', async () => {
    const b = new FapiBrowser(t.url);
    const weak = await b.post<Err>('/client/sign_ups', { email_address: address(), password: 'short' });
    expect(weak.status).toBe(422);
    expect(weak.body.errors[0]).toMatchObject({ code: 'form_password_length_too_short', meta: { param_name: 'password' } });
    const existing = address();
    await t.api('/users', { method: 'POST', json: { email_address: [existing] } });
    const taken = await b.post<Err>('/client/sign_ups', { email_address: existing.toUpperCase(), password: PASSWORD });
    expect(taken.body.errors[0]).toMatchObject({ code: 'form_identifier_exists', meta: { param_name: 'email_address' } });
    const bad = await b.post<Err>('/client/sign_ups', { email_address: 'not-an-address', password: PASSWORD });
    expect(bad.body.errors[0]?.meta?.param_name).toBe('email_address');
    const rows = await t.server.services.storage.db.selectFrom('sign_up_attempts').select('id').where('email_address', 'in', [existing, 'not-an-address']).execute();
    expect(rows).toEqual([]);
  });

  it('enforces the blocklist through the access service', async () => {
    expect((await t.api('/instance/restrictions', { method: 'PATCH', json: { blocklist: true } })).status).toBe(200);
    expect((await t.api('/blocklist_identifiers', { method: 'POST', json: { identifier: '*@blocked.test' } })).status).toBe(200);
    const res = await new FapiBrowser(t.url).post<Err>('/client/sign_ups', { email_address: `x${dialect}@blocked.test`, password: PASSWORD });
    expect(res.status).toBe(403);
    expect(res.body.errors[0]?.meta?.param_name).toBe('email_address');
  });

  it('redeems an invitation ticket once: the invited address counts as verified', async () => {
    const email = address();
    const inv = (await (await t.api('/invitations', { method: 'POST', json: { email_address: email, public_metadata: { plan: 'pro' }, notify: false } })).json()) as { id: string; url: string };
    const ticket = new URL(inv.url).searchParams.get('ticket') ?? '';
    const b = new FapiBrowser(t.url);
    const done = await b.post<Envelope>('/client/sign_ups', { strategy: 'ticket', ticket, password: PASSWORD });
    expect(done.status).toBe(200);
    expect(done.body.response).toMatchObject({ status: 'complete', email_address: email });
    const user = (await (await t.api(`/users/${done.body.response.created_user_id as string}`)).json()) as Json;
    expect(user.public_metadata).toEqual({ plan: 'pro' });
    const invitation = (await (await t.api(`/invitations?status=accepted`)).json()) as { id: string }[];
    expect(invitation.map((i) => i.id)).toContain(inv.id);
    const reused = await new FapiBrowser(t.url).post<Err>('/client/sign_ups', { strategy: 'ticket', ticket, password: PASSWORD });
    expect(reused.body.errors[0]?.code).toBe('invitation_not_pending');
  });

  it('makes one user of concurrent sign-ups with one address', async () => {
    const email = `race+clerk_test-${dialect}@example.com`;
    const browsers = Array.from({ length: 4 }, () => new FapiBrowser(t.url));
    const ids: string[] = [];
    for (const b of browsers) {
      const r = await b.post<Envelope>('/client/sign_ups', { email_address: email, password: PASSWORD });
      ids.push(r.body.response.id);
      await b.post(`/client/sign_ups/${r.body.response.id}/prepare_verification`, { strategy: 'email_code' });
    }
    const results = await Promise.all(browsers.map((b, i) => b.post<Envelope & Err>(`/client/sign_ups/${ids[i] as string}/attempt_verification`, { strategy: 'email_code', code: '424242' })));
    expect(results.filter((r) => r.status === 200 && r.body.response.status === 'complete')).toHaveLength(1);
    for (const r of results.filter((x) => x.status !== 200)) expect(r.body.errors[0]?.code).toBe('form_identifier_exists');
    const users = (await (await t.api(`/users?email_address=${encodeURIComponent(email)}`)).json()) as unknown[];
    expect(users).toHaveLength(1);
  });
});
