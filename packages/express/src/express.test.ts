/**
 * @latch/express against a real Latch server: req.auth's fields from the token (organization claims
 * included), requireAuth without latchMiddleware, the API/page split of signed-out answers, getAuth without
 * a middleware, both forms of latchClient, configuration errors naming the variable, and trustProxy.
 */
import type { Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import express, { type ErrorRequestHandler } from 'express';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { decodeJwt } from '@latch/backend';
import { startTestServer, type TestServer } from '../../server/src/test/harness.js';
import { forgeToken, signInThroughFapi, type SignedInBrowser } from '../../backend/src/test/kit.js';
import { getAuth, getRequestState, latchClient, latchMiddleware, requireAuth, resetLatchClient } from './index.js';

async function listen(app: express.Express): Promise<{ base: string; close(): Promise<void> }> {
  const server = await new Promise<Server>((resolve) => {
    const s = app.listen(0, '127.0.0.1', () => resolve(s));
  });
  return { base: `http://127.0.0.1:${(server.address() as AddressInfo).port}`, close: () => new Promise((r) => server.close(() => r())) };
}

const errors: ErrorRequestHandler = (err: Error, _req, res, _next) => {
  res.status(500).json({ message: err.message });
};

describe('@latch/express', () => {
  let t: TestServer;
  let me: SignedInBrowser;
  let cookie: string;
  const ORIGIN = 'http://127.0.0.1:3999';
  beforeAll(async () => {
    t = await startTestServer();
    me = await signInThroughFapi(t, 'mw@example.com', ORIGIN);
    cookie = `__session=${me.token}; __client_uat=${me.clientUat}; __clerk_db_jwt=dvb_mw`;
    process.env.LATCH_SECRET_KEY = t.secretKey;
    process.env.LATCH_API_URL = t.apiUrl;
    process.env.LATCH_PUBLISHABLE_KEY = t.server.publishableKey;
    delete process.env.LATCH_SIGN_IN_URL;
    resetLatchClient();
  });
  afterAll(async () => {
    await t?.close();
  });

  it('req.auth carries the token: userId, sessionId, claims, organization fields and has()', async () => {
    const claims = decodeJwt(me.token).payload;
    const now = Math.floor(Date.now() / 1000);
    const orgToken = await forgeToken(t, { ...claims, iat: now, nbf: now, exp: now + 60, v: 2, o: { id: 'org_123', rol: 'admin', slg: 'acme' } });
    const app = express();
    app.use(latchMiddleware());
    app.get('/who', (req, res) => {
      const a = getAuth(req);
      res.json({ userId: a.userId, sessionId: a.sessionId, orgId: a.orgId, orgRole: a.orgRole, orgSlug: a.orgSlug, sub: req.auth?.claims?.sub, admin: a.has({ role: 'org:admin' }), member: a.has({ role: 'org:member' }), status: getRequestState(req)?.status });
    });
    const s = await listen(app);
    try {
      const plain = await (await fetch(`${s.base}/who`, { headers: { cookie } })).json();
      expect(plain).toMatchObject({ userId: me.userId, sessionId: me.sessionId, orgId: null, sub: me.userId, admin: false, status: 'signed-in' });
      const org = await (await fetch(`${s.base}/who`, { headers: { authorization: `Bearer ${orgToken}` } })).json();
      expect(org).toMatchObject({ userId: me.userId, orgId: 'org_123', orgRole: 'org:admin', orgSlug: 'acme', admin: true, member: false });
      const anonymous = await (await fetch(`${s.base}/who`)).json();
      expect(anonymous).toMatchObject({ userId: null, orgId: null, admin: false, status: 'signed-out' });
    } finally {
      await s.close();
    }
  });

  it('requireAuth works without latchMiddleware; signed-out API calls get the 401 envelope with the reason', async () => {
    const app = express();
    app.post('/api', requireAuth(), (req, res) => res.json({ userId: req.auth?.userId }));
    const s = await listen(app);
    try {
      const ok = await fetch(`${s.base}/api`, { method: 'POST', headers: { cookie } });
      expect(await ok.json()).toEqual({ userId: me.userId });
      const no = await fetch(`${s.base}/api`, { method: 'POST', headers: { cookie: '__clerk_db_jwt=dvb_mw' } });
      expect(no.status).toBe(401);
      expect(await no.json()).toMatchObject({ errors: [{ code: 'authentication_invalid', meta: { reason: 'session-token-and-uat-missing' } }] });
    } finally {
      await s.close();
    }
  });

  it('signed-out pages: 401 without a sign-in URL, a redirect with one (relative or absolute), API calls still 401', async () => {
    const app = express();
    app.use(latchMiddleware());
    app.get('/none', requireAuth(), (_req, res) => res.send('in'));
    app.get('/rel', requireAuth({ signInUrl: '/sign-in' }), (_req, res) => res.send('in'));
    app.get('/abs', requireAuth({ signInUrl: 'https://accounts.example.com/sign-in' }), (_req, res) => res.send('in'));
    app.get('/custom', requireAuth({ signInUrl: '/sign-in', isPageRequest: (req) => req.path === '/custom' }), (_req, res) => res.send('in'));
    const s = await listen(app);
    const page = { cookie: '__client_uat=0; __clerk_db_jwt=dvb_mw', 'sec-fetch-dest': 'document' };
    try {
      expect((await fetch(`${s.base}/none`, { redirect: 'manual', headers: page })).status).toBe(401);
      const rel = await fetch(`${s.base}/rel?a=1`, { redirect: 'manual', headers: page });
      expect(rel.status).toBe(307);
      expect(rel.headers.get('location')).toBe(`/sign-in?redirect_url=${encodeURIComponent(`${s.base}/rel?a=1`)}`);
      const abs = await fetch(`${s.base}/abs`, { redirect: 'manual', headers: page });
      expect(abs.headers.get('location')).toBe(`https://accounts.example.com/sign-in?redirect_url=${encodeURIComponent(`${s.base}/abs`)}`);
      const api = await fetch(`${s.base}/rel`, { redirect: 'manual', headers: { cookie: '__clerk_db_jwt=dvb_mw', accept: 'application/json' } });
      expect(api.status).toBe(401);
      expect((await fetch(`${s.base}/custom`, { redirect: 'manual', headers: { cookie: '__clerk_db_jwt=dvb_mw', accept: 'application/json' } })).status).toBe(307);
      expect(await (await fetch(`${s.base}/rel`, { headers: { cookie } })).text()).toBe('in');
    } finally {
      await s.close();
    }
  });

  it('getAuth without a middleware says so; a missing variable is named', async () => {
    const app = express();
    app.get('/bare', (req, res) => res.json(getAuth(req)));
    app.get('/misconfigured', latchMiddleware({ apiUrl: t.apiUrl, publishableKey: 'pk_test_x' }), (_req, res) => res.send('no'));
    app.use(errors);
    const s = await listen(app);
    const saved = process.env.LATCH_SECRET_KEY;
    try {
      expect(((await (await fetch(`${s.base}/bare`)).json()) as { message: string }).message).toContain('app.use(latchMiddleware())');
      delete process.env.LATCH_SECRET_KEY;
      const bad = await fetch(`${s.base}/misconfigured`);
      expect(bad.status).toBe(500);
      expect(((await bad.json()) as { message: string }).message).toContain('LATCH_SECRET_KEY');
    } finally {
      process.env.LATCH_SECRET_KEY = saved;
      await s.close();
    }
  });

  it('latchClient works as an object and as a function, from the environment', async () => {
    expect((await latchClient.users.getUser(me.userId)).id).toBe(me.userId);
    expect((await latchClient().users.getUser(me.userId)).id).toBe(me.userId);
    expect(typeof latchClient.users.updateUserMetadata).toBe('function');
  });

  it('trustProxy: the handshake comes back to the public URL the proxy names', async () => {
    const app = express();
    app.use(latchMiddleware({ trustProxy: true }));
    app.get('/page', (_req, res) => res.send('page'));
    const s = await listen(app);
    try {
      const res = await fetch(`${s.base}/page?x=1`, { redirect: 'manual', headers: { cookie: `__client_uat=${me.clientUat}; __clerk_db_jwt=dvb_mw`, 'sec-fetch-dest': 'document', 'x-forwarded-proto': 'https', 'x-forwarded-host': 'app.example.com' } });
      expect(res.status).toBe(307);
      const location = new URL(res.headers.get('location') as string);
      expect(location.pathname).toBe('/fapi/v1/client/handshake');
      expect(location.searchParams.get('redirect_url')).toBe('https://app.example.com/page?x=1');
      expect(res.headers.getSetCookie().join('\n')).toContain('__clerk_redirect_count=1');
    } finally {
      await s.close();
    }
  });
});
