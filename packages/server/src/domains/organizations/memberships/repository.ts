/**
 * Queries of the organization_memberships table. A member list is filtered and ordered by the member's
 * user fields; the users domain supplies both, as subqueries (`filterUserIds`, `userSortKeys`).
 */
import { sql, type Selectable, type Updateable } from 'kysely';
import { type DialectName, type Db, type Executor, type Tx, forUpdate } from '../../../storage/database.js';
import type { OrganizationMembershipTable } from '../../../storage/schema.js';
import { userSortKeys } from '../../users/directory-repository.js';
import { type UserFilter, filterUserIds } from '../../users/repository.js';
import type { Page } from '../shared.js';

export type MembershipRow = Selectable<OrganizationMembershipTable>;

export async function findMembership(ex: Executor, orgId: string, userId: string): Promise<MembershipRow | null> {
  return (await ex.selectFrom('organization_memberships').selectAll().where('organization_id', '=', orgId).where('user_id', '=', userId).executeTakeFirst()) ?? null;
}

/** The membership for a read-modify-write: locked until the transaction ends. */
export async function lockMembership(tx: Tx, orgId: string, userId: string): Promise<MembershipRow | null> {
  return (
    (await tx
      .selectFrom('organization_memberships')
      .selectAll()
      .where('organization_id', '=', orgId)
      .where('user_id', '=', userId)
      .$call(forUpdate(tx))
      .executeTakeFirst()) ?? null
  );
}

export async function membershipById(ex: Executor, id: string): Promise<MembershipRow | null> {
  return (await ex.selectFrom('organization_memberships').selectAll().where('id', '=', id).executeTakeFirst()) ?? null;
}

export async function insertMembership(tx: Tx, row: MembershipRow): Promise<void> {
  await tx.insertInto('organization_memberships').values(row as never).execute();
}

export async function updateMembership(tx: Tx, id: string, patch: Pick<Updateable<OrganizationMembershipTable>, 'role' | 'public_metadata' | 'private_metadata' | 'updated_at'>): Promise<void> {
  await tx.updateTable('organization_memberships').set(patch).where('id', '=', id).execute();
}

export async function deleteMembership(tx: Tx, id: string): Promise<void> {
  await tx.deleteFrom('organization_memberships').where('id', '=', id).execute();
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

export async function listMemberships(db: Db, dialect: DialectName, q: MembershipListQuery): Promise<{ rows: MembershipRow[]; total: number }> {
  let base = db.selectFrom('organization_memberships as m').innerJoin(userSortKeys(db).as('u'), 'u.id', 'm.user_id');
  if (q.organizationId) base = base.where('m.organization_id', '=', q.organizationId);
  if (q.userId) base = base.where('m.user_id', '=', q.userId);
  if (q.roles?.length) base = base.where('m.role', 'in', q.roles);
  if (q.userFilter) base = base.where('m.user_id', 'in', filterUserIds(db, dialect, q.userFilter));
  const byUser = q.orderBy === 'first_name' || q.orderBy === 'last_name' || q.orderBy === 'username' || q.orderBy === 'email_address' || q.orderBy === 'phone_number';
  const column = byUser ? sql.ref(`u.${q.orderBy}`) : sql.ref(`m.${q.orderBy}`);
  const dir = q.direction === 'desc' ? sql`DESC` : sql`ASC`;
  const rowsQuery = base
    .selectAll('m')
    .orderBy(sql`(${column} IS NULL)`, 'asc')
    .orderBy(sql`${column} ${dir}`)
    .orderBy(sql`m.id ${dir}`)
    .limit(q.limit)
    .offset(q.offset);
  const [rows, count] = await Promise.all([rowsQuery.execute(), base.select((eb) => eb.fn.countAll<number>().as('n')).executeTakeFirstOrThrow()]);
  return { rows: rows as MembershipRow[], total: Number(count.n) };
}

/** Every membership of these users, oldest first (what a browser's client shows of each user). */
export async function membershipsOfUsers(ex: Executor, userIds: string[]): Promise<MembershipRow[]> {
  const unique = [...new Set(userIds)];
  if (!unique.length) return [];
  return ex.selectFrom('organization_memberships').selectAll().where('user_id', 'in', unique).orderBy('created_at', 'asc').orderBy('id', 'asc').execute();
}
