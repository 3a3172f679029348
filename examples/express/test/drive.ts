/**
 * The checks both Express apps (on @latch/express and on the official @clerk/express) must pass against a
 * real Latch server: a user signed in through the Frontend API, then the app driven over HTTP with that
 * browser's cookies or a Bearer token, every sample's effect read back through the Backend API.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { expect, it } from 'vitest';
import { decodeJwt } from '@latch/backend';
import type { TestServer } from '../../../packages/server/src/test/harness.js';
import { forgeToken, SiteJar, type SignedInBrowser } from '../../../packages/backend/src/test/kit.js';

/** Starts `node <script>` with `env` and resolves with the URL it prints once listening. */
export function startApp(script: string, env: Record<string, string>): Promise<{ child: ChildProcess; base: string; output: () => string }> {
  const child = spawn(process.execPath, [script], { env: { PATH: process.env.PATH ?? '', NODE_ENV: 'production', PORT: '0', ...env }, stdio: ['ignore', 'pipe', 'pipe'] });
  let output = '';
  return new Promise((resolve, reject) => {
    const onData = (d: Buffer) => {
      output += d.toString();
      const m = /(http:\/\/127\.0\.0\.1:\d+)/.exec(output);
      if (m?.[1]) resolve({ child, base: m[1], output: () => output });
    };
    child.stdout?.on('data', onData);
    child.stderr?.on('data', (d: Buffer) => {
      output += d.toString();
    });
    child.on('exit', (code) => reject(new Error(`${script} exited with ${code}:\n${output}`)));
  });
}

/** Stops a process `startApp` started, and waits for it to exit. */
export async function stopApp(child: ChildProcess | undefined): Promise<void> {
  if (!child || child.exitCode !== null) return;
  const exited = new Promise((resolve) => child.once('exit', resolve));
  child.kill();
  await exited;
}

export interface AppUnderTest {
  /** The app's origin, e.g. http://127.0.0.1:40123. */
  base: string;
  /** What a signed-out API request gets: status and a check of its body. */
  signedOut: { status: number; body(json: unknown): void };
}

export interface Context {
  t: TestServer;
  me: SignedInBrowser;
  app: AppUnderTest;
}

interface BapiUser {
  first_name: string | null;
  last_name: string | null;
  public_metadata: Record<string, unknown>;
  private_metadata: Record<string, unknown>;
  unsafe_metadata: Record<string, unknown>;
}

async function bapiUser(t: TestServer, id: string): Promise<BapiUser> {
  const res = await t.api(`/users/${id}`);
  expect(res.status).toBe(200);
  return (await res.json()) as BapiUser;
}

/** The browser's cookies on the app's site, right after sign-in (development instance: the dev-browser marker too). */
export function signedInJar(me: SignedInBrowser): SiteJar {
  return new SiteJar({ __session: me.token, __client_uat: me.clientUat, __clerk_db_jwt: 'dvb_example' });
}

function post(url: string, json: unknown, headers: Record<string, string>): Promise<Response> {
  return fetch(url, { method: 'POST', headers: { 'content-type': 'application/json', accept: 'application/json', ...headers }, body: JSON.stringify(json) });
}

