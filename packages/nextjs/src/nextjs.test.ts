/**
 * @latch/nextjs without a Next.js build: the middleware called directly with `NextRequest`s against a
 * real Latch server (handshake for document requests only, never for Server Actions; the hand-off headers
 * signed and forged ones dropped), `getAuth(req)` on what it hands over, `latchClient` in both forms,
 * `createRouteMatcher`, the Pages-router wrappers, and the configuration errors.
 */
import { newSecretKey } from '@latch/core';
import { NextRequest, type NextFetchEvent } from 'next/server.js';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { forgeToken, signInThroughFapi, type SignedInBrowser } from '../../backend/src/test/kit.js';
import { startTestServer, type TestServer } from '../../server/src/test/harness.js';
import { legacyClaims, requireAuth } from './api.js';
import { createRouteMatcher, getAuth, latchClient, latchMiddleware } from './server.js';
import { withServerSideAuth } from './ssr.js';

const APP = 'http://localhost:3000';
const event = {} as NextFetchEvent;

/** The request headers Next.js would give the page after the middleware's response. */
function handedOver(res: Response): Headers {
  const out = new Headers();
  for (const name of (res.headers.get('x-middleware-override-headers') ?? '').split(',').filter(Boolean)) {
    const v = res.headers.get(`x-middleware-request-${name}`);
    if (v !== null) out.set(name, v);
  }
  return out;
}

function toRecord(h: Headers): Record<string, string> {
  const out: Record<string, string> = {};
  h.forEach((v, k) => (out[k] = v));
  return out;
}

