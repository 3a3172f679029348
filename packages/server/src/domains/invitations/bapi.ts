/**
 * Invitations Backend API: `/invitations` (list, create, bulk, revoke, delete).
 */
import { z } from 'zod';
import type { BapiRouter } from '../../http/bapi/surface.js';
import { metadataObject, parseOrderBy, qBool, qInt } from '../../http/validation.js';
import { DeletedObjectSchema, ERROR_RESPONSES } from '../../http/wire-schemas.js';
import { deletedJSON, paginatedJSON } from '../users/serialize.js';
import { InvitationSchema, invitationJSON } from './serialize.js';
import type { CreateInvitationInput, InvitationRow, InvitationsService } from './service.js';

const CreateBody = z
  .object({
    email_address: z.string().min(1).max(320),
    public_metadata: metadataObject.nullable().optional(),
    redirect_url: z.string().max(2048).nullable().optional(),
    notify: z.boolean().nullable().optional(),
    ignore_existing: z.boolean().nullable().optional(),
    expires_in_days: z.number().int().nullable().optional(),
    template_slug: z.enum(['invitation', 'waitlist_invitation']).nullable().optional(),
  })
  .strict();

const ListQuery = z.object({
  status: z.enum(['pending', 'accepted', 'revoked', 'expired']).optional(),
  query: z.string().max(320).optional(),
  order_by: z.string().max(64).optional(),
  paginated: qBool().optional(),
  limit: qInt(1, 500).optional(),
  offset: qInt(0, 1e9).optional(),
});

const IdParams = z.object({ invitation_id: z.string().min(1).max(128) });

function toInput(b: z.output<typeof CreateBody>): CreateInvitationInput {
  return {
    emailAddress: b.email_address,
    publicMetadata: b.public_metadata,
    redirectUrl: b.redirect_url,
    notify: b.notify,
    ignoreExisting: b.ignore_existing,
    expiresInDays: b.expires_in_days,
    templateSlug: b.template_slug,
  };
}

const ORDER = ['created_at', 'email_address', 'expires_at'] as const;

export function registerInvitationRoutes(router: BapiRouter, invitations: InvitationsService): void {
  const TAGS = ['Invitations'];
  const json = (r: InvitationRow) => invitationJSON(r, invitations);
  const one = { 200: { description: 'The invitation', schema: InvitationSchema }, ...ERROR_RESPONSES };

  router.add(
    {
      method: 'get',
      path: '/invitations',
      operationId: 'ListInvitations',
      summary: 'List all invitations',
      description: 'Newest first; without `status`, revoked invitations are left out. A plain array, or `{data,total_count}` with `paginated=true`.',
      tags: TAGS,
      query: ListQuery,
      responses: {
        200: { description: 'Invitations', schema: z.union([z.array(InvitationSchema), z.object({ data: z.array(InvitationSchema), total_count: z.number().int() })]) },
        ...ERROR_RESPONSES,
      },
    },
    async ({ query }) => {
      const order = parseOrderBy(query.order_by, ORDER, '-created_at');
      const { rows, total } = await invitations.list({
        status: query.status,
        query: query.query,
        orderBy: order.field,
        direction: order.direction,
        limit: query.limit ?? (query.paginated ? 10 : 500),
        offset: query.offset ?? 0,
      });
      const data = rows.map(json);
      return query.paginated ? paginatedJSON(data, total) : data;
    },
  );
  router.add(
    {
      method: 'post',
      path: '/invitations',
      operationId: 'CreateInvitation',
      summary: 'Create an invitation',
      description: 'Sends the invitation e-mail unless `notify` is false. Refused when the address already has a pending invitation or belongs to a user, unless `ignore_existing`.',
      tags: TAGS,
      body: CreateBody,
      responses: one,
    },
    async ({ body }) => json(await invitations.create(toInput(body))),
  );
  router.add(
    {
      method: 'post',
      path: '/invitations/bulk',
      operationId: 'CreateBulkInvitations',
      summary: 'Create multiple invitations',
      description: 'At most 10 per call; all or nothing. Returns a plain array.',
      tags: TAGS,
      body: z.array(CreateBody).min(1).max(10),
      responses: { 200: { description: 'The invitations', schema: z.array(InvitationSchema) }, ...ERROR_RESPONSES },
    },
    async ({ body }) => (await invitations.createMany(body.map(toInput))).map(json),
  );
  router.add(
    { method: 'post', path: '/invitations/{invitation_id}/revoke', operationId: 'RevokeInvitation', summary: 'Revokes an invitation', tags: TAGS, params: IdParams, responses: one },
    async ({ params }) => json(await invitations.revoke(params.invitation_id)),
  );
  router.add(
    {
      method: 'delete',
      path: '/invitations/{invitation_id}',
      operationId: 'DeleteInvitation',
      summary: 'Delete an invitation',
      description: 'Called by the official SDK\'s deleteInvitation; not in the 2025-11-10 specification.',
      tags: TAGS,
      params: IdParams,
      responses: { 200: { description: 'Deleted', schema: DeletedObjectSchema }, ...ERROR_RESPONSES },
    },
    async ({ params }) => {
      await invitations.remove(params.invitation_id);
      return deletedJSON('invitation', params.invitation_id);
    },
  );
}
