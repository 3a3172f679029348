/**
 * The README's fetch-framework pattern, run for real: a Hono app whose middleware is
 * `latch.authenticateRequest(c.req.raw)` serves the update-user sample of seed 002 against a real Latch
 * server — signed in by cookie or Bearer token, signed out with a 401, and sent through the handshake on a
 * document request with stale cookies.
 */
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { Hono } from 'hono';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startTestServer, type TestServer } from '../../server/src/test/harness.js';
import { applyHeaders, createLatchClient, requestFromNode, type Auth, type LatchClient } from './index.js';
import { signInThroughFapi, SiteJar, type SignedInBrowser } from './test/kit.js';

const APP = 'http://localhost:3000';

function sampleApp(latch: LatchClient) {
  const app = new Hono<{ Variables: { auth: Auth } }>();
  app.use('*', async (c, next) => {
    const state = await latch.authenticateRequest(c.req.raw);
    if (state.status === 'handshake') return state.response;
    c.set('auth', state.toAuth());
    await next();
    for (const cookie of state.headers.getSetCookie()) c.res.headers.append('Set-Cookie', cookie);
  });
  app.post('/api/update-user', async (c) => {
    const { userId } = c.get('auth');
    if (!userId) return c.json({ error: 'Unauthorized' }, 401);
    const updatedUser = await latch.users.updateUser(userId, { firstName: 'John', lastName: 'Wick' });
    return c.json({ updatedUser });
  });
  app.get('/', (c) => c.text(c.get('auth').userId ? `hello ${c.get('auth').userId}` : 'hello stranger'));
  return app;
}

describe('a fetch-Request framework on @latch/backend (Hono)', () => {
  let t: TestServer;
  let me: SignedInBrowser;
  let latch: LatchClient;
  beforeAll(async () => {
    t = await startTestServer();
    me = await signInThroughFapi(t, 'hono@example.com', APP);
    latch = createLatchClient({ secretKey: t.secretKey, apiUrl: t.apiUrl, publishableKey: t.server.publishableKey });
  });
  afterAll(async () => {
    await t.close();
  });

  it('updates the signed-in user (cookies), refuses a signed-out one with 401', async () => {
    const app = sampleApp(latch);
    const jar = new SiteJar({ __session: me.token, __client_uat: me.clientUat, __clerk_db_jwt: 'dvb_x' });
    const res = await app.request(`${APP}/api/update-user`, { method: 'POST', headers: { cookie: jar.header() } });
    expect(res.status).toBe(200);
    expect(((await res.json()) as { updatedUser: { id: string; firstName: string; lastName: string } }).updatedUser).toMatchObject({ id: me.userId, firstName: 'John', lastName: 'Wick' });
    expect((await latch.users.getUser(me.userId)).fullName).toBe('John Wick');

    const anonymous = await app.request(`${APP}/api/update-user`, { method: 'POST', headers: { cookie: '__clerk_db_jwt=dvb_x' } });
    expect(anonymous.status).toBe(401);
    const bearer = await app.request(`${APP}/api/update-user`, { method: 'POST', headers: { authorization: `Bearer ${me.token}` } });
    expect(bearer.status).toBe(200);
  });

  it('a page with stale cookies goes through the handshake and then renders signed in', async () => {
    const app = sampleApp(latch);
    const jar = new SiteJar({ __client_uat: me.clientUat, __clerk_db_jwt: 'dvb_x' });
    const first = await app.request(jar.page(`${APP}/`));
    expect(first.status).toBe(307);
    jar.apply(first.headers);
    const fapi = await fetch(first.headers.get('location') as string, { redirect: 'manual', headers: { cookie: `__client=${me.browser.cookies.get('__client')}` } });
    expect(fapi.status).toBe(307);
    const back = await app.request(jar.page(fapi.headers.get('location') as string));
    expect(back.status).toBe(307); // development: the cookies, then the clean URL
    jar.apply(back.headers);
    expect(back.headers.get('location')).toBe(`${APP}/`);
    const page = await app.request(jar.page(`${APP}/`));
    expect(await page.text()).toBe(`hello ${me.userId}`);
  });
});

describe('a Node HTTP server on @latch/backend (requestFromNode / applyHeaders)', () => {
  let t: TestServer;
  let me: SignedInBrowser;
  let app: Server;
  let base: string;
  beforeAll(async () => {
    t = await startTestServer();
    me = await signInThroughFapi(t, 'node@example.com', APP);
    const latch = createLatchClient({ secretKey: t.secretKey, apiUrl: t.apiUrl, publishableKey: t.server.publishableKey });
    app = createServer((req, res) => {
      void (async () => {
        const state = await latch.authenticateRequest(requestFromNode(req));
        applyHeaders(res, state.headers);
        if (state.status === 'handshake') return void res.writeHead(307).end();
        const { userId } = state.toAuth();
        if (!userId) return void res.writeHead(401, { 'content-type': 'application/json' }).end(JSON.stringify({ error: 'Unauthorized' }));
        const updatedUser = await latch.users.updateUser(userId, { firstName: 'John', lastName: 'Wick' });
        res.writeHead(200, { 'content-type': 'application/json' }).end(JSON.stringify({ updatedUser, url: req.url }));
      })();
    });
    await new Promise<void>((resolve) => app.listen(0, '127.0.0.1', resolve));
    base = `http://127.0.0.1:${(app.address() as AddressInfo).port}`;
  });
  afterAll(async () => {
    await new Promise((resolve) => app.close(resolve));
    await t.close();
  });

  it('signed in by cookie, 401 without, and a handshake redirect back to the full URL', async () => {
    const jar = new SiteJar({ __session: me.token, __client_uat: me.clientUat, __clerk_db_jwt: 'dvb_x' });
    const ok = await fetch(`${base}/api/update-user?x=1`, { method: 'POST', headers: { cookie: jar.header() } });
    expect(ok.status).toBe(200);
    expect(((await ok.json()) as { updatedUser: { id: string; lastName: string } }).updatedUser).toMatchObject({ id: me.userId, lastName: 'Wick' });
    expect((await fetch(`${base}/api/update-user`, { method: 'POST' })).status).toBe(401);

    const stale = await fetch(`${base}/page?y=2`, { redirect: 'manual', headers: { cookie: '__client_uat=1700000000; __clerk_db_jwt=dvb_x', 'sec-fetch-dest': 'document' } });
    expect(stale.status).toBe(307);
    expect(stale.headers.getSetCookie().join('\n')).toContain('__clerk_redirect_count=1');
    const location = new URL(stale.headers.get('location') as string);
    expect(location.searchParams.get('redirect_url')).toBe(`${base}/page?y=2`);
  });
});
