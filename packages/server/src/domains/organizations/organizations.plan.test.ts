/**
 * Query plans of the organization, membership and invitation lists, on both databases, so that a later
 * change cannot silently bring back a full scan or a sort of every row. The database holds a few thousand
 * organizations (one with many members and invitations) and fresh statistics, so the planners choose as
 * they would on a real instance; on PostgreSQL, sequential scans and sorts are priced out
 * (`enable_seqscan`/`enable_sort` off) for the ordering checks, so a plan that still has one has no index
 * to use instead. The rows are written as the services write them, so the member sort keys come from the
 * triggers of migration 0017; the last test checks that those triggers follow the users.
 */
import { newId } from '@latch/core';
import { type CompiledQuery, type Insertable, sql } from 'kysely';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { testDialects } from '../../test/harness.js';
import { type ImportedDatabase, importedDatabase, queryPlan } from '../../test/query-plans.js';
import { type Db, type Storage, transaction } from '../../storage/database.js';
import type { OrganizationInvitationTable, OrganizationMembershipTable, OrganizationTable } from '../../storage/schema.js';
import { type InvitationListQuery, invitationsPageQuery, invitationsWhere, lapsedPendingQuery } from './invitations/repository.js';
import { type MembershipListQuery, type MembershipOrder, countMembershipsQuery, membershipIdsQuery, hasAbsentPart, namedMembersQuery } from './memberships/repository.js';
import { countOrganizationsQuery, organizationIdsQuery } from './organizations/repository.js';

const USERS = 2000;
const ORGS = 3000;
const BIG_MEMBERS = 1500;
const T0 = Date.UTC(2025, 0, 1);
const MEMBER_ORDERS: MembershipOrder[] = ['created_at', 'updated_at', 'role', 'first_name', 'last_name', 'username', 'email_address', 'phone_number'];
const DIRECTIONS = ['asc', 'desc'] as const;

