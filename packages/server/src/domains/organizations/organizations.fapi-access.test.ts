/**
 * Who reaches which organization route from the browser. The whole matrix: anonymous, a signed-in
 * non-member, a member, an admin and a member with a custom role holding one permission, over every
 * organization route of the Frontend API. Then the rules that must hold whichever API changes members,
 * under concurrent requests.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { FapiBrowser, type FapiResponse } from '../../test/fapi-browser.js';
import { startTestServer, testDialects, type TestServer } from '../../test/harness.js';

type Json = Record<string, unknown>;
type Err = { errors?: { code: string; long_message?: string }[] };
type Caller = 'anonymous' | 'outsider' | 'member' | 'admin' | 'editor';
type Needs = 'member' | 'org:sys_profile:manage' | 'org:sys_profile:delete' | 'org:sys_memberships:read' | 'org:sys_memberships:manage' | 'org:sys_domains:read' | 'org:sys_domains:manage';

const PASSWORD = 'correct horse battery staple';
type Method = 'GET' | 'POST' | 'PATCH' | 'PUT' | 'DELETE';

/** What each caller's role grants (the editor's custom role has org:sys_profile:manage only). */
const GRANTS: Record<Exclude<Caller, 'anonymous' | 'outsider'>, Needs[]> = {
  admin: ['member', 'org:sys_profile:manage', 'org:sys_profile:delete', 'org:sys_memberships:read', 'org:sys_memberships:manage', 'org:sys_domains:read', 'org:sys_domains:manage'],
  member: ['member', 'org:sys_memberships:read', 'org:sys_domains:read'],
  editor: ['member', 'org:sys_profile:manage'],
};

interface Route {
  method: Method;
  path: string;
  needs: Needs;
  form?: Record<string, string | string[]>;
}

/** Every organization route; the targets inside an organization do not exist, so an allowed call changes nothing. */
const ROUTES: Route[] = [
  { method: 'GET', path: '/organizations/ORG', needs: 'member' },
  { method: 'PATCH', path: '/organizations/ORG', needs: 'org:sys_profile:manage', form: { name: 'Matrix Org' } },
  { method: 'PUT', path: '/organizations/ORG/logo', needs: 'org:sys_profile:manage' },
  { method: 'DELETE', path: '/organizations/ORG/logo', needs: 'org:sys_profile:manage' },
  { method: 'GET', path: '/organizations/ORG/memberships?paginated=true', needs: 'org:sys_memberships:read' },
  { method: 'POST', path: '/organizations/ORG/memberships', needs: 'org:sys_memberships:manage', form: { user_id: 'user_nobody', role: 'org:member' } },
  { method: 'PATCH', path: '/organizations/ORG/memberships/user_nobody', needs: 'org:sys_memberships:manage', form: { role: 'org:admin' } },
  { method: 'DELETE', path: '/organizations/ORG/memberships/user_nobody', needs: 'org:sys_memberships:manage' },
  { method: 'GET', path: '/organizations/ORG/invitations?status=pending', needs: 'org:sys_memberships:manage' },
  { method: 'GET', path: '/organizations/ORG/invitations/pending', needs: 'org:sys_memberships:manage' },
  { method: 'POST', path: '/organizations/ORG/invitations', needs: 'org:sys_memberships:manage', form: { email_address: 'not an address', role: 'org:member' } },
  { method: 'POST', path: '/organizations/ORG/invitations/bulk', needs: 'org:sys_memberships:manage', form: { email_address: ['not an address'], role: 'org:member' } },
  { method: 'POST', path: '/organizations/ORG/invitations/orginv_nothing/revoke', needs: 'org:sys_memberships:manage' },
  { method: 'GET', path: '/organizations/ORG/roles', needs: 'member' },
  { method: 'GET', path: '/organizations/ORG/domains', needs: 'org:sys_domains:read' },
  { method: 'POST', path: '/organizations/ORG/domains', needs: 'org:sys_domains:manage', form: { name: 'gmail.com' } },
  { method: 'GET', path: '/organizations/ORG/domains/orgdmn_nothing', needs: 'org:sys_domains:read' },
  { method: 'DELETE', path: '/organizations/ORG/domains/orgdmn_nothing', needs: 'org:sys_domains:manage' },
  { method: 'POST', path: '/organizations/ORG/domains/orgdmn_nothing/update_enrollment_mode', needs: 'org:sys_domains:manage', form: { enrollment_mode: 'manual_invitation' } },
  { method: 'POST', path: '/organizations/ORG/domains/orgdmn_nothing/prepare_affiliation_verification', needs: 'org:sys_domains:manage', form: { affiliation_email_address: 'a@b.test' } },
  { method: 'POST', path: '/organizations/ORG/domains/orgdmn_nothing/attempt_affiliation_verification', needs: 'org:sys_domains:manage', form: { code: '123456' } },
  { method: 'GET', path: '/organizations/ORG/membership_requests', needs: 'org:sys_memberships:manage' },
  { method: 'POST', path: '/organizations/ORG/membership_requests/orgmemreq_nothing/accept', needs: 'org:sys_memberships:manage' },
  { method: 'POST', path: '/organizations/ORG/membership_requests/orgmemreq_nothing/reject', needs: 'org:sys_memberships:manage' },
];

