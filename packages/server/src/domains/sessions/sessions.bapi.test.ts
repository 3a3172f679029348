import { createClerkClient, verifyToken } from '@clerk/backend';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { apiError, expectApiError } from '../../test/clerk-sdk.js';
import { FapiBrowser } from '../../test/fapi-browser.js';
import { jwtKeyOf, startTestServer, testDialects, type TestServer } from '../../test/harness.js';
import { ClientSchema, SessionSchema } from './serialize.js';

type Json = Record<string, unknown>;
type Envelope = { response: Json & { id: string; status: string; created_session_id: string | null }; client: Json & { id: string } };
type Err = { errors: { code: string; meta?: { param_name?: string } }[] };

const PASSWORD = 'correct horse battery staple';

describe.each(testDialects())('sessions and clients through the official @clerk/backend on %s', (dialect) => {
  let t: TestServer;
  let clerk: ReturnType<typeof createClerkClient>;
  let pem: string;
  let seq = 0;

  beforeAll(async () => {
    t = await startTestServer(dialect);
    clerk = createClerkClient({ secretKey: t.secretKey, apiUrl: t.url, telemetry: { disabled: true } });
    pem = await jwtKeyOf(t);
  });
  afterAll(async () => {
    await t.close();
  });

  async function user(extra: Json = {}): Promise<{ id: string; email: string }> {
    const email = `s${++seq}-${dialect}@example.com`;
    const res = await t.api('/users', { method: 'POST', json: { email_address: [email], password: PASSWORD, ...extra } });
    expect(res.status).toBe(200);
    return { id: ((await res.json()) as { id: string }).id, email };
  }

  /** Signs the user in through the Frontend API: a browser, its client and a live session. */
  async function signIn(email: string): Promise<{ b: FapiBrowser; sid: string; clientId: string }> {
    const b = new FapiBrowser(t.url);
    const res = await b.post<Envelope>('/client/sign_ins', { identifier: email, strategy: 'password', password: PASSWORD });
    expect(res.body.response.status).toBe('complete');
    return { b, sid: res.body.response.created_session_id as string, clientId: res.body.client.id };
  }

  it('lists sessions with filters, gets one, and shows its client', async () => {
    const u = await user();
    const other = await user();
    const first = await signIn(u.email);
    const second = await signIn(u.email);
    await signIn(other.email);

    const byUser = await clerk.sessions.getSessionList({ userId: u.id });
    expect(byUser.totalCount).toBe(2);
    expect(byUser.data.map((s) => s.id)).toEqual([second.sid, first.sid]);
    expect(byUser.data[0]).toMatchObject({ userId: u.id, clientId: second.clientId, status: 'active' });
    expect(byUser.data[0]?.latestActivity).toBeTruthy();

    const byClient = await clerk.sessions.getSessionList({ clientId: first.clientId });
    expect(byClient.data.map((s) => s.id)).toEqual([first.sid]);
    const paged = await clerk.sessions.getSessionList({ userId: u.id, limit: 1, offset: 1 });
    expect(paged).toMatchObject({ totalCount: 2 });
    expect(paged.data.map((s) => s.id)).toEqual([first.sid]);

    const raw = await t.api(`/sessions?user_id=${u.id}`);
    expect(raw.headers.get('content-type')).toBe('application/json');
    const plain = (await raw.json()) as Json[];
    expect(Array.isArray(plain)).toBe(true);
    for (const s of plain) SessionSchema.parse(s);

    const one = await clerk.sessions.getSession(first.sid);
    expect(one).toMatchObject({ id: first.sid, userId: u.id, clientId: first.clientId, status: 'active' });

    const client = await clerk.clients.getClient(first.clientId);
    expect(client).toMatchObject({ id: first.clientId, sessionIds: [first.sid], lastActiveSessionId: first.sid });
    expect(client.sessions[0]?.id).toBe(first.sid);
    ClientSchema.parse(await (await t.api(`/clients/${first.clientId}`)).json());
    const clients = await clerk.clients.getClientList({ limit: 500 });
    expect(clients.totalCount).toBeGreaterThanOrEqual(3);
    expect(clients.data.map((c) => c.id)).toContain(first.clientId);

    const missing = await apiError(clerk.sessions.getSession('sess_nope'));
    expectApiError(missing, 404, 'resource_not_found');
    const badStatus = await t.api('/sessions?status=bogus');
    expect(badStatus.status).toBe(422);
    expect(((await badStatus.json()) as Err).errors[0]?.meta?.param_name).toBe('status');
  });

  it('revokes a session: its status, the status filter, and the Frontend API refusing tokens at once', async () => {
    const u = await user();
    const { b, sid } = await signIn(u.email);
    expect((await b.post(`/client/sessions/${sid}/tokens`)).status).toBe(200);
    const revoked = await clerk.sessions.revokeSession(sid);
    expect(revoked).toMatchObject({ id: sid, status: 'revoked' });
    const refused = await b.post<Err>(`/client/sessions/${sid}/tokens`);
    expect(refused.status).toBe(401);
    expect(refused.body.errors[0]?.code).toBe('signed_out');
    const bapiRefused = await apiError(clerk.sessions.getToken(sid));
    expectApiError(bapiRefused, 404, 'resource_not_found');
    const list = await clerk.sessions.getSessionList({ userId: u.id, status: 'revoked' });
    expect(list.data.map((s) => s.id)).toEqual([sid]);
    expect((await clerk.sessions.getSessionList({ userId: u.id, status: 'active' })).totalCount).toBe(0);
    // Revoking again is harmless.
    expect((await clerk.sessions.revokeSession(sid)).status).toBe('revoked');
  });

  it('verifies a session against its token, and a client from a session token or its own token', async () => {
    const u = await user();
    const { b, sid, clientId } = await signIn(u.email);
    const jwt = (await b.post<{ jwt: string }>(`/client/sessions/${sid}/tokens`)).body.jwt;
    const verified = await clerk.sessions.verifySession(sid, jwt);
    expect(verified).toMatchObject({ id: sid, status: 'active' });

    const { sid: otherSid } = await signIn(u.email);
    const wrong = await apiError(clerk.sessions.verifySession(otherSid, jwt));
    expectApiError(wrong, 422, 'form_param_value_invalid', 'token');
    const forged = await apiError(clerk.sessions.verifySession(sid, `${jwt.slice(0, -4)}AAAA`));
    expectApiError(forged, 422, 'form_param_value_invalid', 'token');

    const client = await clerk.clients.verifyClient(jwt);
    expect(client).toMatchObject({ id: clientId, sessionIds: [sid] });
    const byCookie = await clerk.clients.verifyClient(b.cookies.get('__client') as string);
    expect(byCookie.id).toBe(clientId);
    const nobody = await apiError(clerk.clients.verifyClient('not-a-token'));
    expectApiError(nobody, 422, 'form_param_value_invalid', 'token');
  });

  it('mints session tokens from the Backend API with a chosen lifetime, verified by verifyToken', async () => {
    const u = await user();
    const { sid } = await signIn(u.email);
    const token = await clerk.sessions.getToken(sid, '', 600);
    expect(token.jwt).toEqual(expect.any(String));
    const claims = await verifyToken(token.jwt, { jwtKey: pem });
    expect(claims).toMatchObject({ sub: u.id, sid, v: 2, sts: 'active' });
    expect(claims.exp - claims.iat).toBe(600);
    const viaJwks = await verifyToken((await clerk.sessions.getToken(sid)).jwt, { secretKey: t.secretKey, apiUrl: t.url });
    expect(viaJwks.exp - viaJwks.iat).toBe(60);

    const tooShort = await t.api(`/sessions/${sid}/tokens`, { method: 'POST', json: { expires_in_seconds: 5 } });
    expect(tooShort.status).toBe(422);
    expect(((await tooShort.json()) as Err).errors[0]?.meta?.param_name).toBe('expires_in_seconds');
  });

  it('creates a session for a user from the Backend API, and refuses unknown or banned users', async () => {
    const u = await user();
    const created = await clerk.sessions.createSession({ userId: u.id });
    expect(created).toMatchObject({ userId: u.id, status: 'active' });
    const token = await clerk.sessions.getToken(created.id);
    expect((await verifyToken(token.jwt, { jwtKey: pem })).sid).toBe(created.id);

    const before = (await clerk.sessions.getSessionList({ userId: u.id })).totalCount;
    expectApiError(await apiError(clerk.sessions.createSession({ userId: 'user_nope' })), 404, 'resource_not_found', 'user_id');
    const missing = await t.api('/sessions', { method: 'POST', json: {} });
    expect(missing.status).toBe(422);
    expect(((await missing.json()) as Err).errors[0]).toMatchObject({ code: 'form_param_missing', meta: { param_name: 'user_id' } });
    await clerk.users.banUser(u.id);
    expectApiError(await apiError(clerk.sessions.createSession({ userId: u.id })), 403, 'user_banned', 'user_id');
    expect((await clerk.sessions.getSessionList({ userId: u.id })).totalCount).toBe(before);
  });

  it('stops new tokens at once when the user is banned or deleted', async () => {
    const banned = await user();
    const s1 = await signIn(banned.email);
    await clerk.users.banUser(banned.id);
    expect((await s1.b.post<Err>(`/client/sessions/${s1.sid}/tokens`)).status).toBe(401);
    expectApiError(await apiError(clerk.sessions.getToken(s1.sid)), 401, 'signed_out');

    const deleted = await user();
    const s2 = await signIn(deleted.email);
    await clerk.users.deleteUser(deleted.id);
    expect((await s2.b.post<Err>(`/client/sessions/${s2.sid}/tokens`)).status).toBeGreaterThanOrEqual(400);
    expect((await s2.b.post<Err>(`/client/sessions/${s2.sid}/tokens`)).status).toBeLessThan(500);
    expectApiError(await apiError(clerk.sessions.getToken(s2.sid)), 404, 'resource_not_found');
  });

  it('publishes the routes under the specification\'s operation ids and requires the secret key', async () => {
    const doc = (await (await fetch(`${t.url}/v1/openapi.json`)).json()) as { paths: Record<string, Record<string, { operationId: string }>> };
    const ids = (path: string) => Object.fromEntries(Object.entries(doc.paths[`/v1${path}`] ?? {}).map(([m, op]) => [m, op.operationId]));
    expect(ids('/sessions')).toEqual({ get: 'GetSessionList', post: 'createSession' });
    expect(ids('/sessions/{session_id}')).toEqual({ get: 'GetSession' });
    expect(ids('/sessions/{session_id}/revoke')).toEqual({ post: 'RevokeSession' });
    expect(ids('/sessions/{session_id}/verify')).toEqual({ post: 'VerifySession' });
    expect(ids('/sessions/{session_id}/tokens')).toEqual({ post: 'CreateSessionToken' });
    expect(ids('/sessions/{session_id}/tokens/{template_name}')).toEqual({ post: 'CreateSessionTokenFromTemplate' });
    expect(ids('/clients')).toEqual({ get: 'GetClientList' });
    expect(ids('/clients/{client_id}')).toEqual({ get: 'GetClient' });
    expect(ids('/clients/verify')).toEqual({ post: 'VerifyClient' });
    expect(ids('/sign_in_tokens')).toEqual({ post: 'CreateSignInToken' });
    expect(ids('/sign_in_tokens/{sign_in_token_id}/revoke')).toEqual({ post: 'RevokeSignInToken' });
    expect(ids('/jwt_templates')).toEqual({ get: 'ListJWTTemplates', post: 'CreateJWTTemplate' });
    expect(ids('/jwt_templates/{template_id}')).toEqual({ get: 'GetJWTTemplate', patch: 'UpdateJWTTemplate', delete: 'DeleteJWTTemplate' });
    for (const path of ['/sessions', '/clients', '/jwt_templates', '/session_token_claims']) {
      expect((await fetch(`${t.url}/v1${path}`)).status).toBe(401);
    }
  });
});
