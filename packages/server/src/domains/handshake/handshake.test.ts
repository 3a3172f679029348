/**
 * The handshake end to end: an application page whose cookies are missing or expired is sent to
 * `GET /fapi/v1/client/handshake`, comes back with a nonce (or a token) and renders signed in — with
 * Latch's own `@latch/backend` and with the official `@clerk/backend`, on a development instance (dev
 * browser marker, a second redirect to the clean URL) and on a production one (signed in on the same
 * request). Plus the endpoint's refusals and `GET /v1/clients/handshake_payload`.
 */
import { createClerkClient } from '@clerk/backend';
import fc from 'fast-check';
import { authenticateRequest, createLatchClient, cookieSuffix } from '@latch/backend';
import { newSecretKey } from '@latch/core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { forgeToken, signInThroughFapi, SiteJar, type SignedInBrowser } from '../../../../backend/src/test/kit.js';
import { fuzzParams } from '../../test/fuzz-kit.js';
import { ClerkErrorsSchema } from '../../http/wire-schemas.js';
import { startTestServer, testDialects, type TestServer } from '../../test/harness.js';

const APP = 'http://localhost:3000';

/** What a server SDK said about one request, in a shape both SDKs fit. */
interface Outcome {
  status: string;
  reason: string | null;
  headers: Headers;
  userId: string | null;
}
type Sdk = (request: Request) => Promise<Outcome>;

function latchSdk(t: TestServer): Sdk {
  const latch = createLatchClient({ secretKey: t.secretKey, apiUrl: t.apiUrl, publishableKey: t.server.publishableKey });
  return async (req) => {
    const s = await latch.authenticateRequest(req);
    return { status: s.status, reason: s.reason, headers: s.headers, userId: s.toAuth()?.userId ?? null };
  };
}

/** The standalone function, configured by options only (it resolves nonces with its own fetch). */
function standaloneSdk(t: TestServer): Sdk {
  return async (req) => {
    const s = await authenticateRequest(req, { publishableKey: t.server.publishableKey, secretKey: t.secretKey, apiUrl: t.apiUrl });
    return { status: s.status, reason: s.reason, headers: s.headers, userId: s.toAuth()?.userId ?? null };
  };
}

function officialSdk(t: TestServer): Sdk {
  const clerk = createClerkClient({ secretKey: t.secretKey, apiUrl: t.apiUrl, publishableKey: t.server.publishableKey, telemetry: { disabled: true } });
  return async (req) => {
    const s = await clerk.authenticateRequest(req, { proxyUrl: `${t.url}/fapi` });
    return { status: s.status, reason: s.reason, headers: s.headers, userId: s.toAuth()?.userId ?? null };
  };
}

/**
 * A browser visiting `url` on the application: it follows the SDK's redirects (to the Frontend API, with
 * Latch's own cookies; back to the page, with the site's), keeping the site's cookies, until a page renders.
 */
async function visit(t: TestServer, sdk: Sdk, jar: SiteJar, url: string, latchCookies: Map<string, string>): Promise<{ outcome: Outcome; handshakes: number; redirects: number }> {
  let handshakes = 0;
  let redirects = 0;
  for (let hop = 0; hop < 8; hop++) {
    const outcome = await sdk(jar.page(url));
    jar.apply(outcome.headers);
    const location = outcome.headers.get('location');
    if (!location) return { outcome, handshakes, redirects };
    redirects++;
    if (location.startsWith(`${t.url}/fapi/`)) {
      handshakes++;
      const cookie = [...latchCookies].map(([k, v]) => `${k}=${v}`).join('; ');
      const res = await fetch(location, { redirect: 'manual', headers: cookie ? { cookie } : {} });
      expect(res.status, await res.clone().text()).toBe(307);
      expect(res.headers.get('cache-control')).toBe('no-store');
      url = res.headers.get('location') as string;
      expect(url.startsWith(APP)).toBe(true);
    } else {
      url = location;
    }
  }
  throw new Error('the page never rendered');
}