const NOT_REACHED = 'Organization not found';

describe.each(testDialects())('organization access from the browser on %s', (dialect) => {
  let t: TestServer;
  let seq = 0;
  const browsers = {} as Record<Caller, FapiBrowser>;
  const ids = {} as Record<Caller, string>;
  let org = '';

  beforeAll(async () => {
    t = await startTestServer(dialect);
  });
  afterAll(async () => {
    await t.close();
  });

  async function signedIn(): Promise<{ id: string; b: FapiBrowser; email: string }> {
    const email = `matrix${++seq}-${dialect}@example.com`;
    const res = await t.api('/users', { method: 'POST', json: { email_address: [email], password: PASSWORD } });
    const id = ((await res.json()) as { id: string }).id;
    const b = new FapiBrowser(t.url);
    const done = await b.post('/client/sign_ins', { identifier: email, strategy: 'password', password: PASSWORD });
    expect(done.status).toBe(200);
    return { id, b, email };
  }

  function call(who: Caller, r: Pick<Route, 'method' | 'path' | 'form'>, orgId = org): Promise<FapiResponse<Err & Json>> {
    return browsers[who].call<Err & Json>(r.method, r.path.replace('ORG', orgId), r.form);
  }

  const reached = (res: FapiResponse<Err>) => !(res.status === 404 && res.body.errors?.[0]?.long_message === NOT_REACHED);
  const forbidden = (res: FapiResponse<Err>) => res.status === 403 && res.body.errors?.[0]?.code === 'not_allowed_access';

  it('sets up the callers', async () => {
    browsers.anonymous = new FapiBrowser(t.url);
    for (const who of ['outsider', 'member', 'admin', 'editor'] as const) {
      const p = await signedIn();
      browsers[who] = p.b;
      ids[who] = p.id;
    }
    const created = await browsers.admin.post<{ response: { id: string } }>('/organizations', { name: 'Matrix Org' });
    org = created.body.response.id;
    const role = await t.api('/organization_roles', { method: 'POST', json: { name: 'Profile editor', key: 'org:profile_editor', permissions: ['org:sys_profile:manage'] } });
    expect(role.status).toBe(200);
    for (const [who, key] of [
      ['member', 'org:member'],
      ['editor', 'org:profile_editor'],
    ] as const) {
      const added = await t.api(`/organizations/${org}/memberships`, { method: 'POST', json: { user_id: ids[who], role: key } });
      expect(added.status).toBe(200);
    }
  });

  it('walks every organization route for every caller', async () => {
    const seen: string[] = [];
    for (const r of ROUTES) {
      for (const who of ['anonymous', 'outsider', 'member', 'admin', 'editor'] as const) {
        const res = await call(who, r);
        const label = `${who} ${r.method} ${r.path} → ${res.status} ${JSON.stringify(res.body).slice(0, 200)}`;
        seen.push(label);
        expect(res.status, label).toBeLessThan(500);
        if (who === 'anonymous') {
          expect(res.status, label).toBe(401);
          expect(res.body.errors?.[0]?.code, label).toBe('signed_out');
        } else if (who === 'outsider') {
          // Indistinguishable from an organization that does not exist.
          expect(res.status, label).toBe(404);
          expect(reached(res), label).toBe(false);
          const missing = await call(who, r, 'org_doesnotexist');
          expect({ ...missing.body, clerk_trace_id: null }, label).toEqual({ ...res.body, clerk_trace_id: null });
        } else if (GRANTS[who].includes(r.needs)) {
          expect(reached(res), label).toBe(true);
          expect(forbidden(res), label).toBe(false);
          expect(res.status, label).not.toBe(401);
        } else {
          expect(forbidden(res), label).toBe(true);
        }
      }
    }
    expect(seen).toHaveLength(ROUTES.length * 5);
  });

  it('lets only the signed-in use the /me side and create organizations', async () => {
    for (const path of ['/me/organization_memberships', '/me/organization_invitations', '/me/organization_suggestions']) {
      expect((await browsers.anonymous.get<Err>(path)).status).toBe(401);
      expect((await browsers.outsider.get<Err>(path)).status).toBe(200);
    }
    expect((await browsers.anonymous.post<Err>('/organizations', { name: 'Anon' })).status).toBe(401);
    expect((await browsers.anonymous.post<Err>('/me/organization_invitations/orginv_x/accept')).status).toBe(401);
    expect((await browsers.outsider.post<Err>('/me/organization_invitations/orginv_x/accept')).status).toBe(404);
    expect((await browsers.outsider.post<Err>('/me/organization_suggestions/orgsugg_x/accept')).status).toBe(404);
  });

  it('leaving and deleting: a member may leave, an outsider cannot, only the delete permission deletes', async () => {
    const leave = { method: 'DELETE' as const, path: '/me/organization_memberships/ORG' };
    expect((await call('anonymous', leave)).status).toBe(401);
    expect(reached(await call('outsider', leave))).toBe(false);
    const del = { method: 'DELETE' as const, path: '/organizations/ORG' };
    expect(forbidden(await call('member', del))).toBe(true);
    expect(forbidden(await call('editor', del))).toBe(true);
    expect((await call('member', leave)).status).toBe(200);
    expect((await call('editor', leave)).status).toBe(200);
    // The member is gone: now they are outsiders.
    expect(reached(await call('member', ROUTES[0] as Route))).toBe(false);
    const lastAdmin = await call('admin', leave);
    expect(lastAdmin.status).toBe(403);
    expect(lastAdmin.body.errors?.[0]?.code).toBe('organization_minimum_permissions_needed');
    expect((await call('admin', del)).status).toBe(200);
    expect(reached(await call('admin', ROUTES[0] as Route))).toBe(false);
  });

  describe('rules that hold under concurrency, whichever API', () => {
    async function orgWithTwoAdmins(): Promise<{ orgId: string; a: { id: string; b: FapiBrowser }; b: { id: string; b: FapiBrowser } }> {
      const a = await signedIn();
      const b = await signedIn();
      const orgId = (await a.b.post<{ response: { id: string } }>('/organizations', { name: 'Two Admins' })).body.response.id;
      expect((await a.b.post(`/organizations/${orgId}/memberships`, { user_id: b.id, role: 'org:admin' })).status).toBe(200);
      return { orgId, a, b };
    }

    async function counters(orgId: string) {
      const db = t.server.services.storage.db;
      const row = await db.selectFrom('organizations').select(['members_count', 'admins_count']).where('id', '=', orgId).executeTakeFirstOrThrow();
      const members = await db.selectFrom('organization_memberships').select(['role']).where('organization_id', '=', orgId).execute();
      return { row, members: members.length, admins: members.filter((m) => m.role === 'org:admin').length };
    }

    it('two admins demoting each other at once: exactly one succeeds, one admin is left', async () => {
      for (let round = 0; round < 4; round++) {
        const { orgId, a, b } = await orgWithTwoAdmins();
        const [ra, rb] = await Promise.all([
          a.b.call<Err>('PATCH', `/organizations/${orgId}/memberships/${b.id}`, { role: 'org:member' }),
          b.b.call<Err>('PATCH', `/organizations/${orgId}/memberships/${a.id}`, { role: 'org:member' }),
        ]);
        const statuses = [ra.status, rb.status].sort();
        // The loser is refused by the last-admin rule, or (having been demoted first) by its lost permission.
        expect(statuses[0]).toBe(200);
        expect(statuses[1]).toBe(403);
        const c = await counters(orgId);
        expect(c).toEqual({ row: { members_count: 2, admins_count: 1 }, members: 2, admins: 1 });
      }
    });

    it('the Frontend and Backend APIs removing both admins at once: one admin stays', async () => {
      for (let round = 0; round < 3; round++) {
        const { orgId, a, b } = await orgWithTwoAdmins();
        const [viaFapi, viaBapi] = await Promise.all([
          a.b.call<Err>('DELETE', `/me/organization_memberships/${orgId}`),
          t.api(`/organizations/${orgId}/memberships/${b.id}`, { method: 'DELETE' }),
        ]);
        expect([viaFapi.status, viaBapi.status].sort()).toEqual([200, 403]);
        const c = await counters(orgId);
        expect(c).toEqual({ row: { members_count: 1, admins_count: 1 }, members: 1, admins: 1 });
      }
    });

    it('the membership limit holds for a browser and a backend adding members at once', async () => {
      for (let round = 0; round < 3; round++) {
        const admin = await signedIn();
        const x = await signedIn();
        const y = await signedIn();
        const orgId = (await admin.b.post<{ response: { id: string } }>('/organizations', { name: 'Full' })).body.response.id;
        await t.api(`/organizations/${orgId}`, { method: 'PATCH', json: { max_allowed_memberships: 2 } });
        const [viaFapi, viaBapi] = await Promise.all([
          admin.b.post<Err>(`/organizations/${orgId}/memberships`, { user_id: x.id, role: 'org:member' }),
          t.api(`/organizations/${orgId}/memberships`, { method: 'POST', json: { user_id: y.id, role: 'org:member' } }),
        ]);
        expect([viaFapi.status, viaBapi.status].sort()).toEqual([200, 403]);
        const c = await counters(orgId);
        expect(c.row.members_count).toBe(2);
        expect(c.members).toBe(2);
      }
    });

    it('one invitation accepted from two browsers of the invitee at once joins once', async () => {
      const admin = await signedIn();
      const invitee = await signedIn();
      const second = new FapiBrowser(t.url);
      await second.post('/client/sign_ins', { identifier: invitee.email, strategy: 'password', password: PASSWORD });
      const orgId = (await admin.b.post<{ response: { id: string } }>('/organizations', { name: 'Accept Once' })).body.response.id;
      const inv = (await admin.b.post<{ response: { id: string } }>(`/organizations/${orgId}/invitations`, { email_address: invitee.email, role: 'org:member' })).body.response.id;
      const results = await Promise.all([invitee.b, second, invitee.b, second].map((b) => b.post<Err>(`/me/organization_invitations/${inv}/accept`)));
      expect(results.filter((r) => r.status === 200)).toHaveLength(1);
      expect(results.every((r) => r.status === 200 || r.status === 400)).toBe(true);
      expect((await counters(orgId)).row.members_count).toBe(2);
    });
  });
});
