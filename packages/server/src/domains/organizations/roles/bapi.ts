/**
 * Organization roles and permissions Backend API.
 */
import { z } from 'zod';
import type { BapiRouter } from '../../../http/bapi/surface.js';
import { parseOrderBy } from '../../../http/validation.js';
import { DeletedObjectSchema } from '../../../http/wire-schemas.js';
import { deletedJSON } from '../../users/serialize.js';
import { answers, idParam, list, pageOf, paging } from '../bapi-params.js';
import { permissionJSON, PermissionSchema, roleJSON, RoleSchema } from './serialize.js';
import { answeredRoleKey, type RoleWithPermissions, type RolesService } from './service.js';

const ROLE_TAGS = ['Organization Roles'];
const PERMISSION_TAGS = ['Organization Permissions'];
const ORDER = ['created_at', 'name', 'key'] as const;
const RoleParams = z.object({ organization_role_id: idParam });
const PermParams = z.object({ permission_id: idParam });
const permissionsList = z.array(z.string().min(1).max(128)).max(100);
const keyedListQuery = z.object({ query: z.string().max(256).optional(), order_by: z.string().max(64).optional(), ...paging });

export function registerRoleRoutes(router: BapiRouter, deps: { roles: RolesService; legacyRoleKeys: () => Promise<boolean> }): void {
  const { roles, legacyRoleKeys } = deps;
  const many = async (rows: RoleWithPermissions[]) => {
    const legacy = await legacyRoleKeys();
    return rows.map((r) => roleJSON(r, answeredRoleKey(r.role.key, legacy)));
  };
  const json = async (r: RoleWithPermissions) => (await many([r]))[0];
  const role = answers('The role', RoleSchema);
  const permission = answers('The permission', PermissionSchema);
  const deleted = answers('Deleted', DeletedObjectSchema);

  router.add(
    { method: 'get', path: '/organization_roles', operationId: 'ListOrganizationRoles', summary: 'Get a list of organization roles', tags: ROLE_TAGS, query: keyedListQuery, responses: answers('Roles', list(RoleSchema)) },
    async ({ query }) => {
      const order = parseOrderBy(query.order_by, ORDER, '+created_at');
      const { rows, total } = await roles.listRoles({ query: query.query, orderBy: order.field, direction: order.direction, ...pageOf(query) });
      return { data: await many(rows), total_count: total };
    },
  );
  router.add(
    {
      method: 'post',
      path: '/organization_roles',
      operationId: 'CreateOrganizationRole',
      summary: 'Create an organization role',
      tags: ROLE_TAGS,
      body: z
        .object({
          name: z.string().min(1).max(256),
          key: z.string().min(1).max(128),
          description: z.string().max(1024).nullable().optional(),
          permissions: permissionsList.nullable().optional(),
          include_in_initial_role_set: z.boolean().nullable().optional(),
        })
        .strict(),
      responses: role,
    },
    async ({ body }) => json(await roles.createRole({ name: body.name, key: body.key, description: body.description, permissions: body.permissions ?? [] })),
  );
  router.add(
    { method: 'get', path: '/organization_roles/{organization_role_id}', operationId: 'GetOrganizationRole', summary: 'Retrieve an organization role', tags: ROLE_TAGS, params: RoleParams, responses: role },
    async ({ params }) => json(await roles.getRole(params.organization_role_id)),
  );
  router.add(
    {
      method: 'patch',
      path: '/organization_roles/{organization_role_id}',
      operationId: 'UpdateOrganizationRole',
      summary: 'Update an organization role',
      tags: ROLE_TAGS,
      params: RoleParams,
      body: z
        .object({
          name: z.string().min(1).max(256).nullable().optional(),
          key: z.string().min(1).max(128).nullable().optional(),
          description: z.string().max(1024).nullable().optional(),
          permissions: permissionsList.nullable().optional(),
        })
        .strict(),
      responses: role,
    },
    async ({ params, body }) =>
      json(
        await roles.updateRole(params.organization_role_id, {
          name: body.name ?? undefined,
          key: body.key ?? undefined,
          description: body.description,
          permissions: body.permissions ?? undefined,
        }),
      ),
  );
  router.add(
    { method: 'delete', path: '/organization_roles/{organization_role_id}', operationId: 'DeleteOrganizationRole', summary: 'Delete an organization role', tags: ROLE_TAGS, params: RoleParams, responses: deleted },
    async ({ params }) => deletedJSON('role', await roles.deleteRole(params.organization_role_id)),
  );
  for (const present of [true, false]) {
    router.add(
      {
        method: present ? 'post' : 'delete',
        path: '/organization_roles/{organization_role_id}/permissions/{permission_id}',
        operationId: present ? 'AssignPermissionToOrganizationRole' : 'RemovePermissionFromOrganizationRole',
        summary: present ? 'Assign a permission to an organization role' : 'Remove a permission from an organization role',
        tags: ROLE_TAGS,
        params: z.object({ organization_role_id: idParam, permission_id: idParam }),
        responses: role,
      },
      async ({ params }) => json(await roles.setRolePermission(params.organization_role_id, params.permission_id, present)),
    );
  }

  router.add(
    {
      method: 'get',
      path: '/organization_permissions',
      operationId: 'ListOrganizationPermissions',
      summary: 'Get a list of all organization permissions',
      tags: PERMISSION_TAGS,
      query: keyedListQuery,
      responses: answers('Permissions', list(PermissionSchema)),
    },
    async ({ query }) => {
      const order = parseOrderBy(query.order_by, ORDER, '+created_at');
      const { rows, total } = await roles.listPermissions({ query: query.query, orderBy: order.field, direction: order.direction, ...pageOf(query) });
      return { data: rows.map(permissionJSON), total_count: total };
    },
  );
  router.add(
    {
      method: 'post',
      path: '/organization_permissions',
      operationId: 'CreateOrganizationPermission',
      summary: 'Create a new organization permission',
      tags: PERMISSION_TAGS,
      body: z.object({ name: z.string().min(1).max(256), key: z.string().min(1).max(128), description: z.string().max(1024).nullable().optional() }).strict(),
      responses: permission,
    },
    async ({ body }) => permissionJSON(await roles.createPermission(body)),
  );
  router.add(
    { method: 'get', path: '/organization_permissions/{permission_id}', operationId: 'GetOrganizationPermission', summary: 'Get an organization permission', tags: PERMISSION_TAGS, params: PermParams, responses: permission },
    async ({ params }) => permissionJSON(await roles.getPermission(params.permission_id)),
  );
  router.add(
    {
      method: 'patch',
      path: '/organization_permissions/{permission_id}',
      operationId: 'UpdateOrganizationPermission',
      summary: 'Update an organization permission',
      tags: PERMISSION_TAGS,
      params: PermParams,
      body: z
        .object({ name: z.string().min(1).max(256).nullable().optional(), key: z.string().min(1).max(128).nullable().optional(), description: z.string().max(1024).nullable().optional() })
        .strict(),
      responses: permission,
    },
    async ({ params, body }) => permissionJSON(await roles.updatePermission(params.permission_id, { name: body.name ?? undefined, key: body.key ?? undefined, description: body.description })),
  );
  router.add(
    { method: 'delete', path: '/organization_permissions/{permission_id}', operationId: 'DeleteOrganizationPermission', summary: 'Delete an organization permission', tags: PERMISSION_TAGS, params: PermParams, responses: deleted },
    async ({ params }) => deletedJSON('permission', await roles.deletePermission(params.permission_id)),
  );
}
