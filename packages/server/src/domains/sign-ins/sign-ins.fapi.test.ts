import { verifyToken } from '@clerk/backend';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { base32Decode, totpCode } from '../../crypto/totp.js';
import { FapiBrowser } from '../../test/fapi-browser.js';
import { jwtKeyOf, startTestServer, testDialects, type TestServer } from '../../test/harness.js';

type Json = Record<string, unknown>;
type Envelope = { response: Json & { id: string; status: string }; client: Json & { sessions: Json[]; last_active_session_id: string | null } };
type Err = { errors: { code: string; meta?: { param_name?: string } }[] };

const PASSWORD = 'correct horse battery staple';
const TOTP_SECRET = 'JBSWY3DPEHPK3PXPJBSWY3DPEHPK3PXP';

describe.each(testDialects())('sign-in through the Frontend API on %s', (dialect) => {
  let t: TestServer;
  let pem: string;
  let seq = 0;

  beforeAll(async () => {
    t = await startTestServer(dialect);
    pem = await jwtKeyOf(t);
  });
  afterAll(async () => {
    await t.close();
  });

  async function user(extra: Json = {}): Promise<{ id: string; email: string }> {
    const email = `person${++seq}-${dialect}@example.com`;
    const res = await t.api('/users', { method: 'POST', json: { email_address: [email], password: PASSWORD, ...extra } });
    expect(res.status).toBe(200);
    return { id: ((await res.json()) as { id: string }).id, email };
  }

  async function lastCodeTo(address: string): Promise<string> {
    const row = await t.server.services.storage.db
      .selectFrom('messages')
      .select(['subject'])
      .where('to_address', '=', address)
      .where('slug', '=', 'verification_code')
      .orderBy('created_at', 'desc')
      .orderBy('id', 'desc')
      .executeTakeFirstOrThrow();
    const code = /(\d{6})/.exec(row.subject ?? '')?.[1];
    if (!code) throw new Error('no code in the e-mail');
    return code;
  }

  it('signs in with a password: identifier first, then the factor, then a session and a verifiable token', async () => {
    const u = await user({ first_name: 'Ada' });
    const b = new FapiBrowser(t.url);
    const created = await b.post<Envelope>('/client/sign_ins', { identifier: u.email, locale: 'en-US' });
    expect(created.status).toBe(200);
    const signIn = created.body.response;
    expect(signIn).toMatchObject({ object: 'sign_in_attempt', status: 'needs_first_factor', identifier: u.email, user_data: { first_name: 'Ada' }, created_session_id: null });
    const factors = signIn.supported_first_factors as Json[];
    expect(factors.map((f) => f.strategy)).toEqual(['password', 'email_code', 'reset_password_email_code']);
    expect(factors[1]).toMatchObject({ safe_identifier: u.email, primary: true });
    expect(created.body.client.sign_in).toMatchObject({ id: signIn.id });
    const firstToken = b.cookies.get('__client');
    expect(firstToken).toBeTruthy();

    const wrong = await b.post<Err>(`/client/sign_ins/${signIn.id}/attempt_first_factor`, { strategy: 'password', password: 'nope nope nope' });
    expect(wrong.status).toBe(422);
    expect(wrong.body.errors[0]).toMatchObject({ code: 'form_password_incorrect', meta: { param_name: 'password' } });

    const done = await b.post<Envelope>(`/client/sign_ins/${signIn.id}/attempt_first_factor`, { strategy: 'password', password: PASSWORD });
    expect(done.status).toBe(200);
    expect(done.body.response.status).toBe('complete');
    const sid = done.body.response.created_session_id as string;
    expect(sid).toMatch(/^sess_/);
    expect(done.body.client.last_active_session_id).toBe(sid);
    expect(done.body.client.sign_in).toBeNull();
    const session = done.body.client.sessions[0] as Json & { user: Json; last_active_token: { jwt: string } };
    expect(session).toMatchObject({ id: sid, status: 'active', user: { id: u.id } });
    expect(session.user).not.toHaveProperty('private_metadata');
    // A new client token after sign-in: the one from before is worth nothing now.
    expect(b.cookies.get('__client')).not.toBe(firstToken);
    expect(b.cookies.get('__client_uat')).toMatch(/^[1-9]\d+$/);

    const fromLoad = await verifyToken(session.last_active_token.jwt, { jwtKey: pem, authorizedParties: [b.origin] });
    expect(fromLoad).toMatchObject({ sub: u.id, sid, v: 2 });

    const token = await b.post<{ object: string; jwt: string }>(`/client/sessions/${sid}/tokens`, { organization_id: '' });
    expect(token.body.object).toBe('token');
    const claims = await verifyToken(token.body.jwt, { jwtKey: pem });
    expect(claims).toMatchObject({ sub: u.id, sid, azp: b.origin, sts: 'active' });
    expect((claims.exp as number) - (claims.iat as number)).toBe(60);
    // The same token through the JWKS the Backend API publishes.
    const viaJwks = await verifyToken(token.body.jwt, { secretKey: t.secretKey, apiUrl: t.url });
    expect(viaJwks.sub).toBe(u.id);

    const me = await t.api(`/users/${u.id}`);
    const bapiUser = (await me.json()) as { last_sign_in_at: number | null };
    expect(bapiUser.last_sign_in_at).toBeGreaterThan(0);
  });

  it('accepts the password on the first request, as the SDK sends it when typed on one screen', async () => {
    const u = await user();
    const b = new FapiBrowser(t.url);
    const res = await b.post<Envelope>('/client/sign_ins', { identifier: u.email, strategy: 'password', password: PASSWORD });
    expect(res.body.response.status).toBe('complete');
  });

  it('says who is unknown, under the identifier field', async () => {
    const b = new FapiBrowser(t.url);
    const res = await b.post<Err>('/client/sign_ins', { identifier: 'nobody@example.com' });
    expect(res.status).toBe(422);
    expect(res.body.errors[0]).toMatchObject({ code: 'form_identifier_not_found', meta: { param_name: 'identifier' } });
  });

  it('signs in with an e-mail code: wrong codes are counted, the right one completes once', async () => {
    const u = await user();
    const b = new FapiBrowser(t.url);
    const created = await b.post<Envelope>('/client/sign_ins', { identifier: u.email });
    const id = created.body.response.id;
    const emailId = ((created.body.response.supported_first_factors as Json[])[1] as Json).email_address_id as string;
    const prepared = await b.post<Envelope>(`/client/sign_ins/${id}/prepare_first_factor`, { strategy: 'email_code', email_address_id: emailId });
    expect(prepared.body.response.first_factor_verification).toMatchObject({ object: 'verification_otp', status: 'unverified', strategy: 'email_code', attempts: 0 });
    const code = await lastCodeTo(u.email);
    const wrong = await b.post<Err>(`/client/sign_ins/${id}/attempt_first_factor`, { strategy: 'email_code', code: code === '000000' ? '111111' : '000000' });
    expect(wrong.status).toBe(422);
    expect(wrong.body.errors[0]).toMatchObject({ code: 'form_code_incorrect', meta: { param_name: 'code' } });
    const after = await b.get<Envelope>(`/client/sign_ins/${id}`);
    expect(after.body.response.first_factor_verification).toMatchObject({ attempts: 1, status: 'unverified' });
    const ok = await b.post<Envelope>(`/client/sign_ins/${id}/attempt_first_factor`, { strategy: 'email_code', code });
    expect(ok.body.response.status).toBe('complete');
    const again = await b.post<Err>(`/client/sign_ins/${id}/attempt_first_factor`, { strategy: 'email_code', code });
    expect(again.status).toBe(400);
  });

  it('gives up on a code after five wrong guesses', async () => {
    const u = await user();
    const b = new FapiBrowser(t.url);
    const id = (await b.post<Envelope>('/client/sign_ins', { identifier: u.email })).body.response.id;
    await b.post(`/client/sign_ins/${id}/prepare_first_factor`, { strategy: 'email_code' });
    const code = await lastCodeTo(u.email);
    const bad = code === '123456' ? '654321' : '123456';
    const codes: string[] = [];
    for (let i = 0; i < 5; i++) codes.push(((await b.post<Err>(`/client/sign_ins/${id}/attempt_first_factor`, { strategy: 'email_code', code: bad })).body.errors[0]?.code) ?? '');
    expect(codes).toEqual(['form_code_incorrect', 'form_code_incorrect', 'form_code_incorrect', 'form_code_incorrect', 'verification_failed']);
    const late = await b.post<Err>(`/client/sign_ins/${id}/attempt_first_factor`, { strategy: 'email_code', code });
    expect(late.body.errors[0]?.code).toBe('verification_failed');
  });

  it('lets a development test address in with 424242 and sends it nothing', async () => {
    const email = `tester+clerk_test-${dialect}@example.com`;
    await t.api('/users', { method: 'POST', json: { email_address: [email] } });
    const b = new FapiBrowser(t.url);
    const id = (await b.post<Envelope>('/client/sign_ins', { identifier: email })).body.response.id;
    await b.post(`/client/sign_ins/${id}/prepare_first_factor`, { strategy: 'email_code' });
    const sent = await t.server.services.storage.db.selectFrom('messages').select('id').where('to_address', '=', email).execute();
    expect(sent).toEqual([]);
    const ok = await b.post<Envelope>(`/client/sign_ins/${id}/attempt_first_factor`, { strategy: 'email_code', code: '424242' });
    expect(ok.body.response.status).toBe('complete');
  });

  it('asks for the authenticator code of a user with TOTP', async () => {
    const u = await user({ totp_secret: TOTP_SECRET });
    const b = new FapiBrowser(t.url);
    const first = await b.post<Envelope>('/client/sign_ins', { identifier: u.email, strategy: 'password', password: PASSWORD });
    expect(first.body.response.status).toBe('needs_second_factor');
    expect(first.body.response.supported_second_factors).toEqual([{ strategy: 'totp' }]);
    expect(first.body.client.sessions).toEqual([]);
    const id = first.body.response.id;
    const bad = await b.post<Err>(`/client/sign_ins/${id}/attempt_second_factor`, { strategy: 'totp', code: '000000' });
    expect(bad.status).toBe(422);
    const code = totpCode(base32Decode(TOTP_SECRET) as Buffer, Math.floor(Date.now() / 30_000));
    const ok = await b.post<Envelope>(`/client/sign_ins/${id}/attempt_second_factor`, { strategy: 'totp', code });
    expect(ok.body.response.status).toBe('complete');
    const claims = await verifyToken((ok.body.client.sessions[0] as { last_active_token: { jwt: string } }).last_active_token.jwt, { jwtKey: pem });
    expect(claims.fva).toEqual([0, 0]);
  });

  it('refuses banned users, and a ban stops tokens of an existing session at once', async () => {
    const u = await user();
    const b = new FapiBrowser(t.url);
    const done = await b.post<Envelope>('/client/sign_ins', { identifier: u.email, strategy: 'password', password: PASSWORD });
    const sid = done.body.response.created_session_id as string;
    expect((await b.post(`/client/sessions/${sid}/tokens`)).status).toBe(200);
    expect((await t.api(`/users/${u.id}/ban`, { method: 'POST' })).status).toBe(200);
    const refused = await b.post<Err>(`/client/sessions/${sid}/tokens`);
    expect(refused.status).toBe(401);
    const again = await new FapiBrowser(t.url).post<Err>('/client/sign_ins', { identifier: u.email });
    expect(again.status).toBe(403);
    expect(again.body.errors[0]?.code).toBe('user_banned');
  });

  it('signs out: the session ends, its token endpoint refuses, the client stays', async () => {
    const u = await user();
    const b = new FapiBrowser(t.url);
    const done = await b.post<Envelope>('/client/sign_ins', { identifier: u.email, strategy: 'password', password: PASSWORD });
    const sid = done.body.response.created_session_id as string;
    const out = await b.call<{ response: Json; client: null }>('DELETE', '/client/sessions');
    expect(out.status).toBe(200);
    expect(out.body.response).toMatchObject({ object: 'client', sessions: [], last_active_session_id: null });
    expect(b.cookies.get('__client_uat')).toBe('0');
    expect((await b.post(`/client/sessions/${sid}/tokens`)).status).toBe(401);
  });

  it('touches a session: activity recorded, organization must be one of the user\'s', async () => {
    const u = await user();
    const b = new FapiBrowser(t.url);
    const done = await b.post<Envelope>('/client/sign_ins', { identifier: u.email, strategy: 'password', password: PASSWORD });
    const sid = done.body.response.created_session_id as string;
    const touched = await b.post<Envelope>(`/client/sessions/${sid}/touch`, { active_organization_id: '', intent: 'select_session' });
    expect(touched.status).toBe(200);
    expect(touched.body.response).toMatchObject({ id: sid, object: 'session', last_active_organization_id: null });
  });

  it('lets exactly one of several concurrent attempts with the right code complete', async () => {
    const u = await user();
    const b = new FapiBrowser(t.url);
    const id = (await b.post<Envelope>('/client/sign_ins', { identifier: u.email })).body.response.id;
    await b.post(`/client/sign_ins/${id}/prepare_first_factor`, { strategy: 'email_code' });
    const code = await lastCodeTo(u.email);
    const results = await Promise.all(Array.from({ length: 6 }, () => b.post<Envelope>(`/client/sign_ins/${id}/attempt_first_factor`, { strategy: 'email_code', code })));
    expect(results.filter((r) => r.status === 200)).toHaveLength(1);
    const sessions = await t.server.services.storage.db.selectFrom('sessions').select('id').where('user_id', '=', u.id).execute();
    expect(sessions).toHaveLength(1);
  });

  it('names the active organization in the token: v2 claims by default, v1 names when the instance asks', async () => {
    const u = await user();
    const org = (await (await t.api('/organizations', { method: 'POST', json: { name: `Acme ${dialect}`, created_by: u.id } })).json()) as { id: string; slug: string };
    const other = (await (await t.api('/organizations', { method: 'POST', json: { name: `Other ${dialect}` } })).json()) as { id: string };
    const b = new FapiBrowser(t.url);
    const sid = (await b.post<Envelope>('/client/sign_ins', { identifier: u.email, strategy: 'password', password: PASSWORD })).body.response.created_session_id as string;
    const notMine = await b.post<Err>(`/client/sessions/${sid}/touch`, { active_organization_id: other.id });
    expect(notMine.status).toBe(404);
    const touched = await b.post<Envelope>(`/client/sessions/${sid}/touch`, { active_organization_id: org.id, intent: 'select_org' });
    expect(touched.body.response.last_active_organization_id).toBe(org.id);
    const jwt = (await b.post<{ jwt: string }>(`/client/sessions/${sid}/tokens`)).body.jwt;
    const claims = (await verifyToken(jwt, { jwtKey: pem })) as Json & { o: { id: string; rol: string; slg: string; per: string; fpm: string }; fea: string };
    expect(claims.o).toMatchObject({ id: org.id, rol: 'admin', slg: org.slug });
    // Decoded the way the server SDKs do: bit i of a feature's fpm grants action i of per.
    const actions = claims.o.per.split(',');
    const granted = claims.fea.split(',').flatMap((f, i) => actions.filter((_, bit) => (Number(claims.o.fpm.split(',')[i]) >> bit) & 1).map((a) => `org:${f.slice(2)}:${a}`));
    expect(granted).toContain('org:sys_memberships:manage');
    const personal = (await verifyToken((await b.post<{ jwt: string }>(`/client/sessions/${sid}/tokens`, { organization_id: '' })).body.jwt, { jwtKey: pem })) as Json;
    expect(personal.o).toBeUndefined();

    expect((await t.api('/instance/auth_settings', { method: 'PATCH', json: { session_token_claims: 'v1' } })).status).toBe(200);
    const v1 = (await verifyToken((await b.post<{ jwt: string }>(`/client/sessions/${sid}/tokens`)).body.jwt, { jwtKey: pem })) as Json;
    expect(v1).toMatchObject({ org_id: org.id, org_role: 'org:admin', org_slug: org.slug });
    expect(v1.org_permissions).toContain('org:sys_memberships:manage');
    await t.api('/instance/auth_settings', { method: 'PATCH', json: { session_token_claims: 'v2' } });
  });

  it('resets a forgotten password with an e-mail code, signing the user out elsewhere on request', async () => {
    const u = await user();
    const elsewhere = new FapiBrowser(t.url);
    const otherSid = (await elsewhere.post<Envelope>('/client/sign_ins', { identifier: u.email, strategy: 'password', password: PASSWORD })).body.response.created_session_id as string;
    const b = new FapiBrowser(t.url);
    const created = await b.post<Envelope>('/client/sign_ins', { identifier: u.email });
    const id = created.body.response.id;
    const reset = (created.body.response.supported_first_factors as Json[]).find((f) => f.strategy === 'reset_password_email_code');
    expect(reset).toMatchObject({ safe_identifier: u.email });
    await b.post(`/client/sign_ins/${id}/prepare_first_factor`, { strategy: 'reset_password_email_code', email_address_id: reset?.email_address_id as string });
    const mail = await t.server.services.storage.db.selectFrom('messages').select(['subject', 'slug']).where('to_address', '=', u.email).orderBy('id', 'desc').executeTakeFirstOrThrow();
    expect(mail.slug).toBe('reset_password_code');
    const code = /(\d{6})/.exec(mail.subject ?? '')?.[1] ?? '';
    const early = await b.post<Err>(`/client/sign_ins/${id}/reset_password`, { password: 'a brand new passphrase' });
    expect(early.status).toBe(400);
    const proven = await b.post<Envelope>(`/client/sign_ins/${id}/attempt_first_factor`, { strategy: 'reset_password_email_code', code });
    expect(proven.body.response.status).toBe('needs_new_password');
    const weak = await b.post<Err>(`/client/sign_ins/${id}/reset_password`, { password: 'short' });
    expect(weak.body.errors[0]?.meta?.param_name).toBe('password');
    const done = await b.post<Envelope>(`/client/sign_ins/${id}/reset_password`, { password: 'a brand new passphrase', sign_out_of_other_sessions: 'true' });
    expect(done.body.response.status).toBe('complete');
    expect((await elsewhere.post(`/client/sessions/${otherSid}/tokens`)).status).toBe(401);
    const old = await new FapiBrowser(t.url).post<Err>('/client/sign_ins', { identifier: u.email, strategy: 'password', password: PASSWORD });
    expect(old.body.errors[0]?.code).toBe('form_password_incorrect');
    const fresh = await new FapiBrowser(t.url).post<Envelope>('/client/sign_ins', { identifier: u.email, strategy: 'password', password: 'a brand new passphrase' });
    expect(fresh.body.response.status).toBe('complete');
  });

  it('a sign-in racing a ban: once the ban has committed, no token is minted', async () => {
    for (let round = 0; round < 3; round++) {
      const u = await user();
      const b = new FapiBrowser(t.url);
      const id = (await b.post<Envelope>('/client/sign_ins', { identifier: u.email })).body.response.id;
      const [signedIn] = await Promise.all([
        b.post<Envelope & Err>(`/client/sign_ins/${id}/attempt_first_factor`, { strategy: 'password', password: PASSWORD }),
        t.api(`/users/${u.id}/ban`, { method: 'POST' }),
      ]);
      const sid = signedIn.status === 200 ? (signedIn.body.response.created_session_id as string | null) : null;
      if (sid) expect((await b.post(`/client/sessions/${sid}/tokens`)).status).toBe(401);
      else expect(signedIn.body.errors[0]?.code).toBe('user_banned');
    }
  });
});
