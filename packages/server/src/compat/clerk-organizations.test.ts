/**
 * Compatibility: the official Clerk Node SDK (`@clerk/backend`), unmodified, driving the real Latch server's
 * organizations: every method of the `organizations` sub-API, plus `users.getOrganizationMembershipList` and
 * `users.getOrganizationInvitationList`. Assertions are made on the SDK's typed (camelCase) results and typed
 * errors; organization domains have no deserializer in the SDK, so those results are the raw snake_case JSON.
 *
 * Invitation e-mails really arrive at an in-process SMTP server and their links are followed. Roles and
 * permissions, and the instance's organization settings, are driven through raw BAPI requests (and, where
 * the SDK has `organizationRoles`, `organizationPermissions` and `instance.*OrganizationSettings`, through
 * those too). Accepting an invitation is a Latch service call (the Frontend API's job at Clerk).
 *
 * The rules of seed 004 (roles admin / basic_member, "there needs to be at least one administrator for the
 * organization at all times", invitations and their revocation) each have their own test.
 */
import { createClerkClient, type ClerkClient, type Organization, type OrganizationDomainJSON, type OrganizationInvitation, type OrganizationMembership, type User } from '@clerk/backend';
import type { ParsedMail } from 'mailparser';
import { afterAll, afterEach, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { ApiError } from '../errors.js';
import { startTestServer, testDialects, type TestServer } from '../test/harness.js';
import { apiError, expectApiError } from '../test/clerk-sdk.js';
import { startSmtpSink, type SmtpSink } from '../test/smtp-sink.js';

const DAY_MS = 86_400_000;
/** How long to wait for an e-mail: the delivery worker is woken on commit, so mail arrives within a second. */
const MAIL_TIMEOUT_MS = 10_000;

/** A real 1×1 RGBA PNG (valid chunk CRCs), 70 bytes. */
const PNG_1X1 = Uint8Array.from(
  Buffer.from('iVBORw0KGgoAAAANSUhEUgAAAAEAAAABCAYAAAAfFcSJAAAADUlEQVR42mNkYPhfDwAChwGA60e6kgAAAABJRU5ErkJggg==', 'base64'),
);

/** The system permissions of the two system roles (sorted by key, as the server lists them). */
const ADMIN_PERMISSIONS = [
  'org:sys_domains:manage',
  'org:sys_domains:read',
  'org:sys_memberships:manage',
  'org:sys_memberships:read',
  'org:sys_profile:delete',
  'org:sys_profile:manage',
];
const MEMBER_PERMISSIONS = ['org:sys_domains:read', 'org:sys_memberships:read'];

/** What the SDK's DeletedObject carries (the class is not exported by name). */
interface Deleted {
  object: string;
  id: string | null;
  slug: string | null;
  deleted: boolean;
}

/** The raw domain JSON the SDK hands back, with the fields Latch adds beyond the SDK's JSON type. */
type RawDomain = Omit<OrganizationDomainJSON, 'verification'> & {
  verification: { status: string; strategy: string; attempts: number; expire_at: number | null; verified_at: number | null } | null;
  public_organization_data: { id: string; name: string; slug: string; image_url: string; has_image: boolean } | null;
};

interface RoleJSON {
  object: 'role';
  id: string;
  name: string;
  key: string;
  description: string;
  is_creator_eligible: boolean;
  /** Permission objects in the spec; Latch answers their keys. Read through `permissionKeys`. */
  permissions: (PermissionJSON | string)[];
  created_at: number;
  updated_at: number;
}

interface PermissionJSON {
  object: 'permission';
  id: string;
  name: string;
  key: string;
  description: string;
  type: 'system' | 'user';
  created_at: number;
  updated_at: number;
}

/** The keys of a role's permissions, whichever form the wire gives them in (checked by the SDK test). */
const permissionKeys = (role: RoleJSON | undefined) => (role?.permissions ?? []).map((p) => (typeof p === 'string' ? p : p.key)).sort();

interface SettingsJSON {
  object: 'organization_settings';
  enabled: boolean;
  max_allowed_memberships: number;
  admin_delete_enabled: boolean;
  domains_enabled: boolean;
  slug_disabled: boolean;
  domains_enrollment_modes: string[];
  creator_role: string;
  domains_default_role: string;
}

interface ErrorsJSON {
  errors: { code: string; message: string; long_message: string; meta?: { param_name?: string } }[];
  clerk_trace_id?: string;
}

/** Awaits a service call that must fail and returns its ApiError. */
async function serviceError(call: Promise<unknown>): Promise<ApiError> {
  const outcome = await call.then(
    (value) => ({ ok: true as const, value }),
    (error: unknown) => ({ ok: false as const, error }),
  );
  if (outcome.ok) throw new Error(`expected the call to fail, it returned ${JSON.stringify(outcome.value)}`);
  expect(outcome.error).toBeInstanceOf(ApiError);
  return outcome.error as ApiError;
}

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

/** The invitation-accept link of an invitation e-mail. */
function acceptLink(m: ParsedMail): string {
  const html = typeof m.html === 'string' ? m.html : '';
  const link = [...html.matchAll(/href="([^"]+)"/g)].map((x) => decodeHtml(x[1] ?? '')).find((l) => l.includes('/tickets/accept?'));
  if (!link) throw new Error(`no invitation link in the e-mail to ${recipients(m).join(', ')}: ${String(m.html)}`);
  return link;
}

/** Fetches an invitation link the way a browser's first hop would, without following the redirect. */
const openLink = (link: string) => fetch(link, { redirect: 'manual' });

/** Waits a little (distinct creation timestamps for order assertions). */
const tick = (ms = 3) => new Promise((resolve) => setTimeout(resolve, ms));

/** How long a request that enrolls users through a verified domain may take before the server counts as hung. */
const ANSWER_MS = 10_000;

/** Resolves with the call's outcome, or fails the test with a plain message when the server never answers. */
async function answered<T>(call: Promise<T>, what: string): Promise<T> {
  let timer: NodeJS.Timeout | undefined;
  const deadline = new Promise<never>((_, reject) => {
    timer = setTimeout(() => reject(new Error(`${what}: no answer within ${ANSWER_MS} ms (the server hung)`)), ANSWER_MS);
  });
  try {
    return await Promise.race([call, deadline]);
  } finally {
    clearTimeout(timer);
  }
}

/** The raw JSON an SDK call resolved to, where the SDK has no class for it (organization domains). */
const rawDomain = (value: unknown) => value as RawDomain;
const rawDomains = (value: { data: unknown[]; totalCount: number }) => ({ data: value.data as RawDomain[], totalCount: value.totalCount });

/**
 * The server and SDK client the tests talk to. The main suite sets them once; the enrollment suite gives
 * every test a fresh server. The helpers below read them when called.
 */
let t: TestServer;
let clerk: ClerkClient;
let seq = 0;

/** A raw BAPI call; every answer must be labelled exactly application/json. */
async function bapi<T>(path: string, init?: Parameters<TestServer['api']>[1]): Promise<{ status: number; body: T }> {
  const res = await t.api(path, init);
  expect(res.headers.get('content-type')).toBe('application/json');
  return { status: res.status, body: (await res.json()) as T };
}

/** A fresh user with a (verified, as BAPI-created addresses are) e-mail address. */
async function newUser(emailAddress?: string, names: { firstName?: string; lastName?: string; username?: string } = {}): Promise<User> {
  return clerk.users.createUser({ emailAddress: [emailAddress ?? `member-${++seq}@members.test`], ...names });
}

/** A fresh organization created by a fresh admin user. */
async function newOrg(name = `Org ${++seq}`, extra: { maxAllowedMemberships?: number } = {}): Promise<{ org: Organization; admin: User }> {
  const admin = await newUser(undefined, { firstName: 'Owner', lastName: `No${seq}` });
  const org = await clerk.organizations.createOrganization({ name, createdBy: admin.id, ...extra });
  return { org, admin };
}

const expectOrganization = (o: Organization) => {
  expect(o.id).toMatch(/^org_[0-9A-Za-z]{27}$/);
  expect(o.createdAt).toEqual(expect.any(Number));
  expect(Math.abs(o.createdAt - Date.now())).toBeLessThan(60_000);
  expect(o.updatedAt).toBeGreaterThanOrEqual(o.createdAt);
  expect(o.raw?.object).toBe('organization');
  // A class instance: camelCase only.
  expect(o).not.toHaveProperty('created_at');
  expect(o).not.toHaveProperty('public_metadata');
};

describe.each(testDialects())('official @clerk/backend organizations against Latch on %s', (dialect) => {
  let sink: SmtpSink;
  let signUpUrl: string;

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

  // ------------------------------------------------------------------------------------------------------
  describe('organizations', () => {
    it('createOrganization with a name only: the slug is generated from it; no creator, no members', async () => {
      const org = await clerk.organizations.createOrganization({ name: 'Acme Rockets, Inc.' });
      expectOrganization(org);
      expect(org.name).toBe('Acme Rockets, Inc.');
      expect(org.slug).toBe('acme-rockets-inc');
      expect(org.hasImage).toBe(false);
      expect(org.imageUrl).toBe('');
      expect(org.publicMetadata).toEqual({});
      expect(org.privateMetadata).toEqual({});
      expect(org.maxAllowedMemberships).toBe(0);
      expect(org.adminDeleteEnabled).toBe(true);
      // members_count is only there when asked for.
      expect(org.membersCount).toBeUndefined();
      const members = await clerk.organizations.getOrganizationMembershipList({ organizationId: org.id });
      expect(members).toEqual({ data: [], totalCount: 0 });

      // The same name again: a generated slug that is taken gets a short suffix.
      const again = await clerk.organizations.createOrganization({ name: 'Acme Rockets, Inc.' });
      expect(again.id).not.toBe(org.id);
      expect(again.slug).toMatch(/^acme-rockets-inc-[0-9a-z]{4}$/);
    });

    it('createOrganization with slug, createdBy, maxAllowedMemberships and metadata: the creator becomes its admin member', async () => {
      const creator = await newUser('founder@create-org.test', { firstName: 'Fay', lastName: 'Founder' });
      const org = await clerk.organizations.createOrganization({
        name: 'Created Org',
        slug: 'created-org',
        createdBy: creator.id,
        maxAllowedMemberships: 5,
        publicMetadata: { plan: 'team', nested: { camelKey: 1 } },
        privateMetadata: { crm: 'acct_1' },
      });
      expectOrganization(org);
      expect(org.slug).toBe('created-org');
      expect(org.createdBy).toBe(creator.id);
      expect(org.maxAllowedMemberships).toBe(5);
      expect(org.publicMetadata).toEqual({ plan: 'team', nested: { camelKey: 1 } });
      expect(org.privateMetadata).toEqual({ crm: 'acct_1' });

      const { data, totalCount } = await clerk.organizations.getOrganizationMembershipList({ organizationId: org.id });
      expect(totalCount).toBe(1);
      const [m] = data as [OrganizationMembership];
      expect(m.id).toMatch(/^orgmem_[0-9A-Za-z]{27}$/);
      expect(m.role).toBe('org:admin');
      expect([...m.permissions].sort()).toEqual(ADMIN_PERMISSIONS);
      expect(m.organization.id).toBe(org.id);
      expect(m.organization.name).toBe('Created Org');
      expect(m.publicUserData?.userId).toBe(creator.id);
      expect(m.publicUserData?.identifier).toBe('founder@create-org.test');
      expect(m.publicUserData?.firstName).toBe('Fay');
      expect(m.publicUserData?.lastName).toBe('Founder');
      expect(m.publicUserData?.hasImage).toBe(false);

      // The explicit slug is taken now; a malformed one is refused; an unknown creator is refused.
      expectApiError(await apiError(clerk.organizations.createOrganization({ name: 'Other', slug: 'created-org' })), 422, 'form_identifier_exists', 'slug');
      expectApiError(await apiError(clerk.organizations.createOrganization({ name: 'Other', slug: 'Not A Slug' })), 422, 'form_param_format_invalid', 'slug');
      expectApiError(await apiError(clerk.organizations.createOrganization({ name: 'Other', createdBy: 'user_doesnotexist' })), 404, 'resource_not_found');
      expect((await clerk.organizations.getOrganizationList({ query: 'Other' })).data.map((o) => o.name)).not.toContain('Other');
    });

    it('getOrganization by organizationId and by slug, with and without includeMembersCount; unknown → 404', async () => {
      const { org, admin } = await newOrg('Get Me Org');
      const member = await newUser();
      await clerk.organizations.createOrganizationMembership({ organizationId: org.id, userId: member.id, role: 'basic_member' });

      const byId = await clerk.organizations.getOrganization({ organizationId: org.id });
      expect(byId.id).toBe(org.id);
      expect(byId.slug).toBe('get-me-org');
      expect(byId.createdBy).toBe(admin.id);
      expect(byId.membersCount).toBeUndefined();

      const bySlug = await clerk.organizations.getOrganization({ slug: 'get-me-org', includeMembersCount: true });
      expect(bySlug.id).toBe(org.id);
      expect(bySlug.membersCount).toBe(2);
      expect(bySlug.raw).toMatchObject({ members_count: 2, pending_invitations_count: 0 });

      const byIdCounted = await clerk.organizations.getOrganization({ organizationId: org.id, includeMembersCount: true });
      expect(byIdCounted.membersCount).toBe(2);

      expectApiError(await apiError(clerk.organizations.getOrganization({ organizationId: 'org_doesnotexist' })), 404, 'resource_not_found');
      expectApiError(await apiError(clerk.organizations.getOrganization({ slug: 'no-such-slug' })), 404, 'resource_not_found');
    });

    it('getOrganizationList: {data, totalCount}; query, orderBy, includeMembersCount, organizationId filter, limit and offset', async () => {
      const tag = `listtag${dialect}`;
      const a = await newOrg(`${tag} Bravo`);
      await tick();
      const b = await newOrg(`${tag} Alpha`);
      await tick();
      const c = await newOrg(`${tag} Charlie`);
      for (let i = 0; i < 2; i++) await clerk.organizations.createOrganizationMembership({ organizationId: b.org.id, userId: (await newUser()).id, role: 'org:member' });
      await clerk.organizations.createOrganizationMembership({ organizationId: c.org.id, userId: (await newUser()).id, role: 'org:member' });

      const all = await clerk.organizations.getOrganizationList({ limit: 500 });
      expect(Array.isArray(all)).toBe(false);
      expect(all.totalCount).toBeGreaterThanOrEqual(3);
      expect(all.data.length).toBe(all.totalCount);
      // Newest first by default.
      for (let i = 1; i < all.data.length; i++) expect(all.data[i - 1]?.createdAt).toBeGreaterThanOrEqual(all.data[i]?.createdAt ?? Infinity);
      expect(all.data.every((o) => o.membersCount === undefined)).toBe(true);

      // The default page is 10.
      const firstPage = await clerk.organizations.getOrganizationList();
      expect(firstPage.totalCount).toBe(all.totalCount);
      expect(firstPage.data.length).toBe(Math.min(10, all.totalCount));

      const q = await clerk.organizations.getOrganizationList({ query: tag });
      expect(q.totalCount).toBe(3);
      expect(q.data.map((o) => o.id)).toEqual([c.org.id, b.org.id, a.org.id]);
      // Case-insensitive, partial, on the name and the slug.
      expect((await clerk.organizations.getOrganizationList({ query: `${tag.toUpperCase()} ALP` })).data.map((o) => o.id)).toEqual([b.org.id]);
      expect((await clerk.organizations.getOrganizationList({ query: `${tag}-charlie` })).data.map((o) => o.id)).toEqual([c.org.id]);

      expect((await clerk.organizations.getOrganizationList({ query: tag, orderBy: 'name' })).data.map((o) => o.id)).toEqual([b.org.id, a.org.id, c.org.id]);
      expect((await clerk.organizations.getOrganizationList({ query: tag, orderBy: '-name' })).data.map((o) => o.id)).toEqual([c.org.id, a.org.id, b.org.id]);
      expect((await clerk.organizations.getOrganizationList({ query: tag, orderBy: '+created_at' })).data.map((o) => o.id)).toEqual([a.org.id, b.org.id, c.org.id]);

      const counted = await clerk.organizations.getOrganizationList({ query: tag, orderBy: '-members_count', includeMembersCount: true });
      expect(counted.data.map((o) => [o.id, o.membersCount])).toEqual([
        [b.org.id, 3],
        [c.org.id, 2],
        [a.org.id, 1],
      ]);

      const byIds = await clerk.organizations.getOrganizationList({ organizationId: [a.org.id, c.org.id], orderBy: '+created_at' });
      expect(byIds.data.map((o) => o.id)).toEqual([a.org.id, c.org.id]);
      expect(byIds.totalCount).toBe(2);

      const page = await clerk.organizations.getOrganizationList({ query: tag, limit: 1, offset: 1 });
      expect(page.data.map((o) => o.id)).toEqual([b.org.id]);
      expect(page.totalCount).toBe(3);

      expectApiError(await apiError(clerk.organizations.getOrganizationList({ orderBy: 'slug' as never })), 422, 'form_param_value_invalid', 'order_by');
    });

    it('updateOrganization: name, slug, adminDeleteEnabled and maxAllowedMemberships', async () => {
      const { org } = await newOrg('Before Update');
      await tick();
      const updated = await clerk.organizations.updateOrganization(org.id, { name: 'After Update', slug: 'after-update', adminDeleteEnabled: false, maxAllowedMemberships: 7 });
      expect(updated.id).toBe(org.id);
      expect(updated.name).toBe('After Update');
      expect(updated.slug).toBe('after-update');
      expect(updated.adminDeleteEnabled).toBe(false);
      expect(updated.maxAllowedMemberships).toBe(7);
      expect(updated.createdAt).toBe(org.createdAt);
      expect(updated.updatedAt).toBeGreaterThan(org.updatedAt);

      const got = await clerk.organizations.getOrganization({ slug: 'after-update' });
      expect([got.id, got.name, got.adminDeleteEnabled, got.maxAllowedMemberships]).toEqual([org.id, 'After Update', false, 7]);
      // The old slug no longer finds it.
      expectApiError(await apiError(clerk.organizations.getOrganization({ slug: 'before-update' })), 404, 'resource_not_found');
      expect((await clerk.organizations.getOrganizationList({ query: 'after update' })).data.map((o) => o.id)).toEqual([org.id]);

      // Falsy values are sent in bodies: 0 means no limit, true turns admin deletion back on.
      const back = await clerk.organizations.updateOrganization(org.id, { maxAllowedMemberships: 0, adminDeleteEnabled: true });
      expect([back.maxAllowedMemberships, back.adminDeleteEnabled, back.name]).toEqual([0, true, 'After Update']);

      const other = await newOrg('Slug Holder');
      expectApiError(await apiError(clerk.organizations.updateOrganization(org.id, { slug: other.org.slug })), 422, 'form_identifier_exists', 'slug');
      expectApiError(await apiError(clerk.organizations.updateOrganization('org_doesnotexist', { name: 'x' })), 404, 'resource_not_found');
    });

    it('updateOrganization with metadata: the SDK PATCHes the fields, then PUTs the metadata (replacing what it names)', async () => {
      const org = await clerk.organizations.createOrganization({ name: 'Meta Via Update', publicMetadata: { old: true, keep: { a: 1 } }, privateMetadata: { secret: 's' } });
      const updated = await clerk.organizations.updateOrganization(org.id, { name: 'Meta Via Update 2', publicMetadata: { fresh: 1 } });
      expect(updated.name).toBe('Meta Via Update 2');
      // PUT replaces the public metadata; the private metadata was not named, so it stays.
      expect(updated.publicMetadata).toEqual({ fresh: 1 });
      expect(updated.privateMetadata).toEqual({ secret: 's' });
      const got = await clerk.organizations.getOrganization({ organizationId: org.id });
      expect([got.name, got.publicMetadata, got.privateMetadata]).toEqual(['Meta Via Update 2', { fresh: 1 }, { secret: 's' }]);
      // Metadata alone: only the PUT.
      const onlyMeta = await clerk.organizations.updateOrganization(org.id, { privateMetadata: { other: 2 } });
      expect([onlyMeta.name, onlyMeta.publicMetadata, onlyMeta.privateMetadata]).toEqual(['Meta Via Update 2', { fresh: 1 }, { other: 2 }]);
    });

    it('updateOrganizationMetadata deep-merges; null deletes a key at any level', async () => {
      const org = await clerk.organizations.createOrganization({
        name: 'Merge Meta',
        publicMetadata: { a: 1, nested: { x: 1, y: 2 }, gone: 'soon' },
        privateMetadata: { p: { q: 1 } },
      });
      const merged = await clerk.organizations.updateOrganizationMetadata(org.id, {
        publicMetadata: { b: 2, nested: { y: null, z: 3 }, gone: null },
        privateMetadata: { p: { r: 2 } },
      });
      expect(merged.publicMetadata).toEqual({ a: 1, b: 2, nested: { x: 1, z: 3 } });
      expect(merged.privateMetadata).toEqual({ p: { q: 1, r: 2 } });
      // Naming one field leaves the other alone.
      const publicOnly = await clerk.organizations.updateOrganizationMetadata(org.id, { publicMetadata: { a: null } });
      expect(publicOnly.publicMetadata).toEqual({ b: 2, nested: { x: 1, z: 3 } });
      expect(publicOnly.privateMetadata).toEqual({ p: { q: 1, r: 2 } });
      const got = await clerk.organizations.getOrganization({ organizationId: org.id });
      expect(got.publicMetadata).toEqual({ b: 2, nested: { x: 1, z: 3 } });
      expectApiError(await apiError(clerk.organizations.updateOrganizationMetadata('org_doesnotexist', { publicMetadata: {} })), 404, 'resource_not_found');
    });

    it('replaceOrganizationMetadata replaces a named field in full; an omitted field is kept; {} clears', async () => {
      const org = await clerk.organizations.createOrganization({ name: 'Replace Meta', publicMetadata: { a: 1, nested: { x: 1 } }, privateMetadata: { keep: true } });
      const replaced = await clerk.organizations.replaceOrganizationMetadata(org.id, { publicMetadata: { nested: { y: 2 } } });
      expect(replaced.publicMetadata).toEqual({ nested: { y: 2 } });
      expect(replaced.privateMetadata).toEqual({ keep: true });
      const cleared = await clerk.organizations.replaceOrganizationMetadata(org.id, { privateMetadata: {} });
      expect(cleared.publicMetadata).toEqual({ nested: { y: 2 } });
      expect(cleared.privateMetadata).toEqual({});
    });

    it('updateOrganizationLogo uploads a real PNG (hasImage, imageUrl serves it); replacing and deleteOrganizationLogo drop the old image', async () => {
      const { org, admin } = await newOrg('Logo Org');
      const logo = new File([PNG_1X1], 'logo.png', { type: 'image/png' });
      const withLogo = await clerk.organizations.updateOrganizationLogo(org.id, { file: logo, uploaderUserId: admin.id });
      expect(withLogo.id).toBe(org.id);
      expect(withLogo.hasImage).toBe(true);
      expect(withLogo.imageUrl).toMatch(/^http:\/\/127\.0\.0\.1:\d+\/images\/img_[0-9A-Za-z]{27}$/);
      const image = await fetch(withLogo.imageUrl);
      expect(image.status).toBe(200);
      expect(image.headers.get('content-type')).toBe('image/png');
      expect(new Uint8Array(await image.arrayBuffer())).toEqual(PNG_1X1);

      // The organization embedded in a membership carries the image too.
      const { data } = await clerk.organizations.getOrganizationMembershipList({ organizationId: org.id });
      expect(data[0]?.organization.hasImage).toBe(true);
      expect(data[0]?.organization.imageUrl).toBe(withLogo.imageUrl);

      // A Blob without a file name, and no uploader, works as well; the previous image is gone.
      const replaced = await clerk.organizations.updateOrganizationLogo(org.id, { file: new Blob([PNG_1X1], { type: 'image/png' }) });
      expect(replaced.hasImage).toBe(true);
      expect(replaced.imageUrl).not.toBe(withLogo.imageUrl);
      expect((await fetch(replaced.imageUrl)).status).toBe(200);
      expect((await fetch(withLogo.imageUrl)).status).toBe(404);

      const removed = await clerk.organizations.deleteOrganizationLogo(org.id);
      expect(removed.id).toBe(org.id);
      expect(removed.hasImage).toBe(false);
      expect(removed.imageUrl).toBe('');
      expect((await fetch(replaced.imageUrl)).status).toBe(404);
      expect((await clerk.organizations.getOrganization({ organizationId: org.id })).hasImage).toBe(false);

      // Not an image: refused.
      const notImage = new File([new TextEncoder().encode('not an image')], 'logo.txt', { type: 'text/plain' });
      expectApiError(await apiError(clerk.organizations.updateOrganizationLogo(org.id, { file: notImage })), 422, 'form_param_format_invalid', 'file');
    });

    it('deleteOrganization returns a DeletedObject; its memberships, invitations, domains and logo go with it', async () => {
      const { org, admin } = await newOrg('Doomed Org');
      const member = await newUser();
      await clerk.organizations.createOrganizationMembership({ organizationId: org.id, userId: member.id, role: 'org:member' });
      await clerk.organizations.createOrganizationInvitation({ organizationId: org.id, emailAddress: 'pending@doomed.test', role: 'org:member' });
      await clerk.organizations.createOrganizationDomain({ organizationId: org.id, name: 'doomed-org.test', enrollmentMode: 'manual_invitation' });
      const withLogo = await clerk.organizations.updateOrganizationLogo(org.id, { file: new File([PNG_1X1], 'l.png', { type: 'image/png' }) });

      const deleted = (await clerk.organizations.deleteOrganization(org.id)) as unknown as Deleted;
      expect(deleted).toEqual(expect.objectContaining({ object: 'organization', id: org.id, deleted: true }));
      expect(deleted).not.toHaveProperty('name');

      expectApiError(await apiError(clerk.organizations.getOrganization({ organizationId: org.id })), 404, 'resource_not_found');
      expectApiError(await apiError(clerk.organizations.getOrganizationMembershipList({ organizationId: org.id })), 404, 'resource_not_found');
      expectApiError(await apiError(clerk.organizations.getOrganizationInvitationList({ organizationId: org.id })), 404, 'resource_not_found');
      for (const u of [admin, member]) {
        expect((await clerk.users.getOrganizationMembershipList({ userId: u.id })).totalCount).toBe(0);
      }
      const instanceWide = await clerk.organizations.getInstanceOrganizationMembershipList({ limit: 500 });
      expect(instanceWide.data.filter((m) => m.organization.id === org.id)).toEqual([]);
      // The users themselves stay.
      expect((await clerk.users.getUser(member.id)).id).toBe(member.id);
      // The domain name is free again, and the logo is gone.
      const other = await newOrg('Heir Org');
      expect(rawDomain(await clerk.organizations.createOrganizationDomain({ organizationId: other.org.id, name: 'doomed-org.test', enrollmentMode: 'manual_invitation' })).name).toBe('doomed-org.test');
      expect((await fetch(withLogo.imageUrl)).status).toBe(404);

      expectApiError(await apiError(clerk.organizations.deleteOrganization(org.id)), 404, 'resource_not_found');
    });
  });

  // ------------------------------------------------------------------------------------------------------
  describe('memberships', () => {
    it('seed 004: createOrganizationMembership takes the roles "basic_member" and "admin" and answers org:member / org:admin', async () => {
      const { org } = await newOrg('Roles Org');
      const basic = await newUser('basic@roles-org.test', { firstName: 'Basil', lastName: 'Member' });
      const boss = await newUser('boss@roles-org.test');

      const m1 = await clerk.organizations.createOrganizationMembership({ organizationId: org.id, userId: basic.id, role: 'basic_member' });
      expect(m1.id).toMatch(/^orgmem_[0-9A-Za-z]{27}$/);
      expect(m1.role).toBe('org:member');
      expect([...m1.permissions].sort()).toEqual(MEMBER_PERMISSIONS);
      expect(m1.organization.id).toBe(org.id);
      expect(m1.organization.slug).toBe(org.slug);
      expect(m1.publicUserData?.userId).toBe(basic.id);
      expect(m1.publicUserData?.identifier).toBe('basic@roles-org.test');
      expect(m1.publicUserData?.firstName).toBe('Basil');
      expect(m1.publicMetadata).toEqual({});
      expect(m1.privateMetadata).toEqual({});
      expect(m1.createdAt).toEqual(expect.any(Number));
      expect(m1.raw).toMatchObject({ object: 'organization_membership', role_name: 'Member' });
      expect(m1).not.toHaveProperty('public_user_data');

      const m2 = await clerk.organizations.createOrganizationMembership({ organizationId: org.id, userId: boss.id, role: 'admin' });
      expect(m2.role).toBe('org:admin');
      expect([...m2.permissions].sort()).toEqual(ADMIN_PERMISSIONS);
      expect(m2.raw).toMatchObject({ role_name: 'Admin' });

      // Already a member; unknown role; unknown user; unknown organization.
      expectApiError(await apiError(clerk.organizations.createOrganizationMembership({ organizationId: org.id, userId: basic.id, role: 'org:member' })), 400, 'already_a_member_in_organization', 'user_id');
      expectApiError(await apiError(clerk.organizations.createOrganizationMembership({ organizationId: org.id, userId: (await newUser()).id, role: 'owner' })), 422, 'form_param_value_invalid', 'role');
      expectApiError(await apiError(clerk.organizations.createOrganizationMembership({ organizationId: org.id, userId: 'user_doesnotexist', role: 'org:member' })), 404, 'resource_not_found');
      expectApiError(await apiError(clerk.organizations.createOrganizationMembership({ organizationId: 'org_doesnotexist', userId: basic.id, role: 'org:member' })), 404, 'resource_not_found');

      expect((await clerk.organizations.getOrganization({ organizationId: org.id, includeMembersCount: true })).membersCount).toBe(3);
    });

    it('createOrganizationMembership over maxAllowedMemberships → 403 organization_membership_quota_exceeded; raising the limit lets it in', async () => {
      const { org } = await newOrg('Small Org', { maxAllowedMemberships: 2 });
      expect(org.maxAllowedMemberships).toBe(2);
      const second = await newUser();
      const third = await newUser();
      await clerk.organizations.createOrganizationMembership({ organizationId: org.id, userId: second.id, role: 'org:member' });
      const full = await apiError(clerk.organizations.createOrganizationMembership({ organizationId: org.id, userId: third.id, role: 'org:member' }));
      expectApiError(full, 403, 'organization_membership_quota_exceeded');
      expect((await clerk.organizations.getOrganizationMembershipList({ organizationId: org.id })).totalCount).toBe(2);

      await clerk.organizations.updateOrganization(org.id, { maxAllowedMemberships: 3 });
      expect((await clerk.organizations.createOrganizationMembership({ organizationId: org.id, userId: third.id, role: 'org:member' })).role).toBe('org:member');
      expect((await clerk.organizations.getOrganization({ organizationId: org.id, includeMembersCount: true })).membersCount).toBe(3);

      // Removing a member frees a seat.
      await clerk.organizations.deleteOrganizationMembership({ organizationId: org.id, userId: second.id });
      const fourth = await newUser();
      expect((await clerk.organizations.createOrganizationMembership({ organizationId: org.id, userId: fourth.id, role: 'org:member' })).publicUserData?.userId).toBe(fourth.id);
      expectApiError(await apiError(clerk.organizations.createOrganizationMembership({ organizationId: org.id, userId: second.id, role: 'org:member' })), 403, 'organization_membership_quota_exceeded');
    });

    it('getOrganizationMembershipList filters by userId, role, query, emailAddress; orderBy; limit and offset', async () => {
      const { org, admin } = await newOrg('Filter Members Org');
      const zed = await newUser('zed.zimmer@filter-members.test', { firstName: 'Zed', lastName: 'Zimmer', username: `zedz${dialect}` });
      await tick();
      const amy = await newUser('amy.adams@filter-members.test', { firstName: 'Amy', lastName: 'Adams' });
      await tick();
      const kim = await newUser('kim.kay@filter-members.test', { firstName: 'Kim', lastName: 'Kay' });
      await clerk.organizations.createOrganizationMembership({ organizationId: org.id, userId: zed.id, role: 'org:member' });
      await tick();
      await clerk.organizations.createOrganizationMembership({ organizationId: org.id, userId: amy.id, role: 'org:admin' });
      await tick();
      await clerk.organizations.createOrganizationMembership({ organizationId: org.id, userId: kim.id, role: 'org:member' });

      const all = await clerk.organizations.getOrganizationMembershipList({ organizationId: org.id });
      expect(all.totalCount).toBe(4);
      // Newest first.
      expect(all.data.map((m) => m.publicUserData?.userId)).toEqual([kim.id, amy.id, zed.id, admin.id]);
      expect(all.data.every((m) => m.organization.id === org.id)).toBe(true);

      const byUser = await clerk.organizations.getOrganizationMembershipList({ organizationId: org.id, userId: [amy.id, zed.id] });
      expect(byUser.data.map((m) => m.publicUserData?.userId).sort()).toEqual([amy.id, zed.id].sort());
      expect(byUser.totalCount).toBe(2);

      const admins = await clerk.organizations.getOrganizationMembershipList({ organizationId: org.id, role: ['org:admin'] });
      expect(admins.data.map((m) => m.publicUserData?.userId).sort()).toEqual([admin.id, amy.id].sort());
      expect(admins.data.every((m) => m.role === 'org:admin')).toBe(true);
      const members = await clerk.organizations.getOrganizationMembershipList({ organizationId: org.id, role: ['org:member'] });
      expect(members.data.map((m) => m.publicUserData?.userId)).toEqual([kim.id, zed.id]);
      expect(members.totalCount).toBe(2);

      // query matches identifiers and names, case-insensitively and partially.
      expect((await clerk.organizations.getOrganizationMembershipList({ organizationId: org.id, query: 'ZIMMER' })).data.map((m) => m.publicUserData?.userId)).toEqual([zed.id]);
      expect((await clerk.organizations.getOrganizationMembershipList({ organizationId: org.id, query: 'amy.adams@' })).data.map((m) => m.publicUserData?.userId)).toEqual([amy.id]);
      expect((await clerk.organizations.getOrganizationMembershipList({ organizationId: org.id, query: 'nobody-matches-this' })).totalCount).toBe(0);
      expect((await clerk.organizations.getOrganizationMembershipList({ organizationId: org.id, emailAddress: ['KIM.KAY@filter-members.test'] })).data.map((m) => m.publicUserData?.userId)).toEqual([kim.id]);
      expect((await clerk.organizations.getOrganizationMembershipList({ organizationId: org.id, nameQuery: 'amy ad' })).data.map((m) => m.publicUserData?.userId)).toEqual([amy.id]);

      const byFirstName = await clerk.organizations.getOrganizationMembershipList({ organizationId: org.id, orderBy: 'first_name', role: ['org:member'] });
      expect(byFirstName.data.map((m) => m.publicUserData?.firstName)).toEqual(['Kim', 'Zed']);
      const byEmail = await clerk.organizations.getOrganizationMembershipList({ organizationId: org.id, orderBy: '-email_address', role: ['org:member'] });
      expect(byEmail.data.map((m) => m.publicUserData?.identifier)).toEqual(['zed.zimmer@filter-members.test', 'kim.kay@filter-members.test']);

      const page = await clerk.organizations.getOrganizationMembershipList({ organizationId: org.id, limit: 2, offset: 1 });
      expect(page.data.map((m) => m.publicUserData?.userId)).toEqual([amy.id, zed.id]);
      expect(page.totalCount).toBe(4);
    });

    it('getInstanceOrganizationMembershipList lists memberships across organizations; users.getOrganizationMembershipList lists a user\'s', async () => {
      const { org: one, admin } = await newOrg('Instance List One');
      const two = await clerk.organizations.createOrganization({ name: 'Instance List Two', createdBy: admin.id });
      const other = await newUser();
      await clerk.organizations.createOrganizationMembership({ organizationId: two.id, userId: other.id, role: 'basic_member' });

      const instance = await clerk.organizations.getInstanceOrganizationMembershipList({ limit: 500 });
      expect(Array.isArray(instance)).toBe(false);
      expect(instance.data.length).toBe(instance.totalCount);
      const ours = instance.data.filter((m) => [one.id, two.id].includes(m.organization.id));
      expect(ours.map((m) => [m.organization.id, m.publicUserData?.userId, m.role])).toEqual([
        [two.id, other.id, 'org:member'],
        [two.id, admin.id, 'org:admin'],
        [one.id, admin.id, 'org:admin'],
      ]);
      const page = await clerk.organizations.getInstanceOrganizationMembershipList({ limit: 1, offset: 0 });
      expect(page.data.length).toBe(1);
      expect(page.totalCount).toBe(instance.totalCount);
      expect(page.data[0]?.id).toBe(instance.data[0]?.id);
      const oldestFirst = await clerk.organizations.getInstanceOrganizationMembershipList({ orderBy: '+created_at', limit: 500 });
      expect(oldestFirst.data.map((m) => m.id)).toEqual(instance.data.map((m) => m.id).reverse());

      const mine = await clerk.users.getOrganizationMembershipList({ userId: admin.id });
      expect(mine.totalCount).toBe(2);
      expect(mine.data.map((m) => m.organization.id)).toEqual([two.id, one.id]);
      expect(mine.data.every((m) => m.publicUserData?.userId === admin.id && m.role === 'org:admin')).toBe(true);
      expect(mine.data[0]?.organization.name).toBe('Instance List Two');
      const limited = await clerk.users.getOrganizationMembershipList({ userId: admin.id, limit: 1, offset: 1 });
      expect(limited.data.map((m) => m.organization.id)).toEqual([one.id]);
      expect(limited.totalCount).toBe(2);
      expect((await clerk.users.getOrganizationMembershipList({ userId: (await newUser()).id })).totalCount).toBe(0);
    });

    it('seed 004: "there needs to be at least one administrator": demoting the last admin → 403 organization_minimum_permissions_needed; with two admins it works', async () => {
      const { org, admin } = await newOrg('Last Admin Org');
      const other = await newUser();
      await clerk.organizations.createOrganizationMembership({ organizationId: org.id, userId: other.id, role: 'basic_member' });

      const refused = await apiError(clerk.organizations.updateOrganizationMembership({ organizationId: org.id, userId: admin.id, role: 'basic_member' }));
      expectApiError(refused, 403, 'organization_minimum_permissions_needed', 'role');
      expect((await clerk.organizations.getOrganizationMembershipList({ organizationId: org.id, userId: [admin.id] })).data[0]?.role).toBe('org:admin');

      await tick();
      const promoted = await clerk.organizations.updateOrganizationMembership({ organizationId: org.id, userId: other.id, role: 'admin' });
      expect(promoted.role).toBe('org:admin');
      expect([...promoted.permissions].sort()).toEqual(ADMIN_PERMISSIONS);
      expect(promoted.updatedAt).toBeGreaterThan(promoted.createdAt);
      expect(promoted.publicUserData?.userId).toBe(other.id);

      const demoted = await clerk.organizations.updateOrganizationMembership({ organizationId: org.id, userId: admin.id, role: 'org:member' });
      expect(demoted.role).toBe('org:member');
      expect([...demoted.permissions].sort()).toEqual(MEMBER_PERMISSIONS);

      // Now `other` is the last admin.
      expectApiError(await apiError(clerk.organizations.updateOrganizationMembership({ organizationId: org.id, userId: other.id, role: 'org:member' })), 403, 'organization_minimum_permissions_needed');
      // Same role again is fine.
      expect((await clerk.organizations.updateOrganizationMembership({ organizationId: org.id, userId: other.id, role: 'org:admin' })).role).toBe('org:admin');
      expectApiError(await apiError(clerk.organizations.updateOrganizationMembership({ organizationId: org.id, userId: (await newUser()).id, role: 'org:member' })), 404, 'resource_not_found');
      expectApiError(await apiError(clerk.organizations.updateOrganizationMembership({ organizationId: org.id, userId: admin.id, role: 'superuser' })), 422, 'form_param_value_invalid', 'role');
    });

    it('updateOrganizationMembershipMetadata deep-merges public and private metadata; null deletes', async () => {
      const { org } = await newOrg('Membership Meta Org');
      const user = await newUser();
      await clerk.organizations.createOrganizationMembership({ organizationId: org.id, userId: user.id, role: 'org:member' });
      const first = await clerk.organizations.updateOrganizationMembershipMetadata({
        organizationId: org.id,
        userId: user.id,
        publicMetadata: { team: 'red', prefs: { a: 1, b: 2 } },
        privateMetadata: { note: 'vip' },
      });
      expect(first.publicMetadata).toEqual({ team: 'red', prefs: { a: 1, b: 2 } });
      expect(first.privateMetadata).toEqual({ note: 'vip' });
      expect(first.role).toBe('org:member');
      expect(first.publicUserData?.userId).toBe(user.id);

      const second = await clerk.organizations.updateOrganizationMembershipMetadata({ organizationId: org.id, userId: user.id, publicMetadata: { prefs: { a: null, c: 3 }, team: null } });
      expect(second.publicMetadata).toEqual({ prefs: { b: 2, c: 3 } });
      expect(second.privateMetadata).toEqual({ note: 'vip' });

      const listed = await clerk.organizations.getOrganizationMembershipList({ organizationId: org.id, userId: [user.id] });
      expect(listed.data[0]?.publicMetadata).toEqual({ prefs: { b: 2, c: 3 } });
      expect(listed.data[0]?.privateMetadata).toEqual({ note: 'vip' });
      expectApiError(await apiError(clerk.organizations.updateOrganizationMembershipMetadata({ organizationId: org.id, userId: (await newUser()).id, publicMetadata: {} })), 404, 'resource_not_found');
    });

    it('deleteOrganizationMembership returns the removed membership; removing the last admin is refused', async () => {
      const { org, admin } = await newOrg('Remove Member Org');
      const member = await newUser('leaver@remove-member.test');
      await clerk.organizations.createOrganizationMembership({ organizationId: org.id, userId: member.id, role: 'org:member' });

      const removed = await clerk.organizations.deleteOrganizationMembership({ organizationId: org.id, userId: member.id });
      expect(removed.role).toBe('org:member');
      expect(removed.organization.id).toBe(org.id);
      expect(removed.publicUserData?.userId).toBe(member.id);
      expect(removed.publicUserData?.identifier).toBe('leaver@remove-member.test');
      expect((await clerk.organizations.getOrganizationMembershipList({ organizationId: org.id })).data.map((m) => m.publicUserData?.userId)).toEqual([admin.id]);
      expect((await clerk.users.getOrganizationMembershipList({ userId: member.id })).totalCount).toBe(0);
      expectApiError(await apiError(clerk.organizations.deleteOrganizationMembership({ organizationId: org.id, userId: member.id })), 404, 'resource_not_found');

      // The last admin cannot leave ...
      expectApiError(await apiError(clerk.organizations.deleteOrganizationMembership({ organizationId: org.id, userId: admin.id })), 403, 'organization_minimum_permissions_needed');
      expect((await clerk.organizations.getOrganization({ organizationId: org.id, includeMembersCount: true })).membersCount).toBe(1);
      // ... until there is another admin.
      const heir = await newUser();
      await clerk.organizations.createOrganizationMembership({ organizationId: org.id, userId: heir.id, role: 'admin' });
      const gone = await clerk.organizations.deleteOrganizationMembership({ organizationId: org.id, userId: admin.id });
      expect(gone.role).toBe('org:admin');
      const left = await clerk.organizations.getOrganizationMembershipList({ organizationId: org.id });
      expect(left.data.map((m) => [m.publicUserData?.userId, m.role])).toEqual([[heir.id, 'org:admin']]);
      expectApiError(await apiError(clerk.organizations.deleteOrganizationMembership({ organizationId: org.id, userId: heir.id })), 403, 'organization_minimum_permissions_needed');
    });
  });

  // ------------------------------------------------------------------------------------------------------
  describe('invitations', () => {
    const expectPendingInvitation = (inv: OrganizationInvitation, orgId: string, emailAddress: string) => {
      expect(inv.id).toMatch(/^orginv_[0-9A-Za-z]{27}$/);
      expect(inv.organizationId).toBe(orgId);
      expect(inv.emailAddress).toBe(emailAddress);
      expect(inv.status).toBe('pending');
      expect(inv.url?.startsWith(`${t.url}/tickets/accept?ticket=`)).toBe(true);
      expect(inv.createdAt).toEqual(expect.any(Number));
      expect(Math.abs(inv.createdAt - Date.now())).toBeLessThan(60_000);
      expect(inv.expiresAt).toBe(inv.createdAt + 30 * DAY_MS);
      expect(inv.raw?.object).toBe('organization_invitation');
      expect(inv).not.toHaveProperty('email_address');
    };

    it('createOrganizationInvitation with emailAddress, role, inviterUserId, redirectUrl and metadata: the e-mail arrives; its link answers 303 with __clerk_ticket and __clerk_status=sign_up', async () => {
      const inviter = await newUser('ines@invite-org.test', { firstName: 'Ines', lastName: 'Inviter' });
      const org = await clerk.organizations.createOrganization({ name: 'Invite Org', createdBy: inviter.id });
      const redirectUrl = 'https://app.example.com/join?from=org';
      const inv = await clerk.organizations.createOrganizationInvitation({
        organizationId: org.id,
        emailAddress: 'New.Person@Invite-Org.test',
        role: 'basic_member',
        inviterUserId: inviter.id,
        redirectUrl,
        publicMetadata: { seat: 'design', nested: { camelKey: 1 } },
        privateMetadata: { source: 'crm' },
      });
      expectPendingInvitation(inv, org.id, 'New.Person@Invite-Org.test');
      expect(inv.role).toBe('org:member');
      expect(inv.roleName).toBe('Member');
      expect(inv.publicMetadata).toEqual({ seat: 'design', nested: { camelKey: 1 } });
      expect(inv.privateMetadata).toEqual({ source: 'crm' });
      expect(inv.publicOrganizationData).toMatchObject({ id: org.id, name: 'Invite Org', slug: org.slug, has_image: false });
      expect(inv.raw).toMatchObject({ inviter_id: inviter.id, public_inviter_data: { user_id: inviter.id, first_name: 'Ines', identifier: 'ines@invite-org.test' } });

      const mail = await mailTo('new.person@invite-org.test');
      expect(mail.subject).toBe('Ines Inviter invited you to Invite Org');
      const link = acceptLink(mail);
      expect(link).toBe(inv.url);
      expect(mail.text).toContain(link);

      const res = await openLink(link);
      expect(res.status).toBe(303);
      const location = new URL(res.headers.get('location') ?? '');
      expect(`${location.origin}${location.pathname}`).toBe('https://app.example.com/join');
      expect(location.searchParams.get('from')).toBe('org');
      expect(location.searchParams.get('__clerk_ticket')).toBe(new URL(link).searchParams.get('ticket'));
      expect(location.searchParams.get('__clerk_status')).toBe('sign_up');

      // The org admin role too; an expiry; an unknown role and a malformed address are refused.
      const adminInv = await clerk.organizations.createOrganizationInvitation({ organizationId: org.id, emailAddress: 'boss@invite-org.test', role: 'admin', expiresInDays: 2 });
      expect([adminInv.role, adminInv.roleName]).toEqual(['org:admin', 'Admin']);
      expect(adminInv.expiresAt).toBe(adminInv.createdAt + 2 * DAY_MS);
      expect((await mailTo('boss@invite-org.test')).subject).toContain('Invite Org');
      expectApiError(await apiError(clerk.organizations.createOrganizationInvitation({ organizationId: org.id, emailAddress: 'x@invite-org.test', role: 'owner' })), 422, 'form_param_value_invalid', 'role');
      expectApiError(await apiError(clerk.organizations.createOrganizationInvitation({ organizationId: org.id, emailAddress: 'not-an-email', role: 'org:member' })), 422, 'form_param_format_invalid', 'email_address');
      expectApiError(await apiError(clerk.organizations.createOrganizationInvitation({ organizationId: 'org_doesnotexist', emailAddress: 'x@invite-org.test', role: 'org:member' })), 404, 'resource_not_found');
    });

    it('the invitation link of an address that belongs to an existing user answers __clerk_status=sign_in (and goes to the sign-up URL without redirectUrl)', async () => {
      const { org } = await newOrg('Existing User Invite Org');
      await newUser('already@existing-invite.test');
      const inv = await clerk.organizations.createOrganizationInvitation({ organizationId: org.id, emailAddress: 'Already@Existing-Invite.test', role: 'org:member' });
      const link = acceptLink(await mailTo('already@existing-invite.test'));
      expect(link).toBe(inv.url);
      const res = await openLink(link);
      expect(res.status).toBe(303);
      const location = new URL(res.headers.get('location') ?? '');
      expect(`${location.origin}${location.pathname}`).toBe(signUpUrl);
      expect(location.searchParams.get('__clerk_ticket')).toBe(new URL(link).searchParams.get('ticket'));
      expect(location.searchParams.get('__clerk_status')).toBe('sign_in');
    });

    it('createOrganizationInvitation refuses a second pending invitation for the address (422 duplicate_record) and a current member (400)', async () => {
      const { org, admin } = await newOrg('Dup Invite Org');
      await clerk.organizations.createOrganizationInvitation({ organizationId: org.id, emailAddress: 'twice@dup-invite.test', role: 'org:member' });
      expectApiError(await apiError(clerk.organizations.createOrganizationInvitation({ organizationId: org.id, emailAddress: 'TWICE@dup-invite.test', role: 'org:member' })), 422, 'duplicate_record', 'email_address');
      const adminEmail = admin.primaryEmailAddress?.emailAddress ?? '';
      expectApiError(await apiError(clerk.organizations.createOrganizationInvitation({ organizationId: org.id, emailAddress: adminEmail, role: 'org:member' })), 400, 'already_a_member_in_organization', 'email_address');
      // Another organization may invite the same address.
      const other = await newOrg('Dup Invite Org 2');
      expect((await clerk.organizations.createOrganizationInvitation({ organizationId: other.org.id, emailAddress: 'twice@dup-invite.test', role: 'org:member' })).status).toBe('pending');
    });

    it('createOrganizationInvitationBulk returns {data, totalCount}; each invitation e-mail is sent; all or nothing', async () => {
      const { org, admin } = await newOrg('Bulk Invite Org');
      const result = await clerk.organizations.createOrganizationInvitationBulk(org.id, [
        { emailAddress: 'bulk-1@bulk-org.test', role: 'org:member', publicMetadata: { n: 1 } },
        { emailAddress: 'bulk-2@bulk-org.test', role: 'admin', inviterUserId: admin.id, redirectUrl: 'https://app.example.com/bulk' },
      ]);
      expect(Array.isArray(result)).toBe(false);
      expect(result.totalCount).toBe(2);
      const [one, two] = result.data as [OrganizationInvitation, OrganizationInvitation];
      expectPendingInvitation(one, org.id, 'bulk-1@bulk-org.test');
      expectPendingInvitation(two, org.id, 'bulk-2@bulk-org.test');
      expect([one.role, two.role]).toEqual(['org:member', 'org:admin']);
      expect(one.publicMetadata).toEqual({ n: 1 });

      expect(acceptLink(await mailTo('bulk-1@bulk-org.test'))).toBe(one.url);
      const link2 = acceptLink(await mailTo('bulk-2@bulk-org.test'));
      expect(link2).toBe(two.url);
      const res = await openLink(link2);
      expect(res.status).toBe(303);
      expect(res.headers.get('location')).toMatch(/^https:\/\/app\.example\.com\/bulk\?__clerk_ticket=/);

      // A bad item fails the whole batch.
      const err = await apiError(
        clerk.organizations.createOrganizationInvitationBulk(org.id, [
          { emailAddress: 'fresh@bulk-org.test', role: 'org:member' },
          { emailAddress: 'bulk-1@bulk-org.test', role: 'org:member' },
        ]),
      );
      expectApiError(err, 422, 'duplicate_record', 'email_address');
      const listed = await clerk.organizations.getOrganizationInvitationList({ organizationId: org.id });
      expect(listed.data.map((i) => i.emailAddress).sort()).toEqual(['bulk-1@bulk-org.test', 'bulk-2@bulk-org.test']);
    });

    it('getOrganizationInvitation and getOrganizationInvitationList (status filter, limit, offset)', async () => {
      const { org } = await newOrg('List Invite Org');
      const a = await clerk.organizations.createOrganizationInvitation({ organizationId: org.id, emailAddress: 'a@list-invite.test', role: 'org:member' });
      await tick();
      const b = await clerk.organizations.createOrganizationInvitation({ organizationId: org.id, emailAddress: 'b@list-invite.test', role: 'org:admin' });
      await tick();
      const c = await clerk.organizations.createOrganizationInvitation({ organizationId: org.id, emailAddress: 'c@list-invite.test', role: 'org:member' });
      await clerk.organizations.revokeOrganizationInvitation({ organizationId: org.id, invitationId: b.id });

      const got = await clerk.organizations.getOrganizationInvitation({ organizationId: org.id, invitationId: a.id });
      expect([got.id, got.emailAddress, got.status, got.role, got.url]).toEqual([a.id, 'a@list-invite.test', 'pending', 'org:member', a.url]);
      expectApiError(await apiError(clerk.organizations.getOrganizationInvitation({ organizationId: org.id, invitationId: 'orginv_doesnotexist' })), 404, 'resource_not_found');
      // The invitation belongs to its organization only.
      const other = await newOrg('List Invite Other Org');
      expectApiError(await apiError(clerk.organizations.getOrganizationInvitation({ organizationId: other.org.id, invitationId: a.id })), 404, 'resource_not_found');

      const all = await clerk.organizations.getOrganizationInvitationList({ organizationId: org.id });
      expect(all.totalCount).toBe(3);
      expect(all.data.map((i) => i.id)).toEqual([c.id, b.id, a.id]);
      const pending = await clerk.organizations.getOrganizationInvitationList({ organizationId: org.id, status: ['pending'] });
      expect(pending.data.map((i) => i.id)).toEqual([c.id, a.id]);
      expect(pending.totalCount).toBe(2);
      const revoked = await clerk.organizations.getOrganizationInvitationList({ organizationId: org.id, status: ['revoked'] });
      expect(revoked.data.map((i) => [i.id, i.status, i.url])).toEqual([[b.id, 'revoked', null]]);
      const both = await clerk.organizations.getOrganizationInvitationList({ organizationId: org.id, status: ['revoked', 'pending'] });
      expect(both.totalCount).toBe(3);
      expect((await clerk.organizations.getOrganizationInvitationList({ organizationId: org.id, status: ['accepted'] })).totalCount).toBe(0);
      const page = await clerk.organizations.getOrganizationInvitationList({ organizationId: org.id, limit: 1, offset: 1 });
      expect(page.data.map((i) => i.id)).toEqual([b.id]);
      expect(page.totalCount).toBe(3);
    });

    it('seed 004: revokeOrganizationInvitation returns it revoked; its e-mail link then answers 410; revoking again → 400', async () => {
      const { org, admin } = await newOrg('Revoke Invite Org');
      const inv = await clerk.organizations.createOrganizationInvitation({ organizationId: org.id, emailAddress: 'revoke-me@revoke-org.test', role: 'org:member' });
      const link = acceptLink(await mailTo('revoke-me@revoke-org.test'));
      expect((await openLink(link)).status).toBe(303);
      await tick();

      const revoked = await clerk.organizations.revokeOrganizationInvitation({ organizationId: org.id, invitationId: inv.id, requestingUserId: admin.id });
      expect(revoked.id).toBe(inv.id);
      expect(revoked.status).toBe('revoked');
      expect(revoked.url).toBeNull();
      expect(revoked.emailAddress).toBe('revoke-me@revoke-org.test');
      expect(revoked.updatedAt).toBeGreaterThan(inv.updatedAt);

      const after = await openLink(link);
      expect(after.status).toBe(410);
      expect(after.headers.get('location')).toBeNull();
      expect(await after.text()).toContain('revoked');

      expectApiError(await apiError(clerk.organizations.revokeOrganizationInvitation({ organizationId: org.id, invitationId: inv.id })), 400, 'invitation_not_pending');
      expectApiError(await apiError(clerk.organizations.revokeOrganizationInvitation({ organizationId: org.id, invitationId: 'orginv_doesnotexist' })), 404, 'resource_not_found');
      // Revoked, the address can be invited again.
      expect((await clerk.organizations.createOrganizationInvitation({ organizationId: org.id, emailAddress: 'revoke-me@revoke-org.test', role: 'org:member' })).status).toBe('pending');
    });

    it('users.getOrganizationInvitationList lists the invitations to any of a user\'s addresses, with a status filter', async () => {
      const user = await newUser('multi@user-invites.test');
      await clerk.emailAddresses.createEmailAddress({ userId: user.id, emailAddress: 'second@user-invites.test', verified: true });
      const { org: o1 } = await newOrg('User Invites One');
      const { org: o2 } = await newOrg('User Invites Two');
      const i1 = await clerk.organizations.createOrganizationInvitation({ organizationId: o1.id, emailAddress: 'multi@user-invites.test', role: 'org:member' });
      await tick();
      const i2 = await clerk.organizations.createOrganizationInvitation({ organizationId: o2.id, emailAddress: 'second@user-invites.test', role: 'org:admin' });
      await clerk.organizations.revokeOrganizationInvitation({ organizationId: o1.id, invitationId: i1.id });

      const all = await clerk.users.getOrganizationInvitationList({ userId: user.id });
      expect(Array.isArray(all)).toBe(false);
      expect(all.totalCount).toBe(2);
      expect(all.data.map((i) => [i.id, i.organizationId, i.status])).toEqual([
        [i2.id, o2.id, 'pending'],
        [i1.id, o1.id, 'revoked'],
      ]);
      const pending = await clerk.users.getOrganizationInvitationList({ userId: user.id, status: 'pending' });
      expect(pending.data.map((i) => i.id)).toEqual([i2.id]);
      expect(pending.totalCount).toBe(1);
      expect(pending.data[0]?.publicOrganizationData).toMatchObject({ id: o2.id, name: 'User Invites Two' });
      expect((await clerk.users.getOrganizationInvitationList({ userId: user.id, status: 'revoked' })).data.map((i) => i.id)).toEqual([i1.id]);
      expect((await clerk.users.getOrganizationInvitationList({ userId: (await newUser()).id })).totalCount).toBe(0);
      expectApiError(await apiError(clerk.users.getOrganizationInvitationList({ userId: 'user_doesnotexist' })), 404, 'resource_not_found');
    });

    it('acceptInvitation (service): the user becomes a member with the invited role; a second accept fails; the link then answers 410', async () => {
      const { org } = await newOrg('Accept Org');
      const invitee = await newUser('joiner@accept-org.test', { firstName: 'Jo', lastName: 'Iner' });
      const inv = await clerk.organizations.createOrganizationInvitation({ organizationId: org.id, emailAddress: 'joiner@accept-org.test', role: 'admin', publicMetadata: { via: 'invite' } });
      const link = acceptLink(await mailTo('joiner@accept-org.test'));

      // Somebody who does not own the address cannot accept it.
      const stranger = await newUser();
      const notYours = await serviceError(t.server.services.organizations.acceptInvitation({ invitationId: inv.id }, stranger.id));
      expect(notYours.status).toBe(403);
      expect(notYours.details[0]?.code).toBe('not_allowed_access');

      const row = await t.server.services.organizations.acceptInvitation({ invitationId: inv.id }, invitee.id);
      expect(row.user_id).toBe(invitee.id);
      expect(row.organization_id).toBe(org.id);

      const members = await clerk.organizations.getOrganizationMembershipList({ organizationId: org.id, userId: [invitee.id] });
      expect(members.totalCount).toBe(1);
      const m = members.data[0] as OrganizationMembership;
      expect(m.role).toBe('org:admin');
      expect([...m.permissions].sort()).toEqual(ADMIN_PERMISSIONS);
      expect(m.publicMetadata).toEqual({ via: 'invite' });
      expect(m.publicUserData?.identifier).toBe('joiner@accept-org.test');
      expect((await clerk.users.getOrganizationMembershipList({ userId: invitee.id })).data.map((x) => x.organization.id)).toEqual([org.id]);

      const accepted = await clerk.organizations.getOrganizationInvitation({ organizationId: org.id, invitationId: inv.id });
      expect(accepted.status).toBe('accepted');
      expect(accepted.url).toBeNull();
      expect((await clerk.organizations.getOrganizationInvitationList({ organizationId: org.id, status: ['accepted'] })).data.map((i) => i.id)).toEqual([inv.id]);
      expect((await clerk.users.getOrganizationInvitationList({ userId: invitee.id, status: 'accepted' })).data.map((i) => i.id)).toEqual([inv.id]);

      const again = await serviceError(t.server.services.organizations.acceptInvitation({ invitationId: inv.id }, invitee.id));
      expect(again.status).toBe(400);
      expect(again.details[0]?.code).toBe('invitation_not_pending');
      expect((await clerk.organizations.getOrganization({ organizationId: org.id, includeMembersCount: true })).membersCount).toBe(2);

      const used = await openLink(link);
      expect(used.status).toBe(410);
      expect(await used.text()).toContain('used already');

      // A revoked invitation cannot be accepted either; the ticket form works the same way.
      const inv2 = await clerk.organizations.createOrganizationInvitation({ organizationId: org.id, emailAddress: 'late@accept-org.test', role: 'org:member' });
      const ticket = new URL(acceptLink(await mailTo('late@accept-org.test'))).searchParams.get('ticket') ?? '';
      const late = await newUser('late@accept-org.test');
      await clerk.organizations.revokeOrganizationInvitation({ organizationId: org.id, invitationId: inv2.id });
      expect((await serviceError(t.server.services.organizations.acceptInvitation({ ticket }, late.id))).details[0]?.code).toBe('invitation_not_pending');
      expect((await clerk.users.getOrganizationMembershipList({ userId: late.id })).totalCount).toBe(0);
    });

    it('acceptInvitation respects maxAllowedMemberships (403 organization_membership_quota_exceeded) and leaves the invitation pending', async () => {
      const { org } = await newOrg('Full Accept Org', { maxAllowedMemberships: 1 });
      const inv = await clerk.organizations.createOrganizationInvitation({ organizationId: org.id, emailAddress: 'nope@full-accept.test', role: 'org:member' });
      const user = await newUser('nope@full-accept.test');
      const err = await serviceError(t.server.services.organizations.acceptInvitation({ invitationId: inv.id }, user.id));
      expect(err.status).toBe(403);
      expect(err.details[0]?.code).toBe('organization_membership_quota_exceeded');
      expect((await clerk.organizations.getOrganizationInvitation({ organizationId: org.id, invitationId: inv.id })).status).toBe('pending');
    });
  });

  // ------------------------------------------------------------------------------------------------------
  describe('domains', () => {
    it('createOrganizationDomain refuses a public e-mail provider (422 organization_domain_common), a duplicate (422), a non-domain and an unknown organization', async () => {
      const { org } = await newOrg('Domain Rules Org');
      for (const name of ['gmail.com', 'Outlook.com']) {
        expectApiError(await apiError(clerk.organizations.createOrganizationDomain({ organizationId: org.id, name, enrollmentMode: 'automatic_invitation' })), 422, 'organization_domain_common', 'name');
      }
      await clerk.organizations.createOrganizationDomain({ organizationId: org.id, name: 'taken-domain.test', enrollmentMode: 'manual_invitation' });
      const dup = await apiError(clerk.organizations.createOrganizationDomain({ organizationId: org.id, name: 'TAKEN-DOMAIN.test', enrollmentMode: 'automatic_invitation' }));
      expectApiError(dup, 422, 'organization_domain_exists_for_instance', 'name');
      const other = await newOrg('Domain Rules Other Org');
      expectApiError(await apiError(clerk.organizations.createOrganizationDomain({ organizationId: other.org.id, name: 'taken-domain.test', enrollmentMode: 'manual_invitation' })), 422, 'organization_domain_exists_for_instance', 'name');
      expectApiError(await apiError(clerk.organizations.createOrganizationDomain({ organizationId: org.id, name: 'not a domain', enrollmentMode: 'manual_invitation' })), 422, 'form_param_format_invalid', 'name');
      expectApiError(await apiError(clerk.organizations.createOrganizationDomain({ organizationId: 'org_doesnotexist', name: 'nowhere.test', enrollmentMode: 'manual_invitation' })), 404, 'resource_not_found');
      expect(rawDomains(await clerk.organizations.getOrganizationDomainList({ organizationId: org.id })).data.map((d) => d.name)).toEqual(['taken-domain.test']);
    });

    it('getOrganizationDomainList answers {data, totalCount} of raw domains, newest first; limit and offset', async () => {
      const { org } = await newOrg('Domain List Org');
      const made: RawDomain[] = [];
      for (const name of ['one.domain-list.test', 'two.domain-list.test', 'three.domain-list.test']) {
        made.push(rawDomain(await clerk.organizations.createOrganizationDomain({ organizationId: org.id, name, enrollmentMode: 'manual_invitation' })));
        await tick();
      }
      const list = rawDomains(await clerk.organizations.getOrganizationDomainList({ organizationId: org.id }));
      expect(list.totalCount).toBe(3);
      expect(list.data.map((d) => d.id)).toEqual(made.map((d) => d.id).reverse());
      expect(list.data.every((d) => d.object === 'organization_domain' && d.organization_id === org.id)).toBe(true);
      const page = rawDomains(await clerk.organizations.getOrganizationDomainList({ organizationId: org.id, limit: 1, offset: 1 }));
      expect(page.data.map((d) => d.name)).toEqual(['two.domain-list.test']);
      expect(page.totalCount).toBe(3);
      const other = await newOrg('Domain List Empty Org');
      expect(rawDomains(await clerk.organizations.getOrganizationDomainList({ organizationId: other.org.id }))).toEqual({ data: [], totalCount: 0 });
      expectApiError(await apiError(clerk.organizations.getOrganizationDomainList({ organizationId: 'org_doesnotexist' })), 404, 'resource_not_found');
    });

    it('updateOrganizationDomain changes the enrollment mode and the verification; deleteOrganizationDomain answers a DeletedObject', async () => {
      const { org } = await newOrg('Domain Update Org');
      const d = rawDomain(await clerk.organizations.createOrganizationDomain({ organizationId: org.id, name: 'update-me.test', enrollmentMode: 'manual_invitation' }));
      expect(d.verification?.status).toBe('verified');
      await tick();
      const unverified = rawDomain(await clerk.organizations.updateOrganizationDomain({ organizationId: org.id, domainId: d.id, verified: false }));
      expect([unverified.id, unverified.name, unverified.enrollment_mode, unverified.verification]).toEqual([d.id, 'update-me.test', 'manual_invitation', null]);
      expect(unverified.updated_at).toBeGreaterThan(d.updated_at);
      // Unverified, a change of enrollment mode enrolls nobody yet (that is covered on a fresh server below).
      const suggested = rawDomain(await clerk.organizations.updateOrganizationDomain({ organizationId: org.id, domainId: d.id, enrollmentMode: 'automatic_suggestion' }));
      expect([suggested.enrollment_mode, suggested.verification]).toEqual(['automatic_suggestion', null]);
      const reverified = rawDomain(await clerk.organizations.updateOrganizationDomain({ organizationId: org.id, domainId: d.id, verified: true, enrollmentMode: 'manual_invitation' }));
      expect(reverified.verification?.status).toBe('verified');
      expect(reverified.enrollment_mode).toBe('manual_invitation');
      expect(rawDomains(await clerk.organizations.getOrganizationDomainList({ organizationId: org.id })).data[0]).toMatchObject({ id: d.id, enrollment_mode: 'manual_invitation' });

      const other = await newOrg('Domain Update Other Org');
      expectApiError(await apiError(clerk.organizations.updateOrganizationDomain({ organizationId: other.org.id, domainId: d.id, verified: true })), 404, 'resource_not_found');

      const deleted = (await clerk.organizations.deleteOrganizationDomain({ organizationId: org.id, domainId: d.id })) as unknown as Deleted;
      expect(deleted).toEqual(expect.objectContaining({ object: 'organization_domain', id: d.id, deleted: true }));
      expect(rawDomains(await clerk.organizations.getOrganizationDomainList({ organizationId: org.id })).totalCount).toBe(0);
      expectApiError(await apiError(clerk.organizations.deleteOrganizationDomain({ organizationId: org.id, domainId: d.id })), 404, 'resource_not_found');
      expectApiError(await apiError(clerk.organizations.updateOrganizationDomain({ organizationId: org.id, domainId: d.id, verified: true })), 404, 'resource_not_found');
    });

  });

  // ------------------------------------------------------------------------------------------------------
  describe('roles and permissions (raw BAPI)', () => {
    it('/v1/organization_permissions: the system permissions are listed; custom ones are created, read, updated and deleted', async () => {
      const list = await bapi<{ data: PermissionJSON[]; total_count: number }>('/organization_permissions?limit=100');
      expect(list.status).toBe(200);
      const system = list.body.data.filter((p) => p.type === 'system').map((p) => p.key).sort();
      expect(system).toEqual(ADMIN_PERMISSIONS);

      const created = await bapi<PermissionJSON>('/organization_permissions', { method: 'POST', json: { name: 'Read reports', key: `org:reports${dialect}:read`, description: 'See reports' } });
      expect(created.status).toBe(200);
      expect(created.body).toMatchObject({ object: 'permission', name: 'Read reports', key: `org:reports${dialect}:read`, description: 'See reports', type: 'user' });
      expect(created.body.id).toMatch(/^perm_/);

      const byId = await bapi<PermissionJSON>(`/organization_permissions/${created.body.id}`);
      expect(byId.body).toEqual(created.body);
      const byKey = await bapi<PermissionJSON>(`/organization_permissions/${encodeURIComponent(`org:reports${dialect}:read`)}`);
      expect(byKey.body.id).toBe(created.body.id);

      const patched = await bapi<PermissionJSON>(`/organization_permissions/${created.body.id}`, { method: 'PATCH', json: { name: 'Read all reports', description: 'Every report' } });
      expect(patched.status).toBe(200);
      expect(patched.body).toMatchObject({ id: created.body.id, name: 'Read all reports', description: 'Every report', key: `org:reports${dialect}:read` });

      const dup = await bapi<ErrorsJSON>('/organization_permissions', { method: 'POST', json: { name: 'Dup', key: `org:reports${dialect}:read` } });
      expect(dup.status).toBe(422);
      expect(dup.body.errors[0]).toMatchObject({ code: 'duplicate_record', meta: { param_name: 'key' } });
      const badKey = await bapi<ErrorsJSON>('/organization_permissions', { method: 'POST', json: { name: 'Bad', key: 'reports' } });
      expect(badKey.status).toBe(422);
      expect(badKey.body.errors[0]?.meta?.param_name).toBe('key');
      const reserved = await bapi<ErrorsJSON>('/organization_permissions', { method: 'POST', json: { name: 'Sys', key: 'org:sys_things:read' } });
      expect(reserved.status).toBe(422);
      const systemId = list.body.data.find((p) => p.type === 'system')?.id ?? '';
      expect((await bapi<ErrorsJSON>(`/organization_permissions/${systemId}`, { method: 'DELETE' })).status).toBe(422);

      const q = await bapi<{ data: PermissionJSON[]; total_count: number }>(`/organization_permissions?query=reports${dialect}`);
      expect(q.body.data.map((p) => p.id)).toEqual([created.body.id]);
      expect(q.body.total_count).toBe(1);

      const deleted = await bapi<Deleted>(`/organization_permissions/${created.body.id}`, { method: 'DELETE' });
      expect(deleted.status).toBe(200);
      expect(deleted.body).toEqual({ object: 'permission', id: created.body.id, deleted: true });
      expect((await bapi<ErrorsJSON>(`/organization_permissions/${created.body.id}`)).status).toBe(404);
    });

    it('/v1/organization_roles CRUD, assign and remove permissions: a membership\'s permissions follow its role\'s', async () => {
      const key = (s: string) => `org:${s}${dialect}`;
      const readPerm = (await bapi<PermissionJSON>('/organization_permissions', { method: 'POST', json: { name: 'Read invoices', key: `${key('invoices')}:read` } })).body;
      const payPerm = (await bapi<PermissionJSON>('/organization_permissions', { method: 'POST', json: { name: 'Pay invoices', key: `${key('invoices')}:pay` } })).body;

      const system = await bapi<{ data: RoleJSON[]; total_count: number }>('/organization_roles?limit=100');
      expect(system.status).toBe(200);
      const admin = system.body.data.find((r) => r.key === 'org:admin');
      const member = system.body.data.find((r) => r.key === 'org:member');
      expect(admin).toMatchObject({ object: 'role', name: 'Admin', is_creator_eligible: true });
      expect(permissionKeys(admin)).toEqual(ADMIN_PERMISSIONS);
      expect(member).toMatchObject({ name: 'Member', is_creator_eligible: false });
      expect(permissionKeys(member)).toEqual(MEMBER_PERMISSIONS);

      const created = await bapi<RoleJSON>('/organization_roles', { method: 'POST', json: { name: 'Billing', key: key('billing'), description: 'Handles invoices', permissions: [readPerm.key] } });
      expect(created.status).toBe(200);
      expect(created.body).toMatchObject({ object: 'role', name: 'Billing', key: key('billing'), description: 'Handles invoices', is_creator_eligible: false });
      expect(permissionKeys(created.body)).toEqual([readPerm.key]);
      const roleId = created.body.id;
      expect(roleId).toMatch(/^role_/);
      expect((await bapi<RoleJSON>(`/organization_roles/${roleId}`)).body).toEqual(created.body);
      const dup = await bapi<ErrorsJSON>('/organization_roles', { method: 'POST', json: { name: 'Billing 2', key: key('billing') } });
      expect(dup.status).toBe(422);
      expect(dup.body.errors[0]?.code).toBe('duplicate_record');
      const unknownPerm = await bapi<ErrorsJSON>('/organization_roles', { method: 'POST', json: { name: 'X', key: key('x'), permissions: ['org:nope:nope'] } });
      expect(unknownPerm.status).toBe(422);
      expect(unknownPerm.body.errors[0]?.meta?.param_name).toBe('permissions');

      // A member with the custom role, through the SDK; and an invitation for it.
      const { org } = await newOrg('Custom Role Org');
      const user = await newUser();
      const m = await clerk.organizations.createOrganizationMembership({ organizationId: org.id, userId: user.id, role: key('billing') });
      expect(m.role).toBe(key('billing'));
      expect(m.permissions).toEqual([readPerm.key]);
      expect(m.raw).toMatchObject({ role_name: 'Billing' });
      const inv = await clerk.organizations.createOrganizationInvitation({ organizationId: org.id, emailAddress: `billing-${dialect}@custom-role.test`, role: key('billing') });
      expect([inv.role, inv.roleName]).toEqual([key('billing'), 'Billing']);
      const permissionsOf = async () => (await clerk.organizations.getOrganizationMembershipList({ organizationId: org.id, userId: [user.id] })).data[0]?.permissions;

      const assigned = await bapi<RoleJSON>(`/organization_roles/${roleId}/permissions/${payPerm.id}`, { method: 'POST' });
      expect(assigned.status).toBe(200);
      expect(permissionKeys(assigned.body)).toEqual([payPerm.key, readPerm.key].sort());
      expect([...((await permissionsOf()) ?? [])].sort()).toEqual([payPerm.key, readPerm.key].sort());

      const removed = await bapi<RoleJSON>(`/organization_roles/${roleId}/permissions/${readPerm.id}`, { method: 'DELETE' });
      expect(removed.status).toBe(200);
      expect(permissionKeys(removed.body)).toEqual([payPerm.key]);
      expect(await permissionsOf()).toEqual([payPerm.key]);
      expect((await bapi<ErrorsJSON>(`/organization_roles/${roleId}/permissions/perm_doesnotexist`, { method: 'POST' })).status).toBe(404);

      // Renaming the key: the membership and the invitation keep pointing at the role.
      const renamed = await bapi<RoleJSON>(`/organization_roles/${roleId}`, { method: 'PATCH', json: { key: key('finance'), name: 'Finance', permissions: [readPerm.key, payPerm.key] } });
      expect(renamed.status).toBe(200);
      expect(renamed.body).toMatchObject({ id: roleId, key: key('finance'), name: 'Finance' });
      const after = (await clerk.organizations.getOrganizationMembershipList({ organizationId: org.id, userId: [user.id] })).data[0];
      expect(after?.role).toBe(key('finance'));
      expect([...(after?.permissions ?? [])].sort()).toEqual([payPerm.key, readPerm.key].sort());
      expect(after?.raw).toMatchObject({ role_name: 'Finance' });
      expect((await clerk.organizations.getOrganizationInvitation({ organizationId: org.id, invitationId: inv.id })).role).toBe(key('finance'));
      expect((await clerk.organizations.getOrganizationMembershipList({ organizationId: org.id, role: [key('finance')] })).data.map((x) => x.publicUserData?.userId)).toEqual([user.id]);

      // Deleting a permission takes it off the role and the membership.
      expect((await bapi<Deleted>(`/organization_permissions/${payPerm.id}`, { method: 'DELETE' })).status).toBe(200);
      expect(permissionKeys((await bapi<RoleJSON>(`/organization_roles/${roleId}`)).body)).toEqual([readPerm.key]);
      expect(await permissionsOf()).toEqual([readPerm.key]);

      const q = await bapi<{ data: RoleJSON[]; total_count: number }>(`/organization_roles?query=${encodeURIComponent(key('finance'))}`);
      expect(q.body.data.map((r) => r.id)).toEqual([roleId]);

      // A role in use cannot be deleted, nor can a system role; once unused it can.
      const inUse = await bapi<ErrorsJSON>(`/organization_roles/${roleId}`, { method: 'DELETE' });
      expect(inUse.status).toBe(422);
      expect(inUse.body.errors[0]?.code).toBe('organization_role_in_use');
      expect((await bapi<ErrorsJSON>(`/organization_roles/${member?.id ?? ''}`, { method: 'DELETE' })).status).toBe(422);
      const systemKeyChange = await bapi<ErrorsJSON>(`/organization_roles/${admin?.id ?? ''}`, { method: 'PATCH', json: { key: 'org:owner' } });
      expect(systemKeyChange.status).toBe(422);
      await clerk.organizations.updateOrganizationMembership({ organizationId: org.id, userId: user.id, role: 'org:member' });
      const deleted = await bapi<Deleted>(`/organization_roles/${roleId}`, { method: 'DELETE' });
      expect(deleted.status).toBe(200);
      expect(deleted.body).toEqual({ object: 'role', id: roleId, deleted: true });
      expect((await bapi<ErrorsJSON>(`/organization_roles/${roleId}`)).status).toBe(404);
      expectApiError(await apiError(clerk.organizations.createOrganizationMembership({ organizationId: org.id, userId: (await newUser()).id, role: key('finance') })), 422, 'form_param_value_invalid', 'role');
    });

    it('the SDK\'s organizationRoles and organizationPermissions read Latch\'s roles and permissions (Role.permissions are Permission objects)', async () => {
      const perm = await clerk.organizationPermissions.createOrganizationPermission({ name: 'SDK perm', key: `org:sdk${dialect}:use`, description: 'Made by the SDK' });
      expect([perm.name, perm.key, perm.description]).toEqual(['SDK perm', `org:sdk${dialect}:use`, 'Made by the SDK']);
      expect(perm.id).toMatch(/^perm_/);
      expect((await clerk.organizationPermissions.getOrganizationPermission(perm.id)).key).toBe(perm.key);
      const perms = await clerk.organizationPermissions.getOrganizationPermissionList({ query: `sdk${dialect}` });
      expect(perms.data.map((p) => p.id)).toEqual([perm.id]);
      expect(perms.totalCount).toBe(1);

      const role = await clerk.organizationRoles.createOrganizationRole({ name: 'SDK role', key: `org:sdkrole${dialect}`, permissions: [perm.key] });
      expect([role.name, role.key, role.isCreatorEligible]).toEqual(['SDK role', `org:sdkrole${dialect}`, false]);
      const got = await clerk.organizationRoles.getOrganizationRole(role.id);
      expect(got.id).toBe(role.id);
      const roles = await clerk.organizationRoles.getOrganizationRoleList({ query: `sdkrole${dialect}` });
      expect(roles.data.map((r) => r.id)).toEqual([role.id]);

      // The SDK's Role.fromJSON maps `permissions` through Permission.fromJSON: the wire must carry
      // Permission objects (the 2025-11-10 spec's Role.permissions is an array of Permission).
      expect(role.permissions.map((p) => p.key)).toEqual([perm.key]);
      expect(role.permissions.map((p) => p.id)).toEqual([perm.id]);
      expect(got.permissions.map((p) => p.key)).toEqual([perm.key]);

      const deletedRole = await clerk.organizationRoles.deleteOrganizationRole(role.id);
      expect(deletedRole).toEqual(expect.objectContaining({ object: 'role', id: role.id, deleted: true }));
      const deletedPerm = await clerk.organizationPermissions.deleteOrganizationPermission(perm.id);
      expect(deletedPerm).toEqual(expect.objectContaining({ object: 'permission', id: perm.id, deleted: true }));
    });
  });

  // ------------------------------------------------------------------------------------------------------
  describe('instance organization settings (raw BAPI)', () => {
    const settings = () => bapi<SettingsJSON>('/instance/organization_settings');
    const patchSettings = (json: Record<string, unknown>) => bapi<SettingsJSON & ErrorsJSON>('/instance/organization_settings', { method: 'PATCH', json });

    it('GET /v1/instance/organization_settings answers the defaults; the SDK reads the same', async () => {
      const got = await settings();
      expect(got.status).toBe(200);
      expect(got.body).toMatchObject({
        object: 'organization_settings',
        enabled: true,
        max_allowed_memberships: 0,
        admin_delete_enabled: true,
        domains_enabled: true,
        slug_disabled: false,
        domains_enrollment_modes: ['manual_invitation', 'automatic_invitation', 'automatic_suggestion'],
        creator_role: 'org:admin',
        domains_default_role: 'org:member',
      });
      const sdk = await clerk.instance.getOrganizationSettings();
      expect([sdk.enabled, sdk.maxAllowedMemberships, sdk.creatorRole, sdk.domainsDefaultRole, sdk.domainsEnabled]).toEqual([true, 0, 'org:admin', 'org:member', true]);
      expect(sdk.domainsEnrollmentModes).toEqual(['manual_invitation', 'automatic_invitation', 'automatic_suggestion']);
    });

    it('PATCH: max_allowed_memberships and admin_delete_enabled become the defaults of new organizations', async () => {
      const patched = await patchSettings({ max_allowed_memberships: 2, admin_delete_enabled: false });
      try {
        expect(patched.status).toBe(200);
        expect(patched.body).toMatchObject({ max_allowed_memberships: 2, admin_delete_enabled: false, enabled: true });
        expect((await settings()).body.max_allowed_memberships).toBe(2);
        const { org } = await newOrg('Settings Default Org');
        expect([org.maxAllowedMemberships, org.adminDeleteEnabled]).toEqual([2, false]);
        await clerk.organizations.createOrganizationMembership({ organizationId: org.id, userId: (await newUser()).id, role: 'org:member' });
        expectApiError(await apiError(clerk.organizations.createOrganizationMembership({ organizationId: org.id, userId: (await newUser()).id, role: 'org:member' })), 403, 'organization_membership_quota_exceeded');
        // An explicit value still wins.
        expect((await clerk.organizations.createOrganization({ name: 'Explicit Limit Org', maxAllowedMemberships: 9 })).maxAllowedMemberships).toBe(9);
      } finally {
        const restored = await patchSettings({ max_allowed_memberships: 0, admin_delete_enabled: true });
        expect(restored.body).toMatchObject({ max_allowed_memberships: 0, admin_delete_enabled: true });
      }
    });

    it('PATCH: enabled, domains_enabled and domains_enrollment_modes gate creation; an unknown role id is refused', async () => {
      const { org } = await newOrg('Gated Org');
      try {
        const unknown = await patchSettings({ creator_role_id: 'role_doesnotexist' });
        expect(unknown.status).toBe(422);
        expect(unknown.body.errors[0]).toMatchObject({ code: 'form_param_value_invalid', meta: { param_name: 'creator_role_id' } });

        // Enrollment modes that are not enabled are refused.
        expect((await patchSettings({ domains_enrollment_modes: ['manual_invitation'] })).body.domains_enrollment_modes).toEqual(['manual_invitation']);
        expectApiError(await apiError(clerk.organizations.createOrganizationDomain({ organizationId: org.id, name: `suggest-off-${dialect}.test`, enrollmentMode: 'automatic_suggestion' })), 422, 'form_param_value_invalid', 'enrollment_mode');
        expect(rawDomain(await clerk.organizations.createOrganizationDomain({ organizationId: org.id, name: `manual-on-${dialect}.test`, enrollmentMode: 'manual_invitation' })).enrollment_mode).toBe('manual_invitation');

        // Domains off: no domain can be added.
        expect((await patchSettings({ domains_enabled: false })).body.domains_enabled).toBe(false);
        expect((await apiError(clerk.organizations.createOrganizationDomain({ organizationId: org.id, name: `off-${dialect}.test`, enrollmentMode: 'manual_invitation' }))).status).toBe(422);

        // Organizations off: none can be created (the SDK's updateOrganizationSettings sends the same PATCH).
        const off = await clerk.instance.updateOrganizationSettings({ enabled: false });
        expect(off.enabled).toBe(false);
        expect((await apiError(clerk.organizations.createOrganization({ name: 'Disabled Org' }))).status).toBe(422);
      } finally {
        const restored = await patchSettings({ enabled: true, domains_enabled: true, domains_enrollment_modes: ['manual_invitation', 'automatic_invitation', 'automatic_suggestion'] });
        expect(restored.status).toBe(200);
        expect(restored.body).toMatchObject({ enabled: true, domains_enabled: true });
      }
      expect((await clerk.organizations.createOrganization({ name: 'Enabled Again Org' })).name).toBe('Enabled Again Org');
    });
  });
});

/**
 * Verified domains with automatic enrollment: creating or verifying such a domain, or giving a user a verified
 * address at one, enrolls users inside that request's transaction. On SQLite (one connection) any read made
 * outside the transaction meanwhile waits forever and the whole server stops answering, as it did before the
 * settings were read ahead of the transaction. So every such call has a deadline (`answered`), and each test
 * runs on a fresh server, started after the main suite's server is closed: a hang takes down one test only,
 * the instance settings one test changes reach no other, and no two PostgreSQL test schemas are alive at once.
 */
describe.each(testDialects())('official @clerk/backend: verified-domain enrollment against Latch on %s (a fresh server per test)', (dialect) => {
  beforeEach(async () => {
    t = await startTestServer(dialect);
    clerk = createClerkClient({ apiUrl: t.apiUrl, secretKey: t.secretKey, telemetry: { disabled: true } });
  });
  afterEach(async () => {
    // A hung server may never finish closing; it is left behind rather than failing the next test.
    const closing = t.close();
    void closing.catch(() => undefined);
    await Promise.race([closing, tick(5_000)]);
  });

  it('createOrganizationDomain (the seed 000 sample) answers the raw snake_case domain, verified by default', async () => {
    const { org } = await newOrg('Domain Org');
    const created = rawDomain(
      await answered(clerk.organizations.createOrganizationDomain({ organizationId: org.id, name: 'Seed-Sample.TEST', enrollmentMode: 'automatic_invitation' }), 'createOrganizationDomain (the seed 000 sample)'),
    );
    // The SDK has no OrganizationDomain deserializer: a plain object with the wire's keys.
    expect(Object.getPrototypeOf(created)).toBe(Object.prototype);
    expect(created).not.toHaveProperty('enrollmentMode');
    expect(created.id).toMatch(/^orgdmn_[0-9A-Za-z]{27}$/);
    expect(created).toMatchObject({
      object: 'organization_domain',
      organization_id: org.id,
      name: 'seed-sample.test',
      enrollment_mode: 'automatic_invitation',
      affiliation_email_address: null,
      total_pending_invitations: 0,
      total_pending_suggestions: 0,
      public_organization_data: { id: org.id, name: 'Domain Org', slug: org.slug, has_image: false },
    });
    expect(created.verification).toMatchObject({ status: 'verified', strategy: 'admin' });
    expect(created.verification?.verified_at).toEqual(expect.any(Number));
    expect(created.created_at).toEqual(expect.any(Number));

    // verified: false is honoured.
    const unverified = rawDomain(await clerk.organizations.createOrganizationDomain({ organizationId: org.id, name: 'unverified-sample.test', enrollmentMode: 'manual_invitation', verified: false }));
    expect(unverified.verification).toBeNull();
    expect(unverified.enrollment_mode).toBe('manual_invitation');
  });

  it('automatic_invitation: users with a verified e-mail at the verified domain get a pending invitation, now and when created later; accepting makes them members', async () => {
    const creator = await newUser('boss@auto-invite.test');
    const org = await clerk.organizations.createOrganization({ name: 'Auto Invite Org', createdBy: creator.id });
    const early = await newUser('early@auto-invite.test');
    const subdomain = await newUser('someone@sub.auto-invite.test');
    const elsewhere = await newUser('early@not-auto-invite.test');

    const d = rawDomain(await answered(clerk.organizations.createOrganizationDomain({ organizationId: org.id, name: 'auto-invite.test', enrollmentMode: 'automatic_invitation' }), 'createOrganizationDomain (automatic_invitation)'));
    expect(d.total_pending_invitations).toBe(1);

    const earlyInvites = await clerk.users.getOrganizationInvitationList({ userId: early.id });
    expect(earlyInvites.totalCount).toBe(1);
    const inv = earlyInvites.data[0] as OrganizationInvitation;
    expect([inv.organizationId, inv.emailAddress, inv.status, inv.role]).toEqual([org.id, 'early@auto-invite.test', 'pending', 'org:member']);
    expect((await clerk.users.getOrganizationInvitationList({ userId: early.id, status: 'pending' })).data.map((i) => i.id)).toEqual([inv.id]);
    // The member at the domain, a subdomain's address and another domain's address get nothing.
    for (const u of [creator, subdomain, elsewhere]) expect((await clerk.users.getOrganizationInvitationList({ userId: u.id })).totalCount).toBe(0);

    // A user created later with such an address is invited too; so is one who adds a verified address.
    const later = await answered(newUser('Later@Auto-Invite.test'), 'createUser at an automatic_invitation domain');
    const laterInvites = await clerk.users.getOrganizationInvitationList({ userId: later.id, status: 'pending' });
    expect(laterInvites.data.map((i) => [i.organizationId, i.role])).toEqual([[org.id, 'org:member']]);
    await answered(clerk.emailAddresses.createEmailAddress({ userId: elsewhere.id, emailAddress: 'added@auto-invite.test', verified: true }), 'createEmailAddress (verified) at an automatic_invitation domain');
    expect((await clerk.users.getOrganizationInvitationList({ userId: elsewhere.id })).data.map((i) => i.emailAddress)).toEqual(['added@auto-invite.test']);
    // An unverified address does not count.
    const unverifiedOwner = await newUser();
    await clerk.emailAddresses.createEmailAddress({ userId: unverifiedOwner.id, emailAddress: 'unverified@auto-invite.test', verified: false });
    expect((await clerk.users.getOrganizationInvitationList({ userId: unverifiedOwner.id, status: 'pending' })).totalCount).toBe(0);

    const orgInvites = await clerk.organizations.getOrganizationInvitationList({ organizationId: org.id, status: ['pending'] });
    expect(orgInvites.data.map((i) => i.emailAddress).sort()).toEqual(['added@auto-invite.test', 'early@auto-invite.test', 'later@auto-invite.test']);
    expect(rawDomains(await clerk.organizations.getOrganizationDomainList({ organizationId: org.id })).data[0]?.total_pending_invitations).toBe(3);

    await t.server.services.organizations.acceptInvitation({ invitationId: inv.id }, early.id);
    const m = (await clerk.organizations.getOrganizationMembershipList({ organizationId: org.id, userId: [early.id] })).data[0];
    expect(m?.role).toBe('org:member');
    expect((await clerk.users.getOrganizationInvitationList({ userId: early.id, status: 'accepted' })).data.map((i) => i.id)).toEqual([inv.id]);
    expect(rawDomains(await clerk.organizations.getOrganizationDomainList({ organizationId: org.id })).data[0]?.total_pending_invitations).toBe(2);
  });

  it('automatic_invitation on an unverified domain invites nobody until the domain is verified; manual_invitation never does, until switched', async () => {
    const { org } = await newOrg('Auto Invite Pending Org');
    const user = await newUser('waiting@pending-auto.test');
    const manualUser = await newUser('waiting@manual-auto.test');
    const d = rawDomain(await clerk.organizations.createOrganizationDomain({ organizationId: org.id, name: 'pending-auto.test', enrollmentMode: 'automatic_invitation', verified: false }));
    const manual = rawDomain(await clerk.organizations.createOrganizationDomain({ organizationId: org.id, name: 'manual-auto.test', enrollmentMode: 'manual_invitation' }));
    expect((await clerk.users.getOrganizationInvitationList({ userId: user.id })).totalCount).toBe(0);
    expect((await clerk.users.getOrganizationInvitationList({ userId: manualUser.id })).totalCount).toBe(0);

    await answered(clerk.organizations.updateOrganizationDomain({ organizationId: org.id, domainId: d.id, verified: true }), 'updateOrganizationDomain (verified: true)');
    expect((await clerk.users.getOrganizationInvitationList({ userId: user.id, status: 'pending' })).data.map((i) => i.organizationId)).toEqual([org.id]);

    await answered(clerk.organizations.updateOrganizationDomain({ organizationId: org.id, domainId: manual.id, enrollmentMode: 'automatic_invitation' }), 'updateOrganizationDomain (enrollmentMode: automatic_invitation)');
    expect((await clerk.users.getOrganizationInvitationList({ userId: manualUser.id, status: 'pending' })).data.map((i) => i.organizationId)).toEqual([org.id]);
  });

  it('automatic_suggestion creates no invitation (a suggestion is counted on the domain instead)', async () => {
    const { org } = await newOrg('Auto Suggest Org');
    const early = await newUser('early@auto-suggest.test');
    const d = rawDomain(await answered(clerk.organizations.createOrganizationDomain({ organizationId: org.id, name: 'auto-suggest.test', enrollmentMode: 'automatic_suggestion' }), 'createOrganizationDomain (automatic_suggestion)'));
    expect(d.enrollment_mode).toBe('automatic_suggestion');
    const later = await answered(newUser('later@auto-suggest.test'), 'createUser at an automatic_suggestion domain');
    for (const u of [early, later]) expect((await clerk.users.getOrganizationInvitationList({ userId: u.id })).totalCount).toBe(0);
    expect((await clerk.organizations.getOrganizationInvitationList({ organizationId: org.id })).totalCount).toBe(0);
    const listed = rawDomains(await clerk.organizations.getOrganizationDomainList({ organizationId: org.id })).data[0];
    expect(listed?.total_pending_invitations).toBe(0);
    expect(listed?.total_pending_suggestions).toBe(2);
  });
  it('PATCH /v1/instance/organization_settings domains_default_role_id: automatic invitations carry that role', async () => {
    const role = await bapi<RoleJSON>('/organization_roles', { method: 'POST', json: { name: 'Domain joiner', key: 'org:joiner' } });
    expect(role.status).toBe(200);
    const patched = await bapi<SettingsJSON>('/instance/organization_settings', { method: 'PATCH', json: { domains_default_role_id: role.body.id } });
    expect(patched.status).toBe(200);
    expect(patched.body.domains_default_role).toBe('org:joiner');
    const { org } = await newOrg('Default Role Org');
    const early = await newUser('early@default-role.test');
    await answered(clerk.organizations.createOrganizationDomain({ organizationId: org.id, name: 'default-role.test', enrollmentMode: 'automatic_invitation' }), 'createOrganizationDomain (automatic_invitation)');
    const later = await answered(newUser('later@default-role.test'), 'createUser at an automatic_invitation domain');
    for (const u of [early, later]) {
      const invs = await clerk.users.getOrganizationInvitationList({ userId: u.id });
      expect(invs.data.map((i) => [i.organizationId, i.role, i.roleName])).toEqual([[org.id, 'org:joiner', 'Domain joiner']]);
    }
  });
});
