/**
 * examples/express (on @latch/express, and on the official @clerk/express as its own process configured by
 * CLERK_* variables) in headless Chromium with the official clerk-js 5, which the sign-in page loads
 * from the Latch server's own `/fapi/npm/…` (no CDN, no bundle served by the app): a first visit is sent
 * through the handshake and then to the sign-in page, the person signs in with the prebuilt <SignIn/>, and
 * the page the browser comes back to is rendered signed in by the server SDK from the cookies clerk-js wrote.
 */
import type { Server } from 'node:http';
import { fileURLToPath } from 'node:url';
import type { AddressInfo } from 'node:net';
import type { Browser } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { resetLatchClient } from '@latch/express';
import { launchChromium } from '../../../packages/server/src/test/browser.js';
import { startTestServer, type TestServer } from '../../../packages/server/src/test/harness.js';
import { startApp, stopApp } from './drive.js';

type AppModule = { createApp(): { listen(port: number, host: string, cb: () => void): Server } };
const PASSWORD = 'a long and unusual passphrase';

async function startLatchApp(): Promise<{ t: TestServer; base: string; stop(): Promise<void> }> {
  const modulePath = '../latch/app.js';
  const { createApp } = (await import(modulePath)) as AppModule;
  const server = await new Promise<Server>((resolve) => {
    const s = createApp().listen(0, '127.0.0.1', () => resolve(s));
  });
  const base = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  const t = await startTestServer('sqlite', { LATCH_APP_URL: base });
  process.env.LATCH_SECRET_KEY = t.secretKey;
  process.env.LATCH_API_URL = t.apiUrl;
  process.env.LATCH_PUBLISHABLE_KEY = t.server.publishableKey;
  resetLatchClient();
  return { t, base, stop: () => new Promise((resolve) => server.close(() => resolve())) };
}

async function startClerkApp(): Promise<{ t: TestServer; base: string; stop(): Promise<void> }> {
  const t = await startTestServer();
  const started = await startApp(fileURLToPath(new URL('../clerk/server.js', import.meta.url)), {
    CLERK_SECRET_KEY: t.secretKey,
    CLERK_PUBLISHABLE_KEY: t.server.publishableKey,
    CLERK_API_URL: t.apiUrl,
    CLERK_PROXY_URL: `${t.url}/fapi`,
    CLERK_TELEMETRY_DISABLED: '1',
  });
  return { t, base: started.base, stop: () => stopApp(started.child) };
}

describe.each([
  ['@latch/express', startLatchApp],
  ['the official @clerk/express', startClerkApp],
] as const)('examples/express on %s in a browser, clerk-js from the Frontend API', (_name, start) => {
  let t: TestServer;
  let base: string;
  let stop: () => Promise<void>;
  let browser: Browser;
  beforeAll(async () => {
    ({ t, base, stop } = await start());
    browser = await launchChromium();
  }, 60_000);
  afterAll(async () => {
    await browser?.close();
    await stop?.();
    await t?.close();
  });
  it('signed out → handshake → sign-in page → <SignIn/> → the page renders signed in; POST /api/update-user with the browser cookies', async () => {
    const email = 'browser-express@example.com';
    const created = await t.api('/users', { method: 'POST', json: { email_address: [email], password: PASSWORD } });
    const userId = ((await created.json()) as { id: string }).id;
    const context = await browser.newContext();
    const p = await context.newPage();
    const fapiHits: string[] = [];
    const offsite: string[] = [];
    p.on('request', (r) => {
      const u = new URL(r.url());
      if (u.origin === new URL(t.url).origin) fapiHits.push(u.pathname);
      else if (u.origin !== base) offsite.push(r.url());
    });

    await p.goto(`${base}/`);
    await p.waitForURL((u) => u.pathname === '/sign-in');
    expect(fapiHits).toContain('/fapi/v1/client/handshake');
    await p.locator('input[name="identifier"]').fill(email, { timeout: 30_000 });
    await p.getByRole('button', { name: 'Continue', exact: true }).click();
    await p.locator('input[name="password"]').fill(PASSWORD);
    await p.getByRole('button', { name: 'Continue', exact: true }).click();
    await p.waitForURL((u) => u.pathname === '/', { timeout: 30_000 });
    await expect.poll(async () => p.locator('#who').textContent(), { timeout: 15_000 }).toBe(`Signed in as ${userId}`);
    expect(fapiHits.some((h) => h.startsWith('/fapi/npm/@clerk/clerk-js@5/dist/clerk.browser.js'))).toBe(true);
    // Its lazy chunks (the <SignIn/> component) came from the Frontend API too, under the exact version.
    expect(fapiHits.some((h) => /^\/fapi\/npm\/@clerk\/clerk-js@\d+\.\d+\.\d+\/dist\/signin_/.test(h))).toBe(true);
    expect(offsite).toEqual([]);

    // The sample, called from the page with the cookies the browser holds for the app's site.
    const result = await p.evaluate(async () => {
      const res = await fetch('/api/update-user', { method: 'POST' });
      return { status: res.status, body: (await res.json()) as { updatedUser: { id: string } } };
    });
    expect(result.status).toBe(200);
    expect(result.body.updatedUser.id).toBe(userId);
    const bapi = (await (await t.api(`/users/${userId}`)).json()) as { first_name: string; last_name: string };
    expect(bapi).toMatchObject({ first_name: 'John', last_name: 'Wick' });
    await context.close();
  }, 90_000);
});
