/**
 * Compatibility: the official Clerk Node SDK (`@clerk/backend`), unmodified, driving the real Latch server's
 * `allowlistIdentifiers` and `invitations` sub-APIs, every method of each. Assertions are made on the SDK's
 * typed (camelCase) results and typed errors, and on the e-mails that really arrive at an in-process SMTP
 * server (invitation and allowlist notifications), whose links are then followed.
 *
 * The rules of seed 001 ("Available Methods", allowlist and invitation operations) each have their own test,
 * named after the sentence of the seed they check.
 */
import { createClerkClient, type AllowlistIdentifier, type ClerkClient, type Invitation } from '@clerk/backend';
import type { ParsedMail } from 'mailparser';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startTestServer, testDialects, type TestServer } from '../test/harness.js';
import { apiError, expectApiError } from '../test/clerk-sdk.js';
import { startSmtpSink, type SmtpSink } from '../test/smtp-sink.js';

const DAY_MS = 86_400_000;
/** How long to wait for an e-mail: the delivery worker is woken on commit, so mail arrives within a second. */
const MAIL_TIMEOUT_MS = 10_000;

/** Lower-cased recipient addresses of a received message. */
function recipients(m: ParsedMail): string[] {
  const to = m.to === undefined ? [] : Array.isArray(m.to) ? m.to : [m.to];
  return to.flatMap((a) => a.value.map((v) => (v.address ?? '').toLowerCase()));
}

