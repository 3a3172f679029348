/**
 * Concurrency suite: every read-modify-write that the Backend API can reach, driven over HTTP with
 * concurrent requests (Promise.all) on both databases. Each case fires N requests at once, asserts the
 * exact tally of statuses and error codes (only the outcomes some serial order of the same requests
 * could produce are allowed), then reads the state back and asserts the invariant exactly.
 *
 * Read-modify-writes covered (service → route):
 *  - users.writeMetadata: PATCH /users/{id}/metadata deep-merges into the row it read.
 *  - users.update: PATCH /users/{id} recomputes search_text from the row it read (the `query` search).
 *  - users.addIdentification / refreshSearchText: POST /email_addresses sets the primary when missing
 *    and recomputes search_text from the identifications it read.
 *  - users.deleteIdentification: DELETE /email_addresses/{id} picks the next primary from what it read.
 *  - users.replaceIdentification: PUT /users/{id}/email_address deletes what it sees, inserts one.
 *  - users.verifySecondFactor: POST /users/{id}/verify_totp consumes a backup code (compare-and-set).
 *  - users.verifyPassword: POST /users/{id}/verify_password rehashes an imported digest (conditional).
 *  - organizations.writeMetadata: PATCH /organizations/{id}/metadata.
 *  - organizations.updateMembershipMetadata: PATCH /organizations/{id}/memberships/{user}/metadata.
 *  - organizations.update: PATCH /organizations/{id} writes name and slug from the row it read.
 *  - organizations.create: POST /organizations checks that the generated slug is free, then inserts.
 *  - organizations membership counters (members_count, admins_count): role changes, removals, adds
 *    against max_allowed_memberships, user deletion (heir promotion); mixes of all of these.
 *  - roles.deleteRole: DELETE /organization_roles/{id} checks "unused", then deletes, racing with
 *    POST /organizations/{id}/memberships assigning that role.
 *  - invitations.create / createMany: POST /invitations[/bulk], including ignore_existing superseding.
 *  - invitations.revoke: POST /invitations/{id}/revoke reads the status, then writes it.
 *  - organizations.invite / inviteMany / revokeInvitation: the organization invitation routes.
 *  - organizations.attemptAffiliation: POST …/attempt_affiliation_verification reads code_attempts and
 *    the code, then counts the attempt or verifies (and enrolls the domain's users).
 *  - organizations.updateDomain / verifyDomainOwnership: PATCH …/domains/{id}, POST …/verify_ownership
 *    verify and enroll (automatic invitations) from the row they read.
 *  - templates.update: PUT /templates/{type}/{slug} merges the given fields into the stored template;
 *    POST …/toggle_delivery flips the flag it read.
 *  - instance.updateRestrictions / updateOrganizationSettings: PATCH /instance/restrictions and
 *    PATCH /instance/organization_settings merge into the one instance settings document (both routes
 *    write the same row, so they are raced against each other too).
 *
 * Looked at and not covered, because they are single conditional or unconditional statements rather
 * than read-modify-writes: ban/unban/lock/unlock (setFlag, setBannedMany), set/unset_compromised, MFA
 * removal. There are no lockout or password-attempt counters in Latch (lockout_expires_in_seconds and
 * verification_attempts_remaining are always null), so none are tested.
 */
import { randomUUID } from 'node:crypto';
import bcryptjs from 'bcryptjs';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startTestServer, testDialects, type TestServer } from '../test/harness.js';
import { startSmtpSink, type SmtpSink } from '../test/smtp-sink.js';

type ErrorItem = { code: string; meta?: { param_name?: string } };
type Body = { [key: string]: unknown; id: string; errors?: ErrorItem[]; data?: Body[]; total_count?: number };
interface Res {
  status: number;
  body: Body;
}

const ADMIN = 'org:admin';
const MEMBER = 'org:member';
const LAST_ADMIN = '403 organization_minimum_permissions_needed';

const range = (n: number): number[] => Array.from({ length: n }, (_, i) => i);

let seq = 0;
/** A short unique lower-case token: letters and digits only (valid in slugs, role keys, usernames, domains). */
function tag(): string {
  seq += 1;
  return `${seq.toString(36)}${randomUUID().replace(/-/g, '').slice(0, 7)}`;
}

/** `200`, or `<status> <first error code>`: what a case's tally counts. */
function outcome(r: Res): string {
  return r.status === 200 ? '200' : `${r.status} ${r.body.errors?.[0]?.code ?? '(no error code)'}`;
}

function tally(results: Res[]): Record<string, number> {
  const out: Record<string, number> = {};
  for (const r of results) out[outcome(r)] = (out[outcome(r)] ?? 0) + 1;
  return out;
}

/** Asserts that every outcome is one of `allowed` and returns the tally. */
function expectOnly(results: Res[], allowed: string[]): Record<string, number> {
  const counts = tally(results);
  expect(Object.keys(counts).filter((k) => !allowed.includes(k)), `unexpected outcomes in ${JSON.stringify(counts)}`).toEqual([]);
  return counts;
}

/** Keys of `expected` that `actual` lacks or holds another value for. */
function missingKeys(actual: unknown, expected: Record<string, unknown>): string[] {
  const a = (actual ?? {}) as Record<string, unknown>;
  return Object.keys(expected).filter((k) => JSON.stringify(a[k]) !== JSON.stringify(expected[k]));
}