describe('@latch/nextjs', () => {
  let t: TestServer;
  let me: SignedInBrowser;
  const saved = { ...process.env };

  beforeAll(async () => {
    t = await startTestServer('sqlite', { LATCH_SECRET_KEY: newSecretKey('production'), LATCH_APP_URL: APP });
    me = await signInThroughFapi(t, 'next-unit@example.com', APP);
  });

  afterAll(async () => {
    process.env = saved;
    await t?.close();
  });

  it('fails at start with a message naming a missing or malformed variable', () => {
    delete process.env.LATCH_SECRET_KEY;
    delete process.env.LATCH_API_URL;
    expect(() => latchMiddleware()).toThrow(/LATCH_SECRET_KEY is not set/);
    process.env.LATCH_SECRET_KEY = t.secretKey;
    process.env.LATCH_API_URL = 'ftp://nowhere';
    expect(() => latchMiddleware()).toThrow(/LATCH_API_URL must be an http\(s\) URL/);
    process.env.LATCH_API_URL = t.url;
    process.env.LATCH_PUBLISHABLE_KEY = 'pk_live_garbage';
    expect(() => latchMiddleware()).toThrow(/LATCH_PUBLISHABLE_KEY is malformed/);
    process.env.LATCH_PUBLISHABLE_KEY = t.server.publishableKey;
    expect(() => latchMiddleware()).not.toThrow();
  });

  const cookie = () => `__session=${me.token}; __client_uat=${me.clientUat}`;

  it('hands a signed-in request to getAuth(req) through signed headers, and drops forged ones', async () => {
    const mw = latchMiddleware();
    const res = await mw(new NextRequest(`${APP}/dashboard`, { headers: { cookie: cookie(), 'sec-fetch-dest': 'document', 'x-latch-auth-status': 'signed-out' } }), event);
    expect(res.headers.get('x-middleware-next')).toBe('1');
    const headers = handedOver(res);
    expect(headers.get('cookie')).toBe(cookie());
    expect(getAuth({ headers })).toMatchObject({ isAuthenticated: true, userId: me.userId, sessionId: me.sessionId });

    // Headers that claim a sign-in without the middleware's signature are signed out.
    const forged = new Headers(headers);
    forged.set('x-latch-auth-signature', 'AAAA');
    expect(getAuth({ headers: forged })).toMatchObject({ isAuthenticated: false, userId: null });
    const other = await forgeToken(t, { sub: 'user_someone_else', exp: Math.floor(Date.now() / 1000) + 60 });
    forged.set('x-latch-auth-token', other);
    forged.set('x-latch-auth-signature', headers.get('x-latch-auth-signature') as string);
    expect(getAuth({ headers: forged }).userId).toBeNull();
    // And a request the middleware never saw is a configuration error, not "signed out".
    expect(() => getAuth({ headers: {} })).toThrow(/latchMiddleware\(\) did not see/);
    // Node-style header objects (Pages API routes, getServerSideProps) work the same.
    expect(getAuth({ headers: toRecord(headers) }).userId).toBe(me.userId);
  });

  it('sends a document request with an expired token through the handshake, but never a Server Action', async () => {
    const now = Math.floor(Date.now() / 1000);
    const expired = await forgeToken(t, { sub: me.userId, sid: me.sessionId, iat: now - 300, exp: now - 240 });
    const stale = `__session=${expired}; __client_uat=${now - 300}`;
    const mw = latchMiddleware();
    const page = await mw(new NextRequest(`${APP}/dashboard?tab=2`, { headers: { cookie: stale, 'sec-fetch-dest': 'document' } }), event);
    expect(page.status).toBe(307);
    const to = new URL(page.headers.get('location') as string);
    expect(`${to.origin}${to.pathname}`).toBe(`${t.url}/fapi/v1/client/handshake`);
    expect(to.searchParams.get('redirect_url')).toBe(`${APP}/dashboard?tab=2`);

    const action = await mw(new NextRequest(`${APP}/dashboard`, { method: 'POST', headers: { cookie: stale, 'next-action': 'abc123', accept: 'text/x-component' } }), event);
    expect(action.status).toBe(200);
    expect(action.headers.get('x-latch-auth-status')).toBe('signed-out');
    expect(getAuth({ headers: handedOver(action) })).toMatchObject({ isAuthenticated: false });
  });

  it('uses the Host the browser asked for, not the address Next.js reports', async () => {
    const now = Math.floor(Date.now() / 1000);
    const expired = await forgeToken(t, { sub: me.userId, sid: me.sessionId, iat: now - 300, exp: now - 240 });
    const res = await latchMiddleware()(new NextRequest('http://localhost:3000/x', { headers: { host: 'app.example.com', 'x-forwarded-proto': 'https', cookie: `__session=${expired}; __client_uat=${now - 300}`, 'sec-fetch-dest': 'document' } }), event);
    expect(new URL(res.headers.get('location') as string).searchParams.get('redirect_url')).toBe('https://app.example.com/x');
  });

  it('protect() in the middleware: a sign-in redirect for pages, 401 for API calls, 404 for a failed check', async () => {
    const mw = latchMiddleware(async (auth, req) => {
      if (createRouteMatcher(['/admin(.*)'])(req)) await auth.protect({ role: 'org:admin' });
      if (createRouteMatcher('/account/:section')(req)) await auth.protect();
    });
    const page = await mw(new NextRequest(`${APP}/account/billing`, { headers: { 'sec-fetch-dest': 'document' } }), event);
    expect(page.status).toBe(307);
    expect(page.headers.get('location')).toBe(`${APP}/sign-in?redirect_url=${encodeURIComponent(`${APP}/account/billing`)}`);
    const api = await mw(new NextRequest(`${APP}/account/billing`, { method: 'POST' }), event);
    expect(api.status).toBe(401);
    expect(((await api.json()) as { errors: { code: string }[] }).errors[0]?.code).toBe('authentication_invalid');
    const noRole = await mw(new NextRequest(`${APP}/admin/users`, { headers: { cookie: cookie() } }), event);
    expect(noRole.status).toBe(404);
    const allowed = await mw(new NextRequest(`${APP}/account/billing`, { headers: { cookie: cookie() } }), event);
    expect(allowed.headers.get('x-middleware-next')).toBe('1');
  });

  it('createRouteMatcher reads the official patterns', () => {
    const m = createRouteMatcher(['/dashboard(.*)', '/orgs/:slug/settings', /^\/api\/v\d+\//]);
    const req = (p: string) => new NextRequest(`${APP}${p}`);
    expect(['/dashboard', '/dashboard/a/b', '/orgs/acme/settings', '/api/v2/x'].map((p) => m(req(p)))).toEqual([true, true, true, true]);
    expect(['/', '/dash', '/orgs/acme/settings/x', '/orgs//settings', '/api/x'].map((p) => m(req(p)))).toEqual([false, false, false, false, false]);
  });

  it('latchClient works as latchClient.users… and latchClient().users…', async () => {
    const viaObject = await latchClient.users.getUser(me.userId);
    const viaCall = await latchClient().users.getUser(me.userId);
    const awaited = await (await latchClient()).users.getUser(me.userId);
    expect([viaObject.id, viaCall.id, awaited.id]).toEqual([me.userId, me.userId, me.userId]);
  });

  it('the Pages-router wrappers: requireAuth answers 401 signed out, legacy claims carry org_id / org_role, withServerSideAuth fills `permanent`', async () => {
    expect(legacyClaims({ sub: 'u', exp: 1, v: 2, o: { id: 'org_1', rol: 'admin', slg: 'acme' } })).toMatchObject({ org_id: 'org_1', org_role: 'admin', org_slug: 'acme' });
    expect(legacyClaims({ sub: 'u', exp: 1, org_id: 'org_2', org_role: 'org:basic_member' })).toMatchObject({ org_id: 'org_2', org_role: 'basic_member' });

    const signedOut = handedOver(await latchMiddleware()(new NextRequest(`${APP}/api/org`), event));
    let status = 0;
    let body = '';
    const res = { statusCode: 200, setHeader: () => undefined, end: (b: string) => ((status = res.statusCode), (body = b)) };
    let called = false;
    await requireAuth(() => (called = true))({ headers: toRecord(signedOut) } as never, res as never);
    expect(called).toBe(false);
    expect(status).toBe(401);
    expect(JSON.parse(body).errors[0].code).toBe('authentication_invalid');

    const gssp = withServerSideAuth(async ({ req }) => (req.auth.sessionId ? { props: {} } : { redirect: { destination: '/sign-in' }, props: {} }));
    expect(await gssp({ req: { headers: toRecord(signedOut) } } as never)).toEqual({ redirect: { destination: '/sign-in', permanent: false } });
  });

  // Last: the option is process-wide from here on.
  it('the signInUrl option sends protect() there', async () => {
    const mw = latchMiddleware(async (auth) => void (await auth.protect()), { signInUrl: '/login' });
    const res = await mw(new NextRequest(`${APP}/account`, { headers: { 'sec-fetch-dest': 'document' } }), event);
    expect(res.status).toBe(307);
    expect(res.headers.get('location')).toBe(`${APP}/login?redirect_url=${encodeURIComponent(`${APP}/account`)}`);
  });
});
