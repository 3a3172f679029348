import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startTestServer, testDialects, type TestServer } from '../../test/harness.js';
import { DomainSchema } from './domains/serialize.js';
import { OrgInvitationSchema } from './invitations/serialize.js';
import { MembershipSchema } from './memberships/serialize.js';
import { OrganizationSchema } from './organizations/serialize.js';
import { slugify } from './organizations/service.js';
import { readJson } from '../../storage/schema.js';

type J = Record<string, unknown> & { id: string };
type Res = { status: number; body: J & { data?: J[]; total_count?: number; errors?: { code: string; meta?: { param_name?: string } }[] } };

describe('slugs', () => {
  it.each([
    ['Acme, Inc.', 'acme-inc'],
    ['  Ünïcödé Ørg  ', 'unicode-rg'],
    ['---', 'org'],
    ['a'.repeat(80), 'a'.repeat(48)],
  ])('%j → %s', (name, slug) => expect(slugify(name)).toBe(slug));
});

describe.each(testDialects())('organizations on %s', (dialect) => {
  let t: TestServer;
  const users: string[] = [];

  async function call(path: string, init?: Parameters<TestServer['api']>[1]): Promise<Res> {
    const res = await t.api(path, init);
    expect(res.headers.get('content-type')).toBe('application/json');
    return { status: res.status, body: (await res.json()) as Res['body'] };
  }
  const post = (path: string, json: unknown) => call(path, { method: 'POST', json });
  const patch = (path: string, json: unknown) => call(path, { method: 'PATCH', json });

  beforeAll(async () => {
    t = await startTestServer(dialect);
    for (let i = 0; i < 12; i++) {
      const r = await post('/users', { email_address: [`member${i}@corp.test`], first_name: `M${i}` });
      users.push(r.body.id);
    }
  });
  afterAll(async () => {
    await t.close();
  });

  async function org(json: Record<string, unknown> = {}): Promise<J & { slug: string }> {
    const r = await post('/organizations', { name: 'Org', created_by: users[0], ...json });
    expect(r.status, JSON.stringify(r.body)).toBe(200);
    OrganizationSchema.parse(r.body);
    return r.body as J & { slug: string };
  }

  it('creates with a generated unique slug and the creator as admin; gets by id or slug', async () => {
    const a = await org({ name: 'Acme Corp' });
    const b = await org({ name: 'Acme Corp' });
    expect(a.slug).toBe('acme-corp');
    expect(b.slug).toMatch(/^acme-corp-[0-9a-z]{4}$/);
    expect((await call(`/organizations/${a.slug}`)).body.id).toBe(a.id);
    const withCounts = await call(`/organizations/${a.id}?include_members_count=true`);
    expect(withCounts.body).toMatchObject({ members_count: 1, pending_invitations_count: 0, created_by: users[0] });
    const members = await call(`/organizations/${a.id}/memberships`);
    expect(members.body.total_count).toBe(1);
    const m = members.body.data?.[0] as J;
    MembershipSchema.parse(m);
    expect(m).toMatchObject({ role: 'org:admin', role_name: 'Admin', organization: { id: a.id }, public_user_data: { user_id: users[0], identifier: 'member0@corp.test' } });
    expect(m.permissions).toEqual(expect.arrayContaining(['org:sys_memberships:manage', 'org:sys_profile:manage']));
    const taken = await post('/organizations', { name: 'X', slug: 'acme-corp' });
    expect(taken.status).toBe(422);
    expect(taken.body.errors?.[0]).toMatchObject({ code: 'form_identifier_exists', meta: { param_name: 'slug' } });
    expect((await post('/organizations', { name: 'X', slug: 'Bad Slug' })).body.errors?.[0]?.meta?.param_name).toBe('slug');
    expect((await post('/organizations', { name: 'X', created_by: 'user_missing' })).status).toBe(404);
    expect((await call('/organizations?query=x')).body.data?.map((o) => o.name)).not.toContain('X');
  });

  it('accepts the seed roles admin and basic_member and answers in the spec form', async () => {
    const o = await org();
    const m = await post(`/organizations/${o.id}/memberships`, { user_id: users[1], role: 'basic_member' });
    expect(m.body).toMatchObject({ role: 'org:member', role_name: 'Member' });
    expect(m.body.permissions).toEqual(['org:sys_domains:read', 'org:sys_memberships:read']);
    const up = await patch(`/organizations/${o.id}/memberships/${users[1]}`, { role: 'admin' });
    expect(up.body.role).toBe('org:admin');
    expect((await post(`/organizations/${o.id}/memberships`, { user_id: users[2], role: 'owner' })).body.errors?.[0]?.meta?.param_name).toBe('role');
    const dup = await post(`/organizations/${o.id}/memberships`, { user_id: users[1], role: 'org:member' });
    expect(dup.status).toBe(400);
    expect(dup.body.errors?.[0]?.code).toBe('already_a_member_in_organization');
  });

  it('refuses to demote or remove the last admin, and allows it while another admin remains', async () => {
    const o = await org();
    await post(`/organizations/${o.id}/memberships`, { user_id: users[1], role: 'org:member' });
    const demote = await patch(`/organizations/${o.id}/memberships/${users[0]}`, { role: 'org:member' });
    expect(demote.status).toBe(403);
    expect(demote.body.errors?.[0]?.code).toBe('organization_minimum_permissions_needed');
    const remove = await call(`/organizations/${o.id}/memberships/${users[0]}`, { method: 'DELETE' });
    expect(remove.status).toBe(403);
    await patch(`/organizations/${o.id}/memberships/${users[1]}`, { role: 'org:admin' });
    expect((await patch(`/organizations/${o.id}/memberships/${users[0]}`, { role: 'org:member' })).status).toBe(200);
    const removed = await call(`/organizations/${o.id}/memberships/${users[0]}`, { method: 'DELETE' });
    expect(removed.body).toMatchObject({ object: 'organization_membership', role: 'org:member' });
    expect((await call(`/organizations/${o.id}?include_members_count=true`)).body.members_count).toBe(1);
  });

  it('concurrent demotions and removals always leave at least one admin', async () => {
    for (let round = 0; round < 3; round++) {
      const o = await org();
      const admins = users.slice(1, 6);
      for (const u of admins) await post(`/organizations/${o.id}/memberships`, { user_id: u, role: 'org:admin' });
      const everyone = [users[0] as string, ...admins];
      const results = await Promise.all(
        everyone.map((u, i) =>
          i % 2 === 0 ? patch(`/organizations/${o.id}/memberships/${u}`, { role: 'org:member' }) : call(`/organizations/${o.id}/memberships/${u}`, { method: 'DELETE' }),
        ),
      );
      const ok = results.filter((r) => r.status === 200).length;
      const refused = results.filter((r) => r.status === 403);
      expect(ok + refused.length).toBe(everyone.length);
      for (const r of refused) expect(r.body.errors?.[0]?.code).toBe('organization_minimum_permissions_needed');
      const members = (await call(`/organizations/${o.id}/memberships?limit=100`)).body.data as J[];
      const remainingAdmins = members.filter((m) => m.role === 'org:admin');
      expect(remainingAdmins).toHaveLength(1);
      const row = await t.server.services.storage.db.selectFrom('organizations').select(['members_count', 'admins_count']).where('id', '=', o.id).executeTakeFirstOrThrow();
      expect(row).toEqual({ members_count: members.length, admins_count: 1 });
    }
  });

  it('enforces max_allowed_memberships under concurrency', async () => {
    const o = await org({ max_allowed_memberships: 4 });
    const results = await Promise.all(users.slice(1, 11).map((u) => post(`/organizations/${o.id}/memberships`, { user_id: u, role: 'org:member' })));
    expect(results.filter((r) => r.status === 200)).toHaveLength(3);
    for (const r of results.filter((x) => x.status !== 200)) {
      expect(r.status).toBe(403);
      expect(r.body.errors?.[0]?.code).toBe('organization_membership_quota_exceeded');
    }
    expect((await call(`/organizations/${o.id}/memberships`)).body.total_count).toBe(4);
    const row = await t.server.services.storage.db.selectFrom('organizations').select('members_count').where('id', '=', o.id).executeTakeFirstOrThrow();
    expect(row.members_count).toBe(4);
  });

  it('merges and replaces organization and membership metadata with the 8 KB limit', async () => {
    const o = await org({ public_metadata: { a: { b: 1 } }, private_metadata: { secret: 1 } });
    const merged = await patch(`/organizations/${o.id}/metadata`, { public_metadata: { a: { c: 2 }, d: null } });
    expect(merged.body.public_metadata).toEqual({ a: { b: 1, c: 2 } });
    const replaced = await call(`/organizations/${o.id}/metadata`, { method: 'PUT', json: { private_metadata: { only: true } } });
    expect(replaced.body).toMatchObject({ private_metadata: { only: true }, public_metadata: { a: { b: 1, c: 2 } } });
    const big = await patch(`/organizations/${o.id}/metadata`, { private_metadata: { x: 'y'.repeat(9000) } });
    expect(big.status).toBe(422);
    expect(big.body.errors?.[0]?.meta?.param_name).toBe('private_metadata');
    const mm = await patch(`/organizations/${o.id}/memberships/${users[0]}/metadata`, { public_metadata: { title: 'CEO' }, private_metadata: { salary: 1 } });
    expect(mm.body).toMatchObject({ public_metadata: { title: 'CEO' }, private_metadata: { salary: 1 } });
  });

  it('lists with query, filters and ordering, always as {data,total_count}', async () => {
    const z = await org({ name: 'Zebra Works', created_by: users[3] });
    const list = await call('/organizations?query=zebra&include_members_count=true');
    expect(list.body.total_count).toBe(1);
    expect(list.body.data?.[0]).toMatchObject({ id: z.id, members_count: 1 });
    expect((await call(`/organizations?user_id=${users[3]}`)).body.data?.map((o) => o.id)).toContain(z.id);
    const byName = (await call('/organizations?order_by=name&limit=500')).body.data?.map((o) => String(o.name)) ?? [];
    expect(byName).toEqual([...byName].sort((a, b) => (a < b ? -1 : a > b ? 1 : 0)));
    expect((await call('/organizations?order_by=nope')).status).toBe(422);
    const mem = await call(`/organizations/${z.id}/memberships?query=member3&role=org:admin`);
    expect(mem.body.total_count).toBe(1);
    expect((await call(`/organizations/${z.id}/memberships?email_address=nobody@corp.test`)).body.total_count).toBe(0);
    expect((await call(`/users/${users[3]}/organization_memberships`)).body.data?.map((m) => (m.organization as J).id)).toContain(z.id);
    expect((await call('/organization_memberships?limit=1')).body.total_count).toBeGreaterThan(5);
    // The users list filters by organization membership, in and out.
    const inZebra = (await t.api(`/users?organization_id=${z.id}`).then((r) => r.json())) as J[];
    expect(inZebra.map((u) => u.id)).toEqual([users[3]]);
    const count = async (qs: string) => ((await t.api(`/users/count?${qs}`).then((r) => r.json())) as { total_count: number }).total_count;
    const all = await count('');
    expect(await count(`organization_id=-${z.id}`)).toBe(all - 1);
  });

  it('invites, lists, revokes; refuses members and duplicates', async () => {
    const o = await org({ name: 'Inviters' });
    const inv = await post(`/organizations/${o.id}/invitations`, { email_address: 'newbie@corp.test', role: 'basic_member', inviter_user_id: users[0], notify: false });
    expect(inv.status).toBe(200);
    OrgInvitationSchema.parse(inv.body);
    expect(inv.body).toMatchObject({ role: 'org:member', role_name: 'Member', status: 'pending', organization_id: o.id, inviter_id: users[0], public_organization_data: { id: o.id } });
    expect((await post(`/organizations/${o.id}/invitations`, { email_address: 'NEWBIE@corp.test', role: 'org:member' })).body.errors?.[0]?.code).toBe('duplicate_record');
    expect((await post(`/organizations/${o.id}/invitations`, { email_address: 'member0@corp.test', role: 'org:member' })).body.errors?.[0]?.code).toBe('already_a_member_in_organization');
    const bulk = await post(`/organizations/${o.id}/invitations/bulk`, [
      { email_address: 'b1@corp.test', role: 'org:member', notify: false },
      { email_address: 'b2@corp.test', role: 'org:admin', notify: false },
    ]);
    expect(bulk.body.total_count).toBe(2);
    expect((await call(`/organizations/${o.id}/invitations/pending`)).body.total_count).toBe(3);
    const revoked = await post(`/organizations/${o.id}/invitations/${inv.body.id}/revoke`, {});
    expect(revoked.body).toMatchObject({ status: 'revoked', url: null });
    expect((await call(`/organizations/${o.id}/invitations?status=revoked`)).body.total_count).toBe(1);
    expect((await call(`/organizations/${o.id}/invitations/${inv.body.id}`)).body.status).toBe('revoked');
    expect((await call('/organization_invitations?query=b2@corp')).body.total_count).toBe(1);
  });

  it('accepts an invitation once: the invitee becomes a member with the invited role', async () => {
    const o = await org({ name: 'Accepting' });
    const inv = await post(`/organizations/${o.id}/invitations`, { email_address: 'member7@corp.test', role: 'org:admin', public_metadata: { via: 'invite' }, notify: false });
    const { organizations } = t.server.services;
    const seen = await call(`/users/${users[7]}/organization_invitations?status=pending`);
    expect(seen.body.data?.map((i) => i.id)).toEqual([inv.body.id]);
    await expect(organizations.acceptInvitation({ invitationId: inv.body.id }, users[8] as string)).rejects.toMatchObject({ status: 403 });
    const results = await Promise.allSettled([1, 2, 3].map(() => organizations.acceptInvitation({ invitationId: inv.body.id }, users[7] as string)));
    expect(results.filter((r) => r.status === 'fulfilled')).toHaveLength(1);
    const m = (await call(`/organizations/${o.id}/memberships?user_id=${users[7]}`)).body.data?.[0];
    expect(m).toMatchObject({ role: 'org:admin', public_metadata: { via: 'invite' } });
    expect((await call(`/organizations/${o.id}/invitations/${inv.body.id}`)).body.status).toBe('accepted');
  });

  it('pages memberships named by user id, e-mail address or user exactly as the whole list does', async () => {
    // Few memberships (one user's, or those of users named by unique keys) are read in the page query
    // itself; every other list reads ids first. Both must agree, in every ordering and page.
    const o = await org({ name: 'Paged Members' });
    const some = [users[2], users[4], users[6], users[9]] as string[];
    for (const [i, u] of some.entries()) expect((await post(`/organizations/${o.id}/memberships`, { user_id: u, role: i % 2 ? 'org:admin' : 'org:member' })).status).toBe(200);
    const named = [users[0], users[4], users[9], users[11]] as string[];
    for (const order of ['created_at', '-created_at', 'role', '-role', 'updated_at']) {
      const whole = ((await call(`/organizations/${o.id}/memberships?limit=100&order_by=${encodeURIComponent(order)}`)).body.data ?? []) as (J & { public_user_data: { user_id: string } })[];
      const expected = whole.filter((m) => named.includes(m.public_user_data.user_id));
      expect(expected.length).toBe(3);
      for (const [limit, offset] of [[10, 0], [1, 0], [1, 1], [2, 1], [5, 3]] as const) {
        const byId = await call(`/organizations/${o.id}/memberships?${named.map((u) => `user_id=${u}`).join('&')}&limit=${limit}&offset=${offset}&order_by=${encodeURIComponent(order)}`);
        expect(byId.body.data, `${order} ${limit} ${offset}`).toEqual(expected.slice(offset, offset + limit));
        expect(byId.body.total_count).toBe(3);
      }
      const byEmail = await call(`/organizations/${o.id}/memberships?email_address=member4@corp.test&email_address=member9@corp.test&order_by=${encodeURIComponent(order)}`);
      expect(byEmail.body.data).toEqual(expected.filter((m) => [users[4], users[9]].includes(m.public_user_data.user_id)));
    }
    // By slug as by id; an unknown organization is a 404 whichever way it is named.
    expect((await call(`/organizations/${o.slug}/memberships?user_id=${users[4]}`)).body.data).toEqual((await call(`/organizations/${o.id}/memberships?user_id=${users[4]}`)).body.data);
    for (const missing of ['org_2zzzzzzzzzzzzzzzzzzzzzzzzzz', 'no-such-slug']) {
      const r = await call(`/organizations/${missing}/memberships?user_id=${users[4]}`);
      expect(r.status, missing).toBe(404);
      expect(r.body.errors?.[0]?.code).toBe('resource_not_found');
    }
    const mine = await call(`/users/${users[4]}/organization_memberships?limit=1&offset=0`);
    expect(mine.body.total_count).toBeGreaterThanOrEqual(1);
    expect(mine.body.data?.map((m) => (m.organization as J).id)).toHaveLength(1);
    const all = await call(`/users/${users[4]}/organization_memberships?limit=100`);
    expect(all.body.data?.some((m) => (m.organization as J).id === o.id)).toBe(true);
    expect(all.body.total_count).toBe(all.body.data?.length);
  });

  it('answers members named by unique keys with the same public data and role permissions as the whole list', async () => {
    // On PostgreSQL such a page reads each member's profile and role in its own statement; the whole list
    // reads them afterwards. Custom roles with and without permissions, a banned member, a member known
    // only by phone and username, one key and several, and a page past the end must all agree.
    const perm = await post('/organization_permissions', { name: 'Reports', key: 'org:reports:read', description: 'Read reports' });
    expect(perm.status).toBe(200);
    expect((await post('/organization_roles', { name: 'Analyst', key: 'org:analyst', permissions: ['org:reports:read', 'org:sys_memberships:read'] })).status).toBe(200);
    expect((await post('/organization_roles', { name: 'Guest', key: 'org:guest' })).status).toBe(200);
    const phoneOnly = await post('/users', { phone_number: ['+15550007001'], username: 'phone_only_member', first_name: 'Pho' });
    const banned = await post('/users', { email_address: ['banned.member@elsewhere.test'], last_name: 'Banned' });
    expect((await post(`/users/${banned.body.id}/ban`, {})).status).toBe(200);
    const o = await org({ name: 'Embedded Members' });
    const cast = [
      [phoneOnly.body.id, 'org:analyst'],
      [banned.body.id, 'org:guest'],
      [users[3], 'org:analyst'],
      [users[5], 'org:member'],
    ] as [string, string][];
    for (const [u, role] of cast) expect((await post(`/organizations/${o.id}/memberships`, { user_id: u, role })).status).toBe(200);
    const whole = ((await call(`/organizations/${o.id}/memberships?limit=100`)).body.data ?? []) as (J & { public_user_data: J & { user_id: string } })[];
    const of = (ids: string[]) => whole.filter((m) => ids.includes(m.public_user_data.user_id));
    expect(of([phoneOnly.body.id])[0]).toMatchObject({ role: 'org:analyst', role_name: 'Analyst', permissions: ['org:reports:read', 'org:sys_memberships:read'], public_user_data: { identifier: '+15550007001', username: 'phone_only_member', first_name: 'Pho' } });
    expect(of([banned.body.id])[0]).toMatchObject({ role: 'org:guest', role_name: 'Guest', permissions: [], public_user_data: { banned: true, last_name: 'Banned' } });
    const cases: [string, string[]][] = [
      [`user_id=${phoneOnly.body.id}`, [phoneOnly.body.id]],
      [`user_id=${banned.body.id}&user_id=${users[3]}&user_id=${users[5]}`, [banned.body.id, users[3], users[5]] as string[]],
      ['phone_number=%2B15550007001', [phoneOnly.body.id]],
      ['username=phone_only_member&username=nobody_here', [phoneOnly.body.id]],
      ['email_address=banned.member@elsewhere.test', [banned.body.id]],
      [`email_address=member3@corp.test&email_address=banned.member@elsewhere.test`, [users[3], banned.body.id] as string[]],
    ];
    for (const [filter, ids] of cases) {
      const r = await call(`/organizations/${o.id}/memberships?${filter}`);
      expect(r.body.data, filter).toEqual(of(ids));
      expect(r.body.total_count, filter).toBe(ids.length);
      const past = await call(`/organizations/${o.id}/memberships?${filter}&offset=${ids.length + 2}`);
      expect(past.body.data, filter).toEqual([]);
      expect(past.body.total_count, filter).toBe(ids.length);
    }
    // A role renamed is answered by its new name at once (nothing about roles is kept between requests).
    const analyst = ((await call('/organization_roles?query=analyst')).body.data ?? [])[0] as J;
    expect((await patch(`/organization_roles/${analyst.id as string}`, { name: 'Data Analyst' })).status).toBe(200);
    expect((await call(`/organizations/${o.id}/memberships?user_id=${users[3]}`)).body.data?.[0]).toMatchObject({ role_name: 'Data Analyst' });
  });

  it('manages domains: public providers refused, automatic invitation and suggestion enrol users now and later', async () => {
    const o = await org({ name: 'Domain Owners' });
    expect((await post(`/organizations/${o.id}/domains`, { name: 'gmail.com' })).body.errors?.[0]).toMatchObject({ code: 'organization_domain_common', meta: { param_name: 'name' } });
    expect((await post(`/organizations/${o.id}/domains`, { name: 'not a domain' })).status).toBe(422);
    const d = await post(`/organizations/${o.id}/domains`, { name: 'Corp.test', enrollment_mode: 'automatic_invitation' });
    expect(d.status).toBe(200);
    DomainSchema.parse(d.body);
    expect(d.body).toMatchObject({ name: 'corp.test', enrollment_mode: 'automatic_invitation', verification: { status: 'verified' } });
    // Every existing user at corp.test except the creator (a member already) is invited.
    const pending = await call(`/organizations/${o.id}/invitations/pending?limit=100`);
    expect(pending.body.total_count).toBe(users.length - 1);
    expect((await call(`/organizations/${o.id}/domains`)).body.data?.[0]).toMatchObject({ total_pending_invitations: users.length - 1 });
    // A user who joins later with an address there is invited too.
    const later = await post('/users', { email_address: ['later@corp.test'] });
    expect((await call(`/users/${later.body.id}/organization_invitations`)).body.total_count).toBe(1);
    expect((await post('/organizations/' + o.id + '/domains', { name: 'corp.test' })).body.errors?.[0]?.code).toBe('organization_domain_exists_for_instance');

    const s = await org({ name: 'Suggesters', created_by: null });
    const sd = await post(`/organizations/${s.id}/domains`, { name: 'suggest.test', enrollment_mode: 'automatic_suggestion', verified: false });
    expect(sd.body.verification).toBeNull();
    const su = await post('/users', { email_address: ['someone@suggest.test'] });
    expect(await t.server.services.organizations.suggestionsOf(su.body.id)).toEqual([]);
    const verified = await patch(`/organizations/${s.id}/domains/${sd.body.id}`, { verified: true });
    expect(verified.body).toMatchObject({ total_pending_suggestions: 1, total_pending_invitations: 0 });
    expect((await t.server.services.organizations.suggestionsOf(su.body.id)).map((x) => x.organization_id)).toEqual([s.id]);
    expect((await call(`/organization_domains?organization_id=${s.id}`)).body.total_count).toBe(1);
    expect((await call(`/organizations/${s.id}/domains/${sd.body.id}`, { method: 'DELETE' })).body).toEqual({ object: 'organization_domain', id: sd.body.id, deleted: true });
  });

  it('verifies domain ownership with an e-mailed code (prepare / attempt)', async () => {
    const o = await org({ name: 'Code Verifiers' });
    const d = await post(`/organizations/${o.id}/domains`, { name: 'codes.test', verified: false });
    expect((await post(`/organizations/${o.id}/domains/${d.body.id}/prepare_affiliation_verification`, { affiliation_email_address: 'it@elsewhere.test' })).status).toBe(422);
    const prepared = await post(`/organizations/${o.id}/domains/${d.body.id}/prepare_affiliation_verification`, { affiliation_email_address: 'IT@codes.test' });
    expect(prepared.body).toMatchObject({ affiliation_email_address: 'it@codes.test', verification: { status: 'unverified', strategy: 'email_code', attempts: 0 } });
    const msg = await t.server.services.storage.db.selectFrom('messages').selectAll().where('to_address', '=', 'it@codes.test').executeTakeFirstOrThrow();
    const code = readJson<{ otp_code: string }>(msg.data).otp_code;
    expect(code).toMatch(/^\d{6}$/);
    const wrong = await post(`/organizations/${o.id}/domains/${d.body.id}/attempt_affiliation_verification`, { code: code === '000000' ? '111111' : '000000' });
    expect(wrong.body.errors?.[0]?.code).toBe('form_code_incorrect');
    const ok = await post(`/organizations/${o.id}/domains/${d.body.id}/attempt_affiliation_verification`, { code });
    expect(ok.body).toMatchObject({ verification: { status: 'verified', strategy: 'email_code' } });
    // Five wrong codes exhaust a fresh code.
    const d2 = await post(`/organizations/${o.id}/domains`, { name: 'codes2.test', verified: false });
    await post(`/organizations/${o.id}/domains/${d2.body.id}/prepare_affiliation_verification`, { affiliation_email_address: 'a@codes2.test' });
    for (let i = 0; i < 5; i++) await post(`/organizations/${o.id}/domains/${d2.body.id}/attempt_affiliation_verification`, { code: 'x' });
    expect((await post(`/organizations/${o.id}/domains/${d2.body.id}/attempt_affiliation_verification`, { code: 'x' })).body.errors?.[0]?.code).toBe('verification_failed');
  });

  it('deleting a user removes memberships and promotes a remaining member when the last admin goes', async () => {
    const victim = await post('/users', { email_address: ['victim@corp.test'] });
    const o = await org({ name: 'Heirs', created_by: victim.body.id });
    await post(`/organizations/${o.id}/memberships`, { user_id: users[9], role: 'org:member' });
    await post(`/organizations/${o.id}/memberships`, { user_id: users[10], role: 'org:member' });
    expect((await call(`/users/${victim.body.id}`, { method: 'DELETE' })).status).toBe(200);
    const members = (await call(`/organizations/${o.id}/memberships?order_by=created_at`)).body.data as J[];
    expect(members.map((m) => [(m.public_user_data as J).user_id, m.role])).toEqual([
      [users[9], 'org:admin'],
      [users[10], 'org:member'],
    ]);
    const row = await t.server.services.storage.db.selectFrom('organizations').select(['members_count', 'admins_count']).where('id', '=', o.id).executeTakeFirstOrThrow();
    expect(row).toEqual({ members_count: 2, admins_count: 1 });
  });

  it('deleting an organization removes its memberships, invitations and domains', async () => {
    const o = await org({ name: 'Doomed' });
    await post(`/organizations/${o.id}/invitations`, { email_address: 'x@doomed.test', role: 'org:member', notify: false });
    await post(`/organizations/${o.id}/domains`, { name: 'doomed.test' });
    expect((await call(`/organizations/${o.id}`, { method: 'DELETE' })).body).toEqual({ object: 'organization', id: o.id, deleted: true });
    const db = t.server.services.storage.db;
    for (const table of ['organization_memberships', 'organization_invitations', 'organization_domains'] as const) {
      expect(await db.selectFrom(table).select('id').where('organization_id', '=', o.id).execute()).toEqual([]);
    }
    expect((await call(`/organizations/${o.id}`)).status).toBe(404);
  });

  it('manages custom roles and permissions; memberships derive permissions from the role', async () => {
    const perm = await post('/organization_permissions', { name: 'Read invoices', key: 'org:invoices:read', description: 'See invoices' });
    expect(perm.body).toMatchObject({ object: 'permission', type: 'user', key: 'org:invoices:read' });
    expect((await post('/organization_permissions', { name: 'x', key: 'org:sys_x:y' })).status).toBe(422);
    const role = await post('/organization_roles', { name: 'Billing', key: 'org:billing', permissions: ['org:invoices:read'] });
    expect(role.body).toMatchObject({ object: 'role', key: 'org:billing', permissions: [{ object: 'permission', key: 'org:invoices:read', type: 'user' }] });
    const o = await org({ name: 'Custom roles' });
    const m = await post(`/organizations/${o.id}/memberships`, { user_id: users[5], role: 'org:billing' });
    expect(m.body).toMatchObject({ role: 'org:billing', role_name: 'Billing', permissions: ['org:invoices:read'] });
    await post(`/organization_roles/${role.body.id}/permissions/org:sys_memberships:read`, {});
    const after = (await call(`/organizations/${o.id}/memberships?user_id=${users[5]}`)).body.data?.[0];
    expect(after?.permissions).toEqual(['org:invoices:read', 'org:sys_memberships:read']);
    expect((await call(`/organization_roles/${role.body.id}`, { method: 'DELETE' })).body.errors?.[0]?.code).toBe('organization_role_in_use');
    expect((await call('/organization_roles?limit=100')).body.data?.map((r) => r.key)).toEqual(expect.arrayContaining(['org:admin', 'org:member', 'org:billing']));
    const system = (await call('/organization_roles?query=admin')).body.data?.[0] as J;
    expect((await call(`/organization_roles/${system.id}`, { method: 'DELETE' })).status).toBe(422);
  });

  it('reads and writes instance organization settings', async () => {
    const s = await call('/instance/organization_settings');
    expect(s.body).toMatchObject({ object: 'organization_settings', enabled: true, creator_role: 'org:admin', domains_default_role: 'org:member' });
    const u = await patch('/instance/organization_settings', { max_allowed_memberships: 7, creator_role_id: 'org:member' });
    expect(u.body).toMatchObject({ max_allowed_memberships: 7, creator_role: 'org:member' });
    const o = await org({ name: 'Settings applied' });
    expect(o.max_allowed_memberships).toBe(7);
    expect((await call(`/organizations/${o.id}/memberships`)).body.data?.[0]?.role).toBe('org:member');
    expect((await patch('/instance/organization_settings', { creator_role_id: 'org:nope' })).status).toBe(422);
    await patch('/instance/organization_settings', { max_allowed_memberships: 0, creator_role_id: 'org:admin' });
  });
});
