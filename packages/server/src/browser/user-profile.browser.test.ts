/**
 * The official `<UserProfile/>` of both SDK generations (Core 2: `@clerk/clerk-js` 5; Core 3: clerk-js 6
 * with `@clerk/ui`) against Latch's Frontend API in headless Chromium: a second e-mail address added and verified with the code from a real SMTP server and made
 * primary, the password changed, an authenticator app enrolled (its backup codes shown), another
 * device's session seen and revoked; a profile image uploaded from the file picker, and the account
 * deleted.
 */
import type { Browser } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { base32Decode, totpCode } from '../crypto/totp.js';
import { launchChromium, startPageServer, type PageServer } from '../test/browser.js';
import { CLERK_PACKAGES, clerkJsPage, mailedCode, mountComponent, openApp, signInWithPassword } from '../test/clerk-js-app.js';
import { startTestServer, type TestServer } from '../test/harness.js';
import { startSmtpSink, type SmtpSink } from '../test/smtp-sink.js';

const PASSWORD = 'a long and unusual passphrase';
/** The smallest PNG: a 1×1 transparent pixel. */
const PNG = Buffer.from('iVBORw0KGgoAAAANSUhEUgAAAAEAAAABCAQAAAC1HAwCAAAAC0lEQVR42mNkYAAAAAYAAjCB0C8AAAAASUVORK5CYII=', 'base64');

