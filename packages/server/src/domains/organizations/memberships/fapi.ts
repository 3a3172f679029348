/**
 * An organization's members, from the browser: members (and anyone with org:sys_memberships:read) list
 * them; org:sys_memberships:manage adds members, changes roles and removes members. The last-admin rule
 * and the membership limit are the memberships service's, as for the Backend API.
 */
import { z } from 'zod';
import type { FapiRouter } from '../../../http/fapi/surface.js';
import { qArray } from '../../../http/validation.js';
import { userFilterFields, userFilterFromQuery } from '../../users/filter-query.js';
import { idParam, OrgParams, pageOf, pageOrArray, paginated, paging, ruleErrorsUnfielded, type OrganizationFapiContext } from '../fapi-kit.js';
import { canonicalRoleKey } from '../roles/service.js';
import type { MembershipRow } from './repository.js';
import { frontendMembershipJSON } from './serialize.js';

const TAGS = ['Members'];
const MemberParams = z.object({ organization_id: idParam, user_id: idParam });
const role = z.string().min(1).max(128);

export function registerMembershipFrontendRoutes(router: FapiRouter, ctx: OrganizationFapiContext): void {
  const { organizations: domain, publicUrl } = ctx;
  const { memberships } = domain;
  const page = async (rows: MembershipRow[]) => (await memberships.views(rows)).map((v) => frontendMembershipJSON(v, publicUrl));
  const single = async (row: MembershipRow) => (await page([row]))[0] ?? null;

  router.add(
    {
      method: 'get',
      path: '/organizations/{organization_id}/memberships',
      operationId: 'ListOrganizationMemberships',
      summary: 'The members of an organization',
      description: '`query` matches identifiers, usernames, ids and names (partially); `role` filters by role (either spelling). Needs org:sys_memberships:read.',
      tags: TAGS,
      params: OrgParams,
      query: z.object({ query: userFilterFields.query, role: qArray().optional(), ...paging, ...paginated }),
      responses: { 200: { description: '`{data, total_count}` with `paginated=true`, else an array' } },
    },
    async ({ principal, params, query }) => {
      const { organization } = await ctx.authorize(principal, params.organization_id, 'org:sys_memberships:read');
      const { rows, total } = await memberships.listMemberships({
        organizationId: organization.id,
        roles: query.role?.map(canonicalRoleKey),
        ...(query.query ? { userFilter: userFilterFromQuery({ query: query.query }) } : {}),
        orderBy: 'created_at',
        direction: 'asc',
        ...pageOf(query),
      });
      return pageOrArray(await page(rows), total, query.paginated);
    },
  );

  router.add(
    {
      method: 'post',
      path: '/organizations/{organization_id}/memberships',
      operationId: 'CreateOrganizationMembership',
      summary: 'Add a user as a member',
      description: 'Needs org:sys_memberships:manage. Refused with organization_membership_quota_exceeded when the organization is full.',
      tags: TAGS,
      params: OrgParams,
      body: z.object({ user_id: idParam, role }).strict(),
      responses: { 200: { description: 'The membership' } },
    },
    async ({ principal, params, body }) => {
      const { organization } = await ctx.authorize(principal, params.organization_id, 'org:sys_memberships:manage');
      return single(await memberships.addMembership(organization.id, { userId: body.user_id, role: body.role }));
    },
  );

  router.add(
    {
      method: 'patch',
      path: '/organizations/{organization_id}/memberships/{user_id}',
      operationId: 'UpdateOrganizationMembership',
      summary: "Change a member's role",
      description: 'Needs org:sys_memberships:manage. Demoting the last admin is refused with organization_minimum_permissions_needed.',
      tags: TAGS,
      params: MemberParams,
      body: z.object({ role }).strict(),
      responses: { 200: { description: 'The membership' } },
    },
    async ({ principal, params, body }) => {
      const { organization } = await ctx.authorize(principal, params.organization_id, 'org:sys_memberships:manage');
      return single(await ruleErrorsUnfielded(memberships.updateMembershipRole(organization.id, params.user_id, body.role)));
    },
  );

  router.add(
    {
      method: 'delete',
      path: '/organizations/{organization_id}/memberships/{user_id}',
      operationId: 'removeOrganizationMember',
      summary: 'Remove a member',
      description: 'Needs org:sys_memberships:manage. Removing the last admin is refused with organization_minimum_permissions_needed.',
      tags: TAGS,
      params: MemberParams,
      responses: { 200: { description: 'The removed membership' } },
    },
    async ({ principal, params }) => {
      const { organization } = await ctx.authorize(principal, params.organization_id, 'org:sys_memberships:manage');
      const removed = await ruleErrorsUnfielded(memberships.removeMembership(organization.id, params.user_id));
      // The organization is still there: the removed membership is shown with it.
      return single(removed);
    },
  );
}
