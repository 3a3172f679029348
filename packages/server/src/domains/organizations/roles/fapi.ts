/**
 * The roles a member can be given, from the browser (the role picker of the invite and member screens):
 * any member reads them, keys spelled as the instance answers them.
 */
import type { FapiRouter } from '../../../http/fapi/surface.js';
import { z } from 'zod';
import { OrgParams, pageOf, paging, type OrganizationFapiContext } from '../fapi-kit.js';
import { roleJSON } from './serialize.js';
import { answeredRoleKey } from './service.js';

export function registerRoleFrontendRoutes(router: FapiRouter, ctx: OrganizationFapiContext): void {
  const { organizations: domain } = ctx;
  router.add(
    {
      method: 'get',
      path: '/organizations/{organization_id}/roles',
      operationId: 'ListOrganizationRoles',
      summary: 'The roles of the instance',
      description: 'Oldest first (the system roles lead). Any member may read them.',
      tags: ['Roles'],
      params: OrgParams,
      query: z.object({ ...paging }),
      responses: { 200: { description: '`{data, total_count, has_role_set_migration}`' } },
    },
    async ({ principal, params, query }) => {
      await ctx.authorize(principal, params.organization_id);
      const [{ rows, total }, legacy] = await Promise.all([domain.roles.listRoles({ orderBy: 'created_at', direction: 'asc', ...pageOf(query) }), domain.legacyRoleKeys()]);
      return { data: rows.map((r) => roleJSON(r, answeredRoleKey(r.role.key, legacy))), total_count: total, has_role_set_migration: false };
    },
  );
}