export function sampleChecks(ctx: () => Context): void {
  it('seed 002: POST /api/update-user renames the signed-in user John Wick (cookies, then a Bearer token)', async () => {
    const { t, me, app } = ctx();
    await t.api(`/users/${me.userId}`, { method: 'PATCH', json: { first_name: 'Ada', last_name: 'Lovelace' } });
    const res = await post(`${app.base}/api/update-user`, {}, { cookie: signedInJar(me).header() });
    expect(res.status).toBe(200);
    const body = (await res.json()) as { updatedUser: { id: string; firstName: string; lastName: string } };
    expect(body.updatedUser).toMatchObject({ id: me.userId, firstName: 'John', lastName: 'Wick' });
    expect(await bapiUser(t, me.userId)).toMatchObject({ first_name: 'John', last_name: 'Wick' });

    await t.api(`/users/${me.userId}`, { method: 'PATCH', json: { first_name: 'Ada' } });
    const bearer = await post(`${app.base}/api/update-user`, {}, { authorization: `Bearer ${me.token}` });
    expect(bearer.status).toBe(200);
    expect((await bapiUser(t, me.userId)).first_name).toBe('John');
  });

  it('seed 002 signed out: no cookies, a signed-out client, a forged token — refused, the user untouched', async () => {
    const { t, me, app } = ctx();
    await t.api(`/users/${me.userId}`, { method: 'PATCH', json: { first_name: 'Grace', last_name: 'Hopper' } });
    const forged = `${me.token.slice(0, me.token.lastIndexOf('.'))}.${Buffer.from('not the signature').toString('base64url')}`;
    for (const headers of [{}, { cookie: '__client_uat=0; __clerk_db_jwt=dvb_example' }, { authorization: `Bearer ${forged}` }] as Record<string, string>[]) {
      const res = await post(`${app.base}/api/update-user`, {}, headers);
      expect(res.status).toBe(app.signedOut.status);
      app.signedOut.body(await res.json());
    }
    expect(await bapiUser(t, me.userId)).toMatchObject({ first_name: 'Grace', last_name: 'Hopper' });
  });

  it('seed 003: private metadata set and read, public metadata set, unsafe metadata set', async () => {
    const { t, me, app } = ctx();
    const cookie = signedInJar(me).header();
    const stripeId = `cus_${Date.now()}`;
    const set = await post(`${app.base}/metadata/private-set/updateStripe`, { stripeId, userId: me.userId }, { cookie });
    expect(set.status).toBe(200);
    expect(await set.json()).toEqual({ success: true });
    expect((await bapiUser(t, me.userId)).private_metadata).toMatchObject({ stripeId });

    const read = await post(`${app.base}/metadata/private-get/updateStripe`, { userId: me.userId }, { cookie });
    expect(read.status).toBe(200);
    expect(await read.json()).toMatchObject({ stripeId });

    const role = await post(`${app.base}/metadata/public/updateRole`, { role: 'shopper', userId: me.userId }, { cookie });
    expect(role.status).toBe(200);
    expect((await bapiUser(t, me.userId)).public_metadata).toMatchObject({ role: 'shopper' });

    const unsafe = await post(`${app.base}/metadata/unsafe/updateStripe`, { stripeId, userId: me.userId }, { cookie });
    expect(unsafe.status).toBe(200);
    const after = await bapiUser(t, me.userId);
    expect(after.unsafe_metadata).toMatchObject({ birthday: '11-30-1969' });
    // The Frontend API never shows private metadata, whatever the backend stored.
    const fapi = await me.browser.get<{ response: { private_metadata?: unknown; public_metadata: unknown } }>('/me');
    expect(fapi.body.response.private_metadata).toBeUndefined();
    expect(fapi.body.response.public_metadata).toMatchObject({ role: 'shopper' });
  });

  it('seed 003 signed out: every metadata route refused, nothing written', async () => {
    const { t, me, app } = ctx();
    await t.api(`/users/${me.userId}/metadata`, { method: 'PATCH', json: { private_metadata: { stripeId: null }, public_metadata: { role: null } } });
    for (const [path, json] of [
      ['/metadata/private-set/updateStripe', { stripeId: 'cus_evil', userId: me.userId }],
      ['/metadata/private-get/updateStripe', { userId: me.userId }],
      ['/metadata/public/updateRole', { role: 'admin', userId: me.userId }],
    ] as const) {
      const res = await post(`${app.base}${path}`, json, { cookie: '__clerk_db_jwt=dvb_example' });
      expect(res.status, path).toBe(app.signedOut.status);
      const text = await res.text();
      expect(text).not.toContain('cus_');
    }
    const user = await bapiUser(t, me.userId);
    expect(user.private_metadata.stripeId).toBeUndefined();
    expect(user.public_metadata.role).toBeUndefined();
  });

  it('a signed-out page request is redirected to the sign-in page, with the page to come back to', async () => {
    const { app } = ctx();
    const res = await fetch(`${app.base}/?from=mail`, { redirect: 'manual', headers: { cookie: '__client_uat=0; __clerk_db_jwt=dvb_example', 'sec-fetch-dest': 'document', accept: 'text/html' } });
    expect(res.status).toBe(307);
    const location = new URL(res.headers.get('location') as string, app.base);
    expect(location.pathname).toBe('/sign-in');
    expect(new URL(location.searchParams.get('redirect_url') as string, app.base).pathname + new URL(location.searchParams.get('redirect_url') as string, app.base).search).toBe('/?from=mail');
    const signIn = await fetch(location);
    expect(signIn.status).toBe(200);
    expect(await signIn.text()).toContain('/npm/@clerk/clerk-js@5/dist/clerk.browser.js');
  });

  it('a returning visitor with an expired __session goes through one handshake and the page renders signed in', async () => {
    const { t, me, app } = ctx();
    await returningVisitor(t, me, app.base);
  });
}

/** A returning visitor (cookies from an hour ago, the token long expired) loads `/`: one handshake, then signed in. */
export async function returningVisitor(t: TestServer, me: SignedInBrowser, base: string): Promise<void> {
  const now = Math.floor(Date.now() / 1000);
  const claims = decodeJwt(me.token).payload;
  // Cookies from an hour ago: the token long expired, __client_uat from before it was issued.
  const expired = await forgeToken(t, { ...claims, iat: now - 3000, nbf: now - 3000, exp: now - 2940 });
  const jar = new SiteJar({ __session: expired, __client_uat: String(now - 3600), __clerk_db_jwt: 'dvb_example' });
  const client = `__client=${me.browser.cookies.get('__client')}`;

  let handshakes = 0;
  let url = `${base}/`;
  let page: Response | null = null;
  for (let hop = 0; hop < 6 && !page; hop++) {
    const res = await fetch(url, { redirect: 'manual', headers: { cookie: jar.header(), 'sec-fetch-dest': 'document', accept: 'text/html' } });
    jar.apply(res.headers);
    if (res.status === 200) {
      page = res;
      break;
    }
    expect(res.status).toBe(307);
    const next = new URL(res.headers.get('location') as string, url);
    if (next.origin === new URL(t.url).origin) {
      // The Frontend API: identifies the browser by its client cookie and sends it back with fresh cookies.
      expect(next.pathname).toBe('/fapi/v1/client/handshake');
      handshakes++;
      const fapi = await fetch(next, { redirect: 'manual', headers: { cookie: client } });
      expect(fapi.status).toBe(307);
      url = new URL(fapi.headers.get('location') as string, next).toString();
    } else {
      expect(next.pathname).not.toBe('/sign-in');
      url = next.toString();
    }
  }
  expect(handshakes).toBe(1);
  expect(page?.status).toBe(200);
  expect(await page?.text()).toContain(`Signed in as ${me.userId}`);
  // The cookies now hold a fresh token: the next page load needs no handshake.
  const again = await fetch(`${base}/`, { redirect: 'manual', headers: { cookie: jar.header(), 'sec-fetch-dest': 'document' } });
  expect(again.status).toBe(200);
  expect(decodeJwt(jar.cookies.get('__session') as string).payload.exp).toBeGreaterThan(now);
}