/** Decodes the character references the templates' HTML escaping produces. */
function decodeHtml(s: string): string {
  return s
    .replace(/&#(\d+);/g, (_, d: string) => String.fromCodePoint(Number(d)))
    .replace(/&#x([0-9a-f]+);/gi, (_, h: string) => String.fromCodePoint(parseInt(h, 16)))
    .replace(/&quot;/g, '"')
    .replace(/&lt;/g, '<')
    .replace(/&gt;/g, '>')
    .replace(/&amp;/g, '&');
}

/** Every link (href) in a message's HTML part, decoded. */
function linksIn(m: ParsedMail): string[] {
  const html = typeof m.html === 'string' ? m.html : '';
  return [...html.matchAll(/href="([^"]+)"/g)].map((x) => decodeHtml(x[1] ?? ''));
}

/** The invitation-accept link of an invitation e-mail. */
function acceptLink(m: ParsedMail): string {
  const link = linksIn(m).find((l) => l.includes('/tickets/accept?'));
  if (!link) throw new Error(`no invitation link in the e-mail to ${recipients(m).join(', ')}: ${String(m.html)}`);
  return link;
}

/** Waits a little (distinct creation timestamps for order assertions). */
const tick = (ms = 3) => new Promise((resolve) => setTimeout(resolve, ms));

interface OutboxItem {
  object: 'email' | 'sms_message';
  to_email_address?: string;
  to_phone_number?: string;
  slug: string | null;
  subject?: string | null;
}

describe.each(testDialects())('official @clerk/backend allowlistIdentifiers and invitations against Latch on %s', (dialect) => {
  let sink: SmtpSink;
  let t: TestServer;
  let clerk: ClerkClient;
  let signUpUrl: string;
  let sentinels = 0;

  beforeAll(async () => {
    sink = await startSmtpSink();
    t = await startTestServer(dialect, { LATCH_SMTP_URL: sink.url });
    clerk = createClerkClient({ apiUrl: t.apiUrl, secretKey: t.secretKey, telemetry: { disabled: true } });
    // LATCH_SIGN_UP_URL defaults to <app url>/sign-up, and the app URL to the server's public URL.
    signUpUrl = `${t.url}/sign-up`;
  });
  afterAll(async () => {
    await t?.close();
    await sink?.close();
  });

  /** The first received e-mail to `address` matching `pred`. */
  const mailTo = (address: string, pred: (m: ParsedMail) => boolean = () => true) =>
    sink.waitFor((m) => recipients(m).includes(address.toLowerCase()) && pred(m), MAIL_TIMEOUT_MS);

  /** Everything the server has queued for delivery (the development instance's outbox). */
  async function outbox(): Promise<OutboxItem[]> {
    const res = await fetch(`${t.url}/dev/outbox?limit=500`);
    expect(res.status).toBe(200);
    return ((await res.json()) as { data: OutboxItem[] }).data;
  }

  /**
   * Asserts that nothing was, or will be, sent to `address`: nothing is queued for it (messages are queued in
   * the transaction that creates the invitation or identifier), and nothing arrived by the time an e-mail
   * queued afterwards has been delivered.
   */
  async function expectNoMailTo(address: string): Promise<void> {
    const lower = address.toLowerCase();
    expect((await outbox()).filter((m) => m.to_email_address?.toLowerCase() === lower)).toEqual([]);
    const sentinel = `sentinel-${++sentinels}@flush.test`;
    await clerk.invitations.createInvitation({ emailAddress: sentinel });
    await mailTo(sentinel);
    expect(sink.messages.filter((m) => recipients(m).includes(lower)).map((m) => m.subject)).toEqual([]);
  }

  /** Fetches an invitation link the way a browser's first hop would, without following the redirect. */
  const openLink = (link: string) => fetch(link, { redirect: 'manual' });

  /** The expiry the server stored, read from the raw JSON the SDK keeps (Invitation has no expiresAt field). */
  const expiresAt = (inv: Invitation) => (inv.raw as unknown as { expires_at: number | null }).expires_at;

  async function setAllowlistRestriction(on: boolean): Promise<void> {
    const res = await t.api('/instance/restrictions', { method: 'PATCH', json: { allowlist: on } });
    expect(res.status).toBe(200);
    expect(res.headers.get('content-type')).toBe('application/json');
    expect(await res.json()).toMatchObject({ object: 'instance_restrictions', allowlist: on });
  }

  describe('allowlistIdentifiers', () => {
    const expectIdentifier = (a: AllowlistIdentifier, identifier: string, identifierType: string) => {
      expect(a.id).toMatch(/^alid_[0-9A-Za-z]{27}$/);
      expect(a.identifier).toBe(identifier);
      expect(a.identifierType).toBe(identifierType);
      expect(a.createdAt).toEqual(expect.any(Number));
      expect(a.updatedAt).toBe(a.createdAt);
      expect(Math.abs(a.createdAt - Date.now())).toBeLessThan(60_000);
      expect(a.invitationId == null).toBe(true);
      // A class instance: camelCase only.
      expect(a).not.toHaveProperty('identifier_type');
      expect(a).not.toHaveProperty('created_at');
    };

    it('createAllowlistIdentifier with an e-mail address (notify: false) returns the identifier and sends nothing', async () => {
      const created = await clerk.allowlistIdentifiers.createAllowlistIdentifier({ identifier: 'quiet@allow.test', notify: false });
      expectIdentifier(created, 'quiet@allow.test', 'email_address');
      await expectNoMailTo('quiet@allow.test');
    });

    it('createAllowlistIdentifier with a *@domain wildcard: an e-mail identifier', async () => {
      const created = await clerk.allowlistIdentifiers.createAllowlistIdentifier({ identifier: '*@wild-allow.test', notify: false });
      expectIdentifier(created, '*@wild-allow.test', 'email_address');
    });

    it('createAllowlistIdentifier with an E.164 phone number; notify: true queues the SMS notification', async () => {
      const created = await clerk.allowlistIdentifiers.createAllowlistIdentifier({ identifier: '+15550009876', notify: true });
      expectIdentifier(created, '+15550009876', 'phone_number');
      // No SMS provider is configured in this test, so the message stays in the outbox.
      const sms = (await outbox()).filter((m) => m.object === 'sms_message' && m.to_phone_number === '+15550009876');
      expect(sms.map((m) => m.slug)).toEqual(['allowlist_notification']);
    });

    it('createAllowlistIdentifier with notify: true on an e-mail address: the notification e-mail arrives with the sign-up link', async () => {
      const created = await clerk.allowlistIdentifiers.createAllowlistIdentifier({ identifier: 'Notify.Me@Allow.test', notify: true });
      expectIdentifier(created, 'Notify.Me@Allow.test', 'email_address');

      const mail = await mailTo('notify.me@allow.test');
      expect(mail.subject).toBe('You can now sign up for Latch');
      expect(linksIn(mail)).toContain(signUpUrl);
      expect(mail.text).toContain(signUpUrl);
      expect(decodeHtml(String(mail.html))).toContain('Notify.Me@Allow.test');
      // The sign-up URL is this server's (LATCH_SIGN_UP_URL unset), with the ephemeral port filled in.
      expect(new URL(signUpUrl).origin).toBe(new URL(t.url).origin);
    });

    it('seed 001: "The notify property is not available for wildcard identifiers" (422, paramName notify; nothing stored)', async () => {
      for (const identifier of ['*@no-notify.test', '*.no-notify-sub.test']) {
        const err = await apiError(clerk.allowlistIdentifiers.createAllowlistIdentifier({ identifier, notify: true }));
        expectApiError(err, 422, 'form_param_value_invalid', 'notify');
      }
      const { data } = await clerk.allowlistIdentifiers.getAllowlistIdentifierList({ limit: 500 });
      expect(data.map((a) => a.identifier).filter((i) => i.includes('no-notify'))).toEqual([]);
      // Without notify the same wildcard is accepted.
      const ok = await clerk.allowlistIdentifiers.createAllowlistIdentifier({ identifier: '*@no-notify.test', notify: false });
      expect(ok.identifier).toBe('*@no-notify.test');
    });

    it('createAllowlistIdentifier refuses a duplicate (case-insensitive) and a malformed identifier', async () => {
      await clerk.allowlistIdentifiers.createAllowlistIdentifier({ identifier: 'dup@allow.test', notify: false });
      expectApiError(await apiError(clerk.allowlistIdentifiers.createAllowlistIdentifier({ identifier: 'DUP@allow.test', notify: false })), 422, 'duplicate_record', 'identifier');
      expectApiError(await apiError(clerk.allowlistIdentifiers.createAllowlistIdentifier({ identifier: 'not an identifier', notify: false })), 422, 'form_param_format_invalid', 'identifier');
    });

    it('getAllowlistIdentifierList returns {data, totalCount} (paginated=true), newest first, with limit and offset', async () => {
      const before = await clerk.allowlistIdentifiers.getAllowlistIdentifierList();
      expect(Array.isArray(before)).toBe(false);
      expect(before.totalCount).toEqual(expect.any(Number));
      expect(before.data.length).toBe(Math.min(before.totalCount, 10));

      const made: AllowlistIdentifier[] = [];
      for (const identifier of ['list-1@allow-list.test', '*@allow-list-2.test', '+15550007001']) {
        made.push(await clerk.allowlistIdentifiers.createAllowlistIdentifier({ identifier, notify: false }));
        await tick();
      }

      const all = await clerk.allowlistIdentifiers.getAllowlistIdentifierList({ limit: 500 });
      expect(all.totalCount).toBe(before.totalCount + 3);
      expect(all.data.length).toBe(all.totalCount);
      // Newest first.
      expect(all.data.slice(0, 3).map((a) => a.id)).toEqual(made.map((a) => a.id).reverse());
      for (let i = 1; i < all.data.length; i++) expect(all.data[i - 1]?.createdAt).toBeGreaterThanOrEqual(all.data[i]?.createdAt ?? Infinity);
      const phone = all.data.find((a) => a.id === made[2]?.id);
      expect(phone?.identifier).toBe('+15550007001');
      expect(phone?.identifierType).toBe('phone_number');
      expect(phone?.createdAt).toBe(made[2]?.createdAt);
      expect(phone).not.toHaveProperty('identifier_type');

      const page = await clerk.allowlistIdentifiers.getAllowlistIdentifierList({ limit: 2, offset: 1 });
      expect(page.totalCount).toBe(all.totalCount);
      expect(page.data.map((a) => a.id)).toEqual(all.data.slice(1, 3).map((a) => a.id));
    });

    it('deleteAllowlistIdentifier returns a DeletedObject; the identifier leaves the list', async () => {
      const created = await clerk.allowlistIdentifiers.createAllowlistIdentifier({ identifier: 'to-delete@allow.test', notify: false });
      const before = await clerk.allowlistIdentifiers.getAllowlistIdentifierList({ limit: 500 });
      const deleted = await clerk.allowlistIdentifiers.deleteAllowlistIdentifier(created.id);
      expect(deleted).toEqual(expect.objectContaining({ object: 'allowlist_identifier', id: created.id, slug: null, deleted: true }));
      expect(deleted).not.toHaveProperty('identifier');
      const after = await clerk.allowlistIdentifiers.getAllowlistIdentifierList({ limit: 500 });
      expect(after.totalCount).toBe(before.totalCount - 1);
      expect(after.data.map((a) => a.id)).not.toContain(created.id);
      // The identifier can be added again.
      expect((await clerk.allowlistIdentifiers.createAllowlistIdentifier({ identifier: 'to-delete@allow.test', notify: false })).id).not.toBe(created.id);
    });

    it('seed 001: "deleteAllowlistIdentifier throws an error if the allowlistIdentifierId parameter is invalid" (404)', async () => {
      expectApiError(await apiError(clerk.allowlistIdentifiers.deleteAllowlistIdentifier('alid_doesnotexist')), 404, 'resource_not_found');
      const created = await clerk.allowlistIdentifiers.createAllowlistIdentifier({ identifier: 'twice@allow.test', notify: false });
      await clerk.allowlistIdentifiers.deleteAllowlistIdentifier(created.id);
      const again = await apiError(clerk.allowlistIdentifiers.deleteAllowlistIdentifier(created.id));
      expectApiError(again, 404, 'resource_not_found');
      expect(again.message).toContain('Not Found');
    });
  });

  describe('invitations', () => {
    const expectPending = (inv: Invitation, emailAddress: string) => {
      expect(inv.id).toMatch(/^inv_[0-9A-Za-z]{27}$/);
      expect(inv.emailAddress).toBe(emailAddress);
      expect(inv.status).toBe('pending');
      expect(inv.revoked).toBe(false);
      expect(inv.url).toEqual(expect.stringMatching(/\/tickets\/accept\?ticket=/));
      expect(inv.url?.startsWith(`${t.url}/tickets/accept?ticket=`)).toBe(true);
      expect(inv.createdAt).toEqual(expect.any(Number));
      expect(Math.abs(inv.createdAt - Date.now())).toBeLessThan(60_000);
      expect(inv.updatedAt).toBe(inv.createdAt);
      expect(inv.raw?.object).toBe('invitation');
      expect(inv).not.toHaveProperty('email_address');
    };

    it('createInvitation with emailAddress, redirectUrl and publicMetadata: the invitation e-mail arrives; its link redirects to redirectUrl with the ticket', async () => {
      const redirectUrl = 'https://app.example.com/welcome?from=invite';
      const inv = await clerk.invitations.createInvitation({
        emailAddress: 'Invitee.One@Invite.test',
        redirectUrl,
        publicMetadata: { plan: 'pro', nested: { camelKey: 1 } },
      });
      expectPending(inv, 'Invitee.One@Invite.test');
      expect(inv.publicMetadata).toEqual({ plan: 'pro', nested: { camelKey: 1 } });
      // expiresInDays defaults to 30.
      expect(expiresAt(inv)).toBe(inv.createdAt + 30 * DAY_MS);

      const mail = await mailTo('invitee.one@invite.test');
      expect(mail.subject).toBe('You are invited to join Latch');
      const link = acceptLink(mail);
      expect(link).toBe(inv.url);
      expect(mail.text).toContain(link);

      const res = await openLink(link);
      expect(res.status).toBe(303);
      const location = new URL(res.headers.get('location') ?? '');
      expect(`${location.origin}${location.pathname}`).toBe('https://app.example.com/welcome');
      expect(location.searchParams.get('from')).toBe('invite');
      expect(location.searchParams.get('__clerk_ticket')).toBe(new URL(link).searchParams.get('ticket'));
      expect(location.searchParams.get('__clerk_status')).toBe('sign_up');
    });

    it('createInvitation with notify: false sends no e-mail', async () => {
      const inv = await clerk.invitations.createInvitation({ emailAddress: 'silent@invite.test', notify: false });
      expectPending(inv, 'silent@invite.test');
      await expectNoMailTo('silent@invite.test');
    });

    it('createInvitation with expiresInDays sets the expiry; an out-of-range value is refused', async () => {
      const inv = await clerk.invitations.createInvitation({ emailAddress: 'week@invite.test', expiresInDays: 7, notify: false });
      expectPending(inv, 'week@invite.test');
      expect(expiresAt(inv)).toBe(inv.createdAt + 7 * DAY_MS);
      // 0 is falsy, but body values are sent as they are (only query strings drop falsy values).
      expectApiError(await apiError(clerk.invitations.createInvitation({ emailAddress: 'zero@invite.test', expiresInDays: 0 })), 422, 'form_param_value_invalid', 'expires_in_days');
    });

    it('createInvitation with templateSlug waitlist_invitation sends the waitlist e-mail', async () => {
      const inv = await clerk.invitations.createInvitation({ emailAddress: 'waitlisted@invite.test', templateSlug: 'waitlist_invitation' });
      const mail = await mailTo('waitlisted@invite.test');
      expect(mail.subject).toBe('Your spot at Latch is ready');
      expect(acceptLink(mail)).toBe(inv.url);
    });

    it('createInvitation refuses a malformed e-mail address and a non-URL redirectUrl (422)', async () => {
      expectApiError(await apiError(clerk.invitations.createInvitation({ emailAddress: 'not-an-email' })), 422, 'form_param_format_invalid', 'email_address');
      expectApiError(await apiError(clerk.invitations.createInvitation({ emailAddress: 'badredirect@invite.test', redirectUrl: 'javascript:alert(1)' })), 422, 'form_param_format_invalid', 'redirect_url');
      const { data } = await clerk.invitations.getInvitationList({ query: 'badredirect@invite.test' });
      expect(data).toEqual([]);
    });

    it('seed 001: "you cannot create an invitation if there is already one for the given email address" (duplicate_record)', async () => {
      const first = await clerk.invitations.createInvitation({ emailAddress: 'once@invite-dup.test', notify: false });
      const err = await apiError(clerk.invitations.createInvitation({ emailAddress: 'once@invite-dup.test', notify: false }));
      expectApiError(err, 422, 'duplicate_record', 'email_address');
      // The same address in another case is the same address.
      expectApiError(await apiError(clerk.invitations.createInvitation({ emailAddress: 'ONCE@Invite-Dup.test', notify: false })), 422, 'duplicate_record', 'email_address');
      const { data, totalCount } = await clerk.invitations.getInvitationList({ query: 'invite-dup.test' });
      expect(totalCount).toBe(1);
      expect(data.map((i) => i.id)).toEqual([first.id]);
      // Once revoked, the earlier invitation no longer stands in the way.
      await clerk.invitations.revokeInvitation(first.id);
      expectPending(await clerk.invitations.createInvitation({ emailAddress: 'once@invite-dup.test', notify: false }), 'once@invite-dup.test');
    });

    it('seed 001: "creating an invitation for an email address that already exists in your application will result in an error" (form_identifier_exists)', async () => {
      await clerk.users.createUser({ emailAddress: ['Member@Invite-User.test'] });
      const err = await apiError(clerk.invitations.createInvitation({ emailAddress: 'member@invite-user.test' }));
      expectApiError(err, 422, 'form_identifier_exists', 'email_address');
      expect((await clerk.invitations.getInvitationList({ query: 'invite-user.test' })).totalCount).toBe(0);
      await expectNoMailTo('member@invite-user.test');
    });

    it('createInvitation with ignoreExisting: created despite a pending invitation (which it supersedes) or an existing user', async () => {
      const old = await clerk.invitations.createInvitation({ emailAddress: 'again@invite-ignore.test', notify: false });
      const renewed = await clerk.invitations.createInvitation({ emailAddress: 'again@invite-ignore.test', ignoreExisting: true, notify: false });
      expectPending(renewed, 'again@invite-ignore.test');
      expect(renewed.id).not.toBe(old.id);
      const pending = await clerk.invitations.getInvitationList({ query: 'again@invite-ignore.test', status: 'pending' });
      expect(pending.data.map((i) => i.id)).toEqual([renewed.id]);
      const revoked = await clerk.invitations.getInvitationList({ query: 'again@invite-ignore.test', status: 'revoked' });
      expect(revoked.data.map((i) => i.id)).toEqual([old.id]);
      expect(revoked.data[0]?.revoked).toBe(true);

      await clerk.users.createUser({ emailAddress: ['existing@invite-ignore.test'] });
      const forUser = await clerk.invitations.createInvitation({ emailAddress: 'existing@invite-ignore.test', ignoreExisting: true });
      expectPending(forUser, 'existing@invite-ignore.test');
      expect(acceptLink(await mailTo('existing@invite-ignore.test'))).toBe(forUser.url);
    });

    it('seed 001: "getInvitationList retrieves all non-revoked invitations, sorted by descending creation date"', async () => {
      const made: Invitation[] = [];
      for (const n of [1, 2, 3, 4]) {
        made.push(await clerk.invitations.createInvitation({ emailAddress: `sorted-${n}@invite-sort.test`, notify: false }));
        await tick();
      }
      const [m1, m2, m3, m4] = made as [Invitation, Invitation, Invitation, Invitation];
      await clerk.invitations.revokeInvitation(m2.id);

      // All invitations of the instance (the SDK asks for paginated=true; limit raised past the default of 10).
      const all = await clerk.invitations.getInvitationList({ limit: 500 });
      expect(all.totalCount).toBe(all.data.length);
      expect(all.data.every((i) => i.status !== 'revoked' && i.revoked === false)).toBe(true);
      for (let i = 1; i < all.data.length; i++) expect(all.data[i - 1]?.createdAt).toBeGreaterThanOrEqual(all.data[i]?.createdAt ?? Infinity);
      const ours = all.data.filter((i) => i.emailAddress.endsWith('@invite-sort.test')).map((i) => i.id);
      expect(ours).toEqual([m4.id, m3.id, m1.id]);
      // The newest is first with no parameters at all.
      const firstPage = await clerk.invitations.getInvitationList();
      expect(firstPage.data[0]?.id).toBe(m4.id);
      expect(firstPage.data.length).toBe(Math.min(10, all.totalCount));
      expect(firstPage.totalCount).toBe(all.totalCount);
    });

    it('getInvitationList filters by status and query; totalCount counts the filtered set, not the page', async () => {
      const a = await clerk.invitations.createInvitation({ emailAddress: 'alpha@invite-filter.test', notify: false });
      await tick();
      const b = await clerk.invitations.createInvitation({ emailAddress: 'bravo@invite-filter.test', notify: false });
      await tick();
      const c = await clerk.invitations.createInvitation({ emailAddress: 'charlie@invite-filter.test', notify: false });
      await clerk.invitations.revokeInvitation(b.id);

      const q = await clerk.invitations.getInvitationList({ query: 'invite-filter.test' });
      expect(q.data.map((i) => i.id)).toEqual([c.id, a.id]);
      expect(q.totalCount).toBe(2);

      const revoked = await clerk.invitations.getInvitationList({ query: 'invite-filter.test', status: 'revoked' });
      expect(revoked.data.map((i) => i.id)).toEqual([b.id]);
      expect(revoked.data[0]?.status).toBe('revoked');
      expect(revoked.data[0]?.revoked).toBe(true);
      expect(revoked.totalCount).toBe(1);

      const pending = await clerk.invitations.getInvitationList({ query: 'invite-filter.test', status: 'pending' });
      expect(pending.data.map((i) => i.id)).toEqual([c.id, a.id]);
      expect((await clerk.invitations.getInvitationList({ query: 'invite-filter.test', status: 'accepted' })).totalCount).toBe(0);
      expect((await clerk.invitations.getInvitationList({ query: 'invite-filter.test', status: 'expired' })).totalCount).toBe(0);

      // Every revoked invitation of the instance, without a query.
      const allRevoked = await clerk.invitations.getInvitationList({ status: 'revoked', limit: 500 });
      expect(allRevoked.data.length).toBeGreaterThan(0);
      expect(allRevoked.data.every((i) => i.status === 'revoked')).toBe(true);

      // The query matches part of the address, case-insensitively.
      expect((await clerk.invitations.getInvitationList({ query: 'CHARLIE@' })).data.map((i) => i.id)).toEqual([c.id]);

      // Paging: totalCount is the size of the filtered set.
      const page = await clerk.invitations.getInvitationList({ query: 'invite-filter.test', limit: 1, offset: 1 });
      expect(page.data.map((i) => i.id)).toEqual([a.id]);
      expect(page.totalCount).toBe(2);

      // orderBy: email_address (no sign means ascending) and -email_address.
      expect((await clerk.invitations.getInvitationList({ query: 'invite-filter.test', orderBy: 'email_address' })).data.map((i) => i.emailAddress)).toEqual([
        'alpha@invite-filter.test',
        'charlie@invite-filter.test',
      ]);
      expect((await clerk.invitations.getInvitationList({ query: 'invite-filter.test', orderBy: '-email_address' })).data.map((i) => i.emailAddress)).toEqual([
        'charlie@invite-filter.test',
        'alpha@invite-filter.test',
      ]);
      expect((await clerk.invitations.getInvitationList({ query: 'invite-filter.test', orderBy: '+created_at' })).data.map((i) => i.id)).toEqual([a.id, c.id]);
    });

    it('getInvitationList query treats % and _ literally', async () => {
      const underscore = await clerk.invitations.createInvitation({ emailAddress: 'a_b@invite-like.test', notify: false });
      await clerk.invitations.createInvitation({ emailAddress: 'axb@invite-like.test', notify: false });
      expect((await clerk.invitations.getInvitationList({ query: 'a_b@' })).data.map((i) => i.id)).toEqual([underscore.id]);
      expect((await clerk.invitations.getInvitationList({ query: '%@invite-like.test' })).totalCount).toBe(0);
    });

    it('getInvitationList query matches the invitation id too (the SDK and the spec: "based on email_address or id")', async () => {
      const inv = await clerk.invitations.createInvitation({ emailAddress: 'by-id@invite-id.test', notify: false });
      const found = await clerk.invitations.getInvitationList({ query: inv.id });
      expect(found.data.map((i) => i.id)).toEqual([inv.id]);
      expect(found.totalCount).toBe(1);
    });

    it('createInvitationBulk returns a plain array of invitations; each invitation e-mail is sent unless notify is false', async () => {
      const result = await clerk.invitations.createInvitationBulk([
        { emailAddress: 'bulk-1@invite-bulk.test', publicMetadata: { team: 'a' } },
        { emailAddress: 'bulk-2@invite-bulk.test', redirectUrl: 'https://app.example.com/bulk', expiresInDays: 3 },
        { emailAddress: 'bulk-3@invite-bulk.test', notify: false },
      ]);
      expect(Array.isArray(result)).toBe(true);
      expect(result).not.toHaveProperty('totalCount');
      expect(result.map((i) => i.emailAddress)).toEqual(['bulk-1@invite-bulk.test', 'bulk-2@invite-bulk.test', 'bulk-3@invite-bulk.test']);
      const [one, two, three] = result as [Invitation, Invitation, Invitation];
      for (const inv of result) expectPending(inv, inv.emailAddress);
      expect(one.publicMetadata).toEqual({ team: 'a' });
      expect(two.publicMetadata).toEqual({});
      expect(expiresAt(two)).toBe(two.createdAt + 3 * DAY_MS);
      expect(expiresAt(one)).toBe(one.createdAt + 30 * DAY_MS);

      expect(acceptLink(await mailTo('bulk-1@invite-bulk.test'))).toBe(one.url);
      const link2 = acceptLink(await mailTo('bulk-2@invite-bulk.test'));
      expect(link2).toBe(two.url);
      const res = await openLink(link2);
      expect(res.status).toBe(303);
      expect(res.headers.get('location')).toMatch(/^https:\/\/app\.example\.com\/bulk\?__clerk_ticket=/);
      await expectNoMailTo('bulk-3@invite-bulk.test');

      const listed = await clerk.invitations.getInvitationList({ query: 'invite-bulk.test' });
      expect(listed.totalCount).toBe(3);
      expect(listed.data.map((i) => i.id).sort()).toEqual([one.id, two.id, three.id].sort());
    });

    it('createInvitationBulk is all or nothing: an existing user (even with ignoreExisting) or a repeated address fails the whole batch', async () => {
      await clerk.users.createUser({ emailAddress: ['user@invite-bulk-fail.test'] });
      const taken = await apiError(
        clerk.invitations.createInvitationBulk([
          { emailAddress: 'fresh@invite-bulk-fail.test' },
          { emailAddress: 'user@invite-bulk-fail.test', ignoreExisting: true },
        ]),
      );
      expectApiError(taken, 422, 'form_identifier_exists', 'email_address');

      const repeated = await apiError(
        clerk.invitations.createInvitationBulk([{ emailAddress: 'twice@invite-bulk-fail.test' }, { emailAddress: 'TWICE@invite-bulk-fail.test' }]),
      );
      expectApiError(repeated, 422, 'duplicate_record', 'email_address');

      // More than 10 invitations per call are refused.
      const tooMany = Array.from({ length: 11 }, (_, i) => ({ emailAddress: `many-${i}@invite-bulk-fail.test` }));
      expect((await apiError(clerk.invitations.createInvitationBulk(tooMany))).status).toBe(422);

      expect((await clerk.invitations.getInvitationList({ query: 'invite-bulk-fail.test' })).totalCount).toBe(0);
      await expectNoMailTo('fresh@invite-bulk-fail.test');
    });

    it('createInvitationBulk: an address with a pending invitation fails the batch unless that item has ignoreExisting', async () => {
      const old = await clerk.invitations.createInvitation({ emailAddress: 'pending@invite-bulk-ignore.test', notify: false });
      const dup = await apiError(
        clerk.invitations.createInvitationBulk([{ emailAddress: 'new@invite-bulk-ignore.test', notify: false }, { emailAddress: 'pending@invite-bulk-ignore.test', notify: false }]),
      );
      expectApiError(dup, 422, 'duplicate_record', 'email_address');
      expect((await clerk.invitations.getInvitationList({ query: 'invite-bulk-ignore.test' })).data.map((i) => i.id)).toEqual([old.id]);

      const made = await clerk.invitations.createInvitationBulk([
        { emailAddress: 'new@invite-bulk-ignore.test', notify: false },
        { emailAddress: 'pending@invite-bulk-ignore.test', notify: false, ignoreExisting: true },
      ]);
      expect(made.map((i) => i.status)).toEqual(['pending', 'pending']);
      const pending = await clerk.invitations.getInvitationList({ query: 'invite-bulk-ignore.test', status: 'pending', orderBy: 'email_address' });
      expect(pending.data.map((i) => i.id)).toEqual(made.map((i) => i.id));
    });

    it('revokeInvitation returns the invitation with status revoked and revoked: true', async () => {
      const inv = await clerk.invitations.createInvitation({ emailAddress: 'revoke-me@invite-revoke.test', notify: false });
      await tick();
      const revoked = await clerk.invitations.revokeInvitation(inv.id);
      expect(revoked.id).toBe(inv.id);
      expect(revoked.emailAddress).toBe('revoke-me@invite-revoke.test');
      expect(revoked.status).toBe('revoked');
      expect(revoked.revoked).toBe(true);
      expect(revoked.createdAt).toBe(inv.createdAt);
      expect(revoked.updatedAt).toBeGreaterThan(inv.updatedAt);
      // It is left out of the default list.
      expect((await clerk.invitations.getInvitationList({ query: 'invite-revoke.test' })).totalCount).toBe(0);
      expectApiError(await apiError(clerk.invitations.revokeInvitation('inv_doesnotexist')), 404, 'resource_not_found');
    });

    it('seed 001: "Only active (i.e. non-revoked) invitations can be revoked" (revoking twice fails)', async () => {
      const inv = await clerk.invitations.createInvitation({ emailAddress: 'only-once@invite-revoke.test', notify: false });
      await clerk.invitations.revokeInvitation(inv.id);
      const err = await apiError(clerk.invitations.revokeInvitation(inv.id));
      expectApiError(err, 400, 'invitation_not_pending');
      const stored = await clerk.invitations.getInvitationList({ query: 'only-once@invite-revoke.test', status: 'revoked' });
      expect(stored.data.map((i) => [i.id, i.status])).toEqual([[inv.id, 'revoked']]);
    });

    it('seed 001: "Revoking an invitation makes the invitation email link unusable" (303 to sign-up with __clerk_ticket, then 410)', async () => {
      const inv = await clerk.invitations.createInvitation({ emailAddress: 'link@invite-revoke.test' });
      const link = acceptLink(await mailTo('link@invite-revoke.test'));
      expect(link).toBe(inv.url);
      const ticket = new URL(link).searchParams.get('ticket');
      expect(ticket).toEqual(expect.any(String));

      const before = await openLink(link);
      expect(before.status).toBe(303);
      const location = new URL(before.headers.get('location') ?? '');
      expect(`${location.origin}${location.pathname}`).toBe(signUpUrl);
      expect(location.searchParams.get('__clerk_ticket')).toBe(ticket);
      // Following it again before revoking still works: opening the link does not use it up.
      expect((await openLink(link)).status).toBe(303);

      await clerk.invitations.revokeInvitation(inv.id);
      const after = await openLink(link);
      expect(after.status).toBe(410);
      expect(after.headers.get('location')).toBeNull();
      expect(await after.text()).toContain('revoked');

      // A tampered ticket is not a usable link either.
      const forged = new URL(link);
      forged.searchParams.set('ticket', `${ticket ?? ''}x`);
      expect((await openLink(forged.toString())).status).toBe(404);
    });

    it('deleteInvitation returns a DeletedObject; the invitation is gone from every list and its link no longer resolves', async () => {
      const inv = await clerk.invitations.createInvitation({ emailAddress: 'erase@invite-delete.test' });
      const link = acceptLink(await mailTo('erase@invite-delete.test'));
      const deleted = await clerk.invitations.deleteInvitation(inv.id);
      expect(deleted).toEqual(expect.objectContaining({ object: 'invitation', id: inv.id, slug: null, deleted: true }));
      expect(deleted).not.toHaveProperty('emailAddress');
      for (const status of [undefined, 'pending', 'revoked'] as const) {
        expect((await clerk.invitations.getInvitationList({ query: 'invite-delete.test', ...(status ? { status } : {}) })).totalCount).toBe(0);
      }
      expect((await openLink(link)).status).toBe(404);
      expectApiError(await apiError(clerk.invitations.deleteInvitation(inv.id)), 404, 'resource_not_found');
      expectApiError(await apiError(clerk.invitations.revokeInvitation(inv.id)), 404, 'resource_not_found');

      // Invitations of any status can be deleted: a revoked one too.
      const other = await clerk.invitations.createInvitation({ emailAddress: 'erase-revoked@invite-delete.test', notify: false });
      await clerk.invitations.revokeInvitation(other.id);
      expect(await clerk.invitations.deleteInvitation(other.id)).toEqual(expect.objectContaining({ object: 'invitation', id: other.id, deleted: true }));
      expect((await clerk.invitations.getInvitationList({ query: 'invite-delete.test', status: 'revoked' })).totalCount).toBe(0);
    });
  });

  describe('instance restrictions (allowlist)', () => {
    it('with PATCH /v1/instance/restrictions {allowlist:true}, createUser refuses a non-allowlisted e-mail (403 not_allowed_access) and accepts allowlisted ones', async () => {
      const exact = await clerk.allowlistIdentifiers.createAllowlistIdentifier({ identifier: 'allowed@restrict.test', notify: false });
      await clerk.allowlistIdentifiers.createAllowlistIdentifier({ identifier: '*@restrict-domain.test', notify: false });
      await clerk.allowlistIdentifiers.createAllowlistIdentifier({ identifier: '+15550006001', notify: false });

      // Before the restriction is on, anyone may be created.
      expect((await clerk.users.createUser({ emailAddress: ['before@outsider.test'] })).id).toMatch(/^user_/);

      await setAllowlistRestriction(true);
      try {
        const refused = await apiError(clerk.users.createUser({ emailAddress: ['stranger@outsider.test'] }));
        expectApiError(refused, 403, 'not_allowed_access', 'email_address');
        expect(refused.message).toContain('Forbidden');

        const user = await clerk.users.createUser({ emailAddress: ['allowed@restrict.test'] });
        expect(user.id).toMatch(/^user_/);
        expect(user.primaryEmailAddress?.emailAddress).toBe('allowed@restrict.test');

        const byDomain = await clerk.users.createUser({ emailAddress: ['anyone@restrict-domain.test'] });
        expect(byDomain.primaryEmailAddress?.emailAddress).toBe('anyone@restrict-domain.test');
        // `*@domain` covers that domain only, not its subdomains.
        expectApiError(await apiError(clerk.users.createUser({ emailAddress: ['x@sub.restrict-domain.test'] })), 403, 'not_allowed_access', 'email_address');

        const byPhone = await clerk.users.createUser({ phoneNumber: ['+15550006001'] });
        expect(byPhone.primaryPhoneNumber?.phoneNumber).toBe('+15550006001');
        expectApiError(await apiError(clerk.users.createUser({ phoneNumber: ['+15550006002'] })), 403, 'not_allowed_access', 'phone_number');

        // Deleting the identifier takes the permission away again.
        await clerk.allowlistIdentifiers.deleteAllowlistIdentifier(exact.id);
        await clerk.users.deleteUser(user.id);
        expectApiError(await apiError(clerk.users.createUser({ emailAddress: ['allowed@restrict.test'] })), 403, 'not_allowed_access', 'email_address');
      } finally {
        await setAllowlistRestriction(false);
      }
      expect((await clerk.users.createUser({ emailAddress: ['stranger@outsider.test'] })).id).toMatch(/^user_/);
    });
  });
});
