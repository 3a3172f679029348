/**
 * Organization roles and permissions. Two system roles (org:admin, org:member) and the system
 * permissions exist on every instance; custom roles and permissions are managed through the BAPI.
 * A membership's permissions are always derived from its role, at read time.
 */
import { newId } from '@latch/core';
import type { Kysely, Selectable } from 'kysely';
import { ApiError, notFound } from '../../errors.js';
import { uniqueOr, containsPattern, transaction, type Db, forShare, forUpdate, type Tx } from '../../storage/database.js';
import type { Database, OrganizationPermissionTable, OrganizationRoleTable } from '../../storage/schema.js';

export type RoleRow = Selectable<OrganizationRoleTable>;
export type PermissionRow = Selectable<OrganizationPermissionTable>;

export const ADMIN_ROLE = 'org:admin';
export const MEMBER_ROLE = 'org:member';

/** The seed documents' role names, answered in the spec's form. */
const ROLE_ALIASES: Record<string, string> = { admin: ADMIN_ROLE, basic_member: MEMBER_ROLE, member: MEMBER_ROLE };

/** The role key an input names: a seed-document alias (`admin`, `basic_member`, `member`) or the key itself. */
export function canonicalRoleKey(input: string): string {
  // Own keys only: `toString` or `__proto__` as a role name must not resolve to an inherited property.
  return Object.hasOwn(ROLE_ALIASES, input) ? (ROLE_ALIASES[input] as string) : input;
}

export const SYSTEM_PERMISSIONS: { key: string; name: string; description: string }[] = [
  { key: 'org:sys_profile:manage', name: 'Manage organization', description: 'Update the organization profile' },
  { key: 'org:sys_profile:delete', name: 'Delete organization', description: 'Delete the organization' },
  { key: 'org:sys_memberships:read', name: 'Read members', description: 'See the members of the organization' },
  { key: 'org:sys_memberships:manage', name: 'Manage members', description: 'Invite, remove and change the role of members' },
  { key: 'org:sys_domains:read', name: 'Read domains', description: 'See the verified domains of the organization' },
  { key: 'org:sys_domains:manage', name: 'Manage domains', description: 'Add, verify and remove domains' },
];

const SYSTEM_ROLES = [
  { key: ADMIN_ROLE, name: 'Admin', description: 'Full access to the organization and its members', creator: true, permissions: SYSTEM_PERMISSIONS.map((p) => p.key) },
  { key: MEMBER_ROLE, name: 'Member', description: 'Can see the organization and its members', creator: false, permissions: ['org:sys_memberships:read', 'org:sys_domains:read'] },
];

export interface KeyedListQuery {
  query?: string;
  orderBy: 'created_at' | 'name' | 'key';
  direction: 'asc' | 'desc';
  limit: number;
  offset: number;
}

const KEY = /^org:[a-z0-9_]+(:[a-z0-9_]+)?$/;
const PERMISSION_KEY = /^org:[a-z0-9_]+:[a-z0-9_]+$/;

/** The unique key index of roles or permissions, answered as the key being taken. */
function keyTaken(kind: 'role' | 'permission', key: string | undefined): () => ApiError {
  return () => new ApiError({ code: 'duplicate_record', longMessage: `A ${kind} with key ${key} exists already.`, paramName: 'key' });
}

