/**
 * The README's fetch-framework pattern, run for real: a Hono app whose middleware is
 * `latch.authenticateRequest(c.req.raw)` serves the update-user sample of seed 002 against a real Latch
 * server — signed in by cookie or Bearer token, signed out with a 401, and sent through the handshake on a
 * document request with stale cookies.
 */
import { Hono } from 'hono';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startTestServer, type TestServer } from '../../server/src/test/harness.js';
import { createLatchClient, type Auth, type LatchClient } from './index.js';
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
