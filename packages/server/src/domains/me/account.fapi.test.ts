import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { FapiBrowser } from '../../test/fapi-browser.js';
import { type Envelope, type Err, type Json, PASSWORD, lastCodeTo, signIn, signedInUser, userIn } from '../../test/fapi-users.js';
import { startTestServer, testDialects, type TestServer } from '../../test/harness.js';

const NEW_PASSWORD = 'a much newer horse battery staple';
/** The smallest PNG: a 1×1 transparent pixel. */
const PNG = Buffer.from('iVBORw0KGgoAAAANSUhEUgAAAAEAAAABCAQAAAC1HAwCAAAAC0lEQVR42mNkYAAAAAYAAjCB0C8AAAAASUVORK5CYII=', 'base64');

describe.each(testDialects())('the signed-in user\'s password, image and account on %s', (dialect) => {
  let t: TestServer;

  beforeAll(async () => {
    t = await startTestServer(dialect);
  });
  afterAll(async () => {
    await t.close();
  });

  async function settings(patch: Json): Promise<void> {
    expect((await t.api('/instance/auth_settings', { method: 'PATCH', json: patch })).status).toBe(200);
  }

  async function canSignIn(email: string, password: string): Promise<boolean> {
    const res = await new FapiBrowser(t.url).post<Envelope<Json & { status: string }>>('/client/sign_ins', { identifier: email, strategy: 'password', password });
    return res.status === 200 && res.body.response.status === 'complete';
  }

  it('changes the password after checking the current one, and can sign the other sessions out', async () => {
    const me = await signedInUser(t, `pw-${dialect}`);
    const b = me.browser;
    const laptop = new FapiBrowser(t.url);
    const laptopSession = await signIn(t, laptop, me.email);

    const wrong = await b.post<Err>('/me/change_password', { current_password: 'not the password', new_password: NEW_PASSWORD });
    expect(wrong.status).toBe(422);
    expect(wrong.body.errors[0]).toMatchObject({ code: 'form_password_incorrect', meta: { param_name: 'current_password' } });
    const weak = await b.post<Err>('/me/change_password', { current_password: PASSWORD, new_password: 'short' });
    expect(weak.status).toBe(422);
    expect(weak.body.errors[0]?.meta?.param_name).toBe('new_password');
    const missing = await b.post<Err>('/me/change_password', { new_password: NEW_PASSWORD });
    expect(missing.body.errors[0]).toMatchObject({ code: 'form_param_missing', meta: { param_name: 'current_password' } });
    expect(await canSignIn(me.email, PASSWORD)).toBe(true);

    const done = await b.post<Envelope>('/me/change_password', { current_password: PASSWORD, new_password: NEW_PASSWORD, sign_out_of_other_sessions: 'true' });
    expect(done.status).toBe(200);
    expect(done.body.response).toMatchObject({ id: me.userId, password_enabled: true });
    expect(done.body.response).not.toHaveProperty('private_metadata');
    expect(await canSignIn(me.email, PASSWORD)).toBe(false);
    expect(await canSignIn(me.email, NEW_PASSWORD)).toBe(true);
    // The asking session carries on; the laptop's is over.
    expect((await b.post(`/client/sessions/${me.sessionId}/tokens`)).status).toBe(200);
    expect((await laptop.post(`/client/sessions/${laptopSession}/tokens`)).status).toBe(401);
  });

  it('counts wrong current passwords toward the account lockout', async () => {
    await settings({ lockout: { max_attempts: 3 } });
    try {
      const me = await signedInUser(t, `guess-${dialect}`);
      const remaining: unknown[] = [];
      for (let i = 0; i < 3; i++) {
        const res = await me.browser.post<Err & { errors: { meta?: { verification_attempts_remaining?: number } }[] }>('/me/change_password', { current_password: `guess ${i} of it`, new_password: NEW_PASSWORD });
        expect(res.body.errors[0]?.code).toBe('form_password_incorrect');
        remaining.push(res.body.errors[0]?.meta?.verification_attempts_remaining);
      }
      expect(remaining).toEqual([2, 1, 0]);
      const locked = await me.browser.post<Err>('/me/change_password', { current_password: PASSWORD, new_password: NEW_PASSWORD });
      expect(locked.status).toBe(403);
      expect(locked.body.errors[0]?.code).toBe('user_locked');
      expect(await canSignIn(me.email, NEW_PASSWORD)).toBe(false);
    } finally {
      await settings({ lockout: { max_attempts: 100 } });
    }
  });

  it('lets one of two concurrent changes made with the same current password through', async () => {
    const me = await signedInUser(t, `pw-race-${dialect}`);
    const b = me.browser;
    const results = await Promise.all(
      ['first new horse battery staple', 'second new horse battery staple'].map((next) => b.post<Err>('/me/change_password', { current_password: PASSWORD, new_password: next })),
    );
    expect(results.map((r) => r.status).sort()).toEqual([200, 422]);
    expect(results.find((r) => r.status === 422)?.body.errors[0]?.code).toBe('form_password_incorrect');
    const won = ['first new horse battery staple', 'second new horse battery staple'][results.findIndex((r) => r.status === 200)] as string;
    expect(await canSignIn(me.email, won)).toBe(true);
  });

  it('removes the password only where it is optional, with the current one, and not as the last way in', async () => {
    const me = await signedInUser(t, `rm-${dialect}`);
    const b = me.browser;
    const required = await b.post<Err>('/me/remove_password', { current_password: PASSWORD });
    expect(required.status).toBe(403);
    expect(required.body.errors[0]?.code).toBe('not_allowed_access');
    await settings({ password: { required: false }, username: { enabled: true, used_for_first_factor: true }, email_address: { required: false } });
    try {
      // A user known only by username and password cannot drop the password.
      const named = await t.api('/users', { method: 'POST', json: { username: `named_${dialect}_${Date.now()}`, password: PASSWORD } });
      const username = ((await named.json()) as { username: string }).username;
      const nb = new FapiBrowser(t.url);
      await signIn(t, nb, username);
      const stranded = await nb.post<Err>('/me/remove_password', { current_password: PASSWORD });
      expect(stranded.status).toBe(400);
      expect(stranded.body.errors[0]).toMatchObject({ code: 'identification_deletion_failed', meta: { param_name: 'password' } });

      const wrong = await b.post<Err>('/me/remove_password', { current_password: 'nope nope nope' });
      expect(wrong.body.errors[0]).toMatchObject({ code: 'form_password_incorrect', meta: { param_name: 'current_password' } });
      const removed = await b.post<Envelope>('/me/remove_password', { current_password: PASSWORD });
      expect(removed.status).toBe(200);
      expect(removed.body.response).toMatchObject({ password_enabled: false });
      // Still able to sign in: by an e-mail code.
      const other = new FapiBrowser(t.url);
      const attempt = (await other.post<Envelope<Json & { id: string }>>('/client/sign_ins', { identifier: me.email })).body.response.id;
      await other.post(`/client/sign_ins/${attempt}/prepare_first_factor`, { strategy: 'email_code' });
      const code = await lastCodeTo(t, me.email);
      expect((await other.post<Envelope<Json & { status: string }>>(`/client/sign_ins/${attempt}/attempt_first_factor`, { strategy: 'email_code', code })).body.response.status).toBe('complete');
      // And the e-mail address is now the last way in.
      const first = (userIn(removed.body).email_addresses as { id: string }[])[0]?.id as string;
      expect((await b.call<Err>('DELETE', `/me/email_addresses/${first}`)).body.errors[0]?.code).toBe('identification_deletion_failed');
      // Setting a password again needs no current one.
      expect((await b.post('/me/change_password', { new_password: NEW_PASSWORD })).status).toBe(200);
    } finally {
      await settings({ password: { required: true }, username: { enabled: false, used_for_first_factor: false }, email_address: { required: true } });
    }
  });

  it('never lets a concurrent password removal and e-mail deletion together leave no way in', async () => {
    await settings({ password: { required: false }, username: { enabled: true, used_for_first_factor: true }, email_address: { required: false } });
    try {
      // Username and password are one way in, the e-mail address (by code) the other: either may go, not both.
      const me = await signedInUser(t, `both-${dialect}`, { username: `both_${dialect}_${Date.now()}` });
      const emailId = ((await (await t.api(`/users/${me.userId}`)).json()) as { email_addresses: { id: string }[] }).email_addresses[0]?.id as string;
      const [removed, deleted] = await Promise.all([
        me.browser.post<Err>('/me/remove_password', { current_password: PASSWORD }),
        me.browser.call<Err>('DELETE', `/me/email_addresses/${emailId}`),
      ]);
      expect([removed.status, deleted.status].sort()).toEqual([200, 400]);
      expect([removed, deleted].find((r) => r.status === 400)?.body.errors[0]?.code).toBe('identification_deletion_failed');
      const after = (await (await t.api(`/users/${me.userId}`)).json()) as { email_addresses: unknown[]; password_enabled: boolean };
      expect(after.email_addresses.length === 1 || after.password_enabled).toBe(true);
      expect(after.email_addresses.length === 1 && after.password_enabled).toBe(false);
    } finally {
      await settings({ password: { required: true }, username: { enabled: false, used_for_first_factor: false }, email_address: { required: true } });
    }
  });

  it('uploads a profile image (checked by content) and removes it', async () => {
    const me = await signedInUser(t, `img-${dialect}`);
    const url = `${t.url}/fapi/v1/me/profile_image`;
    const headers = { origin: me.browser.origin, cookie: [...me.browser.cookies].map(([k, v]) => `${k}=${v}`).join('; ') };
    const upload = async (bytes: Uint8Array, type: string) => {
      const form = new FormData();
      form.append('file', new Blob([new Uint8Array(bytes)], { type }), 'avatar');
      const res = await fetch(url, { method: 'POST', headers, body: form });
      return { status: res.status, body: (await res.json()) as Envelope<Json & { id: string; public_url: string }> & Err };
    };
    const html = await upload(new TextEncoder().encode('<html><script>alert(1)</script></html>'), 'image/png');
    expect(html.status).toBe(422);
    expect(html.body.errors[0]).toMatchObject({ code: 'form_param_format_invalid', meta: { param_name: 'file' } });

    const ok = await upload(PNG, 'application/octet-stream');
    expect(ok.status).toBe(200);
    expect(ok.body.response).toMatchObject({ object: 'image' });
    expect(userIn(ok.body)).toMatchObject({ has_image: true, image_url: ok.body.response.public_url });
    const served = await fetch(ok.body.response.public_url);
    expect(served.headers.get('content-type')).toBe('image/png');

    // `setProfileImage({ file: string })` sends the string as application/octet-stream: base64 or a data URL.
    for (const text of [`data:image/png;base64,${PNG.toString('base64')}`, PNG.toString('base64')]) {
      const res = await fetch(url, { method: 'POST', headers: { ...headers, 'content-type': 'application/octet-stream' }, body: text });
      const body = (await res.json()) as Envelope<Json & { id: string; public_url: string }>;
      expect(res.status).toBe(200);
      expect((await fetch(body.response.public_url)).headers.get('content-type')).toBe('image/png');
    }
    const script = await fetch(url, { method: 'POST', headers: { ...headers, 'content-type': 'application/octet-stream' }, body: '<svg onload=alert(1)>' });
    expect(script.status).toBe(422);
    const last = await upload(PNG, 'image/png');

    const removed = await me.browser.call<Envelope>('DELETE', '/me/profile_image');
    expect(removed.body.response).toEqual({ object: 'image', id: last.body.response.id, deleted: true });
    expect(userIn(removed.body)).toMatchObject({ has_image: false });
    expect((await me.browser.call<Err>('DELETE', '/me/profile_image')).status).toBe(404);
  });

  it('refuses every change from a foreign origin riding the cookie, and stores nothing', async () => {
    const me = await signedInUser(t, `origin-${dialect}`);
    const evil = new FapiBrowser(t.url, 'https://evil.example');
    for (const [k, v] of me.browser.cookies) evil.cookies.set(k, v);
    const emailId = ((await (await t.api(`/users/${me.userId}`)).json()) as { email_addresses: { id: string }[] }).email_addresses[0]?.id as string;
    const before = await t.server.services.storage.db.selectFrom('users').select(['updated_at']).where('id', '=', me.userId).executeTakeFirstOrThrow();
    for (const [method, path, form] of [
      ['PATCH', '/me', { first_name: 'Mallory' }],
      ['DELETE', '/me', undefined],
      ['POST', '/me/change_password', { current_password: PASSWORD, new_password: NEW_PASSWORD }],
      ['POST', '/me/remove_password', { current_password: PASSWORD }],
      ['DELETE', '/me/profile_image', undefined],
      ['POST', '/me/email_addresses', { email_address: `mallory-${dialect}@example.com` }],
      ['POST', `/me/email_addresses/${emailId}/prepare_verification`, { strategy: 'email_code' }],
      ['DELETE', `/me/email_addresses/${emailId}`, undefined],
      ['POST', '/me/totp', undefined],
      ['POST', '/me/backup_codes', undefined],
      ['POST', `/me/sessions/${me.sessionId}/revoke`, undefined],
    ] as const) {
      const res = await evil.call<Err>(method, path, form);
      expect(res.status, `${method} ${path}`).toBe(403);
      expect(res.body.errors[0]?.code).toBe('origin_invalid');
    }
    const after = await t.server.services.storage.db.selectFrom('users').select(['updated_at', 'first_name']).where('id', '=', me.userId).executeTakeFirstOrThrow();
    expect(after).toEqual({ ...before, first_name: null });
    expect(await canSignIn(me.email, PASSWORD)).toBe(true);
    expect((await me.browser.post(`/client/sessions/${me.sessionId}/tokens`)).status).toBe(200);
  });

  it('deletes the account only where the instance and the user allow it', async () => {
    const me = await signedInUser(t, `del-${dialect}`);
    const elsewhere = new FapiBrowser(t.url);
    const elsewhereSession = await signIn(t, elsewhere, me.email);
    const pinned = await signedInUser(t, `pinned-${dialect}`, { delete_self_enabled: false });
    const refused = await pinned.browser.call<Err>('DELETE', '/me');
    expect(refused.status).toBe(403);
    expect(refused.body.errors[0]?.code).toBe('not_allowed_access');

    await settings({ delete_self_enabled: false });
    try {
      const env = (await (await fetch(`${t.url}/fapi/v1/environment`)).json()) as { user_settings: { actions: { delete_self: boolean } } };
      expect(env.user_settings.actions.delete_self).toBe(false);
      expect((await me.browser.call<Err>('DELETE', '/me')).status).toBe(403);
    } finally {
      await settings({ delete_self_enabled: true });
    }
    const deleted = await me.browser.call<Envelope>('DELETE', '/me');
    expect(deleted.status).toBe(200);
    expect(deleted.body.response).toEqual({ object: 'user', id: me.userId, deleted: true });
    expect(deleted.body.client).toMatchObject({ sessions: [], last_active_session_id: null });
    expect(me.browser.cookies.get('__client_uat')).toBe('0');
    expect((await t.api(`/users/${me.userId}`)).status).toBe(404);
    // Another device of the deleted user is signed out at its next token refresh (401: the SDK reloads its client).
    const orphaned = await elsewhere.post<Err>(`/client/sessions/${elsewhereSession}/tokens`);
    expect(orphaned.status).toBe(401);
    expect(orphaned.body.errors[0]?.code).toBe('signed_out');
    expect((await t.api(`/users/${pinned.userId}`)).status).toBe(200);
  });
});
