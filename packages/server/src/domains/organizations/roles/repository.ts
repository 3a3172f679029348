/**
 * Queries of organization_roles, organization_permissions and organization_role_permissions.
 */
import type { Selectable } from 'kysely';
import { containsPattern, executePrepared, forShare, forUpdate, keyIn, type Db, type Executor, type Tx } from '../../../storage/database.js';
import type { OrganizationPermissionTable, OrganizationRoleTable } from '../../../storage/schema.js';
import type { Page } from '../shared.js';

export type RoleRow = Selectable<OrganizationRoleTable>;
export type PermissionRow = Selectable<OrganizationPermissionTable>;

export interface KeyedListQuery extends Page {
  query?: string;
  orderBy: 'created_at' | 'name' | 'key';
  direction: 'asc' | 'desc';
}

/** Each role's permissions, in key order. */
export async function permissionRowsByRole(ex: Executor, roleIds: string[]): Promise<Map<string, PermissionRow[]>> {
  const out = new Map<string, PermissionRow[]>();
  if (!roleIds.length) return out;
  const rows = await ex
    .selectFrom('organization_role_permissions as rp')
    .innerJoin('organization_permissions as p', 'p.id', 'rp.permission_id')
    .select(['rp.role_id', 'p.id', 'p.key', 'p.name', 'p.description', 'p.type', 'p.created_at', 'p.updated_at'])
    .where(keyIn(ex, 'rp.role_id', roleIds))
    .orderBy('p.key')
    .$call((q) => executePrepared(ex, q));
  for (const { role_id, ...perm } of rows) out.set(role_id, [...(out.get(role_id) ?? []), perm]);
  return out;
}

/** A page of roles or permissions, matching `query` in the name (case-insensitively) or the key. */
export async function searchKeyed<R>(db: Db, which: 'organization_roles' | 'organization_permissions', q: KeyedListQuery): Promise<{ rows: R[]; total: number }> {
  // Both tables have the columns used here; one typed name keeps Kysely's overloads simple.
  const table = which as 'organization_roles';
  let base = db.selectFrom(table);
  if (q.query) {
    const like = containsPattern(q.query.toLowerCase());
    base = base.where((eb) => eb.or([eb(eb.fn('lower', ['name']), 'like', like), eb('key', 'like', like)]));
  }
  const [rows, count] = await Promise.all([
    base.selectAll().orderBy(q.orderBy, q.direction).orderBy('id', q.direction).limit(q.limit).offset(q.offset).execute(),
    base.select((eb) => eb.fn.countAll<number>().as('n')).executeTakeFirstOrThrow(),
  ]);
  return { rows: rows as R[], total: Number(count.n) };
}

export async function findRole(ex: Executor, idOrKey: string): Promise<RoleRow | null> {
  return (await ex.selectFrom('organization_roles').selectAll().where((eb) => eb.or([eb('id', '=', idOrKey), eb('key', '=', idOrKey)])).executeTakeFirst()) ?? null;
}

export async function findPermission(ex: Executor, idOrKey: string): Promise<PermissionRow | null> {
  return (await ex.selectFrom('organization_permissions').selectAll().where((eb) => eb.or([eb('id', '=', idOrKey), eb('key', '=', idOrKey)])).executeTakeFirst()) ?? null;
}

/** The role's key when it exists, read under a shared lock: the role cannot be deleted until the transaction ends. */
export async function shareRoleKey(tx: Tx, key: string): Promise<string | null> {
  const role = await tx.selectFrom('organization_roles').select('key').where('key', '=', key).$call(forShare(tx)).executeTakeFirst();
  return role?.key ?? null;
}

/** Locks the role row against memberships being given it meanwhile; false when it is gone. */
export async function lockRole(tx: Tx, id: string): Promise<boolean> {
  return (await tx.selectFrom('organization_roles').select('id').where('id', '=', id).$call(forUpdate(tx)).executeTakeFirst()) !== undefined;
}

/**
 * Each of these roles (by key) with its permission keys in key order: one row per role and permission, one
 * with a null permission for a role that has none. One statement, as every membership list asks it.
 */
export async function rolePermissionKeys(ex: Executor, keys: string[]): Promise<{ key: string; name: string; permission: string | null }[]> {
  if (!keys.length) return [];
  return ex
    .selectFrom('organization_roles as r')
    .leftJoin('organization_role_permissions as rp', 'rp.role_id', 'r.id')
    .leftJoin('organization_permissions as p', 'p.id', 'rp.permission_id')
    .select(['r.key', 'r.name', 'p.key as permission'])
    .where(keyIn(ex, 'r.key', keys))
    .orderBy('r.key')
    .orderBy('p.key')
    .$call((q) => executePrepared(ex, q));
}

/** Inserts a system permission unless one with its key exists. */
export async function seedPermission(tx: Tx, row: PermissionRow): Promise<void> {
  await tx.insertInto('organization_permissions').values(row).onConflict((oc) => oc.column('key').doNothing()).execute();
}

/** Inserts a system role unless one with its key exists; answers whether it was inserted. */
export async function seedRole(tx: Tx, row: RoleRow): Promise<boolean> {
  const inserted = await tx.insertInto('organization_roles').values(row).onConflict((oc) => oc.column('key').doNothing()).returning('id').executeTakeFirst();
  return inserted !== undefined;
}

export async function permissionIdsByKeys(tx: Tx, keys: string[]): Promise<string[]> {
  return (await tx.selectFrom('organization_permissions').select('id').where('key', 'in', keys).execute()).map((p) => p.id);
}

export async function insertRole(tx: Tx, row: RoleRow): Promise<void> {
  await tx.insertInto('organization_roles').values(row).execute();
}

export async function updateRole(tx: Tx, id: string, patch: Partial<Pick<RoleRow, 'name' | 'key' | 'description' | 'updated_at'>>): Promise<void> {
  await tx.updateTable('organization_roles').set(patch).where('id', '=', id).execute();
}

export async function deleteRole(tx: Tx, id: string): Promise<void> {
  await tx.deleteFrom('organization_roles').where('id', '=', id).execute();
}

export async function grantPermissions(ex: Executor, roleId: string, permissionIds: string[]): Promise<void> {
  if (!permissionIds.length) return;
  await ex
    .insertInto('organization_role_permissions')
    .values(permissionIds.map((permission_id) => ({ role_id: roleId, permission_id })))
    .onConflict((oc) => oc.doNothing())
    .execute();
}

export async function revokePermission(ex: Executor, roleId: string, permissionId: string): Promise<void> {
  await ex.deleteFrom('organization_role_permissions').where('role_id', '=', roleId).where('permission_id', '=', permissionId).execute();
}

export async function revokeAllPermissions(tx: Tx, roleId: string): Promise<void> {
  await tx.deleteFrom('organization_role_permissions').where('role_id', '=', roleId).execute();
}

export async function insertPermission(db: Db, row: PermissionRow): Promise<void> {
  await db.insertInto('organization_permissions').values(row).execute();
}

export async function updatePermission(db: Db, id: string, patch: Partial<Pick<PermissionRow, 'name' | 'key' | 'description' | 'updated_at'>>): Promise<void> {
  await db.updateTable('organization_permissions').set(patch).where('id', '=', id).execute();
}

export async function deletePermission(db: Db, id: string): Promise<void> {
  await db.deleteFrom('organization_permissions').where('id', '=', id).execute();
}
