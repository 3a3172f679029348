/**
 * A test application page running the official `@clerk/clerk-js` 5 (components built in) against a
 * Latch server, in headless Chromium: the page, loading it, mounting a component, signing in through
 * `<SignIn/>`, and codes read from the SMTP sink.
 */
import type { Browser, Page } from 'playwright-core';
import { expect } from 'vitest';
import type { SmtpSink } from './smtp-sink.js';

/** The SDK generations the browser tests run: Core 2 (clerk-js 5, components built in) and Core 3 (clerk-js 6 + @clerk/ui). */
export type Generation = 'core2' | 'core3';

/** The page server's packages for both generations (clerk-js 6 is installed under an alias). */
export const CLERK_PACKAGES = ['@clerk/clerk-js', { name: '@clerk/clerk-js', major: 6, installedAs: '@clerk/clerk-js-6' }, '@clerk/ui'];

/**
 * The HTML of a page that loads the official browser SDK from `/npm/…` and signals when `Clerk.load()` is
 * done: clerk-js 5 alone (Core 2), or clerk-js 6 with the separate `@clerk/ui` bundle, whose constructor
 * `load()` is given (Core 3).
 */
export function clerkJsPage(publishableKey: string, proxyUrl: string, generation: Generation = 'core2'): string {
  const ui = generation === 'core3' ? '<script src="/npm/@clerk/ui@1/dist/ui.browser.js"></script>' : '';
  const version = generation === 'core3' ? 6 : 5;
  const options = generation === 'core3' ? '{ telemetry: false, ui: { ClerkUI: window.__internal_ClerkUICtor } }' : '{ telemetry: false }';
  return `<!doctype html><html><head><meta charset="utf-8"><title>Latch test app</title></head><body>
<div id="app"></div>
<script>
  window.__latch = { ready: false, error: null };
</script>
${ui}
<script async crossorigin="anonymous" data-clerk-publishable-key="${publishableKey}" data-clerk-proxy-url="${proxyUrl}"
  src="/npm/@clerk/clerk-js@${version}/dist/clerk.browser.js"
  onload="window.Clerk.load(${options}).then(() => { window.__latch.ready = true; }, (e) => { window.__latch.error = String(e && e.message || e); })"></script>
</body></html>`;
}

type Latch = { __latch: { ready: boolean; error: string | null } };

/** Waits for `Clerk.load()` to finish, and fails on its error. */
export async function waitReady(p: Page): Promise<void> {
  await p.waitForFunction(() => (window as unknown as Latch).__latch.ready || (window as unknown as Latch).__latch.error !== null, null, { timeout: 30_000 });
  expect(await p.evaluate(() => (window as unknown as Latch).__latch.error)).toBeNull();
}

/** A fresh browser context (its own cookies) on the app page, loaded. */
export async function openApp(browser: Browser, url: string): Promise<Page> {
  const context = await browser.newContext();
  const p = await context.newPage();
  await p.goto(url);
  await waitReady(p);
  return p;
}

/** Mounts one of clerk-js's components (`mountSignIn`, `mountUserProfile`, …) into `#app`, replacing what was there. */
export async function mountComponent(p: Page, fn: string): Promise<void> {
  await p.evaluate((name) => {
    const el = document.getElementById('app') as HTMLElement;
    el.innerHTML = '';
    const clerk = (window as unknown as { Clerk: Record<string, (el: HTMLElement) => void> }).Clerk;
    clerk[name]?.(el);
  }, fn);
}

/** The signed-in user's id as the SDK sees it, or null. */
export function sdkUserId(p: Page): Promise<string | null> {
  return p.evaluate(() => (window as unknown as { Clerk: { user: { id: string } | null | undefined } }).Clerk.user?.id ?? null);
}

/** Signs in through `<SignIn/>` with identifier and password; the user's id. */
export async function signInWithPassword(p: Page, identifier: string, password: string): Promise<string> {
  await mountComponent(p, 'mountSignIn');
  await p.locator('input[name="identifier"]').fill(identifier);
  await p.getByRole('button', { name: 'Continue', exact: true }).click();
  await p.locator('input[name="password"]').fill(password);
  await p.getByRole('button', { name: 'Continue', exact: true }).click();
  await p.waitForFunction(() => !!(window as unknown as { Clerk: { user: unknown } }).Clerk.user, null, { timeout: 15_000 });
  return (await sdkUserId(p)) as string;
}

/** The six-digit code in the first e-mail to `address` among those after the first `seen` the sink received. */
export async function mailedCode(smtp: SmtpSink, address: string, seen: number): Promise<string> {
  const mail = await smtp.waitFor((m) => smtp.messages.indexOf(m) >= seen && JSON.stringify(m.to ?? '').includes(address), 15_000);
  const code = /(\d{6})/.exec(mail.subject ?? '')?.[1];
  if (!code) throw new Error(`no code in "${mail.subject ?? ''}"`);
  return code;
}
