import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { base32Decode, totpCode } from '../../crypto/totp.js';
import { FapiBrowser } from '../../test/fapi-browser.js';
import { type Envelope, type Err, type Json, PASSWORD, signIn, signedInUser, userIn } from '../../test/fapi-users.js';
import { startTestServer, testDialects, type TestServer } from '../../test/harness.js';

type Totp = Json & { id: string; secret: string | null; uri: string | null; verified: boolean; backup_codes: string[] | null };
type Session = Json & { id: string; status: string; latest_activity?: Json | null };

/** The current code of a base32 secret. */
function codeOf(secret: string, at = Date.now()): string {
  return totpCode(base32Decode(secret) as Buffer, Math.floor(at / 30_000));
}

describe.each(testDialects())('the signed-in user\'s second factors and sessions on %s', (dialect) => {
  let t: TestServer;

  beforeAll(async () => {
    t = await startTestServer(dialect, { LATCH_APP_NAME: 'Latch Test' });
  });
  afterAll(async () => {
    await t.close();
  });

  async function storedUser(id: string) {
    return t.server.services.storage.db.selectFrom('users').select(['totp_secret', 'pending_totp_secret', 'backup_codes']).where('id', '=', id).executeTakeFirstOrThrow();
  }

  it('enrols an authenticator app: a secret and otpauth URI, confirmed by a code, then asked for at sign-in', async () => {
    const me = await signedInUser(t, `totp-${dialect}`);
    const b = me.browser;
    const started = await b.post<Envelope<Totp>>('/me/totp');
    expect(started.status).toBe(200);
    const totp = started.body.response;
    expect(totp).toMatchObject({ object: 'totp', verified: false, backup_codes: null });
    expect(totp.secret).toMatch(/^[A-Z2-7]{32}$/);
    const uri = new URL(totp.uri as string);
    expect(uri.protocol).toBe('otpauth:');
    expect(uri.searchParams.get('secret')).toBe(totp.secret);
    expect(uri.searchParams.get('issuer')).toBe('Latch Test');
    expect(decodeURIComponent(uri.pathname)).toContain(me.email);
    // Not a second factor until confirmed.
    expect(userIn(started.body)).toMatchObject({ totp_enabled: false, two_factor_enabled: false });
    expect(await storedUser(me.userId)).toMatchObject({ totp_secret: null, pending_totp_secret: totp.secret });

    // Asking again replaces the unconfirmed secret.
    const again = (await b.post<Envelope<Totp>>('/me/totp')).body.response;
    expect(again.secret).not.toBe(totp.secret);
    const stale = await b.post<Err>('/me/totp/attempt_verification', { code: codeOf(totp.secret as string) });
    // The old secret's code is (almost surely) not the new one's.
    if (codeOf(totp.secret as string) !== codeOf(again.secret as string)) expect(stale.body.errors[0]).toMatchObject({ code: 'form_code_incorrect', meta: { param_name: 'code' } });

    const ok = await b.post<Envelope<Totp>>('/me/totp/attempt_verification', { code: codeOf(again.secret as string) });
    expect(ok.status).toBe(200);
    expect(ok.body.response).toMatchObject({ object: 'totp', verified: true, secret: null, uri: null });
    const codes = ok.body.response.backup_codes as string[];
    expect(codes).toHaveLength(10);
    expect(new Set(codes).size).toBe(10);
    expect(userIn(ok.body)).toMatchObject({ totp_enabled: true, backup_code_enabled: true, two_factor_enabled: true });
    // Stored hashed, never as given.
    const stored = await storedUser(me.userId);
    const digests = (typeof stored.backup_codes === 'string' ? JSON.parse(stored.backup_codes) : stored.backup_codes) as string[];
    expect(digests).toHaveLength(10);
    for (const c of codes) expect(digests).not.toContain(c);
    expect(stored).toMatchObject({ totp_secret: again.secret, pending_totp_secret: null });

    const refused = await b.post<Err>('/me/totp');
    expect(refused.status).toBe(400);
    expect(refused.body.errors[0]?.code).toBe('totp_already_enabled');

    // The sign-in second factor takes the app's code, and a backup code once.
    const other = new FapiBrowser(t.url);
    const first = await other.post<Envelope<Json & { id: string; status: string }>>('/client/sign_ins', { identifier: me.email, strategy: 'password', password: PASSWORD });
    expect(first.body.response.status).toBe('needs_second_factor');
    const done = await other.post<Envelope<Json & { status: string }>>(`/client/sign_ins/${first.body.response.id}/attempt_second_factor`, { strategy: 'backup_code', code: codes[0] as string });
    expect(done.body.response.status).toBe('complete');
    const third = new FapiBrowser(t.url);
    const attempt = (await third.post<Envelope<Json & { id: string }>>('/client/sign_ins', { identifier: me.email, strategy: 'password', password: PASSWORD })).body.response.id;
    const reused = await third.post<Err>(`/client/sign_ins/${attempt}/attempt_second_factor`, { strategy: 'backup_code', code: codes[0] as string });
    expect(reused.status).toBe(422);
    const viaApp = await third.post<Envelope<Json & { status: string }>>(`/client/sign_ins/${attempt}/attempt_second_factor`, { strategy: 'totp', code: codeOf(again.secret as string) });
    expect(viaApp.body.response.status).toBe('complete');
  });

  it('confirms an enrolment once when the code is sent twice at the same time', async () => {
    const me = await signedInUser(t, `totp-race-${dialect}`);
    const b = me.browser;
    const secret = (await b.post<Envelope<Totp>>('/me/totp')).body.response.secret as string;
    const code = codeOf(secret);
    const results = await Promise.all([0, 1].map(() => b.post<Envelope<Totp> & Err>('/me/totp/attempt_verification', { code })));
    expect(results.map((r) => r.status).sort()).toEqual([200, 400]);
    const winner = results.find((r) => r.status === 200);
    expect(winner?.body.response.backup_codes).toHaveLength(10);
    expect(results.find((r) => r.status === 400)?.body.errors[0]?.code).toBe('verification_missing');
  });

  it('regenerates backup codes (the old ones stop working) and removes the app with its codes', async () => {
    const me = await signedInUser(t, `codes-${dialect}`);
    const b = me.browser;
    const none = await b.post<Err>('/me/backup_codes/');
    expect(none.status).toBe(400);
    expect(none.body.errors[0]?.code).toBe('totp_not_enabled');
    const secret = (await b.post<Envelope<Totp>>('/me/totp')).body.response.secret as string;
    const first = (await b.post<Envelope<Totp>>('/me/totp/attempt_verification', { code: codeOf(secret) })).body.response.backup_codes as string[];
    const fresh = await b.post<Envelope<Json & { codes: string[] }>>('/me/backup_codes/');
    expect(fresh.status).toBe(200);
    expect(fresh.body.response).toMatchObject({ object: 'backup_code' });
    const codes = fresh.body.response.codes;
    expect(codes).toHaveLength(10);
    expect(codes.some((c) => first.includes(c))).toBe(false);
    expect(await t.server.services.users.verifySecondFactor(me.userId, codes[3] as string)).toBe('backup_code');
    await expect(t.server.services.users.verifySecondFactor(me.userId, first[3] as string)).rejects.toMatchObject({ details: [{ code: 'form_code_incorrect' }] });

    const removed = await b.call<Envelope>('DELETE', '/me/totp');
    expect(removed.status).toBe(200);
    expect(removed.body.response).toMatchObject({ object: 'totp', deleted: true });
    expect(userIn(removed.body)).toMatchObject({ totp_enabled: false, backup_code_enabled: false, two_factor_enabled: false });
    expect(await storedUser(me.userId)).toMatchObject({ totp_secret: null, backup_codes: null });
    expect((await b.call<Err>('DELETE', '/me/totp')).body.errors[0]?.code).toBe('totp_not_enabled');
    // Sign-in asks for no second factor any more.
    const again = await new FapiBrowser(t.url).post<Envelope<Json & { status: string }>>('/client/sign_ins', { identifier: me.email, strategy: 'password', password: PASSWORD });
    expect(again.body.response.status).toBe('complete');
  });

  it('lists the user\'s sessions on every device with their latest activity, and revokes another one', async () => {
    const me = await signedInUser(t, `sessions-${dialect}`);
    const b = me.browser;
    const phone = new FapiBrowser(t.url);
    const phoneSession = await signIn(t, phone, me.email);
    const stranger = await signedInUser(t, `stranger-${dialect}`);

    const active = await b.get<Session[]>('/me/sessions/active');
    expect(active.status).toBe(200);
    expect(Array.isArray(active.body)).toBe(true);
    expect(active.body.map((s) => s.id).sort()).toEqual([me.sessionId, phoneSession].sort());
    for (const s of active.body) {
      expect(s).toMatchObject({ object: 'session', status: 'active', latest_activity: { object: 'session_activity' } });
      expect(s.user).not.toHaveProperty('private_metadata');
    }
    expect(active.body.map((s) => s.id)).not.toContain(stranger.sessionId);

    const notMine = await b.post<Err>(`/me/sessions/${stranger.sessionId}/revoke`);
    expect(notMine.status).toBe(404);
    expect((await stranger.browser.post(`/client/sessions/${stranger.sessionId}/tokens`)).status).toBe(200);

    const revoked = await b.post<Envelope<Session>>(`/me/sessions/${phoneSession}/revoke`);
    expect(revoked.status).toBe(200);
    expect(revoked.body.response).toMatchObject({ id: phoneSession, status: 'revoked' });
    // This browser's own session carries on; the other device is signed out at its next request.
    expect(revoked.body.client.last_active_session_id).toBe(me.sessionId);
    expect((await phone.post<Err>(`/client/sessions/${phoneSession}/tokens`)).status).toBe(401);
    expect((await b.get<Session[]>('/me/sessions/active')).body.map((s) => s.id)).toEqual([me.sessionId]);
    const all = await b.get<Session[]>('/me/sessions');
    expect(all.body.find((s) => s.id === phoneSession)?.status).toBe('revoked');
  });

  it('needs a signed-in session for every one of these routes', async () => {
    const anonymous = new FapiBrowser(t.url);
    for (const [method, path] of [
      ['POST', '/me/totp'],
      ['POST', '/me/totp/attempt_verification'],
      ['DELETE', '/me/totp'],
      ['POST', '/me/backup_codes'],
      ['GET', '/me/sessions'],
      ['GET', '/me/sessions/active'],
      ['POST', '/me/sessions/sess_x/revoke'],
    ] as const) {
      const res = await anonymous.call<Err>(method, path, path.endsWith('attempt_verification') ? { code: '123456' } : undefined);
      expect(res.status, `${method} ${path}`).toBe(401);
      expect(res.body.errors[0]?.code).toBe('signed_out');
    }
  });
});
