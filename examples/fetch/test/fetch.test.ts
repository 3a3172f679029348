/**
 * examples/fetch: the Remix sample of seed 002 as a fetch-Request handler (Hono, served by
 * @hono/node-server) on @latch/backend's authenticateRequest, configured by the environment and driven over
 * HTTP against a real Latch server.
 */
import type { AddressInfo } from 'node:net';
import { serve, type ServerType } from '@hono/node-server';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startTestServer, type TestServer } from '../../../packages/server/src/test/harness.js';
import { signInThroughFapi, type SignedInBrowser } from '../../../packages/backend/src/test/kit.js';
import { returningVisitor, signedInJar } from '../../express/test/drive.js';

type AppModule = { createApp(): { fetch(request: Request): Response | Promise<Response> } };

describe('examples/fetch (Hono) on @latch/backend', () => {
  let t: TestServer;
  let me: SignedInBrowser;
  let server: ServerType;
  let base: string;
  beforeAll(async () => {
    t = await startTestServer();
    process.env.LATCH_SECRET_KEY = t.secretKey;
    process.env.LATCH_API_URL = t.apiUrl;
    process.env.LATCH_PUBLISHABLE_KEY = t.server.publishableKey;
    const modulePath = '../app.js';
    const { createApp } = (await import(modulePath)) as AppModule;
    server = await new Promise<ServerType>((resolve) => {
      const s = serve({ fetch: createApp().fetch, port: 0, hostname: '127.0.0.1' }, () => resolve(s));
    });
    base = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
    me = await signInThroughFapi(t, 'fetch@example.com', base);
  });
  afterAll(async () => {
    await new Promise((resolve) => server?.close(resolve));
    await t?.close();
  });

  const user = async () => (await (await t.api(`/users/${me.userId}`)).json()) as { first_name: string | null; last_name: string | null };

  it('the action renames the signed-in user John Wick (cookies, then a Bearer token)', async () => {
    await t.api(`/users/${me.userId}`, { method: 'PATCH', json: { first_name: 'Ada', last_name: 'Lovelace' } });
    const res = await fetch(`${base}/profile`, { method: 'POST', headers: { cookie: signedInJar(me).header() } });
    expect(res.status).toBe(200);
    expect(((await res.json()) as { updatedUser: { id: string; firstName: string; lastName: string } }).updatedUser).toMatchObject({ id: me.userId, firstName: 'John', lastName: 'Wick' });
    expect(await user()).toMatchObject({ first_name: 'John', last_name: 'Wick' });

    await t.api(`/users/${me.userId}`, { method: 'PATCH', json: { first_name: 'Ada' } });
    const bearer = await fetch(`${base}/profile`, { method: 'POST', headers: { authorization: `Bearer ${me.token}` } });
    expect(bearer.status).toBe(200);
    expect((await user()).first_name).toBe('John');
  });

  it("signed out, the sample's updateUser(null) fails and the request is a 401 envelope; nobody is changed", async () => {
    await t.api(`/users/${me.userId}`, { method: 'PATCH', json: { first_name: 'Grace', last_name: 'Hopper' } });
    for (const headers of [{}, { cookie: '__client_uat=0; __clerk_db_jwt=dvb_example' }, { cookie: `__session=${me.token.slice(0, -4)}AAAA; __client_uat=${me.clientUat}; __clerk_db_jwt=dvb_example` }] as Record<string, string>[]) {
      const res = await fetch(`${base}/profile`, { method: 'POST', headers });
      expect(res.status).toBe(401);
      expect(((await res.json()) as { errors: { code: string }[] }).errors[0]?.code).toBe('authentication_invalid');
    }
    expect(await user()).toMatchObject({ first_name: 'Grace', last_name: 'Hopper' });
  });

  it('a returning visitor with an expired __session goes through one handshake and the page renders signed in', async () => {
    await returningVisitor(t, me, base);
  });
});
