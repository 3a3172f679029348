/**
 * Queries of the organization_memberships table. A member list is filtered by the member's user fields
 * (the users domain's `filterUserIds` subquery) and ordered by the member's copy of them (`user_*`,
 * kept by triggers), so that every ordering is read from an index.
 */
import { type Selectable, type Updateable, sql } from 'kysely';
import { type DialectName, type Db, type Executor, type Tx, executePrepared, forUpdate, keyIn, serialRead, statement } from '../../../storage/database.js';
import type { OrganizationMembershipTable } from '../../../storage/schema.js';
import { type UserFilter, filterUserIds, isEmptyFilter, isPinned, onlyUniqueKeys, searchTerms, withSearchPlan } from '../../users/repository.js';
import type { PublicProfile } from '../../users/directory-repository.js';
import { addToCount, storedCount } from '../counts/repository.js';
import type { Page } from '../shared.js';

export type MembershipRow = Selectable<OrganizationMembershipTable>;

/** The membership columns (not the sort keys the triggers keep). */
const MEMBERSHIP_COLUMNS = ['id', 'organization_id', 'user_id', 'role', 'public_metadata', 'private_metadata', 'created_at', 'updated_at'] as const;

export async function findMembership(ex: Executor, orgId: string, userId: string): Promise<MembershipRow | null> {
  return (await ex.selectFrom('organization_memberships').select(MEMBERSHIP_COLUMNS).where('organization_id', '=', orgId).where('user_id', '=', userId).executeTakeFirst()) ?? null;
}

/** The membership for a read-modify-write: locked until the transaction ends. */
export async function lockMembership(tx: Tx, orgId: string, userId: string): Promise<MembershipRow | null> {
  return (
    (await tx
      .selectFrom('organization_memberships')
      .select(MEMBERSHIP_COLUMNS)
      .where('organization_id', '=', orgId)
      .where('user_id', '=', userId)
      .$call(forUpdate(tx))
      .executeTakeFirst()) ?? null
  );
}

export async function membershipById(ex: Executor, id: string): Promise<MembershipRow | null> {
  return (await ex.selectFrom('organization_memberships').select(MEMBERSHIP_COLUMNS).where('id', '=', id).executeTakeFirst()) ?? null;
}

export async function insertMembership(tx: Tx, row: MembershipRow): Promise<void> {
  await tx.insertInto('organization_memberships').values(row as never).execute();
  addToCount(tx, 'memberships', 1);
}

export async function updateMembership(tx: Tx, id: string, patch: Pick<Updateable<OrganizationMembershipTable>, 'role' | 'public_metadata' | 'private_metadata' | 'updated_at'>): Promise<void> {
  await tx.updateTable('organization_memberships').set(patch).where('id', '=', id).execute();
}

export async function deleteMembership(tx: Tx, id: string): Promise<void> {
  const r = await tx.deleteFrom('organization_memberships').where('id', '=', id).executeTakeFirst();
  addToCount(tx, 'memberships', -Number(r.numDeletedRows));
}

/** The organizations a user belongs to, in id order (the order their rows are locked in). */
export async function organizationIdsOfUser(tx: Tx, userId: string): Promise<string[]> {
  const rows = await tx.selectFrom('organization_memberships').select('organization_id').where('user_id', '=', userId).orderBy('organization_id').execute();
  return rows.map((r) => r.organization_id);
}

/** A subquery: the organizations any of these users belongs to. */
export function organizationsOfUsers(db: Db, userIds: string[]) {
  return db.selectFrom('organization_memberships').select('organization_id').where('user_id', 'in', userIds);
}

/** The longest-standing member other than `userId`, or null. */
export async function oldestOtherMember(tx: Tx, orgId: string, userId: string): Promise<{ id: string } | null> {
  return (
    (await tx
      .selectFrom('organization_memberships')
      .select(['id'])
      .where('organization_id', '=', orgId)
      .where('user_id', '!=', userId)
      .orderBy('created_at', 'asc')
      .orderBy('id', 'asc')
      .executeTakeFirst()) ?? null
  );
}

/** Which of these users are members of the organization. */
export async function membersAmong(ex: Executor, orgId: string, userIds: string[]): Promise<Set<string>> {
  const unique = [...new Set(userIds)];
  const out = new Set<string>();
  // In slices: a domain can have more users than a statement can take parameters.
  for (let i = 0; i < unique.length; i += 500) {
    const rows = await ex.selectFrom('organization_memberships').select('user_id').where('organization_id', '=', orgId).where('user_id', 'in', unique.slice(i, i + 500)).execute();
    for (const r of rows) out.add(r.user_id);
  }
  return out;
}

