/**
 * Organization roles and permissions. Two system roles (org:admin, org:member) and the system
 * permissions exist on every instance; custom roles and permissions are managed through the BAPI.
 * A membership's permissions are always derived from its role, at read time.
 */
import { newId } from '@latch/core';
import { ApiError, notFound } from '../../../errors.js';
import { uniqueOr, transaction, type Db, type Executor, type Tx } from '../../../storage/database.js';
import * as invitationsRepo from '../invitations/repository.js';
import * as membershipsRepo from '../memberships/repository.js';
import * as repo from './repository.js';
import type { KeyedListQuery, PermissionRow, RoleRow } from './repository.js';

export type { KeyedListQuery, PermissionRow, RoleRow } from './repository.js';

export const ADMIN_ROLE = 'org:admin';
export const MEMBER_ROLE = 'org:member';

/** The seed documents' role names, answered in the spec's form. A Map: no input can name a prototype member. */
const ROLE_ALIASES: ReadonlyMap<string, string> = new Map([
  ['admin', ADMIN_ROLE],
  ['basic_member', MEMBER_ROLE],
  ['member', MEMBER_ROLE],
]);

/** The role key an input names: a seed-document alias (`admin`, `basic_member`, `member`) or the key itself. */
export function canonicalRoleKey(input: string): string {
  return ROLE_ALIASES.get(input) ?? input;
}

export { answeredRoleKey } from './serialize.js';

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

const KEY = /^org:[a-z0-9_]+(:[a-z0-9_]+)?$/;
const PERMISSION_KEY = /^org:[a-z0-9_]+:[a-z0-9_]+$/;

/** A role with its permissions, as the routes answer it. */
export interface RoleWithPermissions {
  role: RoleRow;
  permissions: PermissionRow[];
}

/** The unique key index of roles or permissions, answered as the key being taken. */
function keyTaken(kind: 'role' | 'permission', key: string | undefined): () => ApiError {
  return () => new ApiError({ code: 'duplicate_record', longMessage: `A ${kind} with key ${key} exists already.`, paramName: 'key' });
}

function keyError(param: string, what: string): ApiError {
  return new ApiError({ code: 'form_param_format_invalid', longMessage: `${param} must look like ${what}.`, paramName: param });
}

function unknownPermission(p: string): ApiError {
  return new ApiError({ code: 'form_param_value_invalid', longMessage: `${p} is not a permission of this instance.`, paramName: 'permissions' });
}

