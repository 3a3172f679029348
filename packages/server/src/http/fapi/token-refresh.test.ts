/**
 * The token refresh's direct path (token-refresh.ts) against the full app: the same database served by
 * two servers, one answering token refreshes directly and one through the app, must answer every request
 * alike (status, error code, CORS and caching headers, the token's claims). And the direct path itself
 * must answer the plain successes and hand everything else over, with the body when it read it.
 */
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { newSecretKey } from '@latch/core';
import { pino } from 'pino';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { resolveConfig } from '../../config.js';
import { startServer, type RunningServer } from '../../server.js';
import { transaction } from '../../storage/database.js';
import { freshDatabase, testDialects, type TestDatabase } from '../../test/harness.js';
import { createTokenRefresh } from './token-refresh.js';
import { frontendOriginPolicy } from './mount.js';

const PAGE = 'https://app.example.test';
const QUERY = '__clerk_api_version=2025-11-10&_clerk_js_version=5.128.0';

type Err = { errors?: { code: string; meta?: { param_name?: string } }[] };

function claimsOf(jwt: string): Record<string, unknown> {
  return JSON.parse(Buffer.from(jwt.split('.')[1] ?? '', 'base64url').toString('utf8')) as Record<string, unknown>;
}

describe.each(testDialects())('the token refresh on its direct path on %s', (dialect) => {
  let database: TestDatabase;
  let direct: RunningServer;
  let full: RunningServer;
  const secretKey = newSecretKey('development');
  let token = '';
  let sessionId = '';
  let userId = '';
  let orgId = '';

  async function signIn(email: string): Promise<{ token: string; sessionId: string; userId: string }> {
    const { services } = direct;
    const user = await services.users.create({ emailAddresses: [email], firstName: 'Tok' });
    const client = await services.clients.create();
    const auth = (await services.instance.settings()).auth;
    const session = await transaction(services.storage.db, (tx) => services.sessions.createInTx(tx, auth, { clientId: client.client.id, userId: user.user.id, strategy: 'password', secondFactor: false }));
    return { token: client.token, sessionId: session.id, userId: user.user.id };
  }

  beforeAll(async () => {
    database = freshDatabase(dialect);
    const config = resolveConfig({
      LATCH_PORT: '0',
      LATCH_HOST: '127.0.0.1',
      LATCH_DATABASE_URL: database.url,
      LATCH_SECRET_KEY: secretKey,
      // One issuer for both servers, so their tokens' claims can be compared whole.
      LATCH_PUBLIC_URL: 'http://latch.example.test',
      LATCH_APP_URL: PAGE,
    });
    const options = { logger: pino({ level: 'silent' }), ...(database.schema ? { storage: { schema: database.schema } } : {}) };
    direct = await startServer(config, options);
    full = await startServer(config, { ...options, directTokenRefresh: false });
    ({ token, sessionId, userId } = await signIn('tok@example.test'));
    const org = await direct.services.organizations.organizations.create({ name: 'Token Org', createdBy: userId });
    orgId = org.id;
  });
  afterAll(async () => {
    await direct?.close();
    await full?.close();
    await database?.cleanup();
  });

  interface Call {
    path?: string;
    query?: string;
    cookie?: string | null;
    origin?: string | null;
    contentType?: string | null;
    body?: string;
  }

  function send(server: RunningServer, call: Call): Promise<Response> {
    const headers = new Headers();
    const cookie = call.cookie === undefined ? `__client=${token}` : call.cookie;
    if (cookie !== null) headers.set('cookie', cookie);
    const origin = call.origin === undefined ? PAGE : call.origin;
    if (origin !== null) headers.set('origin', origin);
    const type = call.contentType === undefined ? 'application/x-www-form-urlencoded' : call.contentType;
    if (type !== null) headers.set('content-type', type);
    const path = call.path ?? `/fapi/v1/client/sessions/${sessionId}/tokens`;
    return fetch(`${server.url}${path}?${call.query ?? QUERY}`, { method: 'POST', headers, body: call.body ?? 'organization_id=' });
  }

  /** What the two servers answered, in the parts a client can tell apart. */
  async function both(call: Call) {
    const seen = [];
    for (const server of [direct, full]) {
      const res = await send(server, call);
      const text = await res.text();
      const body = JSON.parse(text) as Err & { object?: string; jwt?: string };
      const headers: Record<string, string> = {};
      res.headers.forEach((value, name) => {
        if (!['date', 'x-latch-trace-id', 'content-length', 'keep-alive', 'connection'].includes(name)) headers[name] = value;
      });
      const claims = body.jwt ? claimsOf(body.jwt) : null;
      if (claims) for (const k of ['iat', 'exp', 'nbf']) delete claims[k];
      seen.push({ status: res.status, headers, code: body.errors?.[0]?.code ?? null, param: body.errors?.[0]?.meta?.param_name ?? null, object: body.object ?? null, claims, trace: res.headers.get('x-latch-trace-id') });
    }
    const [a, b] = seen as [(typeof seen)[0], (typeof seen)[0]];
    expect(a.trace).toMatch(/^[0-9a-f]{32}$/);
    expect(b.trace).toMatch(/^[0-9a-f]{32}$/);
    const { trace: _a, ...directSeen } = a;
    const { trace: _b, ...fullSeen } = b;
    expect(directSeen, JSON.stringify(call)).toEqual(fullSeen);
    return directSeen;
  }

  it('answers a token refresh exactly as the app does', async () => {
    const ok = await both({});
    expect(ok).toMatchObject({ status: 200, object: 'token', code: null, claims: { sid: sessionId, sub: userId, azp: PAGE, v: 2, sts: 'active' } });
    expect(ok.headers).toMatchObject({ 'access-control-allow-origin': PAGE, 'access-control-allow-credentials': 'true', 'cache-control': 'no-store', 'content-type': 'application/json', vary: 'Origin' });
    // The organization in the claims, chosen by the body; no body at all; the SDK's query left out.
    const withOrg = await both({ body: `organization_id=${orgId}` });
    expect(withOrg.claims).toMatchObject({ o: { id: orgId, rol: 'admin' } });
    expect((await both({ body: '' })).status).toBe(200);
    expect((await both({ query: '' })).status).toBe(200);
    expect((await both({ body: 'organization_id=&tab_state=active&extra=1' })).status).toBe(200);
  });

  it('answers every refusal and every request it does not handle exactly as the app does', async () => {
    const other = await signIn('other@example.test');
    const cases: [string, Call, number][] = [
      ['no Origin on a cookie request', { origin: null }, 403],
      ['an Origin that is not allowed', { origin: 'https://evil.example' }, 403],
      ['no client cookie', { cookie: null }, 401],
      ['an unknown client', { cookie: '__client=unknownclienttoken0000' }, 401],
      ['a session of another client', { path: `/fapi/v1/client/sessions/${other.sessionId}/tokens` }, 404],
      ['an unknown session', { path: '/fapi/v1/client/sessions/sess_nosuchsession000000000/tokens' }, 401],
      ['an organization id that is too long', { body: `organization_id=${'o'.repeat(65)}` }, 422],
      ['a NUL in a field', { body: 'organization_id=org%00x' }, 422],
      ['an organization the user is not in (a token without one)', { body: 'organization_id=org_notamember0000000000000' }, 200],
      ['a JSON body', { contentType: 'application/json', body: '{"organization_id":""}' }, 200],
      ['a tunnelled DELETE', { query: `_method=DELETE&${QUERY}` }, 404],
      ['a quoted cookie', { cookie: `__client="${token}"` }, 200],
      ['two client cookies', { cookie: `__client=${token}; __client=${other.token}` }, 200],
    ];
    for (const [what, call, status] of cases) {
      const seen = await both(call);
      expect(seen.status, what).toBe(status);
    }
  });

  it('refuses at once after the session is revoked or the user banned, on both paths', async () => {
    const a = await signIn('revoked@example.test');
    const b = await signIn('banned@example.test');
    const call = (s: { token: string; sessionId: string }): Call => ({ cookie: `__client=${s.token}`, path: `/fapi/v1/client/sessions/${s.sessionId}/tokens` });
    expect((await both(call(a))).status).toBe(200);
    await direct.services.sessions.revoke(a.sessionId);
    expect(await both(call(a))).toMatchObject({ status: 401, code: 'signed_out' });
    await direct.services.users.setFlag(b.userId, 'banned', true);
    expect(await both(call(b))).toMatchObject({ status: 401, code: 'signed_out' });
  });

  it('answers the plain success itself and hands everything else over, with the body once it has read it', async () => {
    const { services } = direct;
    const refresh = createTokenRefresh({ clients: services.clients, sessions: services.sessions, originPolicy: frontendOriginPolicy({ config: resolveConfig({ LATCH_APP_URL: PAGE, LATCH_PUBLIC_URL: direct.url, LATCH_SECRET_KEY: secretKey }), instance: services.instance, bootstrap: direct.bootstrap }) });
    const handedOver: (string | null)[] = [];
    const server: Server = createServer((req: IncomingMessage, res: ServerResponse) => {
      const handled = refresh(req, res, (_req, out, body) => {
        handedOver.push(body === null ? null : body.toString('utf8'));
        out.writeHead(599).end();
      });
      if (!handled) res.writeHead(598).end();
    });
    await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
    const at = { url: `http://127.0.0.1:${(server.address() as AddressInfo).port}` } as RunningServer;
    try {
      expect((await send(at, {})).status).toBe(200);
      expect((await send(at, { body: `organization_id=${orgId}` })).status).toBe(200);
      expect(handedOver).toEqual([]);
      // Not a token refresh: declined, untouched.
      expect((await send(at, { path: `/fapi/v1/client/sessions/${sessionId}/touch` })).status).toBe(598);
      expect((await send(at, { path: `/fapi/v1/client/sessions/${sessionId}/tokens/some-template` })).status).toBe(598);
      // Handed over before the body is read …
      for (const call of [{ origin: null }, { origin: 'https://evil.example' }, { cookie: null }, { contentType: 'application/json' }, { query: `_method=DELETE&${QUERY}` }, { query: `__clerk_db_jwt=x&${QUERY}` }] as Call[]) {
        expect((await send(at, call)).status, JSON.stringify(call)).toBe(599);
      }
      expect(handedOver).toEqual([null, null, null, null, null, null]);
      handedOver.length = 0;
      // … and after, with the bytes it read.
      const tooLong = `organization_id=${'o'.repeat(65)}`;
      expect((await send(at, { body: tooLong })).status).toBe(599);
      expect((await send(at, { cookie: '__client=unknownclienttoken0000' })).status).toBe(599);
      expect((await send(at, { path: '/fapi/v1/client/sessions/sess_nosuchsession000000000/tokens', body: 'organization_id=&tab_state=x' })).status).toBe(599);
      expect(handedOver).toEqual([tooLong, 'organization_id=', 'organization_id=&tab_state=x']);
    } finally {
      await new Promise<void>((r) => server.close(() => r()));
    }
  });

  it('hands a request over when its own reads fail: unread before the body, with it after', async () => {
    const { services } = direct;
    const failing = new Error('database unreachable');
    const policy = frontendOriginPolicy({ config: resolveConfig({ LATCH_APP_URL: PAGE, LATCH_PUBLIC_URL: direct.url, LATCH_SECRET_KEY: secretKey }), instance: services.instance, bootstrap: direct.bootstrap });
    const variants = [
      { name: 'the origin policy', deps: { clients: services.clients, sessions: services.sessions, originPolicy: () => Promise.reject(failing) }, expected: null },
      { name: 'the client', deps: { clients: { ...services.clients, identify: () => Promise.reject(failing) }, sessions: services.sessions, originPolicy: policy }, expected: 'organization_id=' },
    ];
    for (const v of variants) {
      const refresh = createTokenRefresh(v.deps);
      const handedOver: (string | null)[] = [];
      const server: Server = createServer((req: IncomingMessage, res: ServerResponse) => {
        refresh(req, res, (_req, out, body) => {
          handedOver.push(body === null ? null : body.toString('utf8'));
          out.writeHead(599).end();
        });
      });
      await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
      try {
        const at = { url: `http://127.0.0.1:${(server.address() as AddressInfo).port}` } as RunningServer;
        expect((await send(at, {})).status, v.name).toBe(599);
        expect(handedOver, v.name).toEqual([v.expected]);
      } finally {
        await new Promise<void>((r) => server.close(() => r()));
      }
    }
  });
});
