/**
 * Organizations from the browser: create one (the creator becomes its admin), read it, rename it,
 * change its logo, delete it. Reading takes membership; changes take the role's profile permissions.
 */
import { z } from 'zod';
import { ApiError } from '../../../errors.js';
import { formNullableString } from '../../../http/fapi/form.js';
import type { FapiRouter } from '../../../http/fapi/surface.js';
import { readImageUpload } from '../../../http/image-upload.js';
import type { InstanceService } from '../../instance/service.js';
import { deletedJSON } from '../../users/serialize.js';
import { OrgParams, type OrganizationFapiContext } from '../fapi-kit.js';
import type { OrganizationRow } from './repository.js';
import { frontendOrganizationJSON } from './serialize.js';

const TAGS = ['Organization'];

export function registerOrganizationFrontendProfileRoutes(router: FapiRouter, ctx: OrganizationFapiContext, deps: { instance: InstanceService; uploadLimit: number }): void {
  const { organizations: domain, publicUrl } = ctx;
  const { organizations } = domain;
  const json = async (o: OrganizationRow) => frontendOrganizationJSON(o, publicUrl, { membersCount: o.members_count, pendingInvitationsCount: await organizations.pendingInvitationsCount(o.id) });

  router.add(
    {
      method: 'post',
      path: '/organizations',
      operationId: 'createOrganization',
      summary: 'Create an organization',
      description: 'The signed-in user creates it and becomes its first member, with the creator role (org:admin by default), within their `create_organization_enabled` and `create_organizations_limit`.',
      tags: TAGS,
      body: z.object({ name: z.string().max(256), slug: formNullableString(64).optional() }).strict(),
      responses: { 200: { description: 'The organization, in `response`' } },
    },
    async ({ principal, body }) => {
      const userId = await ctx.userOf(principal);
      const slugDisabled = (await deps.instance.settings()).organizations.slug_disabled;
      const org = await organizations.create({ name: body.name, slug: slugDisabled ? null : (body.slug ?? null), createdBy: userId, selfServe: true });
      return json(org);
    },
  );

  router.add(
    { method: 'get', path: '/organizations/{organization_id}', operationId: 'getOrganization', summary: 'An organization you belong to', tags: TAGS, params: OrgParams, responses: { 200: { description: 'The organization' } } },
    async ({ principal, params }) => json((await ctx.authorize(principal, params.organization_id)).organization),
  );

  router.add(
    {
      method: 'patch',
      path: '/organizations/{organization_id}',
      operationId: 'updateOrganization',
      summary: 'Rename an organization',
      description: 'Needs org:sys_profile:manage.',
      tags: TAGS,
      params: OrgParams,
      body: z.object({ name: formNullableString(256).optional(), slug: formNullableString(64).optional() }).strict(),
      responses: { 200: { description: 'The organization' } },
    },
    async ({ principal, params, body }) => {
      const { organization } = await ctx.authorize(principal, params.organization_id, 'org:sys_profile:manage');
      const slugDisabled = (await deps.instance.settings()).organizations.slug_disabled;
      return json(
        await organizations.update(organization.id, {
          ...(body.name ? { name: body.name } : {}),
          ...(body.slug && !slugDisabled ? { slug: body.slug } : {}),
        }),
      );
    },
  );

  router.add(
    {
      method: 'delete',
      path: '/organizations/{organization_id}',
      operationId: 'deleteOrganization',
      summary: 'Delete an organization',
      description: 'Needs org:sys_profile:delete, and admin deletion allowed for the organization and the instance.',
      tags: TAGS,
      params: OrgParams,
      responses: { 200: { description: 'The deleted object' } },
    },
    async ({ principal, params }) => {
      const { organization } = await ctx.authorize(principal, params.organization_id, 'org:sys_profile:delete');
      const allowed = organization.admin_delete_enabled === 1 && (await deps.instance.settings()).organizations.admin_delete_enabled;
      if (!allowed) throw new ApiError({ code: 'not_allowed_access', longMessage: 'This organization cannot be deleted from the application.' });
      return deletedJSON('organization', await organizations.delete(organization.id));
    },
  );

  router.add(
    {
      method: 'put',
      path: '/organizations/{organization_id}/logo',
      operationId: 'updateOrganizationLogo',
      summary: 'Upload the organization logo',
      description: 'multipart/form-data with a `file` field (PNG, JPEG, GIF or WebP). Needs org:sys_profile:manage.',
      tags: TAGS,
      params: OrgParams,
      body: z.object({ file: z.string().meta({ format: 'binary' }) }),
      bodyKind: 'multipart',
      bodyLimit: deps.uploadLimit,
      responses: { 200: { description: 'The organization' } },
    },
    async ({ principal, params, c }) => {
      const { organization } = await ctx.authorize(principal, params.organization_id, 'org:sys_profile:manage');
      return json(await organizations.setLogo(organization.id, await readImageUpload(c)));
    },
  );

  router.add(
    {
      method: 'delete',
      path: '/organizations/{organization_id}/logo',
      operationId: 'deleteOrganizationLogo',
      summary: 'Remove the organization logo',
      description: 'Needs org:sys_profile:manage. Answers the organization, as the SDK reads it.',
      tags: TAGS,
      params: OrgParams,
      responses: { 200: { description: 'The organization' } },
    },
    async ({ principal, params }) => {
      const { organization } = await ctx.authorize(principal, params.organization_id, 'org:sys_profile:manage');
      return json(await organizations.setLogo(organization.id, null));
    },
  );
}