/** Whether anyone holds the role (by key). */
export async function roleInUse(ex: Executor, roleKey: string): Promise<boolean> {
  return (await ex.selectFrom('organization_memberships').select('id').where('role', '=', roleKey).executeTakeFirst()) !== undefined;
}

/** Memberships name their role by key: a renamed role keeps its members. */
export async function renameRole(tx: Tx, from: string, to: string): Promise<void> {
  await tx.updateTable('organization_memberships').set({ role: to }).where('role', '=', from).execute();
}

export type MembershipOrder = 'created_at' | 'updated_at' | 'role' | 'first_name' | 'last_name' | 'username' | 'email_address' | 'phone_number';

export interface MembershipListQuery extends Page {
  organizationId?: string;
  userId?: string;
  roles?: string[];
  userFilter?: UserFilter;
  orderBy: MembershipOrder;
  direction: 'asc' | 'desc';
}

/** Whether the list has a user filter with a condition in it (an empty one would read every user). */
function hasUserFilter(q: Pick<MembershipListQuery, 'userFilter'>): q is { userFilter: UserFilter } {
  return q.userFilter !== undefined && !isEmptyFilter(q.userFilter);
}

/** The orderings by a user field read the member's copy of it (migration 0017); null when the user has none. */
const USER_KEY = {
  first_name: 'm.user_first_name',
  last_name: 'm.user_last_name',
  username: 'm.user_username',
  email_address: 'm.user_email_address',
  phone_number: 'm.user_phone_number',
} as const;

/**
 * Which part of an ordering a query reads: the memberships whose user has a value (`present`), then
 * those without (`absent`, by id), each in order from an index, as the user lists do. The orderings by a
 * membership column have no absent part.
 */
export type MembershipOrderPart = 'present' | 'absent';

/** Whether the ordering reads an absent part too. */
export function hasAbsentPart(orderBy: MembershipOrder): boolean {
  return orderBy in USER_KEY;
}

/** The query for the ids of one part of a page, in list order (exported for the query-plan tests). */
export function membershipIdsQuery(db: Executor, dialect: DialectName, q: Omit<MembershipListQuery, 'limit' | 'offset'>, part: MembershipOrderPart) {
  let base = db.selectFrom('organization_memberships as m').select('m.id as id');
  if (q.organizationId) base = base.where('m.organization_id', '=', q.organizationId);
  if (q.userId) base = base.where('m.user_id', '=', q.userId);
  // One role as an equality: then (organization_id, role, created_at, id) serves the default ordering.
  if (q.roles?.length === 1) base = base.where('m.role', '=', q.roles[0] as string);
  else if (q.roles?.length) base = base.where('m.role', 'in', q.roles);
  if (hasUserFilter(q)) base = base.where('m.user_id', 'in', filterUserIds(db, dialect, q.userFilter));
  const dir = q.direction;
  if (q.orderBy in USER_KEY) {
    const key = USER_KEY[q.orderBy as keyof typeof USER_KEY];
    // Within the absent part the key is NULL throughout: ordering by it as well keeps the index's order.
    return base.where(key, part === 'present' ? 'is not' : 'is', null).orderBy(key, dir).orderBy('m.id', dir);
  }
  return base.orderBy(`m.${q.orderBy as 'created_at' | 'updated_at' | 'role'}`, dir).orderBy('m.id', dir);
}

/** The count query of a list (exported for the query-plan tests). */
export function countMembershipsQuery(db: Db, dialect: DialectName, q: Omit<MembershipListQuery, 'limit' | 'offset' | 'orderBy' | 'direction'>) {
  return membershipIdsQuery(db, dialect, { ...q, orderBy: 'created_at', direction: 'asc' }, 'present')
    .clearSelect()
    .clearOrderBy()
    .select((eb) => eb.fn.countAll<number>().as('n'));
}

/**
 * How many memberships the list has. Unfiltered, an organization's is its members counter and the
 * instance's the kept count of memberships (migration 0018; both kept with the memberships in one
 * transaction), so neither counts the rows of a large organization or of every membership.
 */
async function countMemberships(db: Db, dialect: DialectName, q: MembershipListQuery): Promise<number> {
  if (!q.userId && !q.roles?.length && !hasUserFilter(q)) {
    if (!q.organizationId) return storedCount(db, ['memberships']);
    const row = await db.selectFrom('organizations').select('members_count as n').where('id', '=', q.organizationId).executeTakeFirst();
    return Number(row?.n ?? 0);
  }
  const row = await countMembershipsQuery(db, dialect, q).executeTakeFirstOrThrow();
  return Number(row.n);
}

