/**
 * Organizations from the browser: form posts through the Frontend API, as the official SDK sends them,
 * with the client cookie of a signed-in user, on SQLite (and PostgreSQL when configured).
 */
import { verifyToken } from '@clerk/backend';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { FapiBrowser } from '../../test/fapi-browser.js';
import { jwtKeyOf, startTestServer, testDialects, type TestServer } from '../../test/harness.js';

type Json = Record<string, unknown>;
type Env<T = Json> = { response: T; client: Json & { sessions: (Json & { id: string; user: Json & { organization_memberships?: Json[] } })[] } };
type Err = { errors: { code: string; meta?: { param_name?: string } }[] };
type Org = Json & { id: string; slug: string; name: string; members_count: number };
type Membership = Json & { id: string; role: string; permissions: string[]; organization: Org; public_user_data: Json & { user_id: string } };
type Invitation = Json & { id: string; status: string; role: string; url: string | null };

const PASSWORD = 'correct horse battery staple';

describe.each(testDialects())('organizations through the Frontend API on %s', (dialect) => {
  let t: TestServer;
  let pem: string;
  let seq = 0;

  beforeAll(async () => {
    t = await startTestServer(dialect);
    pem = await jwtKeyOf(t);
  });
  afterAll(async () => {
    await t.close();
  });

  interface Person {
    id: string;
    email: string;
    b: FapiBrowser;
    sid: string;
  }

  async function person(extra: Json = {}, domain = 'example.com'): Promise<Person> {
    const email = `person${++seq}-${dialect}@${domain}`;
    const res = await t.api('/users', { method: 'POST', json: { email_address: [email], password: PASSWORD, ...extra } });
    expect(res.status).toBe(200);
    const id = ((await res.json()) as { id: string }).id;
    const b = new FapiBrowser(t.url);
    const done = await b.post<Env<{ created_session_id: string }>>('/client/sign_ins', { identifier: email, strategy: 'password', password: PASSWORD });
    expect(done.status).toBe(200);
    return { id, email, b, sid: done.body.response.created_session_id };
  }

  async function createOrg(p: Person, name: string): Promise<Org> {
    const res = await p.b.post<Env<Org>>('/organizations', { name });
    expect(res.status, JSON.stringify(res.body)).toBe(200);
    return res.body.response;
  }

  async function lastMessageTo(address: string, slug: string): Promise<{ subject: string | null; body: string; data: unknown }> {
    return t.server.services.storage.db
      .selectFrom('messages')
      .select(['subject', 'body', 'data'])
      .where('to_address', '=', address)
      .where('slug', '=', slug)
      .orderBy('created_at', 'desc')
      .orderBy('id', 'desc')
      .executeTakeFirstOrThrow();
  }

  const settings = (json: Json) => t.api('/instance/organization_settings', { method: 'PATCH', json });

  it('creates an organization: the creator is its admin, the client shows the membership, touch makes it active and the token carries it', async () => {
    const ada = await person({ first_name: 'Ada' });
    const created = await ada.b.post<Env<Org>>('/organizations', { name: 'Analytical Engines', slug: `engines-${dialect}` });
    expect(created.status).toBe(200);
    const org = created.body.response;
    expect(org).toMatchObject({ object: 'organization', name: 'Analytical Engines', slug: `engines-${dialect}`, members_count: 1, pending_invitations_count: 0, admin_delete_enabled: true });
    expect(org).not.toHaveProperty('private_metadata');
    const memberships = created.body.client.sessions[0]?.user.organization_memberships ?? [];
    expect(memberships).toHaveLength(1);
    expect(memberships[0]).toMatchObject({ role: 'org:admin', organization: { id: org.id } });
    expect(memberships[0]?.permissions).toContain('org:sys_memberships:manage');

    const touched = await ada.b.post<Env<Json>>(`/client/sessions/${ada.sid}/touch`, { active_organization_id: org.id, intent: 'select_org' });
    expect(touched.status).toBe(200);
    expect(touched.body.response).toMatchObject({ last_active_organization_id: org.id });
    const token = await ada.b.post<{ jwt: string }>(`/client/sessions/${ada.sid}/tokens`);
    const claims = await verifyToken(token.body.jwt, { jwtKey: pem });
    expect(claims).toMatchObject({ v: 2, o: { id: org.id, rol: 'admin', slg: org.slug } });

    // v1 naming: org_id, org_role, org_slug, org_permissions.
    expect((await t.api('/instance/auth_settings', { method: 'PATCH', json: { session_token_claims: 'v1' } })).status).toBe(200);
    try {
      const v1 = await verifyToken((await ada.b.post<{ jwt: string }>(`/client/sessions/${ada.sid}/tokens`)).body.jwt, { jwtKey: pem });
      expect(v1).toMatchObject({ org_id: org.id, org_role: 'org:admin', org_slug: org.slug });
      expect(v1.org_permissions).toContain('org:sys_profile:manage');
    } finally {
      await t.api('/instance/auth_settings', { method: 'PATCH', json: { session_token_claims: 'v2' } });
    }

    // Back to the personal account.
    const personal = await ada.b.post<Env<Json>>(`/client/sessions/${ada.sid}/touch`, { active_organization_id: '' });
    expect(personal.body.response).toMatchObject({ last_active_organization_id: null });
    const none = await verifyToken((await ada.b.post<{ jwt: string }>(`/client/sessions/${ada.sid}/tokens`)).body.jwt, { jwtKey: pem });
    expect(none.o).toBeUndefined();

    // The same organization through the Backend API: one member, one admin.
    const bapi = (await (await t.api(`/organizations/${org.id}?include_members_count=true`)).json()) as Json;
    expect(bapi).toMatchObject({ id: org.id, created_by: ada.id });
  });

  it('switches only to an organization the user belongs to', async () => {
    const owner = await person();
    const other = await person();
    const org = await createOrg(owner, 'Private Club');
    const refused = await other.b.post<Err>(`/client/sessions/${other.sid}/touch`, { active_organization_id: org.id });
    expect(refused.status).toBe(404);
    expect(refused.body.errors[0]).toMatchObject({ code: 'resource_not_found', meta: { param_name: 'active_organization_id' } });
  });

  it('holds create_organization_enabled and create_organizations_limit, also for concurrent creates', async () => {
    const barred = await person({ create_organization_enabled: false });
    const no = await barred.b.post<Err>('/organizations', { name: 'Nope' });
    expect(no.status).toBe(403);
    expect(no.body.errors[0]?.code).toBe('not_allowed_access');

    const limited = await person({ create_organizations_limit: 2 });
    const results = await Promise.all([1, 2, 3, 4].map((i) => limited.b.post<Env<Org> | Err>('/organizations', { name: `Limited ${i}` })));
    expect(results.filter((r) => r.status === 200)).toHaveLength(2);
    expect(results.filter((r) => r.status === 403)).toHaveLength(2);
    const list = await limited.b.get<Env<{ data: Membership[]; total_count: number }>>('/me/organization_memberships?paginated=true&limit=10&offset=0');
    expect(list.body.response.total_count).toBe(2);
  });

  it('validates names and slugs with the field at fault', async () => {
    const p = await person();
    const empty = await p.b.post<Err>('/organizations', { name: '  ' });
    expect(empty.status).toBe(422);
    expect(empty.body.errors[0]?.meta?.param_name).toBe('name');
    const slug = await p.b.post<Err>('/organizations', { name: 'Fine', slug: 'Not A Slug' });
    expect(slug.status).toBe(422);
    expect(slug.body.errors[0]?.meta?.param_name).toBe('slug');
    const org = await createOrg(p, 'Taken Slug');
    const taken = await p.b.post<Err>('/organizations', { name: 'Other', slug: org.slug });
    expect(taken.status).toBe(422);
    expect(taken.body.errors[0]).toMatchObject({ code: 'form_identifier_exists', meta: { param_name: 'slug' } });
    const anonymous = await new FapiBrowser(t.url).post<Err>('/organizations', { name: 'Anon' });
    expect(anonymous.status).toBe(401);
  });

  it('updates, sets and removes the logo, and deletes when admin delete is allowed', async () => {
    const p = await person();
    const org = await createOrg(p, 'Renamed Later');
    const renamed = await p.b.call<Env<Org>>('PATCH', `/organizations/${org.id}`, { name: 'Renamed Now', slug: `renamed-${dialect}` });
    expect(renamed.body.response).toMatchObject({ name: 'Renamed Now', slug: `renamed-${dialect}` });
    expect((await p.b.get<Env<Org>>(`/organizations/${org.id}`)).body.response.name).toBe('Renamed Now');

    const png = new Uint8Array([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a, ...new Array<number>(64).fill(0)]);
    const form = new FormData();
    form.append('file', new Blob([png], { type: 'image/png' }), 'logo.png');
    const url = new URL(`${t.url}/fapi/v1/organizations/${org.id}/logo`);
    url.searchParams.set('_method', 'PUT');
    const cookie = [...p.b.cookies].map(([k, v]) => `${k}=${v}`).join('; ');
    const up = await fetch(url, { method: 'POST', headers: { origin: p.b.origin, cookie }, body: form });
    expect(up.status).toBe(200);
    const withLogo = ((await up.json()) as Env<Org>).response;
    expect(withLogo).toMatchObject({ has_image: true });
    const image = await fetch(withLogo.image_url as string);
    expect(image.headers.get('content-type')).toBe('image/png');
    const removed = await p.b.call<Env<Org>>('DELETE', `/organizations/${org.id}/logo`);
    expect(removed.body.response).toMatchObject({ has_image: false, image_url: '' });

    expect((await settings({ admin_delete_enabled: false })).status).toBe(200);
    try {
      const refused = await p.b.call<Err>('DELETE', `/organizations/${org.id}`);
      expect(refused.status).toBe(403);
    } finally {
      await settings({ admin_delete_enabled: true });
    }
    const gone = await p.b.call<Env<Json>>('DELETE', `/organizations/${org.id}`);
    expect(gone.body.response).toEqual({ object: 'organization', id: org.id, deleted: true });
    expect(gone.body.client.sessions[0]?.user.organization_memberships).toEqual([]);
    expect((await p.b.get<Err>(`/organizations/${org.id}`)).status).toBe(404);
  });

  it('invites a member who signs up through the ticket and lands in the organization; roles change; the last admin stays', async () => {
    const admin = await person();
    const org = await createOrg(admin, 'Invite Co');
    const address = `invitee${++seq}-${dialect}@example.com`;
    const sent = await admin.b.post<Env<Invitation[]>>(`/organizations/${org.id}/invitations/bulk`, { email_address: [address, `second${seq}-${dialect}@example.com`], role: 'org:member' });
    expect(sent.status).toBe(200);
    expect(sent.body.response.map((i) => i.status)).toEqual(['pending', 'pending']);
    const listed = await admin.b.get<Env<{ data: Invitation[]; total_count: number }>>(`/organizations/${org.id}/invitations?status=pending&limit=10&offset=0`);
    expect(listed.body.response.total_count).toBe(2);
    const second = sent.body.response[1] as Invitation;
    const revoked = await admin.b.post<Env<Invitation>>(`/organizations/${org.id}/invitations/${second.id}/revoke`);
    expect(revoked.body.response.status).toBe('revoked');

    // The e-mail's link: the landing page redirects to sign-up with the ticket.
    const mail = await lastMessageTo(address, 'organization_invitation');
    const link = /"(http[^"]*\/tickets\/accept\?ticket=[^"]+)"/.exec(mail.body)?.[1]?.replace(/&amp;/g, '&');
    expect(link).toBeTruthy();
    const landing = await fetch(link as string, { redirect: 'manual' });
    expect(landing.status).toBe(303);
    const target = new URL(landing.headers.get('location') as string);
    expect(target.searchParams.get('__clerk_status')).toBe('sign_up');
    const ticket = target.searchParams.get('__clerk_ticket') as string;

    const invitee = new FapiBrowser(t.url);
    const signUp = await invitee.post<Env<Json & { status: string; created_user_id: string; created_session_id: string }>>('/client/sign_ups', { strategy: 'ticket', ticket, password: PASSWORD });
    expect(signUp.status, JSON.stringify(signUp.body)).toBe(200);
    expect(signUp.body.response).toMatchObject({ status: 'complete', email_address: address });
    const inviteeId = signUp.body.response.created_user_id;
    expect(signUp.body.client.sessions[0]?.user.organization_memberships?.[0]).toMatchObject({ role: 'org:member', organization: { id: org.id } });
    // The ticket is used up.
    expect((await new FapiBrowser(t.url).post<Err>('/client/sign_ups', { strategy: 'ticket', ticket })).status).toBe(400);

    const members = await admin.b.get<Env<{ data: Membership[]; total_count: number }>>(`/organizations/${org.id}/memberships?paginated=true&limit=10&offset=0`);
    expect(members.body.response.total_count).toBe(2);
    const plain = await admin.b.get<Env<Membership[]>>(`/organizations/${org.id}/memberships?role=org:member`);
    expect(plain.body.response.map((m) => m.public_user_data.user_id)).toEqual([inviteeId]);
    const searched = await admin.b.get<Env<Membership[]>>(`/organizations/${org.id}/memberships?query=${encodeURIComponent(address.slice(0, 10))}`);
    expect(searched.body.response.map((m) => m.public_user_data.user_id)).toEqual([inviteeId]);

    const promoted = await admin.b.call<Env<Membership>>('PATCH', `/organizations/${org.id}/memberships/${inviteeId}`, { role: 'org:admin' });
    expect(promoted.body.response.role).toBe('org:admin');
    const demoted = await admin.b.call<Env<Membership>>('PATCH', `/organizations/${org.id}/memberships/${inviteeId}`, { role: 'basic_member' });
    expect(demoted.body.response.role).toBe('org:member');
    // The admin cannot demote themselves, remove themselves, or leave: they are the last admin.
    const self = await admin.b.call<Err>('PATCH', `/organizations/${org.id}/memberships/${admin.id}`, { role: 'org:member' });
    expect(self.status).toBe(403);
    // About the organization, not a field: the components show it as the form's error.
    expect(self.body.errors[0]?.code).toBe('organization_minimum_permissions_needed');
    expect(self.body.errors[0]?.meta?.param_name).toBeUndefined();
    expect((await admin.b.call<Err>('DELETE', `/me/organization_memberships/${org.id}`)).status).toBe(403);
    const removed = await admin.b.call<Env<Membership>>('DELETE', `/organizations/${org.id}/memberships/${inviteeId}`);
    expect(removed.body.response.public_user_data.user_id).toBe(inviteeId);
    const after = (await (await t.api(`/organizations/${org.id}`)).json()) as Json;
    expect(after).toMatchObject({ id: org.id });
    const row = await t.server.services.storage.db.selectFrom('organizations').select(['members_count', 'admins_count']).where('id', '=', org.id).executeTakeFirstOrThrow();
    expect(row).toEqual({ members_count: 1, admins_count: 1 });
  });

  it('lets an existing user sign in through the invitation ticket, or accept in the app, and leave', async () => {
    const admin = await person();
    const org = await createOrg(admin, 'Existing Users');
    const existing = await person();
    await admin.b.post(`/organizations/${org.id}/invitations`, { email_address: existing.email, role: 'org:member' });
    const mail = await lastMessageTo(existing.email, 'organization_invitation');
    const link = /"(http[^"]*\/tickets\/accept\?ticket=[^"]+)"/.exec(mail.body)?.[1]?.replace(/&amp;/g, '&') as string;
    const target = new URL((await fetch(link, { redirect: 'manual' })).headers.get('location') as string);
    expect(target.searchParams.get('__clerk_status')).toBe('sign_in');
    const b = new FapiBrowser(t.url);
    const signIn = await b.post<Env<Json & { status: string }>>('/client/sign_ins', { strategy: 'ticket', ticket: target.searchParams.get('__clerk_ticket') as string });
    expect(signIn.status, JSON.stringify(signIn.body)).toBe(200);
    expect(signIn.body.response.status).toBe('complete');
    expect(signIn.body.client.sessions[0]?.user.organization_memberships?.map((m) => (m.organization as Org).id)).toEqual([org.id]);

    // Accepting in the app: the invitation lists under /me, someone else cannot accept it.
    const third = await person();
    const inv = (await admin.b.post<Env<Invitation>>(`/organizations/${org.id}/invitations`, { email_address: third.email, role: 'admin' })).body.response;
    expect(inv.role).toBe('org:admin');
    const mine = await third.b.get<Env<{ data: Invitation[]; total_count: number }>>('/me/organization_invitations?status=pending');
    expect(mine.body.response.data.map((i) => i.id)).toEqual([inv.id]);
    expect((await existing.b.post<Err>(`/me/organization_invitations/${inv.id}/accept`)).status).toBe(404);
    const accepted = await third.b.post<Env<Invitation>>(`/me/organization_invitations/${inv.id}/accept`);
    expect(accepted.body.response.status).toBe('accepted');
    expect(accepted.body.client.sessions[0]?.user.organization_memberships?.[0]).toMatchObject({ role: 'org:admin' });
    expect((await third.b.post<Err>(`/me/organization_invitations/${inv.id}/accept`)).status).toBe(400);

    // With two admins, one can leave.
    const left = await third.b.call<Env<Json>>('DELETE', `/me/organization_memberships/${org.id}`);
    expect(left.body.response).toMatchObject({ object: 'organization_membership', deleted: true });
    expect((await third.b.get<Env<Membership[]>>('/me/organization_memberships')).body.response).toEqual([]);
  });

  it('lists roles, and answers the system roles as admin and basic_member when the instance asks it', async () => {
    const admin = await person();
    const org = await createOrg(admin, 'Legacy Names');
    const roles = await admin.b.get<Env<{ data: (Json & { key: string })[]; total_count: number; has_role_set_migration: boolean }>>(`/organizations/${org.id}/roles?limit=20&offset=0`);
    expect(roles.body.response.data.map((r) => r.key)).toEqual(expect.arrayContaining(['org:admin', 'org:member']));
    expect(roles.body.response.has_role_set_migration).toBe(false);

    expect((await settings({ legacy_role_keys: true })).status).toBe(200);
    try {
      const legacy = await admin.b.get<Env<{ data: (Json & { key: string })[] }>>(`/organizations/${org.id}/roles`);
      expect(legacy.body.response.data.map((r) => r.key)).toEqual(expect.arrayContaining(['admin', 'basic_member']));
      const me = await admin.b.get<Env<Membership[]>>('/me/organization_memberships');
      expect(me.body.response[0]?.role).toBe('admin');
      const bapiMembers = (await (await t.api(`/organizations/${org.id}/memberships`)).json()) as { data: Membership[] };
      expect(bapiMembers.data[0]?.role).toBe('admin');
      // Both spellings as input.
      const inv = await admin.b.post<Env<Invitation>>(`/organizations/${org.id}/invitations`, { email_address: `legacy${++seq}@example.com`, role: 'org:member' });
      expect(inv.body.response.role).toBe('basic_member');
      const inv2 = await admin.b.post<Env<Invitation>>(`/organizations/${org.id}/invitations`, { email_address: `legacy${++seq}@example.com`, role: 'basic_member' });
      expect(inv2.body.response.role).toBe('basic_member');
      await admin.b.post(`/client/sessions/${admin.sid}/touch`, { active_organization_id: org.id });
      expect((await t.api('/instance/auth_settings', { method: 'PATCH', json: { session_token_claims: 'v1' } })).status).toBe(200);
      const v1 = await verifyToken((await admin.b.post<{ jwt: string }>(`/client/sessions/${admin.sid}/tokens`)).body.jwt, { jwtKey: pem });
      expect(v1.org_role).toBe('admin');
    } finally {
      await t.api('/instance/auth_settings', { method: 'PATCH', json: { session_token_claims: 'v2' } });
      await settings({ legacy_role_keys: false });
    }
    const back = await admin.b.get<Env<Membership[]>>('/me/organization_memberships');
    expect(back.body.response[0]?.role).toBe('org:admin');
  });

  it('verifies a domain by e-mail code, suggests the organization to its users, and turns a taken-up suggestion into a request an admin answers', async () => {
    const domain = `corp-${dialect}-${Date.now().toString(36)}.test`;
    const admin = await person({}, domain);
    const org = await createOrg(admin, 'Domain Co');
    const added = await admin.b.post<Env<Json & { id: string; verification: unknown }>>(`/organizations/${org.id}/domains`, { name: domain, enrollment_mode: 'automatic_suggestion' });
    expect(added.status, JSON.stringify(added.body)).toBe(200);
    expect(added.body.response).toMatchObject({ name: domain, verification: null, affiliation_verification: null });
    const d = added.body.response.id;
    const badAddress = await admin.b.post<Err>(`/organizations/${org.id}/domains/${d}/prepare_affiliation_verification`, { affiliation_email_address: 'someone@elsewhere.test' });
    expect(badAddress.body.errors[0]?.meta?.param_name).toBe('affiliation_email_address');
    const prepared = await admin.b.post<Env<Json>>(`/organizations/${org.id}/domains/${d}/prepare_affiliation_verification`, { affiliation_email_address: admin.email });
    expect(prepared.body.response).toMatchObject({ affiliation_email_address: admin.email, verification: { status: 'unverified', strategy: 'email_code' } });
    const code = /(\d{6})/.exec((await lastMessageTo(admin.email, 'verification_code')).subject ?? '')?.[1] as string;
    const wrong = await admin.b.post<Err>(`/organizations/${org.id}/domains/${d}/attempt_affiliation_verification`, { code: code === '000000' ? '111111' : '000000' });
    expect(wrong.body.errors[0]).toMatchObject({ code: 'form_code_incorrect', meta: { param_name: 'code' } });
    const verified = await admin.b.post<Env<Json>>(`/organizations/${org.id}/domains/${d}/attempt_affiliation_verification`, { code });
    expect(verified.body.response).toMatchObject({ verification: { status: 'verified', strategy: 'email_code' }, affiliation_verification: { status: 'verified' } });

    // A user at the domain is suggested the organization.
    const colleague = await person({}, domain);
    const suggestions = await colleague.b.get<Env<{ data: (Json & { id: string; status: string })[]; total_count: number }>>('/me/organization_suggestions?status=pending&status=accepted');
    expect(suggestions.body.response.total_count).toBe(1);
    const suggestion = suggestions.body.response.data[0] as Json & { id: string };
    expect(suggestion).toMatchObject({ object: 'organization_suggestion', status: 'pending', public_organization_data: { id: org.id } });
    const taken = await colleague.b.post<Env<Json>>(`/me/organization_suggestions/${suggestion.id}/accept`);
    expect(taken.body.response).toMatchObject({ status: 'accepted' });
    expect((await colleague.b.post<Err>(`/me/organization_suggestions/${suggestion.id}/accept`)).status).toBe(422);

    const requests = await admin.b.get<Env<{ data: (Json & { id: string })[]; total_count: number }>>(`/organizations/${org.id}/membership_requests?status=pending`);
    expect(requests.body.response.total_count).toBe(1);
    const request = requests.body.response.data[0] as Json & { id: string };
    expect(request).toMatchObject({ object: 'organization_membership_request', status: 'pending', public_user_data: { user_id: colleague.id } });
    const accepted = await admin.b.post<Env<Json>>(`/organizations/${org.id}/membership_requests/${request.id}/accept`);
    expect(accepted.body.response).toMatchObject({ status: 'accepted' });
    expect((await admin.b.post<Err>(`/organizations/${org.id}/membership_requests/${request.id}/reject`)).status).toBe(422);
    const colleagueOrgs = await colleague.b.get<Env<Membership[]>>('/me/organization_memberships');
    expect(colleagueOrgs.body.response.map((m) => [m.organization.id, m.role])).toEqual([[org.id, 'org:member']]);
    expect((await colleague.b.get<Env<{ total_count: number }>>('/me/organization_suggestions')).body.response.total_count).toBe(0);

    // Another colleague's request is rejected: no membership.
    const another = await person({}, domain);
    const s2 = (await another.b.get<Env<{ data: (Json & { id: string })[] }>>('/me/organization_suggestions')).body.response.data[0] as Json & { id: string };
    await another.b.post(`/me/organization_suggestions/${s2.id}/accept`);
    const r2 = (await admin.b.get<Env<{ data: (Json & { id: string })[] }>>(`/organizations/${org.id}/membership_requests?status=pending`)).body.response.data[0] as Json & { id: string };
    expect((await admin.b.post<Env<Json>>(`/organizations/${org.id}/membership_requests/${r2.id}/reject`)).body.response).toMatchObject({ status: 'rejected' });
    expect((await another.b.get<Env<Membership[]>>('/me/organization_memberships')).body.response).toEqual([]);

    // Enrollment mode, then deletion.
    const mode = await admin.b.post<Env<Json>>(`/organizations/${org.id}/domains/${d}/update_enrollment_mode`, { enrollment_mode: 'manual_invitation', delete_pending: 'true' });
    expect(mode.body.response).toMatchObject({ enrollment_mode: 'manual_invitation' });
    const listed = await admin.b.get<Env<{ data: Json[]; total_count: number }>>(`/organizations/${org.id}/domains?verified=true`);
    expect(listed.body.response.total_count).toBe(1);
    const deleted = await admin.b.call<Env<Json>>('DELETE', `/organizations/${org.id}/domains/${d}`);
    expect(deleted.body.response).toEqual({ object: 'organization_domain', id: d, deleted: true });
  });

  it('adds an existing user directly, within the membership limit', async () => {
    const admin = await person();
    const org = await createOrg(admin, 'Small Org');
    await t.api(`/organizations/${org.id}`, { method: 'PATCH', json: { max_allowed_memberships: 2 } });
    const a = await person();
    const b = await person();
    const added = await admin.b.post<Env<Membership>>(`/organizations/${org.id}/memberships`, { user_id: a.id, role: 'org:member' });
    expect(added.body.response).toMatchObject({ role: 'org:member', public_user_data: { user_id: a.id } });
    expect(added.body.response).not.toHaveProperty('private_metadata');
    const full = await admin.b.post<Err>(`/organizations/${org.id}/memberships`, { user_id: b.id, role: 'org:member' });
    expect(full.status).toBe(403);
    expect(full.body.errors[0]?.code).toBe('organization_membership_quota_exceeded');
    const again = await admin.b.post<Err>(`/organizations/${org.id}/memberships`, { user_id: a.id, role: 'org:member' });
    expect(again.status).toBe(400);
    const badRole = await admin.b.post<Err>(`/organizations/${org.id}/memberships`, { user_id: b.id, role: 'org:nope' });
    expect(badRole.body.errors[0]?.meta?.param_name).toBe('role');
  });
});
