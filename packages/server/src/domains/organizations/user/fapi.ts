/**
 * The signed-in user's side of organizations (`/me/organization_…`): the organizations they belong to
 * (and leaving one), the invitations sent to their verified addresses (and accepting one), and the
 * suggestions their verified domains produced (and taking one up, which asks the organization to let
 * them in).
 */
import { z } from 'zod';
import type { FapiRouter } from '../../../http/fapi/surface.js';
import { deletedJSON } from '../../users/serialize.js';
import { statusEnum } from '../bapi-params.js';
import { idParam, pageOf, pageOrArray, paginated, paging, ruleErrorsUnfielded, type OrganizationFapiContext } from '../fapi-kit.js';
import { frontendInvitationJSON } from '../invitations/serialize.js';
import { frontendMembershipJSON } from '../memberships/serialize.js';

const TAGS = ['Organizations Memberships'];

export function registerUserOrganizationRoutes(router: FapiRouter, ctx: OrganizationFapiContext): void {
  const { organizations: domain, publicUrl } = ctx;
  const { memberships, invitations, membershipRequests } = domain;

  router.add(
    {
      method: 'get',
      path: '/me/organization_memberships',
      operationId: 'getOrganizationMemberships',
      summary: 'The organizations you belong to',
      description: 'Newest first.',
      tags: TAGS,
      query: z.object({ ...paging, ...paginated }),
      responses: { 200: { description: '`{data, total_count}` with `paginated=true`, else an array' } },
    },
    async ({ principal, query }) => {
      const userId = await ctx.userOf(principal);
      const { rows, total } = await memberships.listMemberships({ userId, orderBy: 'created_at', direction: 'desc', ...pageOf(query) });
      const data = (await memberships.views(rows)).map((v) => frontendMembershipJSON(v, publicUrl));
      return pageOrArray(data, total, query.paginated);
    },
  );

  router.add(
    {
      method: 'delete',
      path: '/me/organization_memberships/{organization_id}',
      operationId: 'deleteOrganizationMemberships',
      summary: 'Leave an organization',
      description: 'The last admin cannot leave (organization_minimum_permissions_needed).',
      tags: TAGS,
      params: z.object({ organization_id: idParam }),
      responses: { 200: { description: 'The deleted membership' } },
    },
    async ({ principal, params }) => {
      const { organization, userId } = await ctx.authorize(principal, params.organization_id);
      const removed = await ruleErrorsUnfielded(memberships.removeMembership(organization.id, userId));
      return deletedJSON('organization_membership', removed.id);
    },
  );

  router.add(
    {
      method: 'get',
      path: '/me/organization_invitations',
      operationId: 'getUsersOrganizationInvitations',
      summary: 'Invitations sent to your verified addresses',
      description: 'Newest first; `status` (repeatable) filters by effective status.',
      tags: TAGS,
      query: z.object({ status: z.array(statusEnum).max(4).optional(), ...paging }),
      responses: { 200: { description: '`{data, total_count}`' } },
    },
    async ({ principal, query }) => {
      const userId = await ctx.userOf(principal);
      const { rows, total } = await invitations.listForUser(userId, { statuses: query.status, ...pageOf(query) });
      return { data: (await invitations.views(rows)).map((v) => frontendInvitationJSON(v, publicUrl)), total_count: total };
    },
  );

  router.add(
    {
      method: 'post',
      path: '/me/organization_invitations/{invitation_id}/accept',
      operationId: 'acceptOrganizationInvitation',
      summary: 'Accept an invitation',
      description: 'You join with the invited role; the invitation is used up.',
      tags: TAGS,
      params: z.object({ invitation_id: idParam }),
      responses: { 200: { description: 'The invitation, accepted' } },
    },
    async ({ principal, params }) => {
      const userId = await ctx.userOf(principal);
      const inv = await invitations.invitationForUser(userId, params.invitation_id);
      await invitations.acceptInvitation({ invitationId: inv.id }, userId);
      const accepted = await invitations.invitationForUser(userId, inv.id);
      return (await invitations.views([accepted])).map((v) => frontendInvitationJSON(v, publicUrl))[0] ?? null;
    },
  );

  router.add(
    {
      method: 'get',
      path: '/me/organization_suggestions',
      operationId: 'getOrganizationSuggestions',
      summary: 'Organizations suggested to you by their verified domains',
      description: 'Newest first; `status` (repeatable): `pending`, or `accepted` (taken up, awaiting an answer).',
      tags: TAGS,
      query: z.object({ status: z.array(z.enum(['pending', 'accepted', 'dismissed'])).max(3).optional(), ...paging }),
      responses: { 200: { description: '`{data, total_count}`' } },
    },
    async ({ principal, query }) => {
      const userId = await ctx.userOf(principal);
      const { rows, total } = await membershipRequests.listSuggestions(userId, { statuses: query.status, ...pageOf(query) });
      return { data: await membershipRequests.suggestionViews(rows), total_count: total };
    },
  );

  router.add(
    {
      method: 'post',
      path: '/me/organization_suggestions/{suggestion_id}/accept',
      operationId: 'acceptOrganizationSuggestion',
      summary: 'Ask to join a suggested organization',
      description: 'Its member managers then accept or reject the request.',
      tags: TAGS,
      params: z.object({ suggestion_id: idParam }),
      responses: { 200: { description: 'The suggestion, accepted' } },
    },
    async ({ principal, params }) => {
      const userId = await ctx.userOf(principal);
      const s = await membershipRequests.acceptSuggestion(userId, params.suggestion_id);
      return (await membershipRequests.suggestionViews([s]))[0] ?? null;
    },
  );
}