async function membershipIds(db: Db, dialect: DialectName, q: MembershipListQuery): Promise<string[]> {
  // A member search's page is read without parallel workers (see serialRead).
  const search = hasUserFilter(q) && searchTerms(q.userFilter).length > 0;
  const page = (part: MembershipOrderPart, limit: number, offset: number) => {
    const read = (ex: Executor) =>
      membershipIdsQuery(ex, dialect, q, part)
        .limit(limit)
        .offset(offset)
        .execute()
        .then((rows) => rows.map((r) => r.id));
    return search ? serialRead(db, read) : read(db);
  };
  const ids = await page('present', q.limit, q.offset);
  if (hasAbsentPart(q.orderBy) && ids.length < q.limit) {
    // The page reaches past the members with a value: how many of those precede it is either known (some
    // were on this page) or at most `offset`, so counting them reads at most `offset` index entries.
    let skip = 0;
    if (!ids.length && q.offset > 0) {
      const row = await db
        .selectFrom(membershipIdsQuery(db, dialect, q, 'present').clearOrderBy().limit(q.offset).as('p'))
        .select((eb) => eb.fn.countAll<number>().as('n'))
        .executeTakeFirstOrThrow();
      skip = q.offset - Number(row.n);
    }
    ids.push(...(await page('absent', q.limit - ids.length, skip)));
  }
  return ids;
}

/** What a page's answers embed, when the page's own statement read it (see namedMembersPage). */
export interface MembershipEmbeds {
  /** Each member's public profile, by user id. */
  profiles: Map<string, PublicProfile>;
  /** Each role's name and permission keys, by key; a role that is gone has none. */
  roles: Map<string, { name: string; permissions: string[] }>;
}

export interface MembershipPage {
  rows: MembershipRow[];
  total: number;
  embeds?: MembershipEmbeds;
}

/**
 * A page of memberships: ids in list order from an index (values first, members without one last; ties
 * by id, descending with the ordering), then those rows.
 */
export async function listMemberships(db: Db, dialect: DialectName, query: MembershipListQuery): Promise<MembershipPage> {
  // A user search is looked up by its rarest trigrams (users/search-repository.ts), as the user lists do.
  const q = query.userFilter ? { ...query, userFilter: await withSearchPlan(db, dialect, query.userFilter) } : query;
  const { userFilter } = q;
  if (dialect === 'postgres' && userFilter && onlyUniqueKeys(userFilter) && !q.userId && !hasAbsentPart(q.orderBy)) {
    return namedMembersPage(db, dialect, { ...q, userFilter });
  }
  if ((q.userId || (q.userFilter && isPinned(q.userFilter))) && !hasAbsentPart(q.orderBy)) {
    // Few memberships (one user's, or those of users named by unique keys): the page query reads the rows
    // themselves, a round trip fewer where the target is 2 ms. One user's alone plans the same whatever
    // the user (its index of (user_id, created_at, id)), so it is kept prepared.
    const onlyUser = Boolean(q.userId) && !q.organizationId && !q.roles?.length && !hasUserFilter(q);
    const [rows, total] = await Promise.all([
      membershipIdsQuery(db, dialect, q, 'present')
        .clearSelect()
        .select(MEMBERSHIP_COLUMNS.map((c) => `m.${c}` as const))
        .limit(q.limit)
        .offset(q.offset)
        .$call((page) => (onlyUser ? executePrepared(db, page) : page.execute())),
      onlyUser ? executePrepared(db, countMembershipsQuery(db, dialect, q)).then(([r]) => Number(r?.n ?? 0)) : countMemberships(db, dialect, q),
    ]);
    return { rows, total };
  }
  const [ids, total] = await Promise.all([membershipIds(db, dialect, q), countMemberships(db, dialect, q)]);
  if (!ids.length) return { rows: [], total };
  const rows = await executePrepared(db, db.selectFrom('organization_memberships').select(MEMBERSHIP_COLUMNS).where(keyIn(db, 'id', ids)));
  const byId = new Map(rows.map((r) => [r.id, r]));
  return { rows: ids.flatMap((id) => byId.get(id) ?? []), total };
}

/**
 * The memberships of users named by unique keys (PostgreSQL; of one organization and roles when the list
 * names them), looked up a named user at a time by (organization_id, user_id) or user_id. Its plan is the
 * same for an organization of three members or of twenty thousand, so it can be kept prepared: a generic
 * plan of the plain join, priced for the average organization, might walk the organization's memberships
 * instead. The OFFSET 0 keeps PostgreSQL from merging the lookup into a join it could order either way.
 * (Exported for the query-plan tests.)
 */
