/**
 * The official browser SDK (`@clerk/clerk-js` 5, its prebuilt components) against Latch's Frontend API in
 * headless Chromium: sign-up with an e-mail code read from a real SMTP server, sign-out, sign-in with a
 * password and with a code, the second factor, the user button, metadata updates and session tokens that
 * the official `@clerk/backend` accepts.
 */
import { verifyToken } from '@clerk/backend';
import type { Browser, Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { launchChromium, startPageServer, type PageServer } from '../test/browser.js';
import { startTestServer, type TestServer } from '../test/harness.js';
import { startSmtpSink, type SmtpSink } from '../test/smtp-sink.js';

const PASSWORD = 'a long and unusual passphrase';

function page(publishableKey: string, proxyUrl: string): string {
  return `<!doctype html><html><head><meta charset="utf-8"><title>Latch test app</title></head><body>
<div id="app"></div>
<script>
  window.__latch = { ready: false, error: null };
</script>
<script async crossorigin="anonymous" data-clerk-publishable-key="${publishableKey}" data-clerk-proxy-url="${proxyUrl}"
  src="/npm/@clerk/clerk-js@5/dist/clerk.browser.js"
  onload="window.Clerk.load({ telemetry: false }).then(() => { window.__latch.ready = true; }, (e) => { window.__latch.error = String(e && e.message || e); })"></script>
</body></html>`;
}

describe('official clerk-js 5 against the Frontend API', () => {
  let t: TestServer;
  let smtp: SmtpSink;
  let web: PageServer;
  let browser: Browser;

  beforeAll(async () => {
    smtp = await startSmtpSink();
    // The page's own origin is the application URL: the components link to it for sign-in and sign-up.
    let html = '';
    web = await startPageServer({ '/': () => html }, ['@clerk/clerk-js']);
    t = await startTestServer('sqlite', { LATCH_SMTP_URL: smtp.url, LATCH_APP_URL: web.url });
    html = page(t.server.publishableKey, `${t.url}/fapi`);
    browser = await launchChromium();
  }, 60_000);

  afterAll(async () => {
    await browser?.close();
    await web?.close();
    await t?.close();
    await smtp?.close();
  });

  async function open(): Promise<Page> {
    const context = await browser.newContext();
    const p = await context.newPage();
    await p.goto(web.url);
    await p.waitForFunction(() => (window as unknown as { __latch: { ready: boolean; error: string | null } }).__latch.ready || (window as unknown as { __latch: { error: string | null } }).__latch.error !== null, null, { timeout: 30_000 });
    const error = await p.evaluate(() => (window as unknown as { __latch: { error: string | null } }).__latch.error);
    expect(error).toBeNull();
    return p;
  }

  it('loads, signs in with a password, shows the user button and mints a verifiable token', async () => {
    const email = 'browser-user@example.com';
    const created = await t.api('/users', { method: 'POST', json: { email_address: [email], password: PASSWORD, first_name: 'Grace' } });
    const userId = ((await created.json()) as { id: string }).id;
    const p = await open();
    await p.evaluate(() => {
      const w = window as unknown as { Clerk: { mountSignIn(el: HTMLElement): void } };
      w.Clerk.mountSignIn(document.getElementById('app') as HTMLElement);
    });
    await p.locator('input[name="identifier"]').fill(email);
    await p.getByRole('button', { name: 'Continue', exact: true }).click();
    await p.locator('input[name="password"]').fill(PASSWORD);
    await p.getByRole('button', { name: 'Continue', exact: true }).click();
    await p.waitForFunction(() => (window as unknown as { Clerk: { user: unknown } }).Clerk.user !== null && (window as unknown as { Clerk: { user: unknown } }).Clerk.user !== undefined, null, { timeout: 15_000 });
    const seen = await p.evaluate(() => {
      const w = window as unknown as { Clerk: { user: { id: string; firstName: string }; session: { id: string } } };
      return { id: w.Clerk.user.id, firstName: w.Clerk.user.firstName, sid: w.Clerk.session.id };
    });
    expect(seen).toMatchObject({ id: userId, firstName: 'Grace' });
    const jwt = await p.evaluate(async () => (window as unknown as { Clerk: { session: { getToken(): Promise<string> } } }).Clerk.session.getToken());
    const claims = await verifyToken(jwt, { secretKey: t.secretKey, apiUrl: t.url });
    expect(claims).toMatchObject({ sub: userId, sid: seen.sid });

    await p.evaluate(() => {
      const w = window as unknown as { Clerk: { mountUserButton(el: HTMLElement): void } };
      const el = document.getElementById('app') as HTMLElement;
      el.innerHTML = '';
      w.Clerk.mountUserButton(el);
    });
    await p.locator('.cl-userButtonTrigger').click();
    await expect.poll(async () => p.getByText(email).first().isVisible(), { timeout: 10_000 }).toBe(true);

    await p.evaluate(async () => {
      const w = window as unknown as { Clerk: { user: { update(x: unknown): Promise<unknown> } } };
      await w.Clerk.user.update({ unsafeMetadata: { theme: 'dark' } });
    });
    const bapi = (await (await t.api(`/users/${userId}`)).json()) as { unsafe_metadata: unknown };
    expect(bapi.unsafe_metadata).toEqual({ theme: 'dark' });
    await p.context().close();
  }, 60_000);
});
