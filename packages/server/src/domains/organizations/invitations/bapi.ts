/**
 * Organization invitations Backend API: an organization's invitations (one, bulk, revoke), the
 * instance's and a user's.
 */
import { z } from 'zod';
import type { BapiRouter } from '../../../http/bapi/surface.js';
import { metadataObject, parseOrderBy } from '../../../http/validation.js';
import { normalizeEmail } from '../../identifiers/normalize.js';
import { answers, idParam, list, OrgParams, pageOf, paging, statusEnum } from '../bapi-params.js';
import type { OrganizationService } from '../organizations/service.js';
import type { OrgInvitationRow } from './repository.js';
import { invitationJSON, OrgInvitationSchema } from './serialize.js';
import type { InvitationsService, OrgInvitationInput, OrgInvitationStatus } from './service.js';

const TAGS = ['Organization Invitations'];
const InvParams = z.object({ organization_id: idParam, invitation_id: idParam });
const INV_ORDER = ['created_at', 'email_address', 'expires_at'] as const;

const InvitationBody = z
  .object({
    email_address: z.string().min(1).max(320),
    inviter_user_id: idParam.nullable().optional(),
    role: z.string().min(1).max(128),
    public_metadata: metadataObject.nullable().optional(),
    private_metadata: metadataObject.nullable().optional(),
    redirect_url: z.string().max(2048).nullable().optional(),
    expires_in_days: z.number().int().nullable().optional(),
    notify: z.boolean().nullable().optional(),
  })
  .strict();

function toInvitationInput(b: z.output<typeof InvitationBody>): OrgInvitationInput {
  return {
    emailAddress: b.email_address,
    role: b.role,
    inviterUserId: b.inviter_user_id,
    publicMetadata: b.public_metadata,
    privateMetadata: b.private_metadata,
    redirectUrl: b.redirect_url,
    expiresInDays: b.expires_in_days,
    notify: b.notify,
  };
}

export function registerInvitationRoutes(router: BapiRouter, deps: { organizations: OrganizationService; invitations: InvitationsService; publicUrl: string }): void {
  const { organizations, invitations, publicUrl } = deps;
  const one = answers('The invitation', OrgInvitationSchema);
  const many = answers('Invitations', list(OrgInvitationSchema));
  const page = async (rows: OrgInvitationRow[]) => (await invitations.views(rows)).map((v) => invitationJSON(v, publicUrl));
  const single = async (row: OrgInvitationRow) => (await page([row]))[0];
  const listed = async (q: { organizationId?: string; statuses?: OrgInvitationStatus[]; emailAddresses?: string[]; query?: string; order_by?: string; limit?: number; offset?: number }) => {
    const order = parseOrderBy(q.order_by, INV_ORDER, '-created_at');
    const { rows, total } = await invitations.listInvitations({
      organizationId: q.organizationId,
      statuses: q.statuses,
      emailAddresses: q.emailAddresses,
      query: q.query,
      orderBy: order.field,
      direction: order.direction,
      ...pageOf(q),
    });
    return { data: await page(rows), total_count: total };
  };

  router.add(
    {
      method: 'get',
      path: '/organizations/{organization_id}/invitations',
      operationId: 'ListOrganizationInvitations',
      summary: 'Get a list of organization invitations',
      tags: TAGS,
      params: OrgParams,
      query: z.object({ status: z.array(statusEnum).max(4).optional(), email_address: z.string().max(320).optional(), order_by: z.string().max(64).optional(), ...paging }),
      responses: many,
    },
    async ({ params, query }) => {
      const org = await organizations.get(params.organization_id);
      // An address that cannot be normalized matches no invitation.
      const email = query.email_address ? (normalizeEmail(query.email_address) ?? '\u0001') : undefined;
      return listed({ ...query, organizationId: org.id, statuses: query.status, emailAddresses: email ? [email] : undefined });
    },
  );
  router.add(
    {
      method: 'get',
      path: '/organizations/{organization_id}/invitations/pending',
      operationId: 'ListPendingOrganizationInvitations',
      summary: 'Get a list of pending organization invitations',
      tags: TAGS,
      params: OrgParams,
      query: z.object({ ...paging }),
      responses: many,
    },
    async ({ params, query }) => {
      const org = await organizations.get(params.organization_id);
      return listed({ ...query, organizationId: org.id, statuses: ['pending'] });
    },
  );
  router.add(
    {
      method: 'post',
      path: '/organizations/{organization_id}/invitations',
      operationId: 'CreateOrganizationInvitation',
      summary: 'Create and send an organization invitation',
      description: 'E-mails the invitation unless `notify` is false. An existing user whose address it is accepts it by signing in; a new address signs up.',
      tags: TAGS,
      params: OrgParams,
      body: InvitationBody,
      responses: one,
    },
    async ({ params, body }) => single(await invitations.invite(params.organization_id, toInvitationInput(body))),
  );
  router.add(
    {
      method: 'post',
      path: '/organizations/{organization_id}/invitations/bulk',
      operationId: 'CreateOrganizationInvitationBulk',
      summary: 'Bulk create and send organization invitations',
      description: 'All or nothing.',
      tags: TAGS,
      params: OrgParams,
      body: z.array(InvitationBody).min(1).max(10),
      responses: many,
    },
    async ({ params, body }) => {
      const rows = await invitations.inviteMany(params.organization_id, body.map(toInvitationInput));
      return { data: await page(rows), total_count: rows.length };
    },
  );
  router.add(
    { method: 'get', path: '/organizations/{organization_id}/invitations/{invitation_id}', operationId: 'GetOrganizationInvitation', summary: 'Retrieve an organization invitation by ID', tags: TAGS, params: InvParams, responses: one },
    async ({ params }) => single(await invitations.getInvitation(params.organization_id, params.invitation_id)),
  );
  router.add(
    {
      method: 'post',
      path: '/organizations/{organization_id}/invitations/{invitation_id}/revoke',
      operationId: 'RevokeOrganizationInvitation',
      summary: 'Revoke a pending organization invitation',
      tags: TAGS,
      params: InvParams,
      body: z.object({ requesting_user_id: idParam.nullable().optional() }).strict(),
      responses: one,
    },
    async ({ params }) => single(await invitations.revokeInvitation(params.organization_id, params.invitation_id)),
  );
  router.add(
    {
      method: 'get',
      path: '/organization_invitations',
      operationId: 'ListInstanceOrganizationInvitations',
      summary: 'Get a list of organization invitations for the current instance',
      tags: TAGS,
      query: z.object({ order_by: z.string().max(64).optional(), status: z.array(statusEnum).max(4).optional(), query: z.string().max(320).optional(), ...paging }),
      responses: many,
    },
    async ({ query }) => listed({ ...query, statuses: query.status }),
  );
  router.add(
    {
      method: 'get',
      path: '/users/{user_id}/organization_invitations',
      operationId: 'UsersGetOrganizationInvitations',
      summary: 'Retrieve all invitations for a user',
      description: "Invitations sent to any of the user's e-mail addresses.",
      tags: TAGS,
      params: z.object({ user_id: idParam }),
      query: z.object({ status: z.array(statusEnum).max(4).optional(), ...paging }),
      responses: many,
    },
    async ({ params, query }) => listed({ ...query, statuses: query.status, emailAddresses: await invitations.emailsOf(params.user_id) }),
  );
}
