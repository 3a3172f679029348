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
import { clerkJsPage, mailedCode, mountComponent, openApp, waitReady } from '../test/clerk-js-app.js';
import { startTestServer, type TestServer } from '../test/harness.js';
import { startSmtpSink, type SmtpSink } from '../test/smtp-sink.js';
import { base32Decode, totpCode } from '../crypto/totp.js';

const PASSWORD = 'a long and unusual passphrase';

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
    html = clerkJsPage(t.server.publishableKey, `${t.url}/fapi`);
    browser = await launchChromium();
  }, 60_000);

  afterAll(async () => {
    await browser?.close();
    await web?.close();
    await t?.close();
    await smtp?.close();
  });

  const open = (): Promise<Page> => openApp(browser, web.url);

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

  const mount = (p: Page, what: 'mountSignIn' | 'mountSignUp'): Promise<void> => mountComponent(p, what);

  const signedInUser = (p: Page) => p.evaluate(() => (window as unknown as { Clerk: { user: { id: string } | null | undefined } }).Clerk.user?.id ?? null);

  async function waitSignedIn(p: Page): Promise<string> {
    await p.waitForFunction(() => !!(window as unknown as { Clerk: { user: unknown } }).Clerk.user, null, { timeout: 15_000 });
    return (await signedInUser(p)) as string;
  }

  const codeFor = (address: string, seen: number): Promise<string> => mailedCode(smtp, address, seen);

  it('signs up with e-mail, password and the code from the e-mail, signs out, and signs in with an e-mail code', async () => {
    const email = 'signup-in-browser@example.com';
    const p = await open();
    await mount(p, 'mountSignUp');
    await p.locator('input[name="emailAddress"]').fill(email);
    await p.locator('input[name="password"]').fill(PASSWORD);
    const sentAfter = smtp.messages.length;
    await p.getByRole('button', { name: 'Continue', exact: true }).click();
    const code = await codeFor(email, sentAfter);
    await p.locator('input[autocomplete="one-time-code"]').fill(code);
    const userId = await waitSignedIn(p);
    const bapi = (await (await t.api(`/users/${userId}`)).json()) as { email_addresses: { email_address: string; verification: { status: string } }[]; password_enabled: boolean };
    expect(bapi.email_addresses[0]).toMatchObject({ email_address: email, verification: { status: 'verified' } });
    expect(bapi.password_enabled).toBe(true);

    // Signing out sends the page to the after-sign-out URL (the application): wait for it to load again.
    await Promise.all([p.waitForURL(`${web.url}/`), p.evaluate(async () => (window as unknown as { Clerk: { signOut(): Promise<void> } }).Clerk.signOut())]);
    await waitReady(p);
    expect(await signedInUser(p)).toBeNull();

    await mount(p, 'mountSignIn');
    await p.locator('input[name="identifier"]').fill(email);
    await p.getByRole('button', { name: 'Continue', exact: true }).click();
    await p.getByRole('link', { name: /use another method/i }).or(p.getByRole('button', { name: /use another method/i })).first().click();
    const codeAfter = smtp.messages.length;
    await p.getByRole('button', { name: new RegExp(`email code to ${email}`, 'i') }).click();
    const signInCode = await codeFor(email, codeAfter);
    expect(signInCode).not.toBe(code);
    await p.locator('input[autocomplete="one-time-code"]').fill(signInCode);
    expect(await waitSignedIn(p)).toBe(userId);
    await p.context().close();
  }, 90_000);

  it('asks a user with an authenticator app for its code after the password', async () => {
    const secret = 'JBSWY3DPEHPK3PXPJBSWY3DPEHPK3PXP';
    const email = 'totp-browser@example.com';
    const created = await t.api('/users', { method: 'POST', json: { email_address: [email], password: PASSWORD, totp_secret: secret } });
    const userId = ((await created.json()) as { id: string }).id;
    const p = await open();
    await mount(p, 'mountSignIn');
    await p.locator('input[name="identifier"]').fill(email);
    await p.getByRole('button', { name: 'Continue', exact: true }).click();
    await p.locator('input[name="password"]').fill(PASSWORD);
    await p.getByRole('button', { name: 'Continue', exact: true }).click();
    const otp = p.locator('input[autocomplete="one-time-code"]');
    await otp.waitFor({ timeout: 15_000 });
    expect(await signedInUser(p)).toBeNull();
    await otp.fill(totpCode(base32Decode(secret) as Buffer, Math.floor(Date.now() / 30_000)));
    expect(await waitSignedIn(p)).toBe(userId);
    await p.context().close();
  }, 60_000);

  it('shows a revoked session signed out within the token lifetime', async () => {
    expect((await t.api('/instance/auth_settings', { method: 'PATCH', json: { session_token_lifetime_seconds: 30 } })).status).toBe(200);
    const email = 'revoked-browser@example.com';
    await t.api('/users', { method: 'POST', json: { email_address: [email], password: PASSWORD } });
    const p = await open();
    await mount(p, 'mountSignIn');
    await p.locator('input[name="identifier"]').fill(email);
    await p.getByRole('button', { name: 'Continue', exact: true }).click();
    await p.locator('input[name="password"]').fill(PASSWORD);
    await p.getByRole('button', { name: 'Continue', exact: true }).click();
    await waitSignedIn(p);
    const sid = await p.evaluate(() => (window as unknown as { Clerk: { session: { id: string } } }).Clerk.session.id);
    const revoked = await t.api(`/sessions/${sid}/revoke`, { method: 'POST' });
    expect(revoked.status).toBe(200);
    // The SDK refreshes its token before it expires; the refusal makes it reload the client and sign out.
    await p.waitForFunction(() => !(window as unknown as { Clerk: { user: unknown } }).Clerk.user, null, { timeout: 45_000 });
    await t.api('/instance/auth_settings', { method: 'PATCH', json: { session_token_lifetime_seconds: 60 } });
    await p.context().close();
  }, 90_000);

  it('signs in with an e-mail link opened on another device: the tab that asked signs itself in', async () => {
    expect((await t.api('/instance/auth_settings', { method: 'PATCH', json: { email_address: { verification: ['email_link'] } } })).status).toBe(200);
    try {
      const email = 'link-browser@example.com';
      const created = await t.api('/users', { method: 'POST', json: { email_address: [email] } });
      const userId = ((await created.json()) as { id: string }).id;
      const p = await open();
      await mount(p, 'mountSignIn');
      await p.locator('input[name="identifier"]').fill(email);
      const sentAfter = smtp.messages.length;
      await p.getByRole('button', { name: 'Continue', exact: true }).click();
      const mail = await smtp.waitFor((m) => smtp.messages.indexOf(m) >= sentAfter && JSON.stringify(m.to ?? '').includes(email), 15_000);
      const link = /href="([^"]+\/fapi\/v1\/verify\?token=[^"]+)"/.exec(typeof mail.html === 'string' ? mail.html : '')?.[1]?.replace(/&amp;/g, '&');
      expect(link).toBeTruthy();
      // The person opens the link on their phone: another browser, with no client of its own.
      const phone = await browser.newContext();
      const tab = await phone.newPage();
      await tab.goto(link as string);
      await expect.poll(() => new URL(tab.url()).searchParams.get('__clerk_status'), { timeout: 15_000 }).toBe('verified');
      expect(new URL(tab.url()).origin).toBe(web.url);
      await phone.close();
      // The first tab polls its sign-in, finds it complete and activates the session.
      expect(await waitSignedIn(p)).toBe(userId);
      await p.context().close();
    } finally {
      await t.api('/instance/auth_settings', { method: 'PATCH', json: { email_address: { verification: ['email_code'] } } });
    }
  }, 60_000);
});
