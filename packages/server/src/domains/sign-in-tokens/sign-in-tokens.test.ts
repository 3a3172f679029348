import { createClerkClient } from '@clerk/backend';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { hashSecret } from '../../crypto/tokens.js';
import { apiError, expectApiError } from '../../test/clerk-sdk.js';
import { FapiBrowser } from '../../test/fapi-browser.js';
import { startTestServer, testDialects, type TestServer } from '../../test/harness.js';
import { SignInTokenSchema } from './serialize.js';

type Json = Record<string, unknown>;
type Envelope = { response: Json & { id: string; status: string; created_session_id: string | null }; client: Json & { id: string; sessions: Json[] } };
type Err = { errors: { code: string; meta?: { param_name?: string } }[] };

describe.each(testDialects())('sign-in tokens on %s', (dialect) => {
  let t: TestServer;
  let clerk: ReturnType<typeof createClerkClient>;
  let seq = 0;

  beforeAll(async () => {
    t = await startTestServer(dialect, { LATCH_APP_URL: 'https://app.example.test' });
    clerk = createClerkClient({ secretKey: t.secretKey, apiUrl: t.url, telemetry: { disabled: true } });
  });
  afterAll(async () => {
    await t.close();
  });

  async function user(): Promise<string> {
    const res = await t.api('/users', { method: 'POST', json: { email_address: [`t${++seq}-${dialect}@example.com`] } });
    return ((await res.json()) as { id: string }).id;
  }

  const db = () => t.server.services.storage.db;

  it('creates a token shown once, stores only its digest, and signs the user in exactly once', async () => {
    const userId = await user();
    const created = await clerk.signInTokens.createSignInToken({ userId, expiresInSeconds: 600 });
    expect(created).toMatchObject({ userId, status: 'pending' });
    expect(created.token).toEqual(expect.any(String));
    const url = new URL(created.url);
    expect(`${url.origin}${url.pathname}`).toBe('https://app.example.test/sign-in');
    expect(url.searchParams.get('__clerk_ticket')).toBe(created.token);
    const row = await db().selectFrom('sign_in_tokens').selectAll().where('id', '=', created.id).executeTakeFirstOrThrow();
    expect(row.token_hash).toBe(hashSecret(created.token));
    expect(JSON.stringify(row)).not.toContain(created.token);

    const b = new FapiBrowser(t.url);
    const done = await b.post<Envelope>('/client/sign_ins', { strategy: 'ticket', ticket: created.token });
    expect(done.status).toBe(200);
    expect(done.body.response.status).toBe('complete');
    const sid = done.body.response.created_session_id as string;
    expect(done.body.client.sessions.map((s) => s.id)).toEqual([sid]);
    expect((await clerk.sessions.getSession(sid)).userId).toBe(userId);

    const again = await new FapiBrowser(t.url).post<Err>('/client/sign_ins', { strategy: 'ticket', ticket: created.token });
    expect(again.status).toBe(422);
    expect(again.body.errors[0]).toMatchObject({ code: 'form_param_value_invalid', meta: { param_name: 'ticket' } });
    const status = await db().selectFrom('sign_in_tokens').select('status').where('id', '=', created.id).executeTakeFirstOrThrow();
    expect(status.status).toBe('accepted');

    // Without expires_in_seconds a token lives 30 days.
    const lasting = (await (await t.api('/sign_in_tokens', { method: 'POST', json: { user_id: userId } })).json()) as { id: string };
    const stored = await db().selectFrom('sign_in_tokens').select(['expires_at', 'created_at']).where('id', '=', lasting.id).executeTakeFirstOrThrow();
    expect(stored.expires_at - stored.created_at).toBe(30 * 24 * 3600 * 1000);
  });

  it('two concurrent redemptions of one token yield one session', async () => {
    const userId = await user();
    const { token } = await clerk.signInTokens.createSignInToken({ userId, expiresInSeconds: 600 });
    const browsers = [new FapiBrowser(t.url), new FapiBrowser(t.url), new FapiBrowser(t.url)];
    // Each browser gets its client first, so the races are on the token, not on client creation.
    await Promise.all(browsers.map((b) => b.post('/client')));
    const results = await Promise.all(browsers.map((b) => b.post<Envelope & Err>('/client/sign_ins', { strategy: 'ticket', ticket: token })));
    expect(results.map((r) => r.status).sort()).toEqual([200, 422, 422]);
    const sessions = await clerk.sessions.getSessionList({ userId });
    expect(sessions.totalCount).toBe(1);
  });

  it('refuses a revoked, expired or unknown token and a missing ticket, storing nothing', async () => {
    const userId = await user();
    const revoked = await clerk.signInTokens.createSignInToken({ userId, expiresInSeconds: 600 });
    const after = await clerk.signInTokens.revokeSignInToken(revoked.id);
    expect(after).toMatchObject({ id: revoked.id, status: 'revoked' });
    expect(after.token).toBeFalsy();
    SignInTokenSchema.parse(await (await t.api(`/sign_in_tokens/${revoked.id}/revoke`, { method: 'POST' })).json());

    const expired = await clerk.signInTokens.createSignInToken({ userId, expiresInSeconds: 1 });
    await db().updateTable('sign_in_tokens').set({ expires_at: Date.now() - 1000 }).where('id', '=', expired.id).execute();

    for (const ticket of [revoked.token, expired.token, 'nonsense']) {
      const b = new FapiBrowser(t.url);
      const res = await b.post<Err>('/client/sign_ins', { strategy: 'ticket', ticket });
      expect(res.status).toBe(422);
      expect(res.body.errors[0]?.meta?.param_name).toBe('ticket');
    }
    const none = await new FapiBrowser(t.url).post<Err>('/client/sign_ins', { strategy: 'ticket' });
    expect(none.body.errors[0]).toMatchObject({ code: 'form_param_missing', meta: { param_name: 'ticket' } });
    expect((await clerk.sessions.getSessionList({ userId })).totalCount).toBe(0);
    const attempts = await db().selectFrom('sign_in_attempts').select('id').where('user_id', '=', userId).execute();
    expect(attempts).toHaveLength(0);
  });

  it('refuses a banned user, keeping the token unused', async () => {
    const userId = await user();
    const { id, token } = await clerk.signInTokens.createSignInToken({ userId, expiresInSeconds: 600 });
    await clerk.users.banUser(userId);
    const res = await new FapiBrowser(t.url).post<Err>('/client/sign_ins', { strategy: 'ticket', ticket: token });
    expect(res.status).toBe(403);
    expect(res.body.errors[0]?.code).toBe('user_banned');
    const row = await db().selectFrom('sign_in_tokens').select('status').where('id', '=', id).executeTakeFirstOrThrow();
    expect(row.status).toBe('pending');
  });

  it('answers bad input with coded errors and stores nothing', async () => {
    const count = async () => Number((await db().selectFrom('sign_in_tokens').select((eb) => eb.fn.countAll<number>().as('n')).executeTakeFirstOrThrow()).n);
    const before = await count();
    expectApiError(await apiError(clerk.signInTokens.createSignInToken({ userId: 'user_nope', expiresInSeconds: 600 })), 404, 'resource_not_found', 'user_id');
    const bad = await t.api('/sign_in_tokens', { method: 'POST', json: { user_id: await user(), expires_in_seconds: 0 } });
    expect(bad.status).toBe(422);
    expect(((await bad.json()) as Err).errors[0]?.meta?.param_name).toBe('expires_in_seconds');
    const missing = await t.api('/sign_in_tokens', { method: 'POST', json: {} });
    expect(((await missing.json()) as Err).errors[0]).toMatchObject({ code: 'form_param_missing', meta: { param_name: 'user_id' } });
    expectApiError(await apiError(clerk.signInTokens.revokeSignInToken('sit_nope')), 404, 'resource_not_found');
    expect(await count()).toBe(before);
  });

  it('keeps the other sign-in flows working', async () => {
    const email = `pw${++seq}-${dialect}@example.com`;
    await t.api('/users', { method: 'POST', json: { email_address: [email], password: 'correct horse battery staple' } });
    const res = await new FapiBrowser(t.url).post<Envelope>('/client/sign_ins', { identifier: email, strategy: 'password', password: 'correct horse battery staple' });
    expect(res.body.response.status).toBe('complete');
  });
});