describe.each(['core2', 'core3'] as const)('official <UserProfile/> (%s) against the Frontend API', (generation) => {
  let t: TestServer;
  let smtp: SmtpSink;
  let web: PageServer;
  let browser: Browser;

  beforeAll(async () => {
    smtp = await startSmtpSink();
    let html = '';
    web = await startPageServer({ '/': () => html }, CLERK_PACKAGES);
    t = await startTestServer('sqlite', { LATCH_SMTP_URL: smtp.url, LATCH_APP_URL: web.url });
    html = clerkJsPage(t.server.publishableKey, `${t.url}/fapi`, generation);
    // Short-lived tokens, so a revoked device learns of it soon.
    expect((await t.api('/instance/auth_settings', { method: 'PATCH', json: { session_token_lifetime_seconds: 30 } })).status).toBe(200);
    browser = await launchChromium();
  }, 60_000);

  afterAll(async () => {
    await browser?.close();
    await web?.close();
    await t?.close();
    await smtp?.close();
  });

  type ApiUser = { primary_email_address_id: string; email_addresses: { id: string; email_address: string; verification: { status: string } | null }[]; totp_enabled: boolean; backup_code_enabled: boolean };
  const apiUser = async (id: string) => (await (await t.api(`/users/${id}`)).json()) as ApiUser;
  const liveSessions = async (userId: string) => ((await (await t.api(`/sessions?user_id=${userId}&status=active`)).json()) as { id: string }[]).map((s) => s.id);

  it('adds and verifies a second e-mail, makes it primary, changes the password, enrols TOTP and revokes another device', async () => {
    const email = 'profile-owner@example.com';
    const created = await t.api('/users', { method: 'POST', json: { email_address: [email], password: PASSWORD, first_name: 'Ada' } });
    const userId = ((await created.json()) as { id: string }).id;
    // Another device, signed in first: the profile lists it and revokes it.
    const other = await openApp(browser, web.url);
    await signInWithPassword(other, email, PASSWORD);
    const otherSession = await other.evaluate(() => (window as unknown as { Clerk: { session: { id: string } } }).Clerk.session.id);

    const p = await openApp(browser, web.url);
    await signInWithPassword(p, email, PASSWORD);
    await mountComponent(p, 'mountUserProfile');
    const app = p.locator('#app');

    // A second e-mail address, verified with the code from the e-mail.
    const second = 'second-address@example.com';
    await p.getByRole('button', { name: 'Add email address' }).click();
    await p.locator('input[name="emailAddress"]').fill(second);
    const seen = smtp.messages.length;
    await p.getByRole('button', { name: 'Add', exact: true }).click();
    const code = await mailedCode(smtp, second, seen);
    await p.locator('input[autocomplete="one-time-code"]').fill(code);
    await expect.poll(async () => (await apiUser(userId)).email_addresses.find((e) => e.email_address === second)?.verification?.status, { timeout: 10_000 }).toBe('verified');
    await p.getByRole('button', { name: 'Add email address' }).waitFor();
    expect(await app.innerText()).not.toContain('Unverified');

    // Made primary from its menu.
    await p.getByRole('button', { name: 'Open menu' }).nth(1).click();
    await p.getByRole('menuitem', { name: /primary/i }).click();
    const secondId = (await apiUser(userId)).email_addresses.find((e) => e.email_address === second)?.id;
    await expect.poll(async () => (await apiUser(userId)).primary_email_address_id, { timeout: 10_000 }).toBe(secondId);
    await expect.poll(async () => (await app.innerText()).indexOf(second) < (await app.innerText()).indexOf('Primary'), { timeout: 10_000 }).toBe(true);

    // Security: the other device is listed, and signed out from here.
    await p.getByText('Security').first().click();
    await p.getByText('Active devices').waitFor();
    await expect.poll(async () => (await app.innerText()).match(/Chrome/g)?.length ?? 0, { timeout: 10_000 }).toBe(2);
    await p.getByRole('button', { name: 'Open menu' }).last().click();
    await p.getByRole('menuitem', { name: /sign out/i }).click();
    await expect.poll(() => liveSessions(userId), { timeout: 10_000 }).not.toContain(otherSession);
    await expect.poll(async () => (await app.innerText()).match(/Chrome/g)?.length ?? 0, { timeout: 10_000 }).toBe(1);

    // The password, changed with the current one.
    const next = 'an even longer passphrase now';
    const changedAt = async () => ((await apiUser(userId)) as unknown as { password_last_updated_at: number | null }).password_last_updated_at;
    const before = await changedAt();
    await p.getByRole('button', { name: 'Update password' }).click();
    await p.locator('input[name="currentPassword"]').fill(PASSWORD);
    await p.locator('input[name="newPassword"]').fill(next);
    await p.locator('input[name="confirmPassword"]').fill(next);
    await p.getByRole('button', { name: 'Save' }).click();
    // While the form closes, core3 can briefly render the section twice: any one of its buttons will do.
    await p.getByRole('button', { name: 'Update password' }).first().waitFor();
    // The form may close before the change is stored: wait for the stored password to be the new one.
    await expect.poll(changedAt, { timeout: 10_000 }).not.toBe(before);
    const check = await t.api(`/users/${userId}/verify_password`, { method: 'POST', json: { password: next } });
    expect(check.status).toBe(200);

    // An authenticator app: the key from the page, a code from it, then the backup codes, shown once.
    await p.getByRole('button', { name: 'Add two-step verification' }).click();
    await p.getByRole('menuitem', { name: 'Authenticator application' }).click();
    await p.getByRole('button', { name: /scan QR code/ }).click();
    await expect.poll(async () => /[A-Z2-7]{32}/.test(await app.innerHTML()), { timeout: 10_000 }).toBe(true);
    const secret = /[A-Z2-7]{32}/.exec(await app.innerHTML())?.[0] as string;
    await p.getByRole('button', { name: 'Continue' }).click();
    await p.locator('input[autocomplete="one-time-code"]').fill(totpCode(base32Decode(secret) as Buffer, Math.floor(Date.now() / 30_000)));
    await p.getByRole('button', { name: 'Finish' }).waitFor({ timeout: 10_000 });
    const shown = (await app.innerText()).match(/^[a-z0-9]{8}$/gm) ?? [];
    expect(shown).toHaveLength(10);
    expect(await apiUser(userId)).toMatchObject({ totp_enabled: true, backup_code_enabled: true });
    expect(await t.server.services.users.verifySecondFactor(userId, shown[0] as string)).toBe('backup_code');
    await p.getByRole('button', { name: 'Finish' }).click();
    await p.getByText('Authenticator application').first().waitFor();

    // The revoked device finds out at its next token refresh (tokens live 30 s here).
    await other.waitForFunction(() => !(window as unknown as { Clerk: { user: unknown } }).Clerk.user, null, { timeout: 45_000 });
    await other.context().close();
    await p.context().close();
  }, 120_000);

  it('uploads a profile image from the file picker, then deletes the account', async () => {
    const email = 'image-owner@example.com';
    const created = await t.api('/users', { method: 'POST', json: { email_address: [email], password: PASSWORD, first_name: 'Ada' } });
    const userId = ((await created.json()) as { id: string }).id;
    const p = await openApp(browser, web.url);
    await signInWithPassword(p, email, PASSWORD);
    await mountComponent(p, 'mountUserProfile');

    await p.getByRole('button', { name: 'Update profile' }).click();
    await p.locator('#app input[type="file"]').setInputFiles({ name: 'avatar.png', mimeType: 'image/png', buffer: PNG });
    await expect.poll(async () => ((await (await t.api(`/users/${userId}`)).json()) as { has_image: boolean }).has_image, { timeout: 10_000 }).toBe(true);
    const imageUrl = ((await (await t.api(`/users/${userId}`)).json()) as { image_url: string }).image_url;
    expect((await fetch(imageUrl)).headers.get('content-type')).toBe('image/png');
    await expect.poll(() => p.evaluate(() => (window as unknown as { Clerk: { user: { hasImage: boolean } } }).Clerk.user.hasImage), { timeout: 10_000 }).toBe(true);

    await p.getByText('Security').first().click();
    await p.getByRole('button', { name: 'Delete account' }).click();
    await p.locator('input[name="deleteConfirmation"]').fill('Delete account');
    await p.getByRole('button', { name: 'Delete account' }).last().click();
    await expect.poll(async () => (await t.api(`/users/${userId}`)).status, { timeout: 10_000 }).toBe(404);
    // The SDK may navigate after the deletion (its after-sign-out URL): wait for a loaded Clerk, on
    // whichever page, that has nobody signed in.
    await p.waitForFunction(
      () => {
        const clerk = (window as unknown as { Clerk?: { loaded?: boolean; user: unknown } }).Clerk;
        return clerk?.loaded === true && !clerk.user;
      },
      null,
      { timeout: 15_000 },
    );
    await p.context().close();
  }, 90_000);
});