describe.each(testDialects())('concurrent requests on %s', (dialect) => {
  let t: TestServer;
  let smtp: SmtpSink;

  beforeAll(async () => {
    smtp = await startSmtpSink();
    t = await startTestServer(dialect, { LATCH_SMTP_URL: smtp.url });
  });
  afterAll(async () => {
    await t?.close();
    await smtp?.close();
  });

  async function call(path: string, init?: Parameters<TestServer['api']>[1]): Promise<Res> {
    const res = await t.api(path, init);
    const text = await res.text();
    let body: Body;
    try {
      body = JSON.parse(text) as Body;
    } catch {
      body = { id: '', errors: [{ code: `(non-JSON body: ${text.slice(0, 80)})` }] };
    }
    return { status: res.status, body };
  }
  const get = (path: string) => call(path);
  const post = (path: string, json: unknown = {}) => call(path, { method: 'POST', json });
  const patch = (path: string, json: unknown) => call(path, { method: 'PATCH', json });
  const put = (path: string, json: unknown) => call(path, { method: 'PUT', json });
  const del = (path: string) => call(path, { method: 'DELETE' });

  async function ok(r: Promise<Res> | Res): Promise<Body> {
    const res = await r;
    expect(res.status, JSON.stringify(res.body)).toBe(200);
    return res.body;
  }
  /** A GET answering a plain JSON array. */
  async function getArray(path: string): Promise<Body[]> {
    const res = await get(path);
    expect(res.status, JSON.stringify(res.body)).toBe(200);
    expect(Array.isArray(res.body), JSON.stringify(res.body)).toBe(true);
    return res.body as unknown as Body[];
  }

  async function newUser(extra: Record<string, unknown> = {}): Promise<string> {
    return (await ok(post('/users', { email_address: [`u${tag()}@races.test`], ...extra }))).id;
  }
  async function newOrg(createdBy: string | null, extra: Record<string, unknown> = {}): Promise<string> {
    return (await ok(post('/organizations', { name: `Org ${tag()}`, ...(createdBy ? { created_by: createdBy } : {}), ...extra }))).id;
  }
  async function members(orgId: string): Promise<{ rows: Body[]; total: number }> {
    const r = await ok(get(`/organizations/${orgId}/memberships?limit=100`));
    return { rows: r.data ?? [], total: r.total_count ?? -1 };
  }
  function roster(rows: Body[]): Record<string, string> {
    return Object.fromEntries(rows.map((m) => [(m.public_user_data as { user_id: string }).user_id, m.role as string]));
  }
  const addMember = (orgId: string, userId: string, role: string) => post(`/organizations/${orgId}/memberships`, { user_id: userId, role });
  const setRole = (orgId: string, userId: string, role: string) => patch(`/organizations/${orgId}/memberships/${userId}`, { role });
  const removeMember = (orgId: string, userId: string) => del(`/organizations/${orgId}/memberships/${userId}`);

  /**
   * Checks the organization's counters against its membership rows, through the API only: the
   * members_count the API reports, then admins_count and members_count through the rules they enforce
   * (demoting every admin in turn must succeed exactly admins-1 times; with the limit set to rows+1,
   * exactly one more member fits). Changes the organization.
   */
  async function probeCounters(orgId: string): Promise<void> {
    const { rows, total } = await members(orgId);
    expect(rows).toHaveLength(total);
    const org = await ok(get(`/organizations/${orgId}?include_members_count=true`));
    expect(org.members_count, 'members_count reported by GET /organizations/{id}').toBe(total);
    const admins = rows.filter((m) => m.role === ADMIN).map((m) => (m.public_user_data as { user_id: string }).user_id);
    if (total > 0) expect(admins.length, 'admins left').toBeGreaterThanOrEqual(1);
    const demotions: string[] = [];
    for (const a of admins) demotions.push(outcome(await setRole(orgId, a, MEMBER)));
    if (admins.length) {
      expect(demotions, `demoting the ${admins.length} admin(s) one by one (admins_count must equal the admin rows)`).toEqual([
        ...admins.slice(1).map(() => '200'),
        LAST_ADMIN,
      ]);
    }
    await ok(patch(`/organizations/${orgId}`, { max_allowed_memberships: total + 1 }));
    const [spare1, spare2] = [await newUser(), await newUser()];
    expect(
      [outcome(await addMember(orgId, spare1 as string, MEMBER)), outcome(await addMember(orgId, spare2 as string, MEMBER))],
      `with max_allowed_memberships = rows + 1 = ${total + 1}, exactly one more member fits (members_count must equal the rows)`,
    ).toEqual(['200', '403 organization_membership_quota_exceeded']);
  }

  // ---------------------------------------------------------------- 1. merges with distinct keys

  it('user metadata: 20 concurrent PATCH /users/{id}/metadata merges with distinct keys keep every key', async () => {
    const user = await newUser();
    const expected = { public_metadata: {} as Record<string, number>, private_metadata: {} as Record<string, number>, unsafe_metadata: {} as Record<string, number> };
    for (let round = 0; round < 3; round++) {
      const results = await Promise.all(
        range(20).map((i) =>
          patch(`/users/${user}/metadata`, {
            public_metadata: { [`k${round}_${i}`]: i },
            private_metadata: { [`p${round}_${i}`]: i },
            unsafe_metadata: { [`u${round}_${i}`]: i },
          }),
        ),
      );
      expect(tally(results)).toEqual({ 200: 20 });
      for (const i of range(20)) {
        expected.public_metadata[`k${round}_${i}`] = i;
        expected.private_metadata[`p${round}_${i}`] = i;
        expected.unsafe_metadata[`u${round}_${i}`] = i;
      }
      const u = await ok(get(`/users/${user}`));
      for (const kind of ['public_metadata', 'private_metadata', 'unsafe_metadata'] as const) {
        expect(missingKeys(u[kind], expected[kind]), `round ${round}: ${kind} keys lost`).toEqual([]);
        expect(u[kind]).toEqual(expected[kind]);
      }
    }
  });

  it('organization metadata: 20 concurrent PATCH /organizations/{id}/metadata merges keep every key', async () => {
    const orgId = await newOrg(await newUser());
    const expected = { public_metadata: {} as Record<string, number>, private_metadata: {} as Record<string, number> };
    for (let round = 0; round < 3; round++) {
      const results = await Promise.all(
        range(20).map((i) => patch(`/organizations/${orgId}/metadata`, { public_metadata: { [`k${round}_${i}`]: i }, private_metadata: { [`p${round}_${i}`]: i } })),
      );
      expect(tally(results)).toEqual({ 200: 20 });
      for (const i of range(20)) {
        expected.public_metadata[`k${round}_${i}`] = i;
        expected.private_metadata[`p${round}_${i}`] = i;
      }
      const o = await ok(get(`/organizations/${orgId}`));
      for (const kind of ['public_metadata', 'private_metadata'] as const) {
        expect(missingKeys(o[kind], expected[kind]), `round ${round}: ${kind} keys lost`).toEqual([]);
        expect(o[kind]).toEqual(expected[kind]);
      }
    }
  });

  it('membership metadata: 20 concurrent PATCH …/memberships/{user_id}/metadata merges keep every key', async () => {
    const creator = await newUser();
    const orgId = await newOrg(creator);
    const member = await newUser();
    await ok(addMember(orgId, member, MEMBER));
    const expected = { public_metadata: {} as Record<string, number>, private_metadata: {} as Record<string, number> };
    for (let round = 0; round < 3; round++) {
      const results = await Promise.all(
        range(20).map((i) =>
          patch(`/organizations/${orgId}/memberships/${member}/metadata`, { public_metadata: { [`k${round}_${i}`]: i }, private_metadata: { [`p${round}_${i}`]: i } }),
        ),
      );
      expect(tally(results)).toEqual({ 200: 20 });
      for (const i of range(20)) {
        expected.public_metadata[`k${round}_${i}`] = i;
        expected.private_metadata[`p${round}_${i}`] = i;
      }
      const listed = await ok(get(`/organizations/${orgId}/memberships?user_id=${member}`));
      expect(listed.total_count).toBe(1);
      const m = listed.data?.[0] as Body;
      for (const kind of ['public_metadata', 'private_metadata'] as const) {
        expect(missingKeys(m[kind], expected[kind]), `round ${round}: ${kind} keys lost`).toEqual([]);
        expect(m[kind]).toEqual(expected[kind]);
      }
    }
  });

  it('PATCH /users/{id}: concurrent updates of different fields all land, and the query search finds each', async () => {
    const user = await newUser();
    for (let round = 0; round < 3; round++) {
      const x = tag();
      const want = {
        first_name: `fn${x}`,
        last_name: `ln${x}`,
        username: `un${x}`,
        external_id: `ext${x}`,
        public_metadata: { round, public: true },
        private_metadata: { round, private: true },
      };
      const results = await Promise.all(Object.entries(want).map(([field, value]) => patch(`/users/${user}`, { [field]: value })));
      expect(tally(results)).toEqual({ 200: results.length });
      const u = await ok(get(`/users/${user}`));
      expect(missingKeys(u, want), `round ${round}: fields lost`).toEqual([]);
      // search_text is recomputed by every update: each name must still be found.
      const notFound: string[] = [];
      for (const q of [want.first_name, want.last_name, want.username]) {
        const found = await getArray(`/users?query=${encodeURIComponent(q)}`);
        if (!found.some((f) => f.id === user)) notFound.push(q);
      }
      expect(notFound, `round ${round}: GET /users?query= no longer finds the user by`).toEqual([]);
    }
  });

  describe('instance settings (own server: these change instance-wide behaviour)', () => {
    let s: TestServer;
    beforeAll(async () => {
      s = await startTestServer(dialect);
    });
    afterAll(async () => {
      await s?.close();
    });

    async function sCall(path: string, json?: unknown): Promise<Res> {
      const res = await s.api(path, json === undefined ? {} : { method: 'PATCH', json });
      return { status: res.status, body: (await res.json()) as Body };
    }

    it('concurrent PATCH /instance/restrictions and /instance/organization_settings of distinct fields: all set', async () => {
      const restrictionsOn = {
        allowlist: true,
        blocklist: true,
        allowlist_blocklist_disabled_on_sign_in: true,
        block_email_subaddresses: true,
        block_disposable_email_domains: true,
      };
      const restrictionsOff = Object.fromEntries(Object.keys(restrictionsOn).map((k) => [k, false]));
      // Patch value → the field the settings answer shows it in, and the value shown.
      const orgOn: [Record<string, unknown>, string, unknown][] = [
        [{ enabled: false }, 'enabled', false],
        [{ max_allowed_memberships: 7 }, 'max_allowed_memberships', 7],
        [{ admin_delete_enabled: false }, 'admin_delete_enabled', false],
        [{ domains_enabled: false }, 'domains_enabled', false],
        [{ slug_disabled: true }, 'slug_disabled', true],
        [{ domains_enrollment_modes: ['manual_invitation'] }, 'domains_enrollment_modes', ['manual_invitation']],
        [{ creator_role_id: MEMBER }, 'creator_role', MEMBER],
        [{ domains_default_role_id: ADMIN }, 'domains_default_role', ADMIN],
      ];
      const orgOff: [Record<string, unknown>, string, unknown][] = [
        [{ enabled: true }, 'enabled', true],
        [{ max_allowed_memberships: 0 }, 'max_allowed_memberships', 0],
        [{ admin_delete_enabled: true }, 'admin_delete_enabled', true],
        [{ domains_enabled: true }, 'domains_enabled', true],
        [{ slug_disabled: false }, 'slug_disabled', false],
        [{ domains_enrollment_modes: ['manual_invitation', 'automatic_invitation', 'automatic_suggestion'] }, 'domains_enrollment_modes', ['manual_invitation', 'automatic_invitation', 'automatic_suggestion']],
        [{ creator_role_id: ADMIN }, 'creator_role', ADMIN],
        [{ domains_default_role_id: MEMBER }, 'domains_default_role', MEMBER],
      ];
      for (let round = 0; round < 4; round++) {
        const on = round % 2 === 0;
        const restrictions: Record<string, unknown> = on ? restrictionsOn : restrictionsOff;
        const orgPatches = on ? orgOn : orgOff;
        const results = await Promise.all([
          ...Object.entries(restrictions).map(([k, v]) => sCall('/instance/restrictions', { [k]: v })),
          ...orgPatches.map(([body]) => sCall('/instance/organization_settings', body)),
        ]);
        expect(tally(results)).toEqual({ 200: results.length });
        const r = (await sCall('/instance/restrictions')).body;
        expect(missingKeys(r, restrictions), `round ${round}: restriction flags lost`).toEqual([]);
        const o = (await sCall('/instance/organization_settings')).body;
        const expectedOrg = Object.fromEntries(orgPatches.map(([, field, value]) => [field, value]));
        expect(missingKeys(o, expectedOrg), `round ${round}: organization settings lost`).toEqual([]);
      }
    });
  });

  // ---------------------------------------------------------------- 2. memberships and counters

  it('two admins demoted concurrently: exactly one demotion succeeds, one admin remains, counters match', async () => {
    for (let round = 0; round < 3; round++) {
      const [a, b, c] = [await newUser(), await newUser(), await newUser()] as [string, string, string];
      const orgId = await newOrg(a);
      await ok(addMember(orgId, b, ADMIN));
      await ok(addMember(orgId, c, MEMBER));
      const results = await Promise.all([setRole(orgId, a, MEMBER), setRole(orgId, b, MEMBER)]);
      expect(tally(results)).toEqual({ 200: 1, [LAST_ADMIN]: 1 });
      const winner = results[0]?.status === 200 ? a : b;
      const loser = winner === a ? b : a;
      const { rows, total } = await members(orgId);
      expect(total).toBe(3);
      expect(roster(rows)).toEqual({ [winner]: MEMBER, [loser]: ADMIN, [c]: MEMBER });
      await probeCounters(orgId);
    }
  });

  it('all admins removed concurrently: all but one removal succeed, counters match', async () => {
    for (let round = 0; round < 2; round++) {
      const admins = [await newUser(), await newUser(), await newUser(), await newUser()];
      const plain = [await newUser(), await newUser()];
      const orgId = await newOrg(admins[0] as string);
      for (const u of admins.slice(1)) await ok(addMember(orgId, u, ADMIN));
      for (const u of plain) await ok(addMember(orgId, u, MEMBER));
      const results = await Promise.all(admins.map((u) => removeMember(orgId, u)));
      expect(tally(results)).toEqual({ 200: 3, [LAST_ADMIN]: 1 });
      const survivor = admins[results.findIndex((r) => r.status !== 200)] as string;
      const { rows, total } = await members(orgId);
      expect(total).toBe(3);
      expect(roster(rows)).toEqual({ [survivor]: ADMIN, [plain[0] as string]: MEMBER, [plain[1] as string]: MEMBER });
      await probeCounters(orgId);
    }
  });

  it('mixed demote, remove, promote and add of admins at once: a serial outcome, counters match', async () => {
    for (let round = 0; round < 3; round++) {
      const [a, b, c, d, e, f] = (await Promise.all(range(6).map(() => newUser()))) as [string, string, string, string, string, string];
      const orgId = await newOrg(a);
      await ok(addMember(orgId, b, ADMIN));
      await ok(addMember(orgId, c, MEMBER));
      await ok(addMember(orgId, d, MEMBER));
      const [demoteA, removeB, promoteC, removeD, addE, addF] = await Promise.all([
        setRole(orgId, a, MEMBER),
        removeMember(orgId, b),
        setRole(orgId, c, ADMIN),
        removeMember(orgId, d),
        addMember(orgId, e, ADMIN),
        addMember(orgId, f, MEMBER),
      ]);
      for (const r of [promoteC, removeD, addE, addF]) expect(outcome(r as Res)).toBe('200');
      expectOnly([demoteA as Res, removeB as Res], ['200', LAST_ADMIN]);
      // The first of the two admin losses always finds two admins: at most one can be refused.
      expect([demoteA, removeB].filter((r) => r?.status !== 200).length).toBeLessThanOrEqual(1);
      const expected: Record<string, string> = { [a]: demoteA?.status === 200 ? MEMBER : ADMIN, [c]: ADMIN, [e]: ADMIN, [f]: MEMBER };
      if (removeB?.status !== 200) expected[b] = ADMIN;
      const { rows } = await members(orgId);
      expect(roster(rows)).toEqual(expected);
      await probeCounters(orgId);
    }
  });

  it('deleting an admin user while the other admin is demoted: one admin always remains, counters match', async () => {
    for (let round = 0; round < 3; round++) {
      const [a, b, c] = [await newUser(), await newUser(), await newUser()] as [string, string, string];
      const orgId = await newOrg(a);
      await ok(addMember(orgId, b, ADMIN));
      await ok(addMember(orgId, c, MEMBER));
      const [deleted, demoted] = await Promise.all([del(`/users/${a}`), setRole(orgId, b, MEMBER)]);
      expect(outcome(deleted as Res)).toBe('200');
      expectOnly([demoted as Res], ['200', LAST_ADMIN]);
      // Either order ends the same: b is the admin (promoted back as heir, or never demoted), c a member.
      const { rows, total } = await members(orgId);
      expect(total).toBe(2);
      expect(roster(rows)).toEqual({ [b]: ADMIN, [c]: MEMBER });
      await probeCounters(orgId);
    }
  });

  it('adds racing with removals on a full organization never exceed max_allowed_memberships', async () => {
    for (let round = 0; round < 2; round++) {
      const creator = await newUser();
      const orgId = await newOrg(creator, { max_allowed_memberships: 4 });
      const existing = [await newUser(), await newUser(), await newUser()];
      for (const u of existing) await ok(addMember(orgId, u, MEMBER));
      const newcomers = await Promise.all(range(6).map(() => newUser()));
      const results = await Promise.all([
        removeMember(orgId, existing[0] as string),
        removeMember(orgId, existing[1] as string),
        ...newcomers.map((u) => addMember(orgId, u, MEMBER)),
      ]);
      expect(results.slice(0, 2).map(outcome)).toEqual(['200', '200']);
      const adds = results.slice(2);
      expectOnly(adds, ['200', '403 organization_membership_quota_exceeded']);
      const joined = newcomers.filter((_, i) => adds[i]?.status === 200);
      expect(joined.length, 'adds admitted (two seats were freed)').toBeLessThanOrEqual(2);
      const { rows, total } = await members(orgId);
      expect(total).toBe(2 + joined.length);
      expect(roster(rows)).toEqual(Object.fromEntries([[creator, ADMIN], [existing[2], MEMBER], ...joined.map((u) => [u, MEMBER])]));
      await probeCounters(orgId);
    }
  });

  it('the same user added ten times at once: one membership, counters match', async () => {
    const creator = await newUser();
    const orgId = await newOrg(creator);
    const u = await newUser();
    const results = await Promise.all(range(10).map((i) => addMember(orgId, u, i % 2 ? ADMIN : MEMBER)));
    expect(tally(results)).toEqual({ 200: 1, '400 already_a_member_in_organization': 9 });
    const { total } = await members(orgId);
    expect(total).toBe(2);
    await probeCounters(orgId);
  });

  it('deleting a custom role while memberships are given it: never a membership with a deleted role', async () => {
    for (let round = 0; round < 3; round++) {
      const key = `org:r${tag()}`;
      const role = await ok(post('/organization_roles', { name: `Role ${key}`, key, description: 'race', permissions: [] }));
      const orgId = await newOrg(await newUser());
      const users = await Promise.all(range(5).map(() => newUser()));
      const [deleted, ...adds] = await Promise.all([del(`/organization_roles/${role.id}`), ...users.map((u) => addMember(orgId, u, key))]);
      expectOnly([deleted as Res], ['200', '422 organization_role_in_use']);
      // Serially: a delete that succeeds comes before every add (which then fail); a refused delete came
      // after at least one add, and the role still exists for all of them.
      if (deleted?.status === 200) {
        expect(tally(adds), 'the role was deleted, so no membership may hold it').toEqual({ '422 form_param_value_invalid': 5 });
      } else {
        expect(tally(adds)).toEqual({ 200: 5 });
      }
      const { rows } = await members(orgId);
      for (const r of new Set(rows.map((m) => m.role as string))) {
        expect(outcome(await get(`/organization_roles/${encodeURIComponent(r)}`)), `role ${r} held by a member`).toBe('200');
      }
    }
  });

  // ---------------------------------------------------------------- 3. invitations

  it('ten concurrent POST /invitations to one address (case variants): one pending invitation', async () => {
    const local = `inv${tag()}`;
    const variants = range(10).map((i) => (i % 2 ? `${local.toUpperCase()}@Races.Test` : `${local}@races.test`));
    const results = await Promise.all(variants.map((email_address) => post('/invitations', { email_address, notify: false })));
    expect(tally(results)).toEqual({ 200: 1, '422 duplicate_record': 9 });
    const winner = results.find((r) => r.status === 200)?.body.id;
    const pending = await getArray(`/invitations?status=pending&query=${local}`);
    expect(pending.map((i) => i.id)).toEqual([winner]);
  });

  it('ten concurrent organization invitations to one address: one pending invitation', async () => {
    const orgId = await newOrg(await newUser());
    const local = `oinv${tag()}`;
    const results = await Promise.all(
      range(10).map((i) => post(`/organizations/${orgId}/invitations`, { email_address: i % 2 ? `${local.toUpperCase()}@Races.Test` : `${local}@races.test`, role: MEMBER, notify: false })),
    );
    expect(tally(results)).toEqual({ 200: 1, '422 duplicate_record': 9 });
    const winner = results.find((r) => r.status === 200)?.body.id;
    const pending = await ok(get(`/organizations/${orgId}/invitations?status=pending&email_address=${local}@races.test`));
    expect(pending.data?.map((i) => i.id)).toEqual([winner]);
    expect((await ok(get(`/organizations/${orgId}?include_members_count=true`))).pending_invitations_count).toBe(1);
  });

  it('ten concurrent revokes of one invitation: exactly one revokes it', async () => {
    const local = `rev${tag()}`;
    const inv = await ok(post('/invitations', { email_address: `${local}@races.test`, notify: false }));
    const results = await Promise.all(range(10).map(() => post(`/invitations/${inv.id}/revoke`)));
    expect(tally(results)).toEqual({ 200: 1, '400 invitation_not_pending': 9 });
    const revoked = await getArray(`/invitations?status=revoked&query=${local}`);
    expect(revoked.map((i) => [i.id, i.status, i.updated_at])).toEqual([[inv.id, 'revoked', results.find((r) => r.status === 200)?.body.updated_at]]);
    expect(await getArray(`/invitations?status=pending&query=${local}`)).toEqual([]);
  });

  it('ten concurrent revokes of one organization invitation: exactly one revokes it', async () => {
    const orgId = await newOrg(await newUser());
    const inv = await ok(post(`/organizations/${orgId}/invitations`, { email_address: `orev${tag()}@races.test`, role: MEMBER, notify: false }));
    const results = await Promise.all(range(10).map(() => post(`/organizations/${orgId}/invitations/${inv.id}/revoke`)));
    expect(tally(results)).toEqual({ 200: 1, '400 invitation_not_pending': 9 });
    expect(await ok(get(`/organizations/${orgId}/invitations/${inv.id}`))).toMatchObject({ status: 'revoked' });
    expect((await ok(get(`/organizations/${orgId}/invitations/pending`))).total_count).toBe(0);
  });

  it('concurrent POST /invitations with ignore_existing: each supersedes the last, one stays pending', async () => {
    const local = `sup${tag()}`;
    await ok(post('/invitations', { email_address: `${local}@races.test`, notify: false }));
    const results = await Promise.all(range(8).map(() => post('/invitations', { email_address: `${local}@races.test`, notify: false, ignore_existing: true })));
    // Serially every one of these succeeds, revoking the one before.
    expect(tally(results)).toEqual({ 200: 8 });
    const pending = await getArray(`/invitations?status=pending&query=${local}`);
    expect(pending).toHaveLength(1);
    expect(results.map((r) => r.body.id)).toContain(pending[0]?.id);
    expect(await getArray(`/invitations?status=revoked&query=${local}`)).toHaveLength(8);
  });

  /** Overlapping bulks [x0,x1], [x1,x2], …: all or nothing each, winners disjoint, every loser overlaps a winner. */
  function checkBulks(bulks: string[][], results: Res[], pendingAddresses: string[]): void {
    expectOnly(results, ['200', '422 duplicate_record']);
    const winners = bulks.filter((_, i) => results[i]?.status === 200);
    expect(winners.length).toBeGreaterThanOrEqual(1);
    const won = winners.flat();
    expect(new Set(won).size, 'two successful bulks invited the same address').toBe(won.length);
    for (const [i, b] of bulks.entries()) {
      if (results[i]?.status !== 200) expect(b.some((x) => won.includes(x)), `bulk ${JSON.stringify(b)} was refused without a conflicting winner`).toBe(true);
    }
    expect([...pendingAddresses].sort()).toEqual([...won].sort());
  }

  it('concurrent overlapping POST /invitations/bulk: all or nothing each, one pending invitation per address', async () => {
    const x = tag();
    const addresses = range(7).map((i) => `bulk${x}n${i}@races.test`);
    const bulks = range(6).map((i) => [addresses[i] as string, addresses[i + 1] as string]);
    const results = await Promise.all(bulks.map((b) => post('/invitations/bulk', b.map((email_address) => ({ email_address, notify: false })))));
    const pending = await getArray(`/invitations?status=pending&query=bulk${x}`);
    checkBulks(bulks, results, pending.map((i) => i.email_address as string));
  });

  it('concurrent overlapping organization bulk invitations: all or nothing each, one pending invitation per address', async () => {
    const orgId = await newOrg(await newUser());
    const x = tag();
    const addresses = range(7).map((i) => `obulk${x}n${i}@races.test`);
    const bulks = range(6).map((i) => [addresses[i] as string, addresses[i + 1] as string]);
    const results = await Promise.all(
      bulks.map((b) => post(`/organizations/${orgId}/invitations/bulk`, b.map((email_address) => ({ email_address, role: MEMBER, notify: false })))),
    );
    const pending = await ok(get(`/organizations/${orgId}/invitations/pending?limit=100`));
    checkBulks(bulks, results, (pending.data ?? []).map((i) => i.email_address as string));
  });

  // ---------------------------------------------------------------- 4. templates and domain codes

  it('PUT /templates/email/{slug}: concurrent updates of different fields all survive', async () => {
    const slug = 'magic_link_sign_up';
    for (let round = 0; round < 3; round++) {
      const want = {
        name: `Name ${round} ${tag()}`,
        subject: `Subject ${round} ${tag()}`,
        from_email_name: `from${round}`,
        reply_to_email_name: `reply${round}`,
        delivered_by_clerk: round % 2 === 1,
      };
      const results = await Promise.all(Object.entries(want).map(([field, value]) => put(`/templates/email/${slug}`, { [field]: value })));
      expect(tally(results)).toEqual({ 200: 5 });
      const tpl = await ok(get(`/templates/email/${slug}`));
      expect(missingKeys(tpl, want), `round ${round}: template fields lost`).toEqual([]);
    }
  });

  it('ten concurrent toggle_delivery calls flip the flag ten times', async () => {
    const path = '/templates/sms/reset_password_code';
    const before = (await ok(get(path))).delivered_by_clerk as boolean;
    const results = await Promise.all(range(10).map(() => post(`${path}/toggle_delivery`, {})));
    expect(tally(results)).toEqual({ 200: 10 });
    // Serially the answers alternate: five of each value, and an even number of flips ends where it began.
    expect(results.filter((r) => r.body.delivered_by_clerk === !before).length, 'toggles that flipped the value read before them').toBe(5);
    expect((await ok(get(path))).delivered_by_clerk).toBe(before);
  });

  /** An unverified domain with a code sent to a fresh address at it; returns the code from the e-mail. */
  async function preparedDomain(orgId: string, extra: Record<string, unknown> = {}): Promise<{ domainId: string; domain: string; code: () => Promise<string> }> {
    const domain = `d${tag()}.test`;
    const d = await ok(post(`/organizations/${orgId}/domains`, { name: domain, verified: false, ...extra }));
    const address = `it${tag()}@${domain}`;
    await ok(post(`/organizations/${orgId}/domains/${d.id}/prepare_affiliation_verification`, { affiliation_email_address: address }));
    const code = async () => {
      const mail = await smtp.waitFor((m) => (m.to as { value: { address?: string }[] } | undefined)?.value[0]?.address === address);
      const found = /\b(\d{6})\b/.exec(mail.subject ?? '');
      if (!found) throw new Error(`no code in ${mail.subject}`);
      return found[1] as string;
    };
    return { domainId: d.id, domain, code };
  }
  async function domainOf(orgId: string, domainId: string): Promise<Body> {
    const listed = await ok(get(`/organizations/${orgId}/domains?limit=100`));
    const d = listed.data?.find((x) => x.id === domainId);
    if (!d) throw new Error(`domain ${domainId} not listed`);
    return d;
  }
  const attempt = (orgId: string, domainId: string, code: string) => post(`/organizations/${orgId}/domains/${domainId}/attempt_affiliation_verification`, { code });

  it('concurrent wrong affiliation codes below the limit: every attempt is counted', async () => {
    const orgId = await newOrg(await newUser());
    const { domainId } = await preparedDomain(orgId);
    const results = await Promise.all(range(4).map(() => attempt(orgId, domainId, 'x')));
    expect(tally(results)).toEqual({ '422 form_code_incorrect': 4 });
    expect((await domainOf(orgId, domainId)).verification).toMatchObject({ status: 'unverified', attempts: 4 });
  });

  it('concurrent wrong affiliation codes beyond the limit: exactly five are tried, the code is then dead', async () => {
    for (let round = 0; round < 2; round++) {
      const orgId = await newOrg(await newUser());
      const { domainId, code } = await preparedDomain(orgId);
      const results = await Promise.all(range(12).map(() => attempt(orgId, domainId, 'x')));
      expect(tally(results), 'five wrong codes are checked, the rest refused as too many').toEqual({ '422 form_code_incorrect': 5, '422 verification_failed': 7 });
      expect((await domainOf(orgId, domainId)).verification).toMatchObject({ status: 'unverified', attempts: 5 });
      expect(outcome(await attempt(orgId, domainId, await code())), 'the right code after the limit').toBe('422 verification_failed');
      expect((await domainOf(orgId, domainId)).verification).toMatchObject({ status: 'unverified' });
    }
  });

  it('the right affiliation code sent eight times at once: it verifies once, and enrolls each user once', async () => {
    const orgId = await newOrg(await newUser());
    const { domainId, domain, code } = await preparedDomain(orgId, { enrollment_mode: 'automatic_invitation' });
    const resident = `res${tag()}@${domain}`;
    await newUser({ email_address: [resident] });
    const theCode = await code();
    const results = await Promise.all(range(8).map(() => attempt(orgId, domainId, theCode)));
    // A code works once: after it verified the domain there is no code left to check.
    expect(tally(results)).toEqual({ 200: 1, '400 verification_expired': 7 });
    expect((await domainOf(orgId, domainId)).verification).toMatchObject({ status: 'verified', strategy: 'email_code' });
    const pending = await ok(get(`/organizations/${orgId}/invitations/pending?limit=100`));
    expect((pending.data ?? []).map((i) => i.email_address)).toEqual([resident]);
  });

  // ---------------------------------------------------------------- 5. other read-modify-writes

  it('concurrent verify_ownership and PATCH verified:true of an automatic-invitation domain: no error, one invitation per user', async () => {
    const orgId = await newOrg(await newUser());
    const domain = `v${tag()}.test`;
    const residents = range(3).map((i) => `r${i}${tag()}@${domain}`);
    for (const r of residents) await newUser({ email_address: [r] });
    const d = await ok(post(`/organizations/${orgId}/domains`, { name: domain, verified: false, enrollment_mode: 'automatic_invitation' }));
    const results = await Promise.all(
      range(6).map((i) => (i % 2 ? post(`/organizations/${orgId}/domains/${d.id}/verify_ownership`) : patch(`/organizations/${orgId}/domains/${d.id}`, { verified: true }))),
    );
    expect(tally(results)).toEqual({ 200: 6 });
    const pending = await ok(get(`/organizations/${orgId}/invitations/pending?limit=100`));
    expect((pending.data ?? []).map((i) => i.email_address as string).sort()).toEqual([...residents].sort());
  });

  it('PATCH /organizations/{id}: concurrent updates of name, slug and other fields all land', async () => {
    const orgId = await newOrg(await newUser());
    for (let round = 0; round < 4; round++) {
      const x = tag();
      const want = {
        name: `Name${x}`,
        slug: `slug${x}`,
        max_allowed_memberships: 10 + round,
        admin_delete_enabled: round % 2 === 1,
        public_metadata: { round },
        private_metadata: { round, secret: x },
      };
      const results = await Promise.all(Object.entries(want).map(([field, value]) => patch(`/organizations/${orgId}`, { [field]: value })));
      expect(tally(results)).toEqual({ 200: 6 });
      const o = await ok(get(`/organizations/${orgId}`));
      expect(missingKeys(o, want), `round ${round}: organization fields lost`).toEqual([]);
      for (const q of [want.name, want.slug]) {
        const found = await ok(get(`/organizations?query=${q}`));
        expect(found.data?.map((f) => f.id), `GET /organizations?query=${q}`).toEqual([orgId]);
      }
    }
  });

  it('eight concurrent POST /organizations with one name and no slug: all created, with distinct slugs', async () => {
    const name = `Same Name ${tag()}`;
    const results = await Promise.all(range(8).map(() => post('/organizations', { name })));
    // Serially each one finds the generated slug taken and gets a random suffix.
    expect(tally(results)).toEqual({ 200: 8 });
    const slugs = results.map((r) => r.body.slug as string);
    expect(new Set(slugs).size).toBe(8);
  });

  it('concurrent POST /email_addresses to one user: every address kept, a valid primary, each one searchable', async () => {
    // Round 0: the user has no address yet (every add also sets the primary); round 1: it has a primary.
    for (let round = 0; round < 2; round++) {
      const x = tag();
      const first = `first${x}@races.test`;
      const user = (await ok(post('/users', round === 0 ? { first_name: `nomail${x}`, skip_password_requirement: true } : { email_address: [first] }))).id;
      const addresses = range(8).map((i) => `add${x}n${i}@races.test`);
      const results = await Promise.all(addresses.map((email_address) => post('/email_addresses', { user_id: user, email_address, verified: true })));
      expect(tally(results)).toEqual({ 200: 8 });
      const all = round === 0 ? addresses : [first, ...addresses];
      const u = await ok(get(`/users/${user}`));
      const emails = u.email_addresses as Body[];
      expect(emails.map((e) => e.email_address as string).sort()).toEqual([...all].sort());
      expect(emails.map((e) => e.id)).toContain(u.primary_email_address_id);
      const notFound: string[] = [];
      for (const a of all) {
        if (!(await getArray(`/users?query=${encodeURIComponent(a)}`)).some((f) => f.id === user)) notFound.push(a);
      }
      expect(notFound, `round ${round}: GET /users?query= does not find the user by`).toEqual([]);
    }
  });

  it('deleting the primary address and its successor at once: the primary is a remaining address', async () => {
    for (let round = 0; round < 3; round++) {
      const x = tag();
      const user = await newUser({ email_address: [`p1${x}@races.test`] });
      const e2 = await ok(post('/email_addresses', { user_id: user, email_address: `p2${x}@races.test`, verified: true }));
      const e3 = await ok(post('/email_addresses', { user_id: user, email_address: `p3${x}@races.test`, verified: true }));
      const before = await ok(get(`/users/${user}`));
      const e1 = before.primary_email_address_id as string;
      expect(e1).not.toBe(e2.id);
      const results = await Promise.all([del(`/email_addresses/${e1}`), del(`/email_addresses/${e2.id}`)]);
      expect(tally(results)).toEqual({ 200: 2 });
      const u = await ok(get(`/users/${user}`));
      expect((u.email_addresses as Body[]).map((e) => e.id)).toEqual([e3.id]);
      expect(u.primary_email_address_id, 'primary_email_address_id after both deletions').toBe(e3.id);
    }
  });

  it('concurrent PUT /users/{id}/email_address: exactly one address remains, and it is primary', async () => {
    for (let round = 0; round < 2; round++) {
      const x = tag();
      const user = await newUser({ email_address: [`old${x}@races.test`] });
      const wanted = range(5).map((i) => `repl${x}n${i}@races.test`);
      const results = await Promise.all(wanted.map((email_address) => put(`/users/${user}/email_address`, { email_address })));
      expect(tally(results)).toEqual({ 200: 5 });
      const u = await ok(get(`/users/${user}`));
      const emails = u.email_addresses as Body[];
      expect(emails.map((e) => e.email_address), 'addresses after five concurrent replacements').toHaveLength(1);
      expect(wanted).toContain(emails[0]?.email_address);
      expect(u.primary_email_address_id).toBe(emails[0]?.id);
    }
  });

  it('one backup code used eight times at once: accepted exactly once', async () => {
    const codes = range(3).map((i) => `bc${i}${tag()}`);
    const user = await newUser({ backup_codes: codes });
    const results = await Promise.all(range(8).map(() => post(`/users/${user}/verify_totp`, { code: codes[0] })));
    expect(tally(results)).toEqual({ 200: 1, '422 form_code_incorrect': 7 });
    expect(results.find((r) => r.status === 200)?.body).toEqual({ verified: true, code_type: 'backup_code' });
    expect(outcome(await post(`/users/${user}/verify_totp`, { code: codes[0] }))).toBe('422 form_code_incorrect');
    expect(outcome(await post(`/users/${user}/verify_totp`, { code: codes[1] }))).toBe('200');
  });

  it('different backup codes used at once: each is accepted once and used up', async () => {
    const codes = range(5).map((i) => `bd${i}${tag()}`);
    const user = await newUser({ backup_codes: codes });
    const results = await Promise.all(codes.map((code) => post(`/users/${user}/verify_totp`, { code })));
    // Each code is valid and unused: serially all five succeed.
    expect(tally(results)).toEqual({ 200: 5 });
    const u = await ok(get(`/users/${user}`));
    expect(u.backup_code_enabled, 'codes left after all five were used').toBe(false);
    for (const code of codes) expect(outcome(await post(`/users/${user}/verify_totp`, { code }))).not.toBe('200');
  });

  it('concurrent verify_password on an imported bcrypt digest: all verified, and the rehashed password still works', async () => {
    const password = `correct horse ${tag()} staple`;
    const user = await newUser({ password_digest: bcryptjs.hashSync(password, 4), password_hasher: 'bcrypt' });
    const results = await Promise.all(range(6).map(() => post(`/users/${user}/verify_password`, { password })));
    expect(tally(results)).toEqual({ 200: 6 });
    expect(outcome(await post(`/users/${user}/verify_password`, { password }))).toBe('200');
    expect(outcome(await post(`/users/${user}/verify_password`, { password: `${password}!` }))).toBe('422 form_password_incorrect');
  });
});
