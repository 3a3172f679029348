/**
 * The flow of the organizations sample (seeds/004) through the official browser SDK of both generations
 * (Core 2: `@clerk/clerk-js` 5; Core 3: clerk-js 6 with `@clerk/ui`)
 * against Latch's Frontend API in headless Chromium: create an organization, make it active, rename it,
 * invite two people, revoke one invitation, let the other sign up through the invitation e-mail, change
 * their role and remove them; the last-admin rule as the SDK sees it; the session token carrying the
 * organization and the admin role — with the sample's role names (`admin`, `basic_member`) switched on.
 */
import { verifyToken } from '@clerk/backend';
import type { Browser, Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { FapiBrowser } from '../test/fapi-browser.js';
import { launchChromium, startPageServer, type PageServer } from '../test/browser.js';
import { CLERK_PACKAGES, clerkJsPage, openApp } from '../test/clerk-js-app.js';
import { startTestServer, type TestServer } from '../test/harness.js';
import { startSmtpSink, type SmtpSink } from '../test/smtp-sink.js';

const PASSWORD = 'a long and unusual passphrase';

describe.each(['core2', 'core3'] as const)('the organizations sample through the official browser SDK (%s)', (generation) => {
  let t: TestServer;
  let smtp: SmtpSink;
  let web: PageServer;
  let browser: Browser;

  beforeAll(async () => {
    smtp = await startSmtpSink();
    let html = '';
    // The application's sign-up page (where invitation links land) mounts <SignUp/> once loaded.
    web = await startPageServer({ '/': () => html, '/sign-up': () => html.replace('window.__latch.ready = true;', 'window.__latch.ready = true; window.Clerk.mountSignUp(document.getElementById(\'app\'));') }, CLERK_PACKAGES);
    t = await startTestServer('sqlite', { LATCH_SMTP_URL: smtp.url, LATCH_APP_URL: web.url });
    html = clerkJsPage(t.server.publishableKey, `${t.url}/fapi`, generation);
    browser = await launchChromium();
  }, 60_000);

  afterAll(async () => {
    await browser?.close();
    await web?.close();
    await t?.close();
    await smtp?.close();
  });

  const open = (): Promise<Page> => openApp(browser, web.url);

  async function signIn(p: Page, email: string): Promise<void> {
    await p.evaluate(
      async ({ email, password }) => {
        // eslint-disable-next-line @typescript-eslint/no-explicit-any
        const Clerk = (window as any).Clerk;
        const attempt = await Clerk.client.signIn.create({ identifier: email, password, strategy: 'password' });
        await Clerk.setActive({ session: attempt.createdSessionId });
      },
      { email, password: PASSWORD },
    );
  }

  it('runs the sample: create, rename, invite twice, revoke one, role change and removal of the other', async () => {
    expect((await t.api('/instance/organization_settings', { method: 'PATCH', json: { legacy_role_keys: true } })).status).toBe(200);
    try {
      await sample();
    } finally {
      await t.api('/instance/auth_settings', { method: 'PATCH', json: { session_token_claims: 'v2' } });
      await t.api('/instance/organization_settings', { method: 'PATCH', json: { legacy_role_keys: false } });
    }
  }, 90_000);

  async function sample(): Promise<void> {
    const adminEmail = 'org-admin-browser@example.com';
    await t.api('/users', { method: 'POST', json: { email_address: [adminEmail], password: PASSWORD } });
    const p = await open();
    await signIn(p, adminEmail);

    const created = await p.evaluate(async () => {
      // eslint-disable-next-line @typescript-eslint/no-explicit-any
      const Clerk = (window as any).Clerk;
      const org = await Clerk.createOrganization({ name: 'Sample Org' });
      await Clerk.setActive({ organization: org.id });
      const membership = Clerk.user.organizationMemberships.find((m: { organization: { id: string } }) => m.organization.id === org.id);
      await org.update({ name: 'Sample Org Renamed' });
      return { id: org.id as string, active: Clerk.organization?.id as string, role: membership?.role as string, name: (await Clerk.getOrganization(org.id)).name as string };
    });
    expect(created).toMatchObject({ active: created.id, role: 'admin', name: 'Sample Org Renamed' });

    const first = 'first-invitee@example.com';
    const second = 'second-invitee@example.com';
    const invited = await p.evaluate(
      async ({ orgId, first, second }) => {
        // eslint-disable-next-line @typescript-eslint/no-explicit-any
        const Clerk = (window as any).Clerk;
        const org = await Clerk.getOrganization(orgId);
        const a = await org.inviteMember({ emailAddress: first, role: 'basic_member' });
        const b = await org.inviteMember({ emailAddress: second, role: 'basic_member' });
        await a.revoke();
        const pending = await org.getInvitations({ status: ['pending'] });
        return { revoked: a.status as string, pending: pending.data.map((i: { emailAddress: string; role: string }) => [i.emailAddress, i.role]), secondId: b.id as string };
      },
      { orgId: created.id, first, second },
    );
    expect(invited.revoked).toBe('revoked');
    expect(invited.pending).toEqual([[second, 'basic_member']]);

    // The second invitee follows the e-mail's link and signs up with its ticket.
    const mail = await smtp.waitFor((m) => JSON.stringify(m.to ?? '').includes(second) && /tickets\/accept/.test(m.html || m.text || ''), 15_000);
    const link = /(http[^"\s<]*\/tickets\/accept\?ticket=[^"\s<]+)/.exec(mail.html || mail.text || '')?.[1]?.replace(/&amp;/g, '&');
    expect(link).toBeTruthy();
    const landing = new URL((await fetch(link as string, { redirect: 'manual' })).headers.get('location') as string);
    const invitee = new FapiBrowser(t.url);
    const signUp = await invitee.post<{ response: { status: string; created_user_id: string } }>('/client/sign_ups', { strategy: 'ticket', ticket: landing.searchParams.get('__clerk_ticket') as string, password: PASSWORD });
    expect(signUp.body.response.status).toBe('complete');
    const inviteeId = signUp.body.response.created_user_id;

    const managed = await p.evaluate(
      async ({ orgId, inviteeId }) => {
        // eslint-disable-next-line @typescript-eslint/no-explicit-any
        const Clerk = (window as any).Clerk;
        const org = await Clerk.getOrganization(orgId);
        const members = await org.getMemberships();
        const m = members.data.find((x: { publicUserData: { userId: string } }) => x.publicUserData.userId === inviteeId);
        const before = m.role as string;
        // The SDK updates the membership object in place.
        const promoted = (await m.update({ role: 'admin' })).role as string;
        const demoted = (await m.update({ role: 'basic_member' })).role as string;
        await m.destroy();
        const after = await org.getMemberships();
        // The last-admin rule: demoting oneself is refused with its code, and nothing changes.
        const self = after.data.find((x: { publicUserData: { userId: string } }) => x.publicUserData.userId === Clerk.user.id);
        let refused = '';
        try {
          await self.update({ role: 'basic_member' });
        } catch (e) {
          refused = (e as { errors?: { code: string }[] }).errors?.[0]?.code ?? String(e);
        }
        const still = await org.getMemberships();
        return { before, promoted, demoted, count: after.total_count as number, refused, roles: still.data.map((x: { role: string }) => x.role) };
      },
      { orgId: created.id, inviteeId },
    );
    expect(managed).toEqual({ before: 'basic_member', promoted: 'admin', demoted: 'basic_member', count: 1, refused: 'organization_minimum_permissions_needed', roles: ['admin'] });

    // The sample's server side: the admin's session token carries the organization and the admin role.
    const jwt = await p.evaluate(async () => (window as unknown as { Clerk: { session: { getToken(): Promise<string> } } }).Clerk.session.getToken());
    const claims = await verifyToken(jwt, { secretKey: t.secretKey, apiUrl: t.url });
    expect(claims.o).toMatchObject({ id: created.id, rol: 'admin' });
    expect((await t.api('/instance/auth_settings', { method: 'PATCH', json: { session_token_claims: 'v1' } })).status).toBe(200);
    const v1 = await p.evaluate(async () => (window as unknown as { Clerk: { session: { getToken(o: unknown): Promise<string> } } }).Clerk.session.getToken({ skipCache: true }));
    const v1Claims = await verifyToken(v1, { secretKey: t.secretKey, apiUrl: t.url });
    expect(v1Claims).toMatchObject({ org_id: created.id, org_role: 'admin' });
    await p.context().close();
  }

  it('lists, switches and leaves organizations the way <OrganizationSwitcher/> asks', async () => {
    const email = 'switcher-browser@example.com';
    await t.api('/users', { method: 'POST', json: { email_address: [email], password: PASSWORD } });
    const p = await open();
    await signIn(p, email);
    const seen = await p.evaluate(async () => {
      // eslint-disable-next-line @typescript-eslint/no-explicit-any
      const Clerk = (window as any).Clerk;
      const a = await Clerk.createOrganization({ name: 'Switch A' });
      const b = await Clerk.createOrganization({ name: 'Switch B' });
      const list = await Clerk.user.getOrganizationMemberships();
      await Clerk.setActive({ organization: a.id });
      const activeA = Clerk.organization?.id;
      await Clerk.setActive({ organization: b.id });
      const activeB = Clerk.organization?.id;
      await Clerk.setActive({ organization: null });
      const personal = Clerk.organization;
      const invitations = await Clerk.user.getOrganizationInvitations({ status: 'pending' });
      const suggestions = await Clerk.user.getOrganizationSuggestions({ status: ['pending', 'accepted'] });
      const roles = await a.getRoles();
      await a.destroy();
      await Clerk.user.reload();
      return {
        ids: [a.id, b.id],
        listed: list.data.map((m: { organization: { name: string } }) => m.organization.name).sort(),
        total: list.total_count,
        activeA,
        activeB,
        personal: personal ?? null,
        invitations: invitations.total_count,
        suggestions: suggestions.total_count,
        roleKeys: roles.data.map((r: { key: string }) => r.key),
        left: Clerk.user.organizationMemberships.map((m: { organization: { name: string } }) => m.organization.name),
      };
    });
    expect(seen).toMatchObject({ listed: ['Switch A', 'Switch B'], total: 2, activeA: seen.ids[0], activeB: seen.ids[1], personal: null, invitations: 0, suggestions: 0, left: ['Switch B'] });
    expect(seen.roleKeys).toEqual(expect.arrayContaining(['org:admin', 'org:member']));
    await p.context().close();
  }, 60_000);

  it('creates an organization with <CreateOrganization/>, and from <OrganizationProfile/> renames it, invites, changes a member\'s role and removes them', async () => {
    const email = 'components-browser@example.com';
    await t.api('/users', { method: 'POST', json: { email_address: [email], password: PASSWORD, first_name: 'Comp' } });
    const p = await open();
    await signIn(p, email);
    // After creating, the component navigates: to a fragment of this page, so the page is not reloaded.
    await p.evaluate(() => {
      // eslint-disable-next-line @typescript-eslint/no-explicit-any
      (window as any).Clerk.mountCreateOrganization(document.getElementById('app'), { skipInvitationScreen: true, afterCreateOrganizationUrl: '#created' });
    });
    await p.locator('input[name="name"]').fill('Component Org');
    await p.getByRole('button', { name: /create organization/i }).click();
    await p.waitForFunction(() => location.hash === '#created' && (window as unknown as { Clerk: { organization?: { name: string } | null } }).Clerk.organization?.name === 'Component Org', null, { timeout: 15_000 });

    await p.evaluate(() => {
      const el = document.getElementById('app') as HTMLElement;
      // eslint-disable-next-line @typescript-eslint/no-explicit-any
      const Clerk = (window as any).Clerk;
      Clerk.unmountCreateOrganization(el);
      // The profile routes by the fragment: start it at its root.
      history.replaceState(null, '', location.pathname);
      Clerk.mountOrganizationProfile(el);
    });
    await p.getByText('Component Org').first().waitFor({ timeout: 15_000 });
    // Rename from the General page.
    await p.getByRole('button', { name: /update profile/i }).click();
    await p.locator('input[name="name"]').fill('Component Org Renamed');
    await p.getByRole('button', { name: /^save$/i }).click();
    await p.getByText('Component Org Renamed').first().waitFor({ timeout: 15_000 });
    await p.getByRole('button', { name: 'Members', exact: true }).or(p.getByText('Members', { exact: true })).first().click();
    await p.getByText(email).first().waitFor({ timeout: 15_000 });

    // Invite someone: the component posts to /invitations/bulk with the default member role.
    const invitee = 'component-invitee@example.com';
    await p.getByRole('button', { name: /^invite$/i }).click();
    // The address box is a tag input (plain text); the role picker already holds the default member role.
    const box = p.locator('input[type="text"]').first();
    await box.fill(invitee);
    await box.press('Enter');
    await p.getByRole('button', { name: /send invitations/i }).click();
    const orgId = await p.evaluate(() => (window as unknown as { Clerk: { organization: { id: string } } }).Clerk.organization.id);
    await expect
      .poll(async () => {
        const res = (await (await t.api(`/organizations/${orgId}/invitations?status=pending`)).json()) as { data: { email_address: string; role: string }[] };
        return res.data.map((i) => [i.email_address, i.role]);
      }, { timeout: 15_000 })
      .toEqual([[invitee, 'org:member']]);
    const bapi = (await (await t.api(`/organizations/${orgId}`)).json()) as { name: string };
    expect(bapi.name).toBe('Component Org Renamed');

    // A member (added through the Backend API) gets the admin role and is then removed, from the members page.
    const memberEmail = 'component-member@example.com';
    const member = (await (await t.api('/users', { method: 'POST', json: { email_address: [memberEmail], password: PASSWORD, first_name: 'Mem' } })).json()) as { id: string };
    expect((await t.api(`/organizations/${orgId}/memberships`, { method: 'POST', json: { user_id: member.id, role: 'org:member' } })).status).toBe(200);
    const roleOf = async () => {
      const res = (await (await t.api(`/organizations/${orgId}/memberships?limit=50`)).json()) as { data: { role: string; public_user_data: { user_id: string } }[] };
      return res.data.find((m) => m.public_user_data.user_id === member.id)?.role ?? null;
    };
    // The page loaded again, so the SDK reads the members afresh.
    await p.goto(web.url);
    await p.waitForFunction(() => (window as unknown as { __latch: { ready: boolean } }).__latch.ready, null, { timeout: 30_000 });
    await p.evaluate(() => {
      // eslint-disable-next-line @typescript-eslint/no-explicit-any
      (window as any).Clerk.mountOrganizationProfile(document.getElementById('app'));
    });
    await p.getByRole('button', { name: 'Members', exact: true }).or(p.getByText('Members', { exact: true })).first().click();
    const row = p.locator('tr', { hasText: memberEmail });
    await row.waitFor({ timeout: 15_000 });
    await row.getByRole('button', { name: /member/i }).first().click();
    await p.locator('.cl-selectOption', { hasText: 'Admin' }).or(p.getByRole('option', { name: /admin/i })).first().click();
    await expect.poll(roleOf, { timeout: 15_000 }).toBe('org:admin');
    await row.getByRole('button', { name: /open menu/i }).click();
    await p.getByRole('menuitem', { name: /remove member/i }).click();
    await expect.poll(roleOf, { timeout: 15_000 }).toBeNull();
    await p.context().close();
  }, 90_000);

  it('lands an invitee who follows the invitation e-mail on <SignUp/>, which signs them up into the organization', async () => {
    const adminEmail = 'ticket-admin-browser@example.com';
    await t.api('/users', { method: 'POST', json: { email_address: [adminEmail], password: PASSWORD } });
    const admin = new FapiBrowser(t.url);
    await admin.post('/client/sign_ins', { identifier: adminEmail, strategy: 'password', password: PASSWORD });
    const orgId = (await admin.post<{ response: { id: string } }>('/organizations', { name: 'Ticket Org' })).body.response.id;
    const invitee = 'ticket-invitee-browser@example.com';
    expect((await admin.post(`/organizations/${orgId}/invitations`, { email_address: invitee, role: 'org:member' })).status).toBe(200);
    const mail = await smtp.waitFor((m) => JSON.stringify(m.to ?? '').includes(invitee), 15_000);
    const link = /(http[^"\s<]*\/tickets\/accept\?ticket=[^"\s<]+)/.exec(mail.html || mail.text || '')?.[1]?.replace(/&amp;/g, '&') as string;

    const p = await (await browser.newContext()).newPage();
    await p.goto(link);
    await p.waitForFunction(() => (window as unknown as { __latch?: { ready: boolean } }).__latch?.ready === true, null, { timeout: 30_000 });
    // The ticket proves the address: only the password is asked for.
    const password = p.locator('input[name="password"]');
    await password.waitFor({ timeout: 15_000 });
    await password.fill(PASSWORD);
    await p.getByRole('button', { name: 'Continue', exact: true }).click();
    await p.waitForFunction(() => !!(window as unknown as { Clerk?: { user?: unknown } }).Clerk?.user, null, { timeout: 15_000 });
    const joined = await p.evaluate(() =>
      // eslint-disable-next-line @typescript-eslint/no-explicit-any
      (window as any).Clerk.user.organizationMemberships.map((m: { organization: { id: string }; role: string }) => [m.organization.id, m.role]),
    );
    expect(joined).toEqual([[orgId, 'org:member']]);
    await p.context().close();
  }, 60_000);

  it('shows the last-admin refusal in <OrganizationProfile/> when the only admin tries to leave, and nothing changes', async () => {
    const email = 'last-admin-browser@example.com';
    await t.api('/users', { method: 'POST', json: { email_address: [email], password: PASSWORD } });
    const p = await open();
    await signIn(p, email);
    const orgId = await p.evaluate(async () => {
      // eslint-disable-next-line @typescript-eslint/no-explicit-any
      const Clerk = (window as any).Clerk;
      const org = await Clerk.createOrganization({ name: 'Lonely Org' });
      await Clerk.setActive({ organization: org.id });
      Clerk.mountOrganizationProfile(document.getElementById('app'));
      return org.id as string;
    });
    await p.getByRole('button', { name: /leave organization/i }).first().click();
    const confirm = p.locator('input[name="deleteOrganizationConfirmation"], input[type="text"]').first();
    await confirm.fill('Lonely Org');
    await p.locator('.cl-formButtonPrimary').click();
    await p.getByText(/administrator role/i).first().waitFor({ timeout: 15_000 });
    const members = (await (await t.api(`/organizations/${orgId}/memberships`)).json()) as { data: { role: string }[] };
    expect(members.data.map((m) => m.role)).toEqual(['org:admin']);
    await p.context().close();
  }, 60_000);

  it('creates an organization from <OrganizationSwitcher/>, switches to it and back to the personal account', async () => {
    const email = 'switcher-ui-browser@example.com';
    await t.api('/users', { method: 'POST', json: { email_address: [email], password: PASSWORD } });
    const p = await open();
    await signIn(p, email);
    // Selecting may navigate (reloading the page): the switcher is mounted again whenever it is missing.
    const switcher = async () => {
      await p.waitForFunction(() => (window as unknown as { __latch?: { ready: boolean } }).__latch?.ready === true, null, { timeout: 30_000 });
      await p.evaluate(() => {
        if (document.querySelector('.cl-organizationSwitcherTrigger')) return;
        // eslint-disable-next-line @typescript-eslint/no-explicit-any
        (window as any).Clerk.mountOrganizationSwitcher(document.getElementById('app'), { skipInvitationScreen: true });
      });
      await p.locator('.cl-organizationSwitcherTrigger').click();
    };
    const orgNow = () => p.evaluate(() => (window as unknown as { Clerk: { organization?: { name: string } | null } }).Clerk.organization?.name ?? null);
    await switcher();
    // Core 2 lists "Create organization" as a menu item, Core 3 as a button of the popover.
    await p.getByRole('menuitem', { name: /create organization/i }).or(p.getByRole('button', { name: /create organization/i })).first().click();
    await p.locator('input[name="name"]').fill('Switcher Org');
    await p.locator('.cl-formButtonPrimary').click();
    await expect.poll(orgNow, { timeout: 15_000 }).toBe('Switcher Org');

    await switcher();
    await p.locator('.cl-organizationSwitcherPopoverCard').getByText(/personal account/i).first().click();
    await expect.poll(orgNow, { timeout: 15_000 }).toBeNull();

    await switcher();
    await p.locator('.cl-organizationSwitcherPopoverCard').getByText('Switcher Org').first().click();
    await expect.poll(orgNow, { timeout: 15_000 }).toBe('Switcher Org');
    await p.context().close();
  }, 60_000);
});