describe.each(testDialects())('the handshake on %s', (dialect) => {
  describe('a development instance', () => {
    let t: TestServer;
    let me: SignedInBrowser;
    beforeAll(async () => {
      t = await startTestServer(dialect);
      me = await signInThroughFapi(t, `hs-${dialect}@example.com`, APP);
    });
    afterAll(async () => {
      await t.close();
    });

    for (const [name, make] of [
      ['@latch/backend', latchSdk],
      ['@latch/backend authenticateRequest()', standaloneSdk],
      ['@clerk/backend', officialSdk],
    ] as const) {
      it(`${name}: a returning visitor with an expired __session renders signed in after one handshake`, async () => {
        const sdk = make(t);
        const now = Math.floor(Date.now() / 1000);
        const expired = await forgeToken(t, { sub: me.userId, sid: me.sessionId, iat: now - 900, exp: now - 840, iss: `http://${new URL(t.url).host}` });
        const jar = new SiteJar({ __session: expired, __client_uat: String(now - 900), __clerk_db_jwt: 'dvb_returning' });
        const { outcome, handshakes } = await visit(t, sdk, jar, `${APP}/dashboard?tab=2`, me.browser.cookies);
        expect(outcome).toMatchObject({ status: 'signed-in', userId: me.userId });
        expect(handshakes).toBe(1);
        expect(jar.cookies.get('__session')).not.toBe(expired);
        expect(jar.cookies.get(`__session_${cookieSuffix(t.server.publishableKey)}`)).toBe(jar.cookies.get('__session'));
        expect(Number(jar.cookies.get('__client_uat'))).toBeGreaterThan(0);
        expect(jar.cookies.get('__clerk_db_jwt')).toBe('dvb_returning');
        // And the next page is signed in with no handshake at all.
        const again = await visit(t, sdk, jar, `${APP}/dashboard`, me.browser.cookies);
        expect(again).toMatchObject({ handshakes: 0, redirects: 0, outcome: { status: 'signed-in', userId: me.userId } });
      });

      it(`${name}: a first visit (no cookies on the site) goes through one handshake and renders signed in`, async () => {
        const jar = new SiteJar();
        const { outcome, handshakes } = await visit(t, make(t), jar, `${APP}/`, me.browser.cookies);
        expect(outcome).toMatchObject({ status: 'signed-in', userId: me.userId });
        expect(handshakes).toBe(1);
        expect(jar.cookies.get('__clerk_db_jwt')).toMatch(/^dvb_/);
      });

      it(`${name}: a browser nobody is signed in on comes back signed out`, async () => {
        const jar = new SiteJar({ __client_uat: '1700000000', __clerk_db_jwt: 'dvb_x' });
        const { outcome, handshakes } = await visit(t, make(t), jar, `${APP}/`, new Map());
        expect(outcome.status).toBe('signed-out');
        expect(outcome.userId).toBeNull();
        expect(handshakes).toBe(1);
        expect(jar.cookies.get('__client_uat')).toBe('0');
        expect(jar.cookies.has('__session')).toBe(false);
      });

      it(`${name}: the token format (no format=nonce) resolves too`, async () => {
        const res = await fetch(`${t.url}/fapi/v1/client/handshake?redirect_url=${encodeURIComponent(`${APP}/page`)}`, {
          redirect: 'manual',
          headers: { cookie: `__client=${me.browser.cookies.get('__client')}` },
        });
        expect(res.status).toBe(307);
        const back = new URL(res.headers.get('location') as string);
        expect(back.searchParams.get('__clerk_handshake')).toMatch(/^[\w-]+\.[\w-]+\.[\w-]+$/);
        const jar = new SiteJar();
        const { outcome } = await visit(t, make(t), jar, back.href, me.browser.cookies);
        expect(outcome).toMatchObject({ status: 'signed-in', userId: me.userId });
      });
    }

    it('the directives: both cookie names, the uat never after the token, the handshake cookies cleared', async () => {
      const res = await fetch(`${t.url}/fapi/v1/client/handshake?redirect_url=${encodeURIComponent(`${APP}/x`)}&format=nonce`, {
        redirect: 'manual',
        headers: { cookie: `__client=${me.browser.cookies.get('__client')}` },
      });
      const nonce = new URL(res.headers.get('location') as string).searchParams.get('__clerk_handshake_nonce') as string;
      expect(nonce).toMatch(/\w{20,}/);
      const payload = (await (await t.api(`/clients/handshake_payload?nonce=${nonce}`)).json()) as { directives: string[] };
      const suffix = cookieSuffix(t.server.publishableKey);
      const byName = new Map(payload.directives.map((d) => [d.slice(0, d.indexOf('=')), d]));
      expect([...byName.keys()].sort()).toEqual(
        ['__session', `__session_${suffix}`, '__client_uat', `__client_uat_${suffix}`, '__clerk_handshake', '__clerk_handshake_nonce', '__clerk_db_jwt', `__clerk_db_jwt_${suffix}`].sort(),
      );
      expect(byName.get('__session')).toMatch(/^__session=[\w-]+\.[\w-]+\.[\w-]+; Path=\/; SameSite=Lax$/);
      expect(byName.get('__clerk_handshake')).toBe('__clerk_handshake=; Path=/; Max-Age=0');
      const token = /^__session=([^;]+)/.exec(byName.get('__session') as string)?.[1] as string;
      const claims = JSON.parse(Buffer.from(token.split('.')[1] as string, 'base64url').toString()) as { iat: number; azp: string; sid: string };
      expect(claims).toMatchObject({ azp: APP, sid: me.sessionId });
      const uat = Number(/^__client_uat=(\d+)/.exec(byName.get('__client_uat') as string)?.[1]);
      expect(uat).toBeGreaterThan(0);
      expect(uat).toBeLessThanOrEqual(claims.iat);
      // A nonce can be exchanged again while it lives (a reload before the URL is cleaned).
      expect((await t.api(`/clients/handshake_payload?nonce=${nonce}`)).status).toBe(200);
    });

    it('concurrent handshakes of one browser each get their own nonce, and each resolves', async () => {
      const cookie = `__client=${me.browser.cookies.get('__client')}`;
      const nonces = await Promise.all(
        Array.from({ length: 12 }, async (_, i) => {
          const res = await fetch(`${t.url}/fapi/v1/client/handshake?format=nonce&redirect_url=${encodeURIComponent(`${APP}/p${i}`)}`, { redirect: 'manual', headers: { cookie } });
          expect(res.status).toBe(307);
          return new URL(res.headers.get('location') as string).searchParams.get('__clerk_handshake_nonce') as string;
        }),
      );
      expect(new Set(nonces).size).toBe(nonces.length);
      const payloads = await Promise.all(nonces.map(async (n) => (await (await t.api(`/clients/handshake_payload?nonce=${n}`)).json()) as { directives: string[] }));
      for (const p of payloads) expect(p.directives.find((d) => d.startsWith('__session='))).toMatch(/^__session=[\w-]+\.[\w-]+\.[\w-]+;/);
    });

    it('refuses a missing or foreign redirect_url, unknown nonces, and callers without the secret key', async () => {
      const missing = await fetch(`${t.url}/fapi/v1/client/handshake`, { redirect: 'manual' });
      expect(missing.status).toBe(422);
      expect(((await missing.json()) as { errors: { code: string; meta: { param_name: string } }[] }).errors[0]).toMatchObject({ code: 'form_param_missing', meta: { param_name: 'redirect_url' } });
      for (const bad of ['https://evil.example/steal', 'javascript:alert(1)', 'not a url']) {
        const res = await fetch(`${t.url}/fapi/v1/client/handshake?redirect_url=${encodeURIComponent(bad)}`, { redirect: 'manual' });
        expect(res.status, bad).toBe(422);
        expect(res.headers.get('location')).toBeNull();
        expect(((await res.json()) as { errors: { meta: { param_name: string } }[] }).errors[0]?.meta.param_name).toBe('redirect_url');
      }
      const unknown = await t.api('/clients/handshake_payload?nonce=nope');
      expect(unknown.status).toBe(404);
      expect(((await unknown.json()) as { errors: { code: string }[] }).errors[0]?.code).toBe('resource_not_found');
      expect((await t.api('/clients/handshake_payload')).status).toBe(422);
      const anonymous = await fetch(`${t.url}/v1/clients/handshake_payload?nonce=nope`);
      expect(anonymous.status).toBe(401);
    });

    it('any query is a redirect to an allowed page or a coded 4xx, never a 5xx (property)', async () => {
      const junk = fc.oneof(fc.string(), fc.webUrl(), fc.constantFrom(`${APP}/`, 'http://127.0.0.1:9/x', 'data:text/html,x', '//evil.example', `${APP}/?__clerk_handshake=x`), fc.string({ maxLength: 600 }));
      await fc.assert(
        fc.asyncProperty(fc.record({ redirect_url: fc.option(junk), format: fc.option(fc.constantFrom('nonce', 'token', '', 'x')), __clerk_db_jwt: fc.option(fc.string()), nonce: fc.string() }), async (q) => {
          const params = new URLSearchParams();
          for (const [k, v] of Object.entries(q)) if (v !== null && k !== 'nonce') params.set(k, v);
          const res = await fetch(`${t.url}/fapi/v1/client/handshake?${params}`, { redirect: 'manual', headers: { cookie: `__client=${me.browser.cookies.get('__client')}` } });
          if (res.status === 307) {
            const to = new URL(res.headers.get('location') as string);
            expect(to.origin === APP || /^https?:\/\/(localhost|127\.0\.0\.1)(:\d+)?$/.test(to.origin), to.href).toBe(true);
          } else {
            expect(res.status).toBeGreaterThanOrEqual(400);
            expect(res.status).toBeLessThan(500);
            expect(ClerkErrorsSchema.safeParse(await res.json()).success).toBe(true);
          }
          const payload = await t.api(`/clients/handshake_payload?nonce=${encodeURIComponent(q.nonce)}`);
          expect([404, 422]).toContain(payload.status);
          expect(ClerkErrorsSchema.safeParse(await payload.json()).success).toBe(true);
        }),
        fuzzParams(60),
      );
    });
  });

  describe('a production instance', () => {
    let t: TestServer;
    let me: SignedInBrowser;
    beforeAll(async () => {
      t = await startTestServer(dialect, { LATCH_SECRET_KEY: newSecretKey('production'), LATCH_APP_URL: APP });
      me = await signInThroughFapi(t, `hs-live-${dialect}@example.com`, APP);
    });
    afterAll(async () => {
      await t.close();
    });

    for (const [name, make] of [
      ['@latch/backend', latchSdk],
      ['@latch/backend authenticateRequest()', standaloneSdk],
      ['@clerk/backend', officialSdk],
    ] as const) {
      it(`${name}: signed in on the very request that brings the nonce back (no dev browser, no second redirect)`, async () => {
        expect(t.server.publishableKey).toMatch(/^pk_live_/);
        const jar = new SiteJar({ __client_uat: me.clientUat });
        const { outcome, handshakes, redirects } = await visit(t, make(t), jar, `${APP}/account`, me.browser.cookies);
        expect(outcome).toMatchObject({ status: 'signed-in', userId: me.userId });
        expect(handshakes).toBe(1);
        expect(redirects).toBe(1);
        expect(jar.cookies.has('__clerk_db_jwt')).toBe(false);
      });
    }

    it('only the allowed origins may be redirected to', async () => {
      const res = await fetch(`${t.url}/fapi/v1/client/handshake?redirect_url=${encodeURIComponent('http://localhost:4999/')}`, { redirect: 'manual' });
      expect(res.status).toBe(422);
    });
  });
});