export function namedMembersQuery(db: Db, dialect: DialectName, q: MembershipListQuery & { userFilter: UserFilter }) {
  return db
    .selectFrom(filterUserIds(db, dialect, q.userFilter).as('u'))
    .innerJoinLateral(
      (eb) => {
        let m = eb
          .selectFrom('organization_memberships as m')
          .select(MEMBERSHIP_COLUMNS.map((c) => `m.${c}` as const))
          .whereRef('m.user_id', '=', 'u.id');
        if (q.organizationId) m = m.where('m.organization_id', '=', q.organizationId);
        if (q.roles?.length) m = m.where(keyIn(dialect, 'm.role', q.roles));
        return m.offset(0).as('m');
      },
      (join) => join.onTrue(),
    )
    .selectAll('m');
}

/**
 * A page of the memberships of users named by unique keys (PostgreSQL), as one statement: the rows, the
 * list's total (a window count, taken before LIMIT), each member's public profile and each role's name
 * and permission keys. An exact filter's target is 2 ms, and on PostgreSQL every dependent round trip to
 * the server costs a fifth of that; the few named users make the joins a handful of key lookups. Only a
 * page past the end has no row to carry the total: then it is counted by itself.
 */
async function namedMembersPage(db: Db, dialect: DialectName, q: MembershipListQuery & { userFilter: UserFilter }): Promise<MembershipPage> {
  const order = `m.${q.orderBy as 'created_at' | 'updated_at' | 'role'}` as const;
  // The profile and the role are scalar subqueries of the page's rows, not joins: each is planned on its
  // own, so the statement's plan stays the two-relation lookup that PostgreSQL keeps as a generic plan. As
  // joins, choosing their order cost ~1 ms of planning on every run (the generic plan was not kept).
  const page = namedMembersQuery(db, dialect, q)
    .select([
      sql<ProfileJSON | null>`(select json_build_object(
        'first_name', pu.first_name, 'last_name', pu.last_name, 'image_id', pu.image_id, 'username', pu.username, 'banned', pu.banned,
        'email', (select i.value from identifications i where i.id = pu.primary_email_address_id),
        'phone', (select i.value from identifications i where i.id = pu.primary_phone_number_id))
        from users pu where pu.id = m.user_id)`.as('profile'),
      sql<RoleJSON | null>`(select json_build_object('name', r.name, 'permissions', coalesce((
        select json_agg(p.key order by p.key) from organization_role_permissions rp join organization_permissions p on p.id = rp.permission_id
        where rp.role_id = r.id), '[]'::json))
        from organization_roles r where r.key = m.role)`.as('role_info'),
      sql<string>`count(*) over ()`.as('total_count'),
    ])
    .orderBy(order, q.direction)
    .orderBy('m.id', q.direction)
    .limit(q.limit)
    .offset(q.offset);
  const found = await executePrepared(db, page);
  let total = Number(found[0]?.total_count ?? 0);
  if (!found.length && q.offset > 0) {
    const [row] = await executePrepared(db, db.selectFrom(namedMembersQuery(db, dialect, q).as('x')).select((eb) => eb.fn.countAll<number>().as('n')));
    total = Number(row?.n ?? 0);
  }
  const embeds: MembershipEmbeds = { profiles: new Map(), roles: new Map() };
  const rows = found.map(({ profile, role_info, total_count: _, ...row }): MembershipRow => {
    if (profile) embeds.profiles.set(row.user_id, { id: row.user_id, ...profile, banned: profile.banned === 1 });
    if (role_info) embeds.roles.set(row.role, role_info);
    return row;
  });
  return { rows, total, embeds };
}

/** A member's public profile as `namedMembersPage` reads it (`banned` is the stored flag). */
type ProfileJSON = Omit<PublicProfile, 'id' | 'banned'> & { banned: number };
type RoleJSON = { name: string; permissions: string[] };

/** Every membership of these users, oldest first (what a browser's client shows of each user). */
export async function membershipsOfUsers(ex: Executor, userIds: string[]): Promise<MembershipRow[]> {
  const unique = [...new Set(userIds)];
  if (!unique.length) return [];
  return ex.selectFrom('organization_memberships').select(MEMBERSHIP_COLUMNS).where('user_id', 'in', unique).orderBy('created_at', 'asc').orderBy('id', 'asc').execute();
}

/** `membershipsOfUsers` for one user, compiled once (every response that shows a signed-in client asks). */
export function membershipsOfUser(db: Db): (userId: string) => Promise<MembershipRow[]> {
  const run = statement(db, (d) => d.selectFrom('organization_memberships').select(MEMBERSHIP_COLUMNS).where('user_id', '=', '').orderBy('created_at', 'asc').orderBy('id', 'asc'));
  return (userId) => run.all(db, userId);
}
