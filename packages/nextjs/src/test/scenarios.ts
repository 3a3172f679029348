/**
 * The seed samples end to end, for an example application (on @latch/nextjs or on the official
 * @clerk/nextjs): a real Latch server (a production instance, so no dev browser), the app built once
 * with `next build` and served by `next start`, and headless Chromium signing in through the official
 * @clerk/clerk-js 5 on the app's own pages. Every effect is checked through the Backend API (or, for the
 * samples that only log, in the app's output); signed-out visitors get the sample's own error or the
 * middleware's refusal.
 */
import { newSecretKey } from '@latch/core';
import type { Browser, BrowserContext, Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { forgeToken, PASSWORD } from '../../../backend/src/test/kit.js';
import { launchChromium, startPageServer, type PageServer } from '../../../server/src/test/browser.js';
import { startTestServer, type TestServer } from '../../../server/src/test/harness.js';
import { buildLatchPackages, freePort, nextBuild, nextStart, type NextApp } from './next-app.js';

export interface ExampleSpec {
  /** Folder of the example, absolute. */
  dir: string;
  /** The app's environment: only variables, as a deployment would set them. */
  env(t: TestServer, urls: { clerkJs: string; fapi: string }): Record<string, string>;
  /** `claims.org_role` / `orgRole` as the seed-004 API route answers it. */
  adminRole: string;
  /** What the middleware's `auth.protect()` answers a signed-out API call (the official SDK: a redirect to sign-in). */
  protectedStatus: number;
}

type Win = {
  __latch: { ready: boolean; error: string | null };
  Clerk: {
    user: { id: string } | null | undefined;
    client: { signIn: { create(p: Record<string, unknown>): Promise<{ status: string; createdSessionId: string }> } };
    setActive(p: Record<string, unknown>): Promise<void>;
  };
};

function payloadOf(jwt: string): Record<string, unknown> {
  return JSON.parse(Buffer.from(jwt.split('.')[1] ?? '', 'base64url').toString()) as Record<string, unknown>;
}

export function describeExample(name: string, spec: ExampleSpec): void {
  describe(name, () => {
    let t: TestServer;
    let assets: PageServer;
    let app: NextApp;
    let browser: Browser;
    let counter = 0;

    beforeAll(async () => {
      // The browser sees the app and the Frontend API on `localhost` (the name `next start` gives its own
      // URL; the official middleware's rewrites must match it), on two ports: one site for cookies.
      const port = await freePort();
      const appUrl = `http://localhost:${port}`;
      t = await startTestServer('sqlite', { LATCH_SECRET_KEY: newSecretKey('production'), LATCH_APP_URL: appUrl, LATCH_PUBLIC_URL: 'http://localhost:0' });
      expect(t.server.publishableKey).toMatch(/^pk_live_/);
      assets = await startPageServer({}, ['@clerk/clerk-js']);
      const env = spec.env(t, { clerkJs: `${assets.url}/npm/@clerk/clerk-js@5/dist/clerk.browser.js`, fapi: `http://localhost:${new URL(t.url).port}/fapi` });
      await buildLatchPackages();
      await nextBuild(spec.dir, env);
      app = await nextStart(spec.dir, port, env);
      expect(app.url).toBe(appUrl);
      browser = await launchChromium();
    }, 600_000);

    afterAll(async () => {
      await browser?.close();
      await app?.close();
      await assets?.close();
      await t?.close();
    });

    async function createUser(): Promise<{ id: string; email: string; imageUrl: string }> {
      const email = `visitor-${++counter}-${Date.now()}@example.com`;
      const res = await t.api('/users', { method: 'POST', json: { email_address: [email], password: PASSWORD, first_name: 'Ada', last_name: 'Lovelace' } });
      expect(res.status).toBe(200);
      const u = (await res.json()) as { id: string; image_url: string };
      return { id: u.id, email, imageUrl: u.image_url };
    }

    async function waitReady(p: Page): Promise<void> {
      await p.waitForFunction(() => (window as unknown as Win).__latch?.ready || (window as unknown as Win).__latch?.error !== null, null, { timeout: 30_000 });
      expect(await p.evaluate(() => (window as unknown as Win).__latch.error)).toBeNull();
    }

    /** The app's site cookies, once the browser SDK and the Frontend API have both written theirs. */
    async function waitSessionCookies(context: BrowserContext): Promise<Map<string, string>> {
      let jar = new Map<string, string>();
      await expect
        .poll(async () => {
          jar = new Map((await context.cookies(app.url)).map((c) => [c.name, c.value]));
          return !!jar.get('__session') && Number(jar.get('__client_uat') ?? '0') > 0;
        }, { timeout: 15_000 })
        .toBe(true);
      return jar;
    }

    /** A browser signed in through clerk-js on one of the app's pages (programmatically: no form). */
    async function signedIn(): Promise<{ context: BrowserContext; page: Page; user: { id: string; email: string; imageUrl: string } }> {
      const user = await createUser();
      const context = await browser.newContext();
      const page = await context.newPage();
      // Any page loads clerk-js; not the sign-in page, whose form would navigate away once signed in.
      await page.goto(`${app.url}/whoami`);
      await waitReady(page);
      await page.evaluate(
        async ({ email, password }) => {
          const w = window as unknown as Win;
          const si = await w.Clerk.client.signIn.create({ strategy: 'password', identifier: email, password });
          await w.Clerk.setActive({ session: si.createdSessionId });
        },
        { email: user.email, password: PASSWORD },
      );
      await waitSessionCookies(context);
      return { context, page, user };
    }

    type WhoAmI = { isAuthenticated: boolean; userId: string | null; orgId: string | null; orgRole: string | null; isOrgAdmin: boolean };
    async function whoami(p: Page, path = '/whoami'): Promise<WhoAmI> {
      await p.goto(`${app.url}${path}`);
      return JSON.parse((await p.locator('#whoami').textContent()) ?? 'null') as WhoAmI;
    }

    /** Submits a page's Server Action form and returns the app output printed since. */
    async function submit(p: Page, path: string, button: string, expected: RegExp | string, fill?: [string, string]): Promise<string> {
      await p.goto(`${app.url}${path}`);
      if (fill) await p.locator(fill[0]).fill(fill[1]);
      const mark = app.lines.length;
      await p.getByRole('button', { name: button, exact: true }).click();
      return app.waitForLine(expected, mark);
    }

    async function pageFetch(p: Page, path: string, init: { method: string; json?: unknown }): Promise<{ status: number; body: string; url: string }> {
      return p.evaluate(
        async ({ url, method, json }) => {
          const res = await fetch(url, { method, headers: json === undefined ? {} : { 'content-type': 'application/json' }, body: json === undefined ? undefined : JSON.stringify(json) });
          return { status: res.status, body: await res.text(), url: res.url };
        },
        { url: `${app.url}${path}`, method: init.method, json: init.json },
      );
    }

    async function bapiUser(id: string): Promise<{ first_name: string | null; last_name: string | null; private_metadata: Record<string, unknown>; public_metadata: Record<string, unknown>; unsafe_metadata: Record<string, unknown> }> {
      return (await (await t.api(`/users/${id}`)).json()) as never;
    }

    it('the sign-in page signs in through the official clerk-js form, and Server Components see the user', async () => {
      const user = await createUser();
      const context = await browser.newContext();
      const page = await context.newPage();
      await page.goto(`${app.url}/sign-in`);
      await waitReady(page);
      // Should the form never show, the failure says what the page showed instead.
      await page
        .locator('input[name="identifier"]')
        .fill(user.email, { timeout: 45_000 })
        .catch(async (e: Error) => {
          throw new Error(`${e.message}\nthe page showed: ${(await page.locator('body').innerText().catch(() => '?')).slice(0, 1500)}`);
        });
      await page.getByRole('button', { name: 'Continue', exact: true }).click();
      await page.locator('input[name="password"]').fill(PASSWORD);
      await page.getByRole('button', { name: 'Continue', exact: true }).click();
      // Signed in, the form goes on to the after-sign-in page (the home page).
      await page.waitForURL(`${app.url}/`);
      await waitSessionCookies(context);
      expect(await whoami(page)).toMatchObject({ isAuthenticated: true, userId: user.id, orgId: null, isOrgAdmin: false });
      await page.goto(`${app.url}/protected`);
      expect(await page.locator('#protected').textContent()).toBe(`${user.id} ${user.email}`);

      const anonymous = await browser.newContext();
      const a = await anonymous.newPage();
      expect(await whoami(a)).toMatchObject({ isAuthenticated: false, userId: null, isOrgAdmin: false });
      // auth.protect() in a Server Component: to the sign-in page, coming back afterwards.
      await a.goto(`${app.url}/protected`);
      const to = new URL(a.url());
      expect(to.pathname).toBe('/sign-in');
      expect(new URL(to.searchParams.get('redirect_url') ?? '', app.url).href).toBe(`${app.url}/protected`);
      await anonymous.close();
      await context.close();
    });

    it('seed 000: the Server Actions (isAuthenticated, currentUser(), one passed to a Client Component) run for a signed-in user and refuse a signed-out one', async () => {
      const { context, page, user } = await signedIn();
      await submit(page, '/add-to-cart', 'Add to Cart', 'add item server action');
      const hobby = await submit(page, '/add-hobby', 'Submit your hobby', new RegExp(`add item server action completed with user details[\\s\\S]*userId: '${user.id}'[\\s\\S]*profileImage: '${user.imageUrl.replace(/[.?/]/g, '\\$&')}'`));
      expect(hobby).toContain("usersHobby: 'soccer'");
      await submit(page, '/hobby', 'Submit your hobby', new RegExp(`add Hobby completed with user details[\\s\\S]*userId: '${user.id}'`));

      const anonymous = await browser.newContext();
      const p = await anonymous.newPage();
      await submit(p, '/add-to-cart', 'Add to Cart', 'You must be signed in to add an item to your cart');
      await submit(p, '/add-hobby', 'Submit your hobby', 'You must be signed in to use this feature');
      const mark = app.lines.length;
      await submit(p, '/hobby', 'Submit your hobby', 'You must be signed in to use this feature');
      expect(app.lines.slice(mark).join('\n')).not.toContain('add Hobby completed');
      await anonymous.close();
      await context.close();
    });

    it('seeds 000 and 004: with an active organization, createOrganizationDomain lands in Latch and the admin route and page read org_id / org_role', async () => {
      const { context, page, user } = await signedIn();
      const domain = `shop-${Date.now()}.example.com`;
      await submit(page, '/add-domain', 'Add Domain', 'No active organization found. Set one as active or create/join one', ['input[name="domain"]', domain]);

      const org = (await (await t.api('/organizations', { method: 'POST', json: { name: 'Acme Inc', created_by: user.id } })).json()) as { id: string; name: string };
      await page.goto(`${app.url}/whoami`);
      await waitReady(page);
      await page.evaluate(async (organization) => (window as unknown as Win).Clerk.setActive({ organization }), org.id);
      await expect.poll(async () => {
        const jar = new Map((await context.cookies(app.url)).map((c) => [c.name, c.value]));
        return (payloadOf(jar.get('__session') ?? 'x.e30.x').o as { id?: string } | undefined)?.id ?? null;
      }, { timeout: 15_000 }).toBe(org.id);
      await page.close();
      const p = await context.newPage();
      expect(await whoami(p)).toMatchObject({ isAuthenticated: true, userId: user.id, orgId: org.id, orgRole: 'org:admin', isOrgAdmin: true });

      await submit(p, '/add-domain', 'Add Domain', `Added domain ${domain} to organization ${org.id}`, ['input[name="domain"]', domain]);
      const domains = (await (await t.api(`/organizations/${org.id}/domains`)).json()) as { data: { name: string; enrollment_mode: string }[] };
      expect(domains.data).toEqual(expect.arrayContaining([expect.objectContaining({ name: domain, enrollment_mode: 'automatic_invitation' })]));

      const route = await pageFetch(p, '/api/org', { method: 'GET' });
      expect(route.status).toBe(200);
      expect(JSON.parse(route.body)).toEqual({ orgId: org.id, role: spec.adminRole });

      await p.goto(`${app.url}/orgs/${org.id}/admin`);
      await expect.poll(() => p.locator('p').first().textContent()).toBe('Admin page for: Acme Inc');
      await p.goto(`${app.url}/orgs/org_someone_else/admin`);
      expect(new URL(p.url()).pathname).toBe('/');

      const anonymous = await browser.newContext();
      const a = await anonymous.newPage();
      await submit(a, '/add-domain', 'Add Domain', 'You must be signed in to add a verified domain', ['input[name="domain"]', 'evil.example.com']);
      await a.goto(`${app.url}/orgs/${org.id}/admin`);
      expect(`${new URL(a.url()).pathname}${new URL(a.url()).search}`).toBe(`/sign-in?redirect_url=${encodeURIComponent(`/orgs/${org.id}/admin`).replace(/%2F/g, '/')}`.replace(/%2F/g, '/'));
      expect((await pageFetch(a, '/api/org', { method: 'GET' })).status).toBe(401);
      await anonymous.close();
      await context.close();
    });

    it('seed 002: the route handler and the Pages API route rename the signed-in user to John Wick; signed out, the sample\'s own answers', async () => {
      const { context, page, user } = await signedIn();
      const route = await pageFetch(page, '/update-user', { method: 'POST' });
      expect(route.status).toBe(200);
      expect((JSON.parse(route.body) as { updatedUser: { id: string; firstName: string; lastName: string } }).updatedUser).toMatchObject({ id: user.id, firstName: 'John', lastName: 'Wick' });
      expect(await bapiUser(user.id)).toMatchObject({ first_name: 'John', last_name: 'Wick' });

      await t.api(`/users/${user.id}`, { method: 'PATCH', json: { first_name: 'Ada', last_name: 'Lovelace' } });
      expect(await bapiUser(user.id)).toMatchObject({ first_name: 'Ada' });
      const pages = await pageFetch(page, '/api/updateUser', { method: 'POST' });
      expect(pages.status).toBe(200);
      expect((JSON.parse(pages.body) as { updatedUser: { firstName: string } }).updatedUser.firstName).toBe('John');
      expect(await bapiUser(user.id)).toMatchObject({ first_name: 'John', last_name: 'Wick' });

      const signedOutRoute = await fetch(`${app.url}/update-user`, { method: 'POST', redirect: 'manual' });
      expect(signedOutRoute.status).toBe(307);
      expect(new URL(signedOutRoute.headers.get('location') ?? '', app.url).pathname).toBe('/sign-in');
      const signedOutPages = await fetch(`${app.url}/api/updateUser`, { method: 'POST' });
      expect(signedOutPages.status).toBe(500);
      expect(await signedOutPages.json()).toEqual({ error: 'No valid user' });
      await context.close();
    });

    it('seed 003: private, public and unsafe metadata are set and read through the route handlers and the Pages API routes; signed-out callers are refused', async () => {
      const { context, page, user } = await signedIn();
      const ok = async (path: string, json: unknown) => {
        const r = await pageFetch(page, path, { method: 'POST', json });
        expect(r.status, `${path}: ${r.body}`).toBe(200);
        expect(JSON.parse(r.body)).toEqual({ success: true });
      };
      await ok('/metadata/private', { stripeId: 'cus_route', userId: user.id });
      expect((await bapiUser(user.id)).private_metadata).toEqual({ stripeId: 'cus_route' });
      const read = await pageFetch(page, `/private?userId=${user.id}`, { method: 'GET' });
      expect(JSON.parse(read.body)).toEqual({ stripeId: 'cus_route' });
      await ok('/metadata/public', { role: 'shopper', userId: user.id });
      expect((await bapiUser(user.id)).public_metadata).toEqual({ role: 'shopper' });
      await ok('/metadata/unsafe', { userId: user.id });
      expect((await bapiUser(user.id)).unsafe_metadata).toEqual({ birthday: '11-30-1969' });

      await t.api(`/users/${user.id}/metadata`, { method: 'PATCH', json: { unsafe_metadata: { birthday: null } } });
      expect((await bapiUser(user.id)).unsafe_metadata).toEqual({});
      await ok('/api/private', { stripeId: 'cus_pages', userId: user.id });
      expect((await bapiUser(user.id)).private_metadata).toEqual({ stripeId: 'cus_pages' });
      const readPages = await pageFetch(page, `/api/private?userId=${user.id}`, { method: 'GET' });
      expect(JSON.parse(readPages.body)).toEqual({ stripeId: 'cus_pages' });
      await ok('/api/public', { role: 'admin', userId: user.id });
      expect((await bapiUser(user.id)).public_metadata).toEqual({ role: 'admin' });
      await ok('/api/unsafe', { userId: user.id });
      expect((await bapiUser(user.id)).unsafe_metadata).toEqual({ birthday: '11-30-1969' });

      for (const path of ['/metadata/private', '/metadata/public', '/api/private', '/api/public']) {
        const r = await fetch(`${app.url}${path}`, { method: 'POST', redirect: 'manual', headers: { 'content-type': 'application/json', accept: 'application/json' }, body: JSON.stringify({ stripeId: 'cus_evil', role: 'owner', userId: user.id }) });
        expect(r.status, path).toBe(spec.protectedStatus);
      }
      expect((await fetch(`${app.url}/private?userId=${user.id}`, { redirect: 'manual', headers: { accept: 'application/json' } })).status).toBe(spec.protectedStatus);
      expect(await bapiUser(user.id)).toMatchObject({ private_metadata: { stripeId: 'cus_pages' }, public_metadata: { role: 'admin' } });
      await context.close();
    });

    it('a returning visitor whose __session expired renders signed in after exactly one handshake', async () => {
      const { context, page, user } = await signedIn();
      const jar = await waitSessionCookies(context);
      await page.close(); // no browser SDK left running to refresh the cookie
      const now = Math.floor(Date.now() / 1000);
      const expired = await forgeToken(t, { ...payloadOf(jar.get('__session') as string), iat: now - 300, nbf: now - 305, exp: now - 240 });
      const stale = [...jar.keys()].filter((n) => n.startsWith('__session') || n.startsWith('__client_uat'));
      await context.addCookies(stale.map((name) => ({ name, value: name.startsWith('__session') ? expired : String(now - 300), domain: 'localhost', path: '/' })));

      const p = await context.newPage();
      const handshakes: string[] = [];
      p.on('request', (r) => {
        if (new URL(r.url()).pathname.endsWith('/v1/client/handshake')) handshakes.push(r.url());
      });
      const res = await p.goto(`${app.url}/whoami`);
      const html = (await res?.text()) ?? '';
      expect(html).toContain(user.id);
      expect(JSON.parse((await p.locator('#whoami').textContent()) ?? 'null')).toMatchObject({ isAuthenticated: true, userId: user.id });
      expect(handshakes).toHaveLength(1);
      const fresh = new Map((await context.cookies(app.url)).map((c) => [c.name, c.value]));
      expect(fresh.get('__session')).not.toBe(expired);
      expect(payloadOf(fresh.get('__session') as string).exp as number).toBeGreaterThan(now);

      await p.goto(`${app.url}/whoami`);
      expect(handshakes).toHaveLength(1);
      await context.close();
    });
  });
}
