/**
 * Organization memberships Backend API: an organization's members, the instance's memberships and a
 * user's memberships.
 */
import { z } from 'zod';
import type { BapiRouter } from '../../../http/bapi/surface.js';
import { metadataObject, parseOrderBy, qArray } from '../../../http/validation.js';
import { userFilterFields, userFilterFromQuery } from '../../users/filter-query.js';
import { answers, idParam, list, OrgParams, pageOf, paging } from '../bapi-params.js';
import type { OrganizationService } from '../organizations/service.js';
import { canonicalRoleKey } from '../roles/service.js';
import type { MembershipRow } from './repository.js';
import { membershipJSON, MembershipSchema } from './serialize.js';
import type { MembershipsService } from './service.js';

const TAGS = ['Organization Memberships'];
const MemberParams = z.object({ organization_id: idParam, user_id: idParam });
const MEMBER_ORDER = ['created_at', 'updated_at', 'role', 'first_name', 'last_name', 'username', 'email_address', 'phone_number'] as const;

// The user filters a member list takes: a subset of GET /users's, parsed by the same function.
const f = userFilterFields;
const memberFilters = {
  user_id: f.user_id,
  email_address: f.email_address,
  phone_number: f.phone_number,
  username: f.username,
  web3_wallet: f.web3_wallet,
  role: qArray().optional(),
  query: f.query,
  email_address_query: f.email_address_query,
  phone_number_query: f.phone_number_query,
  username_query: f.username_query,
  name_query: f.name_query,
  last_active_at_before: f.last_active_at_before,
  last_active_at_after: f.last_active_at_after,
  created_at_before: f.created_at_before,
  created_at_after: f.created_at_after,
};

export function registerMembershipRoutes(router: BapiRouter, deps: { organizations: OrganizationService; memberships: MembershipsService; publicUrl: string }): void {
  const { organizations, memberships, publicUrl } = deps;
  const one = answers('The membership', MembershipSchema);
  const many = answers('Memberships', list(MembershipSchema));
  const page = async (rows: MembershipRow[], known?: Parameters<MembershipsService['views']>[1]) => (await memberships.views(rows, known)).map((v) => membershipJSON(v, publicUrl));
  const single = async (row: MembershipRow) => (await page([row]))[0];

  router.add(
    {
      method: 'get',
      path: '/organizations/{organization_id}/memberships',
      operationId: 'ListOrganizationMemberships',
      summary: 'Get a list of all members of an organization',
      tags: TAGS,
      params: OrgParams,
      query: z.object({ order_by: z.string().max(64).optional(), ...memberFilters, ...paging }),
      responses: many,
    },
    async ({ params, query }) => {
      const order = parseOrderBy(query.order_by, MEMBER_ORDER, '-created_at');
      const { role, ...userQuery } = query;
      const list = (organizationId: string) =>
        memberships.listMemberships({
          organizationId,
          roles: role?.map(canonicalRoleKey),
          userFilter: userFilterFromQuery(userQuery),
          orderBy: order.field,
          direction: order.direction,
          ...pageOf(query),
        });
      // By id (slugs have no "_"), the list is read while the organization is looked up: one round trip to
      // the database fewer. The lookup still decides: an unknown organization is a 404, its list unused.
      const early = params.organization_id.startsWith('org_') ? list(params.organization_id) : null;
      early?.catch(() => undefined);
      const org = await organizations.get(params.organization_id);
      const { rows, total, embeds } = await (early && org.id === params.organization_id ? early : list(org.id));
      return { data: await page(rows, { organization: org, embeds }), total_count: total };
    },
  );
  router.add(
    {
      method: 'post',
      path: '/organizations/{organization_id}/memberships',
      operationId: 'CreateOrganizationMembership',
      summary: 'Create a new organization membership',
      description: 'Refused with organization_membership_quota_exceeded when the organization is full.',
      tags: TAGS,
      params: OrgParams,
      body: z
        .object({ user_id: idParam, role: z.string().min(1).max(128), public_metadata: metadataObject.nullable().optional(), private_metadata: metadataObject.nullable().optional() })
        .strict(),
      responses: one,
    },
    async ({ params, body }) =>
      single(await memberships.addMembership(params.organization_id, { userId: body.user_id, role: body.role, publicMetadata: body.public_metadata, privateMetadata: body.private_metadata })),
  );
  router.add(
    {
      method: 'patch',
      path: '/organizations/{organization_id}/memberships/{user_id}',
      operationId: 'UpdateOrganizationMembership',
      summary: 'Update an organization membership',
      description: 'Demoting the last admin is refused with organization_minimum_permissions_needed.',
      tags: TAGS,
      params: MemberParams,
      body: z.object({ role: z.string().min(1).max(128) }).strict(),
      responses: one,
    },
    async ({ params, body }) => single(await memberships.updateMembershipRole(params.organization_id, params.user_id, body.role)),
  );
  router.add(
    {
      method: 'delete',
      path: '/organizations/{organization_id}/memberships/{user_id}',
      operationId: 'DeleteOrganizationMembership',
      summary: 'Remove a member from an organization',
      description: 'Removing the last admin is refused with organization_minimum_permissions_needed.',
      tags: TAGS,
      params: MemberParams,
      responses: one,
    },
    async ({ params }) => {
      const org = await organizations.get(params.organization_id);
      return (await single(await memberships.removeMembership(org.id, params.user_id))) ?? null;
    },
  );
  router.add(
    {
      method: 'patch',
      path: '/organizations/{organization_id}/memberships/{user_id}/metadata',
      operationId: 'UpdateOrganizationMembershipMetadata',
      summary: 'Merge and update organization membership metadata',
      tags: TAGS,
      params: MemberParams,
      body: z.object({ public_metadata: metadataObject.nullable().optional(), private_metadata: metadataObject.nullable().optional() }).strict(),
      responses: one,
    },
    async ({ params, body }) =>
      single(await memberships.updateMembershipMetadata(params.organization_id, params.user_id, { publicMetadata: body.public_metadata, privateMetadata: body.private_metadata })),
  );
  router.add(
    {
      method: 'get',
      path: '/organization_memberships',
      operationId: 'InstanceGetOrganizationMemberships',
      summary: 'Get a list of all organization memberships within an instance',
      tags: TAGS,
      query: z.object({ order_by: z.string().max(64).optional(), ...paging }),
      responses: many,
    },
    async ({ query }) => {
      const order = parseOrderBy(query.order_by, MEMBER_ORDER, '-created_at');
      const { rows, total } = await memberships.listMemberships({ orderBy: order.field, direction: order.direction, ...pageOf(query) });
      return { data: await page(rows), total_count: total };
    },
  );
  router.add(
    {
      method: 'get',
      path: '/users/{user_id}/organization_memberships',
      operationId: 'UsersGetOrganizationMemberships',
      summary: 'Retrieve all memberships for a user',
      tags: TAGS,
      params: z.object({ user_id: idParam }),
      query: z.object({ ...paging }),
      responses: many,
    },
    async ({ params, query }) => {
      const { rows, total } = await memberships.listMemberships({ userId: params.user_id, orderBy: 'created_at', direction: 'desc', ...pageOf(query) });
      return { data: await page(rows), total_count: total };
    },
  );
}