export function createRolesService(db: Db, now: () => number = Date.now) {
  /** Gives the role each named permission (by id or key); a name that is no permission refuses the lot. */
  async function grantNamed(tx: Tx, roleId: string, names: string[]): Promise<void> {
    for (const p of names) {
      const perm = await repo.findPermission(tx, p);
      if (!perm) throw unknownPermission(p);
      await repo.grantPermissions(tx, roleId, [perm.id]);
    }
  }

  async function getRole(idOrKey: string): Promise<RoleWithPermissions> {
    const role = await repo.findRole(db, canonicalRoleKey(idOrKey));
    if (!role) throw notFound('Role');
    return { role, permissions: (await repo.permissionRowsByRole(db, [role.id])).get(role.id) ?? [] };
  }

  async function getPermission(idOrKey: string): Promise<PermissionRow> {
    const p = await repo.findPermission(db, idOrKey);
    if (!p) throw notFound('Permission');
    return p;
  }

  return {
    /** Creates the system roles and permissions that are missing; safe on every start. */
    async seed(): Promise<void> {
      const t = now();
      await transaction(db, async (trx) => {
        for (const p of SYSTEM_PERMISSIONS) {
          await repo.seedPermission(trx, { id: newId('perm', t), key: p.key, name: p.name, description: p.description, type: 'system', created_at: t, updated_at: t });
        }
        for (const r of SYSTEM_ROLES) {
          const id = newId('role', t);
          const role: RoleRow = { id, key: r.key, name: r.name, description: r.description, is_system: 1, is_creator_eligible: r.creator ? 1 : 0, created_at: t, updated_at: t };
          if (!(await repo.seedRole(trx, role))) continue;
          await repo.grantPermissions(trx, id, await repo.permissionIdsByKeys(trx, r.permissions));
        }
      });
    },

    /** The role key an input names (aliases resolved), inside the caller's transaction; the role cannot be deleted until it ends. Throws 422 naming `param`. */
    async resolveRoleKey(trx: Tx, input: string, param = 'role'): Promise<string> {
      const key = await repo.shareRoleKey(trx, canonicalRoleKey(input));
      if (!key) throw new ApiError({ code: 'form_param_value_invalid', longMessage: `${input} is not a role of this instance.`, paramName: param });
      return key;
    },

    /** Role name and permission keys for each role key. */
    async describeRoles(ex: Executor, keys: string[]): Promise<Map<string, { name: string; permissions: string[] }>> {
      const out = new Map<string, { name: string; permissions: string[] }>();
      for (const row of await repo.rolePermissionKeys(ex, [...new Set(keys)])) {
        let role = out.get(row.key);
        if (!role) out.set(row.key, (role = { name: row.name, permissions: [] }));
        if (row.permission !== null) role.permissions.push(row.permission);
      }
      return out;
    },

    async listRoles(q: KeyedListQuery): Promise<{ rows: RoleWithPermissions[]; total: number }> {
      const { rows, total } = await repo.searchKeyed<RoleRow>(db, 'organization_roles', q);
      const perms = await repo.permissionRowsByRole(db, rows.map((r) => r.id));
      return { rows: rows.map((r) => ({ role: r, permissions: perms.get(r.id) ?? [] })), total };
    },

    getRole,

    /** The role an id or key names (either spelling of a system role), or null. */
    findRole(idOrKey: string): Promise<RoleRow | null> {
      return repo.findRole(db, canonicalRoleKey(idOrKey));
    },

    async createRole(input: { name: string; key: string; description?: string | null; permissions?: string[] }): Promise<RoleWithPermissions> {
      if (!KEY.test(input.key)) throw keyError('key', 'org:<name>');
      const t = now();
      const id = newId('role', t);
      await transaction(db, async (trx) => {
        await repo.insertRole(trx, { id, key: input.key, name: input.name, description: input.description ?? '', is_system: 0, is_creator_eligible: 0, created_at: t, updated_at: t });
        await grantNamed(trx, id, input.permissions ?? []);
      }, keyTaken('role', input.key));
      return getRole(id);
    },

    async updateRole(id: string, input: { name?: string; key?: string; description?: string | null; permissions?: string[] }): Promise<RoleWithPermissions> {
      const { role } = await getRole(id);
      // A system role's key may be sent back in either spelling (see `legacy_role_keys`).
      const given = input.key === undefined ? undefined : canonicalRoleKey(input.key);
      const newKey = given !== undefined && given !== role.key ? given : null;
      if (newKey !== null) {
        if (role.is_system) throw new ApiError({ code: 'form_param_value_invalid', longMessage: 'The key of a system role cannot change.', paramName: 'key' });
        if (!KEY.test(newKey)) throw keyError('key', 'org:<name>');
      }
      await transaction(db, async (trx) => {
        await repo.updateRole(trx, role.id, {
          ...(input.name !== undefined ? { name: input.name } : {}),
          ...(newKey !== null ? { key: newKey } : {}),
          ...(input.description !== undefined ? { description: input.description ?? '' } : {}),
          updated_at: now(),
        });
        if (newKey !== null) {
          // Memberships and invitations name their role by key: keep them pointing at this role.
          await membershipsRepo.renameRole(trx, role.key, newKey);
          await invitationsRepo.renameRole(trx, role.key, newKey);
        }
        if (input.permissions !== undefined) {
          await repo.revokeAllPermissions(trx, role.id);
          await grantNamed(trx, role.id, input.permissions);
        }
      }, keyTaken('role', input.key));
      return getRole(role.id);
    },

    async deleteRole(id: string): Promise<string> {
      const { role } = await getRole(id);
      if (role.is_system) throw new ApiError({ code: 'organization_role_in_use', longMessage: 'System roles cannot be deleted.', paramName: 'organization_role_id' });
      // Locked against memberships being given the role meanwhile (they hold it shared until they commit).
      await transaction(db, async (trx) => {
        if (!(await repo.lockRole(trx, role.id))) throw notFound('Role');
        if (await membershipsRepo.roleInUse(trx, role.key)) {
          throw new ApiError({ code: 'organization_role_in_use', longMessage: 'Members hold this role; give them another role first.', paramName: 'organization_role_id' });
        }
        await repo.deleteRole(trx, role.id);
      });
      return role.id;
    },

    async setRolePermission(roleId: string, permissionId: string, present: boolean): Promise<RoleWithPermissions> {
      const { role } = await getRole(roleId);
      const perm = await repo.findPermission(db, permissionId);
      if (!perm) throw notFound('Permission');
      if (present) await repo.grantPermissions(db, role.id, [perm.id]);
      else await repo.revokePermission(db, role.id, perm.id);
      return getRole(role.id);
    },

    listPermissions(q: KeyedListQuery): Promise<{ rows: PermissionRow[]; total: number }> {
      return repo.searchKeyed<PermissionRow>(db, 'organization_permissions', q);
    },

    getPermission,

    async createPermission(input: { name: string; key: string; description?: string | null }): Promise<PermissionRow> {
      if (!PERMISSION_KEY.test(input.key)) throw keyError('key', 'org:<feature>:<permission>');
      if (input.key.startsWith('org:sys_')) throw new ApiError({ code: 'form_param_value_invalid', longMessage: 'org:sys_ keys are reserved for system permissions.', paramName: 'key' });
      const t = now();
      const row: PermissionRow = { id: newId('perm', t), key: input.key, name: input.name, description: input.description ?? '', type: 'user', created_at: t, updated_at: t };
      await uniqueOr(repo.insertPermission(db, row), keyTaken('permission', input.key));
      return row;
    },

    async updatePermission(id: string, input: { name?: string; key?: string; description?: string | null }): Promise<PermissionRow> {
      const p = await getPermission(id);
      if (p.type === 'system') throw new ApiError({ code: 'form_param_value_invalid', longMessage: 'System permissions cannot be changed.', paramName: 'permission_id' });
      if (input.key !== undefined && (!PERMISSION_KEY.test(input.key) || input.key.startsWith('org:sys_'))) throw keyError('key', 'org:<feature>:<permission>');
      const update = repo.updatePermission(db, p.id, {
        ...(input.name !== undefined ? { name: input.name } : {}),
        ...(input.key !== undefined ? { key: input.key } : {}),
        ...(input.description !== undefined ? { description: input.description ?? '' } : {}),
        updated_at: now(),
      });
      await uniqueOr(update, keyTaken('permission', input.key));
      return getPermission(p.id);
    },

    async deletePermission(id: string): Promise<string> {
      const p = await getPermission(id);
      if (p.type === 'system') throw new ApiError({ code: 'form_param_value_invalid', longMessage: 'System permissions cannot be deleted.', paramName: 'permission_id' });
      await repo.deletePermission(db, p.id);
      return p.id;
    },
  };
}

export type RolesService = ReturnType<typeof createRolesService>;
