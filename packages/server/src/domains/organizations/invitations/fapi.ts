/**
 * An organization's invitations, from the browser: org:sys_memberships:manage lists, sends (one or
 * several at once) and revokes them. The invitations service writes them under the organization lock.
 */
import { z } from 'zod';
import { formArray, formBool } from '../../../http/fapi/form.js';
import type { FapiRouter } from '../../../http/fapi/surface.js';
import { idParam, OrgParams, pageOf, paging, type OrganizationFapiContext } from '../fapi-kit.js';
import { statusEnum } from '../bapi-params.js';
import type { OrgInvitationRow } from './repository.js';
import { frontendInvitationJSON } from './serialize.js';

const TAGS = ['Invitations'];
const role = z.string().min(1).max(128);

export function registerInvitationFrontendRoutes(router: FapiRouter, ctx: OrganizationFapiContext): void {
  const { organizations: domain, publicUrl } = ctx;
  const { invitations } = domain;
  const page = async (rows: OrgInvitationRow[]) => (await invitations.views(rows)).map((v) => frontendInvitationJSON(v, publicUrl));
  const single = async (row: OrgInvitationRow) => (await page([row]))[0] ?? null;
  const manage = 'org:sys_memberships:manage' as const;

  router.add(
    {
      method: 'get',
      path: '/organizations/{organization_id}/invitations',
      operationId: 'getOrganizationInvitations',
      summary: "The organization's invitations",
      description: 'Newest first; `status` (repeatable) filters by effective status. Needs org:sys_memberships:manage.',
      tags: TAGS,
      params: OrgParams,
      query: z.object({ status: z.array(statusEnum).max(4).optional(), ...paging }),
      responses: { 200: { description: '`{data, total_count}`' } },
    },
    async ({ principal, params, query }) => {
      const { organization } = await ctx.authorize(principal, params.organization_id, manage);
      const { rows, total } = await invitations.listInvitations({ organizationId: organization.id, statuses: query.status, orderBy: 'created_at', direction: 'desc', ...pageOf(query) });
      return { data: await page(rows), total_count: total };
    },
  );

  router.add(
    {
      method: 'get',
      path: '/organizations/{organization_id}/invitations/pending',
      operationId: 'getAllPendingOrganizationInvitations',
      summary: 'Pending invitations (deprecated: use `status=pending`)',
      tags: TAGS,
      params: OrgParams,
      query: z.object({ ...paging }),
      responses: { 200: { description: 'An array of invitations' } },
    },
    async ({ principal, params, query }) => {
      const { organization } = await ctx.authorize(principal, params.organization_id, manage);
      const { rows } = await invitations.listInvitations({ organizationId: organization.id, statuses: ['pending'], orderBy: 'created_at', direction: 'desc', ...pageOf(query) });
      return page(rows);
    },
  );

  router.add(
    {
      method: 'post',
      path: '/organizations/{organization_id}/invitations',
      operationId: 'createOrganizationInvitations',
      summary: 'Invite someone by e-mail',
      description: 'The signed-in caller is the inviter; `notify=false` sends no e-mail. Needs org:sys_memberships:manage.',
      tags: TAGS,
      params: OrgParams,
      body: z.object({ email_address: z.string().max(320), role, notify: formBool.optional() }).strict(),
      responses: { 200: { description: 'The invitation' } },
    },
    async ({ principal, params, body }) => {
      const { organization, userId } = await ctx.authorize(principal, params.organization_id, manage);
      return single(await invitations.invite(organization.id, { emailAddress: body.email_address, role: body.role, inviterUserId: userId, notify: body.notify ?? true }));
    },
  );

  router.add(
    {
      method: 'post',
      path: '/organizations/{organization_id}/invitations/bulk',
      operationId: 'bulkCreateOrganizationInvitations',
      summary: 'Invite several addresses with one role',
      description: '`email_address` repeated; all or nothing. Needs org:sys_memberships:manage.',
      tags: TAGS,
      params: OrgParams,
      body: z.object({ email_address: formArray(50, 320).pipe(z.array(z.string()).min(1)), role, notify: formBool.optional() }).strict(),
      responses: { 200: { description: 'An array of invitations' } },
    },
    async ({ principal, params, body }) => {
      const { organization, userId } = await ctx.authorize(principal, params.organization_id, manage);
      const rows = await invitations.inviteMany(
        organization.id,
        body.email_address.map((emailAddress) => ({ emailAddress, role: body.role, inviterUserId: userId, notify: body.notify ?? true })),
      );
      return page(rows);
    },
  );

  router.add(
    {
      method: 'post',
      path: '/organizations/{organization_id}/invitations/{invitation_id}/revoke',
      operationId: 'revokePendingOrganizationInvitation',
      summary: 'Revoke a pending invitation',
      description: 'Needs org:sys_memberships:manage.',
      tags: TAGS,
      params: z.object({ organization_id: idParam, invitation_id: idParam }),
      responses: { 200: { description: 'The invitation' } },
    },
    async ({ principal, params }) => {
      const { organization } = await ctx.authorize(principal, params.organization_id, manage);
      return single(await invitations.revokeInvitation(organization.id, params.invitation_id));
    },
  );
}
