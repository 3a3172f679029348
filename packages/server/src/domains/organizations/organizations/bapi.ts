/**
 * Organizations Backend API: list, create, get, update, delete, metadata and logo.
 */
import { z } from 'zod';
import type { BapiRouter } from '../../../http/bapi/surface.js';
import { metadataObject, parseOrderBy, qArray, qBool, rfc3339 } from '../../../http/validation.js';
import { DeletedObjectSchema } from '../../../http/wire-schemas.js';
import { readImageUpload } from '../../users/bapi.js';
import { deletedJSON } from '../../users/serialize.js';
import { answers, idParam, list, OrgParams, pageOf, paging } from '../bapi-params.js';
import type { OrganizationRow } from './repository.js';
import { organizationJSON, OrganizationSchema } from './serialize.js';
import type { OrganizationService } from './service.js';

const TAGS = ['Organizations'];

export function registerOrganizationProfileRoutes(router: BapiRouter, deps: { organizations: OrganizationService; publicUrl: string; uploadLimit: number }): void {
  const { organizations, publicUrl } = deps;
  const one = answers('The organization', OrganizationSchema);
  const json = (o: OrganizationRow) => organizationJSON(o, publicUrl);

  router.add(
    {
      method: 'get',
      path: '/organizations',
      operationId: 'ListOrganizations',
      summary: 'Get a list of organizations for an instance',
      tags: TAGS,
      query: z.object({
        include_members_count: qBool().optional(),
        include_missing_member_with_elevated_permissions: qBool().optional(),
        query: z.string().max(256).optional(),
        user_id: qArray().optional(),
        organization_id: qArray().optional(),
        order_by: z.string().max(64).optional(),
        ...paging,
      }),
      responses: answers('Organizations', list(OrganizationSchema)),
    },
    async ({ query }) => {
      const order = parseOrderBy(query.order_by, ['created_at', 'name', 'members_count'] as const, '-created_at');
      const { rows, total } = await organizations.list({
        query: query.query,
        userIds: query.user_id,
        organizationIds: query.organization_id,
        orderBy: order.field,
        direction: order.direction,
        ...pageOf(query),
      });
      return { data: rows.map((o) => organizationJSON(o, publicUrl, query.include_members_count ? { membersCount: o.members_count } : {})), total_count: total };
    },
  );
  router.add(
    {
      method: 'post',
      path: '/organizations',
      operationId: 'CreateOrganization',
      summary: 'Create an organization',
      description: 'The slug is generated from the name when absent; `created_by` becomes the first member, with the creator role (org:admin by default).',
      tags: TAGS,
      body: z
        .object({
          name: z.string().min(1).max(256),
          created_by: idParam.nullable().optional(),
          private_metadata: metadataObject.nullable().optional(),
          public_metadata: metadataObject.nullable().optional(),
          slug: z.string().max(64).nullable().optional(),
          max_allowed_memberships: z.number().int().min(0).max(1e6).nullable().optional(),
          created_at: rfc3339.nullable().optional(),
          role_set_key: z.string().max(128).nullable().optional(),
        })
        .strict(),
      responses: one,
    },
    async ({ body }) =>
      json(
        await organizations.create({
          name: body.name,
          slug: body.slug,
          createdBy: body.created_by,
          maxAllowedMemberships: body.max_allowed_memberships,
          publicMetadata: body.public_metadata,
          privateMetadata: body.private_metadata,
          createdAt: body.created_at,
        }),
      ),
  );
  router.add(
    {
      method: 'get',
      path: '/organizations/{organization_id}',
      operationId: 'GetOrganization',
      summary: 'Retrieve an organization by ID or slug',
      tags: TAGS,
      params: OrgParams,
      query: z.object({ include_members_count: qBool().optional(), include_missing_member_with_elevated_permissions: qBool().optional() }),
      responses: one,
    },
    async ({ params, query }) => {
      const o = await organizations.get(params.organization_id);
      return organizationJSON(o, publicUrl, query.include_members_count ? { membersCount: o.members_count, pendingInvitationsCount: await organizations.pendingInvitationsCount(o.id) } : {});
    },
  );
  router.add(
    {
      method: 'patch',
      path: '/organizations/{organization_id}',
      operationId: 'UpdateOrganization',
      summary: 'Update an organization',
      tags: TAGS,
      params: OrgParams,
      body: z
        .object({
          public_metadata: metadataObject.nullable().optional(),
          private_metadata: metadataObject.nullable().optional(),
          name: z.string().min(1).max(256).nullable().optional(),
          slug: z.string().max(64).nullable().optional(),
          max_allowed_memberships: z.number().int().min(0).max(1e6).nullable().optional(),
          admin_delete_enabled: z.boolean().nullable().optional(),
          created_at: rfc3339.nullable().optional(),
          role_set_key: z.string().max(128).nullable().optional(),
        })
        .strict(),
      responses: one,
    },
    async ({ params, body }) =>
      json(
        await organizations.update(params.organization_id, {
          name: body.name ?? undefined,
          slug: body.slug,
          maxAllowedMemberships: body.max_allowed_memberships,
          adminDeleteEnabled: body.admin_delete_enabled,
          publicMetadata: body.public_metadata,
          privateMetadata: body.private_metadata,
          createdAt: body.created_at,
        }),
      ),
  );
  router.add(
    {
      method: 'delete',
      path: '/organizations/{organization_id}',
      operationId: 'DeleteOrganization',
      summary: 'Delete an organization',
      description: 'Its memberships, invitations and domains go with it.',
      tags: TAGS,
      params: OrgParams,
      responses: answers('Deleted', DeletedObjectSchema),
    },
    async ({ params }) => deletedJSON('organization', await organizations.delete(params.organization_id)),
  );
  for (const replace of [false, true]) {
    router.add(
      {
        method: replace ? 'put' : 'patch',
        path: '/organizations/{organization_id}/metadata',
        operationId: replace ? 'ReplaceOrganizationMetadata' : 'MergeOrganizationMetadata',
        summary: replace ? 'Replace metadata for an organization' : 'Merge and update metadata for an organization',
        tags: TAGS,
        params: OrgParams,
        body: z.object({ public_metadata: metadataObject.nullable().optional(), private_metadata: metadataObject.nullable().optional() }).strict(),
        responses: one,
      },
      async ({ params, body }) => json(await organizations.writeMetadata(params.organization_id, { publicMetadata: body.public_metadata, privateMetadata: body.private_metadata }, replace)),
    );
  }
  router.add(
    {
      method: 'put',
      path: '/organizations/{organization_id}/logo',
      operationId: 'UploadOrganizationLogo',
      summary: 'Upload a logo for the organization',
      description: 'multipart/form-data with a `file` field (PNG, JPEG, GIF or WebP).',
      tags: TAGS,
      params: OrgParams,
      body: z.object({ file: z.string().meta({ format: 'binary' }), uploader_user_id: z.string().optional() }),
      bodyKind: 'multipart',
      bodyLimit: deps.uploadLimit,
      responses: one,
    },
    async ({ c, params }) => json(await organizations.setLogo(params.organization_id, await readImageUpload(c))),
  );
  router.add(
    {
      method: 'delete',
      path: '/organizations/{organization_id}/logo',
      operationId: 'DeleteOrganizationLogo',
      summary: "Delete the organization's logo",
      tags: TAGS,
      params: OrgParams,
      responses: one,
    },
    async ({ params }) => json(await organizations.setLogo(params.organization_id, null)),
  );
}