describe.each(testDialects())('organization list query plans on %s', (dialect) => {
  let imported: ImportedDatabase;
  let storage: Storage;
  let bigOrg = '';
  const db = () => storage.db as Db;

  beforeAll(async () => {
    imported = await importedDatabase(
      dialect,
      Array.from({ length: USERS }, (_, i) => ({
        first_name: i % 7 === 0 ? undefined : `First${i % 50}`,
        last_name: `Last${i % 70}`,
        email_address: [`plan${i}@plan.example`],
        ...(i % 3 === 0 ? { phone_number: [`+1555${String(i).padStart(7, '0')}`] } : {}),
        ...(i % 2 === 0 ? { username: `plan_user_${i}` } : {}),
      })),
    );
    storage = imported.storage;
    const users = (await db().selectFrom('users').select('id').orderBy('id').execute()).map((u) => u.id);
    const orgs: Insertable<OrganizationTable>[] = [];
    const members: Insertable<OrganizationMembershipTable>[] = [];
    const invitations: Insertable<OrganizationInvitationTable>[] = [];
    for (let i = 0; i < ORGS; i++) {
      const t = T0 + i * 60_000;
      const id = newId('org', t);
      const size = i === 0 ? BIG_MEMBERS : 1 + (i % 3);
      let admins = 0;
      for (let k = 0; k < size; k++) {
        const admin = k === 0 || k % 40 === 1;
        if (admin) admins++;
        const mt = t + k * 1000;
        members.push({ id: newId('orgmem', mt), organization_id: id, user_id: users[(i * 7 + k) % USERS] as string, role: admin ? 'org:admin' : 'org:member', public_metadata: '{}', private_metadata: '{}', created_at: mt, updated_at: mt });
      }
      const name = `Plan Org ${i % 400}`;
      const slug = `plan-org-${i}`;
      orgs.push({ id, name, slug, image_id: null, created_by: users[(i * 7) % USERS] as string, max_allowed_memberships: 0, admin_delete_enabled: 1, public_metadata: '{}', private_metadata: '{}', members_count: size, admins_count: admins, search_text: [id, name, slug].join('\n').toLowerCase(), created_at: t, updated_at: t });
      for (let k = 0; k < (i === 0 ? 500 : i % 5 === 0 ? 1 : 0); k++) {
        const status = (['pending', 'accepted', 'revoked', 'expired'] as const)[k % 4] as OrganizationInvitationTable['status'];
        const email = `invitee${i}.${k}@plan.example`;
        invitations.push({ id: newId('orginv', t + k), organization_id: id, email_address: email, normalized: email, role: 'org:member', inviter_user_id: null, public_metadata: '{}', private_metadata: '{}', redirect_url: null, status, source: 'manual', expires_at: t + k * 1000, accepted_at: null, accepted_user_id: null, revoked_at: null, created_at: t + k, updated_at: t + k });
      }
    }
    bigOrg = (orgs[0] as OrganizationTable).id;
    await transaction(db(), async (tx) => {
      for (let i = 0; i < orgs.length; i += 200) await tx.insertInto('organizations').values(orgs.slice(i, i + 200)).execute();
      for (let i = 0; i < members.length; i += 500) await tx.insertInto('organization_memberships').values(members.slice(i, i + 500)).execute();
      for (let i = 0; i < invitations.length; i += 200) await tx.insertInto('organization_invitations').values(invitations.slice(i, i + 200)).execute();
    });
    await sql`ANALYZE`.execute(db());
    // The visibility map autovacuum keeps on a running instance, which index-only scans rely on.
    if (dialect === 'postgres') await sql`VACUUM organizations, organization_memberships, organization_invitations`.execute(db());
  });
  afterAll(async () => {
    await imported?.close();
  });

  const plan = (query: { compile(): CompiledQuery }, priceOut: boolean, settings: string[] = []) => queryPlan(storage, query, priceOut, settings);

  /** No full scan of a table and no sort: the ordering comes from an index. */
  function expectIndexOrdered(lines: string[], label: string) {
    const text = lines.join('\n');
    if (dialect === 'sqlite') {
      expect(text, `${label}: ${text}`).not.toMatch(/TEMP B-TREE/);
      for (const l of lines) if (/^SCAN /.test(l)) expect(l, `${label}: ${text}`).toMatch(/USING (COVERING )?INDEX/);
    } else {
      expect(text, `${label}: ${text}`).not.toMatch(/Seq Scan|Sort/);
    }
  }

  /** No full scan of the table (a count may walk an index of the rows it counts). */
  function expectNoTableScan(lines: string[], table: string, label: string) {
    const text = lines.join('\n');
    if (dialect === 'sqlite') expect(text, `${label}: ${text}`).not.toMatch(new RegExp(`^SCAN ${table}\\b(?! USING)`, 'm'));
    else expect(text, `${label}: ${text}`).not.toMatch(new RegExp(`Seq Scan on ${table}\\b`));
  }

  for (const orderBy of ['created_at', 'name', 'members_count'] as const) {
    for (const direction of DIRECTIONS) {
      it(`orders organizations by ${direction === 'desc' ? '-' : '+'}${orderBy} from an index`, async () => {
        expectIndexOrdered(await plan(organizationIdsQuery(db(), dialect, { orderBy, direction }).limit(10).offset(100), true), `organizations ${orderBy} ${direction}`);
      });
    }
  }

  it('reads the first organizations in each order with their search text from the ordering index alone', async () => {
    // What a broad search reads before it asks the search index (organizations/repository.ts PROBE_ROWS).
    for (const orderBy of ['created_at', 'name', 'members_count'] as const) {
      for (const direction of DIRECTIONS) {
        const q = organizationIdsQuery(db(), dialect, { query: 'plan', orderBy, direction }, false).select('organizations.search_text as search_text').limit(1000);
        const text = (await plan(q, true)).join('\n');
        expect(text, text).toMatch(dialect === 'sqlite' ? new RegExp(`USING COVERING INDEX organizations_${orderBy === 'created_at' ? 'created' : orderBy}_idx`) : new RegExp(`Index Only Scan (Backward )?using organizations_${orderBy === 'created_at' ? 'created' : orderBy}_idx`));
      }
    }
  });

  it('searches organizations through the search index, not by reading every organization', async () => {
    const index = dialect === 'sqlite' ? /organizations_fts/ : /organizations_search_trgm_idx/;
    // (On PostgreSQL a sequential scan of a few thousand rows is cheaper, so it is priced out: the index must be usable.)
    const queries = [countOrganizationsQuery(db(), dialect, { query: 'plan-org-2999' })];
    if (dialect === 'sqlite') queries.push(organizationIdsQuery(db(), dialect, { query: 'plan-org-2999', orderBy: 'created_at', direction: 'desc' }).limit(10) as never);
    for (const q of queries) {
      const text = (await plan(q, dialect === 'postgres')).join('\n');
      expect(text, text).toMatch(index);
      expectNoTableScan(text.split('\n'), 'organizations', 'query');
    }
  });

  const memberPage = (q: Partial<MembershipListQuery>, orderBy: MembershipOrder, direction: 'asc' | 'desc') => ({ orderBy, direction, limit: 10, offset: 100, ...q });
  for (const [scope, filter] of [
    ['an organization', () => ({ organizationId: bigOrg })],
    ['the instance', () => ({})],
  ] as const) {
    for (const orderBy of MEMBER_ORDERS) {
      for (const direction of DIRECTIONS) {
        it(`orders the memberships of ${scope} by ${direction === 'desc' ? '-' : '+'}${orderBy} from an index, in both parts`, async () => {
          for (const part of hasAbsentPart(orderBy) ? (['present', 'absent'] as const) : (['present'] as const)) {
            const q = membershipIdsQuery(db(), dialect, memberPage(filter(), orderBy, direction), part).limit(10).offset(100);
            expectIndexOrdered(await plan(q, true), `${scope} ${orderBy} ${direction} ${part}`);
          }
        });
      }
    }
  }

  it("orders one role of an organization's members by creation from an index", async () => {
    for (const direction of DIRECTIONS) {
      const q = membershipIdsQuery(db(), dialect, memberPage({ organizationId: bigOrg, roles: ['org:member'] }, 'created_at', direction), 'present').limit(10).offset(100);
      expectIndexOrdered(await plan(q, true), `role ${direction}`);
    }
  });

  it("orders a user's memberships from an index", async () => {
    const q = membershipIdsQuery(db(), dialect, memberPage({ userId: 'user_x' }, 'created_at', 'desc'), 'present').limit(10);
    expectIndexOrdered(await plan(q, true), 'user');
  });

  it.runIf(dialect === 'postgres')("looks named users' memberships up one user at a time, in the generic plan a kept statement gets", async () => {
    // Kept prepared, the statement is planned once for any organization: its generic plan must look each
    // named user up, not walk the organization's memberships (1,500 here, 20,000 in the bench).
    const someMembers = (await db().selectFrom('organization_memberships').select('user_id').where('organization_id', '=', bigOrg).limit(3).execute()).map((r) => r.user_id);
    const lit = (v: unknown): string =>
      Array.isArray(v) ? `ARRAY[${v.map(lit).join(', ')}]::text[]` : typeof v === 'number' ? String(v) : `'${String(v).replace(/'/g, "''")}'`;
    for (const userFilter of [{ userIds: { include: someMembers, exclude: [] } }, { emailAddresses: ['plan7@plan.example', 'plan8@plan.example'] }]) {
      const q = { ...memberPage({ organizationId: bigOrg, userFilter }, 'created_at', 'desc'), userFilter };
      for (const query of [namedMembersQuery(db(), dialect, q).orderBy('m.created_at', 'desc').orderBy('m.id', 'desc').limit(10).offset(0), db().selectFrom(namedMembersQuery(db(), dialect, q).as('x')).select((eb) => eb.fn.countAll<number>().as('n'))]) {
        const c = query.compile();
        const lines = await transaction(db(), async (tx) => {
          await sql`SET LOCAL plan_cache_mode = force_generic_plan`.execute(tx);
          await sql.raw(`PREPARE named_members_plan AS ${c.sql}`).execute(tx);
          const r = await sql.raw<{ 'QUERY PLAN': string }>(`EXPLAIN EXECUTE named_members_plan(${c.parameters.map(lit).join(', ')})`).execute(tx);
          await sql`DEALLOCATE named_members_plan`.execute(tx);
          return r.rows.map((x) => x['QUERY PLAN']);
        });
        const text = lines.join('\n');
        expect(text, text).toMatch(/organization_memberships_organization_id_user_id_key/);
        expect(text, text).not.toMatch(/organization_memberships_org_created_idx|Seq Scan on organization_memberships/);
      }
    }
  });

  it('counts filtered memberships from an index, not by reading every membership', async () => {
    for (const q of [{ organizationId: bigOrg, roles: ['org:admin'] }, { userId: 'user_x' }, { organizationId: bigOrg, userFilter: { userIds: { include: ['user_x'], exclude: [] } } }]) {
      expectNoTableScan(await plan(countMembershipsQuery(db(), dialect, q), false), 'organization_memberships', JSON.stringify(q));
    }
  });

  const invitationPage = (q: Partial<InvitationListQuery>, orderBy: InvitationListQuery['orderBy'], direction: 'asc' | 'desc'): InvitationListQuery => ({ orderBy, direction, limit: 10, offset: 100, ...q });
  for (const [scope, filter] of [
    ['an organization', () => ({ organizationId: bigOrg })],
    ['the instance', () => ({})],
  ] as const) {
    for (const orderBy of ['created_at', 'email_address', 'expires_at'] as const) {
      for (const direction of DIRECTIONS) {
        it(`orders the invitations of ${scope} by ${direction === 'desc' ? '-' : '+'}${orderBy} from an index`, async () => {
          expectIndexOrdered(await plan(invitationsPageQuery(db(), invitationPage(filter(), orderBy, direction), Date.now()), true), `${scope} ${orderBy} ${direction}`);
        });
      }
    }
    it(`orders the invitations of ${scope} in one status by creation from an index`, async () => {
      for (const status of ['pending', 'accepted', 'revoked'] as const) {
        expectIndexOrdered(await plan(invitationsPageQuery(db(), invitationPage({ ...filter(), statuses: [status] }, 'created_at', 'desc'), Date.now()), true), `${scope} ${status}`);
      }
    });
  }

  it("reads a page deep in the instance's pending invitations from the status index alone", async () => {
    // expires_at is in the index (migration 0018): a lapsed pending invitation is skipped without its row.
    const text = (await plan(invitationsPageQuery(db(), invitationPage({ statuses: ['pending'] }, 'created_at', 'desc'), Date.now()), true)).join('\n');
    expect(text, text).toMatch(dialect === 'sqlite' ? /USING COVERING INDEX organization_invitations_status_idx/ : /Index Only Scan (Backward )?using organization_invitations_status_idx/);
  });

  it('counts the lapsed pending invitations from their partial index', async () => {
    const text = (await plan(lapsedPendingQuery(db(), Date.now()), true)).join('\n');
    expect(text, text).toMatch(/organization_invitations_pending_expires_idx/);
    expectNoTableScan(text.split('\n'), 'organization_invitations', 'lapsed');
  });

  it('searches invitations through the search index, not by reading every invitation', async () => {
    const index = dialect === 'sqlite' ? /organization_invitations_fts/ : /organization_invitations_normalized_trgm_idx[\s\S]*organization_invitations_id_trgm_idx/;
    for (const q of [
      invitationsWhere(db(), { query: 'invitee2995' }, Date.now()).select((eb) => eb.fn.countAll().as('n')),
      invitationsPageQuery(db(), invitationPage({ query: 'invitee2995' }, 'created_at', 'desc'), Date.now()),
    ]) {
      // On PostgreSQL, reading all of the (normalized, id) index is also priced out: with a few thousand
      // invitations it is cheaper than the trigram indexes, which must be usable (at 45,000 the planner
      // chooses them by itself: bench/README.md).
      const text = (await plan(q, dialect === 'postgres', dialect === 'postgres' ? ['enable_indexonlyscan = off', 'enable_indexscan = off'] : [])).join('\n');
      expect(text, text).toMatch(index);
      expectNoTableScan(text.split('\n'), 'organization_invitations', 'query');
    }
  });

  it('finds invitations by e-mail address through an index', async () => {
    const q = invitationsWhere(db(), { emailAddresses: ['invitee5.0@plan.example'] }, Date.now()).selectAll();
    expectNoTableScan(await plan(q, false), 'organization_invitations', 'email');
  });

  it("keeps each member's sort keys equal to the user's fields when the user changes", async () => {
    const keysOf = () =>
      db()
        .selectFrom('organization_memberships as m')
        .innerJoin('users as u', 'u.id', 'm.user_id')
        .leftJoin('identifications as pe', 'pe.id', 'u.primary_email_address_id')
        .leftJoin('identifications as pp', 'pp.id', 'u.primary_phone_number_id')
        .select(['m.id', 'm.user_first_name', 'm.user_last_name', 'm.user_username', 'm.user_email_address', 'm.user_phone_number', 'u.first_name', 'u.last_name', 'u.username_normalized', 'pe.normalized as email', 'pp.normalized as phone'])
        .where('m.organization_id', '=', bigOrg)
        .execute();
    const expectInSync = async () => {
      for (const r of await keysOf()) {
        expect([r.user_first_name, r.user_last_name, r.user_username, r.user_email_address, r.user_phone_number], r.id).toEqual([r.first_name, r.last_name, r.username_normalized, r.email, r.phone]);
      }
    };
    await expectInSync();
    const member = await db().selectFrom('organization_memberships').select('user_id').where('organization_id', '=', bigOrg).orderBy('id').executeTakeFirstOrThrow();
    await db().updateTable('users').set({ first_name: 'Renamed', last_name: null, username_normalized: 'renamed_user' }).where('id', '=', member.user_id).execute();
    const other = await db().selectFrom('identifications').select(['id', 'user_id']).where('type', '=', 'email_address').where('user_id', '=', member.user_id).executeTakeFirstOrThrow();
    await db().updateTable('identifications').set({ normalized: 'changed@plan.example' }).where('id', '=', other.id).execute();
    await expectInSync();
    const row = await db().selectFrom('organization_memberships').select(['user_first_name', 'user_email_address']).where('organization_id', '=', bigOrg).where('user_id', '=', member.user_id).executeTakeFirstOrThrow();
    expect(row).toEqual({ user_first_name: 'Renamed', user_email_address: 'changed@plan.example' });
    await db().updateTable('users').set({ primary_email_address_id: null }).where('id', '=', member.user_id).execute();
    await db().deleteFrom('identifications').where('user_id', '=', member.user_id).execute();
    await expectInSync();
    await db().deleteFrom('users').where('id', '=', member.user_id).execute();
    await expectInSync();
  });
});
