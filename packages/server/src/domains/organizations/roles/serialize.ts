/**
 * Roles and permissions → wire JSON: the one place their field names are spelled, with the response schemas.
 */
import type { PermissionJSON, RoleJSON } from '@latch/core';
import { z } from 'zod';
import { wireSchemas } from '../../../http/router.js';
import type { PermissionRow } from './repository.js';
import type { RoleWithPermissions } from './service.js';

/** The seed documents' names of the system roles, answered when the instance's `legacy_role_keys` is on. */
const LEGACY_KEYS: ReadonlyMap<string, string> = new Map([
  ['org:admin', 'admin'],
  ['org:member', 'basic_member'],
]);

/** The key a role is answered by: its own, or with `legacy` the early name of a system role. */
export function answeredRoleKey(key: string, legacy: boolean): string {
  return legacy ? (LEGACY_KEYS.get(key) ?? key) : key;
}

export function permissionJSON(p: PermissionRow): PermissionJSON {
  return { object: 'permission', id: p.id, name: p.name, key: p.key, description: p.description, type: p.type, created_at: p.created_at, updated_at: p.updated_at };
}

/** A role; `key` is the key it is answered by (see `answeredRoleKey`), its own by default. */
export function roleJSON(r: RoleWithPermissions, key: string = r.role.key): RoleJSON {
  return {
    object: 'role',
    id: r.role.id,
    name: r.role.name,
    key,
    description: r.role.description,
    is_creator_eligible: r.role.is_creator_eligible === 1,
    permissions: r.permissions.map(permissionJSON),
    created_at: r.role.created_at,
    updated_at: r.role.updated_at,
  };
}

const ts = z.number().int();

export const PermissionSchema = z
  .object({ object: z.literal('permission'), id: z.string(), name: z.string(), key: z.string(), description: z.string(), type: z.enum(['system', 'user']), created_at: ts, updated_at: ts })
  .strict()
  .register(wireSchemas, { id: 'Permission' });

export const RoleSchema = z
  .object({
    object: z.literal('role'),
    id: z.string(),
    name: z.string(),
    key: z.string(),
    description: z.string(),
    is_creator_eligible: z.boolean(),
    permissions: z.array(PermissionSchema),
    created_at: ts,
    updated_at: ts,
  })
  .strict()
  .register(wireSchemas, { id: 'Role' });
