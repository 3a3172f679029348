/**
 * Requests to join (from users who took up a domain's suggestion), from the browser:
 * org:sys_memberships:manage lists, accepts and rejects them.
 */
import { z } from 'zod';
import type { FapiRouter } from '../../../http/fapi/surface.js';
import { idParam, OrgParams, pageOf, paging, type OrganizationFapiContext } from '../fapi-kit.js';

const TAGS = ['Membership Requests'];
const RequestParams = z.object({ organization_id: idParam, request_id: idParam });

export function registerMembershipRequestFrontendRoutes(router: FapiRouter, ctx: OrganizationFapiContext): void {
  const { membershipRequests: requests } = ctx.organizations;
  const manage = 'org:sys_memberships:manage' as const;

  router.add(
    {
      method: 'get',
      path: '/organizations/{organization_id}/membership_requests',
      operationId: 'listOrganizationMembershipRequests',
      summary: 'Requests to join the organization',
      description: 'Newest first; `status` (repeatable) filters. Needs org:sys_memberships:manage.',
      tags: TAGS,
      params: OrgParams,
      query: z.object({ status: z.array(z.enum(['pending', 'accepted', 'rejected'])).max(3).optional(), ...paging }),
      responses: { 200: { description: '`{data, total_count}`' } },
    },
    async ({ principal, params, query }) => {
      const { organization } = await ctx.authorize(principal, params.organization_id, manage);
      const { rows, total } = await requests.listRequests(organization.id, { statuses: query.status, ...pageOf(query) });
      return { data: await requests.requestViews(rows), total_count: total };
    },
  );

  router.add(
    {
      method: 'post',
      path: '/organizations/{organization_id}/membership_requests/{request_id}/accept',
      operationId: 'acceptOrganizationMembershipRequest',
      summary: 'Let the requester in',
      description: "The requester joins with the domains' default role, within the membership limit. Needs org:sys_memberships:manage.",
      tags: TAGS,
      params: RequestParams,
      responses: { 200: { description: 'The request' } },
    },
    async ({ principal, params }) => {
      const { organization } = await ctx.authorize(principal, params.organization_id, manage);
      const { request } = await requests.acceptRequest(organization.id, params.request_id);
      return (await requests.requestViews([request]))[0] ?? null;
    },
  );

  router.add(
    {
      method: 'post',
      path: '/organizations/{organization_id}/membership_requests/{request_id}/reject',
      operationId: 'rejectOrganizationMembershipRequest',
      summary: 'Turn the request down',
      description: 'Needs org:sys_memberships:manage.',
      tags: TAGS,
      params: RequestParams,
      responses: { 200: { description: 'The request' } },
    },
    async ({ principal, params }) => {
      const { organization } = await ctx.authorize(principal, params.organization_id, manage);
      return (await requests.requestViews([await requests.rejectRequest(organization.id, params.request_id)]))[0] ?? null;
    },
  );
}