export function createRolesService(db: Db, now: () => number = Date.now) {
  async function permissionRowsByRole(conn: Kysely<Database>, roleIds: string[]): Promise<Map<string, PermissionRow[]>> {
    const out = new Map<string, PermissionRow[]>();
    if (!roleIds.length) return out;
    const rows = await conn
      .selectFrom('organization_role_permissions as rp')
      .innerJoin('organization_permissions as p', 'p.id', 'rp.permission_id')
      .select(['rp.role_id', 'p.id', 'p.key', 'p.name', 'p.description', 'p.type', 'p.created_at', 'p.updated_at'])
      .where('rp.role_id', 'in', roleIds)
      .orderBy('p.key')
      .execute();
    for (const { role_id, ...perm } of rows) out.set(role_id, [...(out.get(role_id) ?? []), perm]);
    return out;
  }

  async function permissionsByRole(conn: Kysely<Database>, roleIds: string[]): Promise<Map<string, string[]>> {
    const rows = await permissionRowsByRole(conn, roleIds);
    return new Map([...rows].map(([id, perms]) => [id, perms.map((p) => p.key)]));
  }

  /** A page of roles or permissions, matching `query` in the name (case-insensitively) or the key. */
  async function searchKeyed<R>(which: 'organization_roles' | 'organization_permissions', q: KeyedListQuery): Promise<{ rows: R[]; total: number }> {
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

  async function findRole(conn: Kysely<Database>, idOrKey: string): Promise<RoleRow | undefined> {
    return conn.selectFrom('organization_roles').selectAll().where((eb) => eb.or([eb('id', '=', idOrKey), eb('key', '=', idOrKey)])).executeTakeFirst();
  }

  async function findPermission(conn: Kysely<Database>, idOrKey: string): Promise<PermissionRow | undefined> {
    return conn.selectFrom('organization_permissions').selectAll().where((eb) => eb.or([eb('id', '=', idOrKey), eb('key', '=', idOrKey)])).executeTakeFirst();
  }

  function keyError(param: string, what: string): ApiError {
    return new ApiError({ code: 'form_param_format_invalid', longMessage: `${param} must look like ${what}.`, paramName: param });
  }

  return {
    /** Creates the system roles and permissions that are missing; safe on every start. */
    async seed(): Promise<void> {
      const t = now();
      await transaction(db, async (trx) => {
        for (const p of SYSTEM_PERMISSIONS) {
          await trx
            .insertInto('organization_permissions')
            .values({ id: newId('perm', t), key: p.key, name: p.name, description: p.description, type: 'system', created_at: t, updated_at: t })
            .onConflict((oc) => oc.column('key').doNothing())
            .execute();
        }
        for (const r of SYSTEM_ROLES) {
          const inserted = await trx
            .insertInto('organization_roles')
            .values({ id: newId('role', t), key: r.key, name: r.name, description: r.description, is_system: 1, is_creator_eligible: r.creator ? 1 : 0, created_at: t, updated_at: t })
            .onConflict((oc) => oc.column('key').doNothing())
            .returning('id')
            .executeTakeFirst();
          if (!inserted) continue;
          const perms = await trx.selectFrom('organization_permissions').select('id').where('key', 'in', r.permissions).execute();
          if (perms.length) {
            await trx.insertInto('organization_role_permissions').values(perms.map((p) => ({ role_id: inserted.id, permission_id: p.id }))).execute();
          }
        }
      });
    },

    /** The role key a request names (aliases resolved), checked to exist; throws 422 naming `param`. */
    /** The role key an input names, inside the caller's transaction; the role cannot be deleted until it ends. */
    async resolveRoleKey(trx: Tx, input: string, param = 'role'): Promise<string> {
      const key = canonicalRoleKey(input);
      const role = await trx.selectFrom('organization_roles').select('key').where('key', '=', key).$call(forShare(trx)).executeTakeFirst();
      if (!role) {
        throw new ApiError({ code: 'form_param_value_invalid', longMessage: `${input} is not a role of this instance.`, paramName: param });
      }
      return role.key;
    },

    /** Role name and permissions for each role key. */
    async describeRoles(conn: Kysely<Database>, keys: string[]): Promise<Map<string, { name: string; permissions: string[] }>> {
      const out = new Map<string, { name: string; permissions: string[] }>();
      const unique = [...new Set(keys)];
      if (!unique.length) return out;
      const roles = await conn.selectFrom('organization_roles').select(['id', 'key', 'name']).where('key', 'in', unique).execute();
      const perms = await permissionsByRole(conn, roles.map((r) => r.id));
      for (const r of roles) out.set(r.key, { name: r.name, permissions: perms.get(r.id) ?? [] });
      return out;
    },

    async listRoles(q: KeyedListQuery) {
      const { rows, total } = await searchKeyed<RoleRow>('organization_roles', q);
      const perms = await permissionRowsByRole(db, rows.map((r) => r.id));
      return { rows: rows.map((r) => ({ role: r, permissions: perms.get(r.id) ?? [] })), total };
    },

    async getRole(id: string) {
      const role = await findRole(db, id);
      if (!role) throw notFound('Role');
      return { role, permissions: (await permissionRowsByRole(db, [role.id])).get(role.id) ?? [] };
    },

    async createRole(input: { name: string; key: string; description?: string | null; permissions?: string[] }) {
      if (!KEY.test(input.key)) throw keyError('key', 'org:<name>');
      const t = now();
      const id = newId('role', t);
      await transaction(db, async (trx) => {
        await trx
          .insertInto('organization_roles')
          .values({ id, key: input.key, name: input.name, description: input.description ?? '', is_system: 0, is_creator_eligible: 0, created_at: t, updated_at: t })
          .execute();
        for (const p of input.permissions ?? []) {
          const perm = await findPermission(trx, p);
          if (!perm) throw new ApiError({ code: 'form_param_value_invalid', longMessage: `${p} is not a permission of this instance.`, paramName: 'permissions' });
          await trx.insertInto('organization_role_permissions').values({ role_id: id, permission_id: perm.id }).onConflict((oc) => oc.doNothing()).execute();
        }
      }, keyTaken('role', input.key));
      return this.getRole(id);
    },

    async updateRole(id: string, input: { name?: string; key?: string; description?: string | null; permissions?: string[] }) {
      const { role } = await this.getRole(id);
      if (input.key !== undefined && input.key !== role.key) {
        if (role.is_system) throw new ApiError({ code: 'form_param_value_invalid', longMessage: 'The key of a system role cannot change.', paramName: 'key' });
        if (!KEY.test(input.key)) throw keyError('key', 'org:<name>');
      }
      await transaction(db, async (trx) => {
        await trx
          .updateTable('organization_roles')
          .set({
            ...(input.name !== undefined ? { name: input.name } : {}),
            ...(input.key !== undefined ? { key: input.key } : {}),
            ...(input.description !== undefined ? { description: input.description ?? '' } : {}),
            updated_at: now(),
          })
          .where('id', '=', role.id)
          .execute();
        if (input.key !== undefined && input.key !== role.key) {
          // Memberships and invitations name their role by key: keep them pointing at this role.
          await trx.updateTable('organization_memberships').set({ role: input.key }).where('role', '=', role.key).execute();
          await trx.updateTable('organization_invitations').set({ role: input.key }).where('role', '=', role.key).execute();
        }
        if (input.permissions !== undefined) {
          await trx.deleteFrom('organization_role_permissions').where('role_id', '=', role.id).execute();
          for (const p of input.permissions) {
            const perm = await findPermission(trx, p);
            if (!perm) throw new ApiError({ code: 'form_param_value_invalid', longMessage: `${p} is not a permission of this instance.`, paramName: 'permissions' });
            await trx.insertInto('organization_role_permissions').values({ role_id: role.id, permission_id: perm.id }).onConflict((oc) => oc.doNothing()).execute();
          }
        }
      }, keyTaken('role', input.key));
      return this.getRole(role.id);
    },

    async deleteRole(id: string): Promise<string> {
      const { role } = await this.getRole(id);
      if (role.is_system) throw new ApiError({ code: 'organization_role_in_use', longMessage: 'System roles cannot be deleted.', paramName: 'organization_role_id' });
      // Locked against memberships being given the role meanwhile (they hold it shared until they commit).
      await transaction(db, async (trx) => {
        const locked = await trx.selectFrom('organization_roles').select('id').where('id', '=', role.id).$call(forUpdate(trx)).executeTakeFirst();
        if (!locked) throw notFound('Role');
        const used = await trx.selectFrom('organization_memberships').select('id').where('role', '=', role.key).executeTakeFirst();
        if (used) throw new ApiError({ code: 'organization_role_in_use', longMessage: 'Members hold this role; give them another role first.', paramName: 'organization_role_id' });
        await trx.deleteFrom('organization_roles').where('id', '=', role.id).execute();
      });
      return role.id;
    },

    async setRolePermission(roleId: string, permissionId: string, present: boolean) {
      const { role } = await this.getRole(roleId);
      const perm = await findPermission(db, permissionId);
      if (!perm) throw notFound('Permission');
      if (present) {
        await db.insertInto('organization_role_permissions').values({ role_id: role.id, permission_id: perm.id }).onConflict((oc) => oc.doNothing()).execute();
      } else {
        await db.deleteFrom('organization_role_permissions').where('role_id', '=', role.id).where('permission_id', '=', perm.id).execute();
      }
      return this.getRole(role.id);
    },

    listPermissions(q: KeyedListQuery) {
      return searchKeyed<PermissionRow>('organization_permissions', q);
    },

    async getPermission(id: string): Promise<PermissionRow> {
      const p = await findPermission(db, id);
      if (!p) throw notFound('Permission');
      return p;
    },

    async createPermission(input: { name: string; key: string; description?: string | null }): Promise<PermissionRow> {
      if (!PERMISSION_KEY.test(input.key)) throw keyError('key', 'org:<feature>:<permission>');
      if (input.key.startsWith('org:sys_')) throw new ApiError({ code: 'form_param_value_invalid', longMessage: 'org:sys_ keys are reserved for system permissions.', paramName: 'key' });
      const t = now();
      const row: PermissionRow = { id: newId('perm', t), key: input.key, name: input.name, description: input.description ?? '', type: 'user', created_at: t, updated_at: t };
      await uniqueOr(db.insertInto('organization_permissions').values(row).execute(), keyTaken('permission', input.key));
      return row;
    },

    async updatePermission(id: string, input: { name?: string; key?: string; description?: string | null }): Promise<PermissionRow> {
      const p = await this.getPermission(id);
      if (p.type === 'system') throw new ApiError({ code: 'form_param_value_invalid', longMessage: 'System permissions cannot be changed.', paramName: 'permission_id' });
      if (input.key !== undefined && (!PERMISSION_KEY.test(input.key) || input.key.startsWith('org:sys_'))) throw keyError('key', 'org:<feature>:<permission>');
      const update = db
        .updateTable('organization_permissions')
        .set({
          ...(input.name !== undefined ? { name: input.name } : {}),
          ...(input.key !== undefined ? { key: input.key } : {}),
          ...(input.description !== undefined ? { description: input.description ?? '' } : {}),
          updated_at: now(),
        })
        .where('id', '=', p.id)
        .execute();
      await uniqueOr(update, keyTaken('permission', input.key));
      return this.getPermission(p.id);
    },

    async deletePermission(id: string): Promise<string> {
      const p = await this.getPermission(id);
      if (p.type === 'system') throw new ApiError({ code: 'form_param_value_invalid', longMessage: 'System permissions cannot be deleted.', paramName: 'permission_id' });
      await db.deleteFrom('organization_permissions').where('id', '=', p.id).execute();
      return p.id;
    },
  };
}

export type RolesService = ReturnType<typeof createRolesService>;
