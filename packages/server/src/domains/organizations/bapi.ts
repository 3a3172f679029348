/**
 * Organizations Backend API: organizations, memberships, invitations, domains, roles, permissions and
 * the instance's organization settings. Every list answers `{data, total_count}`.
 */
import { z } from 'zod';
import { ApiError } from '../../errors.js';
import type { BapiRouter } from '../../http/bapi/surface.js';
import { wireSchemas } from '../../http/router.js';
import { metadataObject, parseOrderBy, qArray, qBool, qInt, rfc3339 } from '../../http/validation.js';
import { DeletedObjectSchema, ERROR_RESPONSES } from '../../http/wire-schemas.js';
import type { InstanceService, OrganizationSettings } from '../instance/service.js';
import { normalizeEmail } from '../identifiers/normalize.js';
import { deletedJSON } from '../users/serialize.js';
import { readImageUpload } from '../users/bapi.js';
import { userFilterFields, userFilterFromQuery } from '../users/filter-query.js';
import { canonicalRoleKey, type RolesService, type RoleRow, type PermissionRow } from './roles.js';
import type { Presenter } from './serialize.js';
import { organizationJSON } from './serialize.js';
import type { OrganizationRow, OrganizationsService, OrgInvitationInput, OrgInvitationStatus } from './service.js';

const meta = z.record(z.string(), z.unknown());
const ts = z.number().int();

export const OrganizationSchema = z
  .object({
    object: z.literal('organization'),
    id: z.string(),
    name: z.string(),
    slug: z.string(),
    image_url: z.string(),
    has_image: z.boolean(),
    members_count: z.number().int().optional(),
    pending_invitations_count: z.number().int().optional(),
    max_allowed_memberships: z.number().int(),
    admin_delete_enabled: z.boolean(),
    public_metadata: meta,
    private_metadata: meta,
    created_by: z.string(),
    created_at: ts,
    updated_at: ts,
  })
  .strict()
  .register(wireSchemas, { id: 'Organization' });

const PublicUserData = z.object({
  user_id: z.string(),
  first_name: z.string().nullable(),
  last_name: z.string().nullable(),
  profile_image_url: z.string(),
  image_url: z.string(),
  has_image: z.boolean(),
  identifier: z.string(),
  username: z.string().nullable(),
  banned: z.boolean(),
});

export const MembershipSchema = z
  .object({
    object: z.literal('organization_membership'),
    id: z.string(),
    role: z.string(),
    role_name: z.string(),
    permissions: z.array(z.string()),
    public_metadata: meta,
    private_metadata: meta,
    organization: OrganizationSchema,
    public_user_data: PublicUserData,
    created_at: ts,
    updated_at: ts,
  })
  .strict()
  .register(wireSchemas, { id: 'OrganizationMembership' });

const PublicOrganizationData = z.object({ id: z.string(), name: z.string(), slug: z.string(), image_url: z.string(), has_image: z.boolean() });

export const OrgInvitationSchema = z
  .object({
    object: z.literal('organization_invitation'),
    id: z.string(),
    email_address: z.string(),
    role: z.string(),
    role_name: z.string(),
    organization_id: z.string(),
    inviter_id: z.string().nullable(),
    public_inviter_data: z.object({}).catchall(z.unknown()).nullable(),
    status: z.enum(['pending', 'accepted', 'revoked', 'expired']),
    public_metadata: meta,
    private_metadata: meta,
    url: z.string().nullable(),
    expires_at: ts.nullable(),
    created_at: ts,
    updated_at: ts,
    public_organization_data: PublicOrganizationData.nullable(),
  })
  .strict()
  .register(wireSchemas, { id: 'OrganizationInvitation' });

export const DomainSchema = z
  .object({
    object: z.literal('organization_domain'),
    id: z.string(),
    organization_id: z.string(),
    name: z.string(),
    enrollment_mode: z.enum(['manual_invitation', 'automatic_invitation', 'automatic_suggestion']),
    affiliation_email_address: z.string().nullable(),
    verification: z
      .object({ status: z.string(), strategy: z.string(), attempts: z.number().int(), expire_at: ts.nullable(), verified_at: ts.nullable() })
      .nullable(),
    total_pending_invitations: z.number().int(),
    total_pending_suggestions: z.number().int(),
    public_organization_data: PublicOrganizationData.nullable(),
    created_at: ts,
    updated_at: ts,
  })
  .strict()
  .register(wireSchemas, { id: 'OrganizationDomain' });

export const PermissionSchema = z
  .object({ object: z.literal('permission'), id: z.string(), name: z.string(), key: z.string(), description: z.string(), type: z.enum(['system', 'user']), created_at: ts, updated_at: ts })
  .strict()
  .register(wireSchemas, { id: 'Permission' });

export const RoleSchema = z
  .object({
    object: z.literal('role'),
    id: z.string(),
    name: z.string(),
    key: z.string(),
    description: z.string(),
    is_creator_eligible: z.boolean(),
    permissions: z.array(PermissionSchema),
    created_at: ts,
    updated_at: ts,
  })
  .strict()
  .register(wireSchemas, { id: 'Role' });

export const OrganizationSettingsSchema = z
  .object({
    object: z.literal('organization_settings'),
    enabled: z.boolean(),
    max_allowed_memberships: z.number().int(),
    max_allowed_roles: z.number().int(),
    max_allowed_domains: z.number().int(),
    max_allowed_permissions: z.number().int(),
    creator_role: z.string(),
    admin_delete_enabled: z.boolean(),
    domains_enabled: z.boolean(),
    slug_disabled: z.boolean(),
    domains_enrollment_modes: z.array(z.string()),
    domains_default_role: z.string(),
  })
  .strict()
  .register(wireSchemas, { id: 'OrganizationSettings' });

const list = <T extends z.ZodType>(item: T) => z.object({ data: z.array(item), total_count: z.number().int() });

function permissionJSON(p: PermissionRow): z.output<typeof PermissionSchema> {
  return { object: 'permission', id: p.id, name: p.name, key: p.key, description: p.description, type: p.type, created_at: p.created_at, updated_at: p.updated_at };
}

function roleJSON(r: { role: RoleRow; permissions: PermissionRow[] }): z.output<typeof RoleSchema> {
  return {
    object: 'role',
    id: r.role.id,
    name: r.role.name,
    key: r.role.key,
    description: r.role.description,
    is_creator_eligible: r.role.is_creator_eligible === 1,
    permissions: r.permissions.map(permissionJSON),
    created_at: r.role.created_at,
    updated_at: r.role.updated_at,
  };
}

function settingsJSON(s: OrganizationSettings): z.output<typeof OrganizationSettingsSchema> {
  return {
    object: 'organization_settings',
    enabled: s.enabled,
    max_allowed_memberships: s.max_allowed_memberships,
    max_allowed_roles: 50,
    max_allowed_domains: 10,
    max_allowed_permissions: 50,
    creator_role: s.creator_role,
    admin_delete_enabled: s.admin_delete_enabled,
    domains_enabled: s.domains_enabled,
    slug_disabled: s.slug_disabled,
    domains_enrollment_modes: s.domains_enrollment_modes,
    domains_default_role: s.domains_default_role,
  };
}

const idParam = z.string().min(1).max(128);
const paging = { limit: qInt(1, 500).optional(), offset: qInt(0, 1e9).optional() };
const OrgParams = z.object({ organization_id: idParam });
const MemberParams = z.object({ organization_id: idParam, user_id: idParam });
const InvParams = z.object({ organization_id: idParam, invitation_id: idParam });
const DomainParams = z.object({ organization_id: idParam, domain_id: idParam });
const modeEnum = z.enum(['manual_invitation', 'automatic_invitation', 'automatic_suggestion']);
const statusEnum = z.enum(['pending', 'accepted', 'revoked', 'expired']);


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

export function registerOrganizationRoutes(
  router: BapiRouter,
  deps: { organizations: OrganizationsService; roles: RolesService; presenter: Presenter; instance: InstanceService; publicUrl: string; uploadLimit: number },
): void {
  const { organizations, roles, presenter, instance, publicUrl } = deps;
  const ORGS = ['Organizations'];
  const MEMBERS = ['Organization Memberships'];
  const INVITES = ['Organization Invitations'];
  const DOMAINS = ['Organization Domains'];
  const ROLES = ['Organization Roles'];
  const PERMS = ['Organization Permissions'];
  const orgOne = { 200: { description: 'The organization', schema: OrganizationSchema }, ...ERROR_RESPONSES };
  const memberOne = { 200: { description: 'The membership', schema: MembershipSchema }, ...ERROR_RESPONSES };
  const invOne = { 200: { description: 'The invitation', schema: OrgInvitationSchema }, ...ERROR_RESPONSES };
  const domainOne = { 200: { description: 'The domain', schema: DomainSchema }, ...ERROR_RESPONSES };
  const oneMembership = async (row: Parameters<Presenter['memberships']>[0][number]) => (await presenter.memberships([row]))[0];
  const oneInvitation = async (row: Parameters<Presenter['invitations']>[0][number]) => (await presenter.invitations([row]))[0];
  const oneDomain = async (row: Parameters<Presenter['domains']>[0][number]) => (await presenter.domains([row]))[0];
  const orgOut = async (o: OrganizationRow, counts: boolean) =>
    organizationJSON(o, publicUrl, counts ? { membersCount: o.members_count, pendingInvitationsCount: await organizations.pendingInvitationsCount(o.id) } : {});

  // ---- organizations ----
  router.add(
    {
      method: 'get',
      path: '/organizations',
      operationId: 'ListOrganizations',
      summary: 'Get a list of organizations for an instance',
      tags: ORGS,
      query: z.object({
        include_members_count: qBool().optional(),
        include_missing_member_with_elevated_permissions: qBool().optional(),
        query: z.string().max(256).optional(),
        user_id: qArray().optional(),
        organization_id: qArray().optional(),
        order_by: z.string().max(64).optional(),
        ...paging,
      }),
      responses: { 200: { description: 'Organizations', schema: list(OrganizationSchema) }, ...ERROR_RESPONSES },
    },
    async ({ query }) => {
      const order = parseOrderBy(query.order_by, ['created_at', 'name', 'members_count'] as const, '-created_at');
      const { rows, total } = await organizations.list({
        query: query.query,
        userIds: query.user_id,
        organizationIds: query.organization_id,
        orderBy: order.field,
        direction: order.direction,
        limit: query.limit ?? 10,
        offset: query.offset ?? 0,
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
      tags: ORGS,
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
      responses: orgOne,
    },
    async ({ body }) =>
      orgOut(
        await organizations.create({
          name: body.name,
          slug: body.slug,
          createdBy: body.created_by,
          maxAllowedMemberships: body.max_allowed_memberships,
          publicMetadata: body.public_metadata,
          privateMetadata: body.private_metadata,
          createdAt: body.created_at,
        }),
        false,
      ),
  );
  router.add(
    {
      method: 'get',
      path: '/organizations/{organization_id}',
      operationId: 'GetOrganization',
      summary: 'Retrieve an organization by ID or slug',
      tags: ORGS,
      params: OrgParams,
      query: z.object({ include_members_count: qBool().optional(), include_missing_member_with_elevated_permissions: qBool().optional() }),
      responses: orgOne,
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
      tags: ORGS,
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
      responses: orgOne,
    },
    async ({ params, body }) =>
      orgOut(
        await organizations.update(params.organization_id, {
          name: body.name ?? undefined,
          slug: body.slug,
          maxAllowedMemberships: body.max_allowed_memberships,
          adminDeleteEnabled: body.admin_delete_enabled,
          publicMetadata: body.public_metadata,
          privateMetadata: body.private_metadata,
          createdAt: body.created_at,
        }),
        false,
      ),
  );
  router.add(
    {
      method: 'delete',
      path: '/organizations/{organization_id}',
      operationId: 'DeleteOrganization',
      summary: 'Delete an organization',
      description: 'Its memberships, invitations and domains go with it.',
      tags: ORGS,
      params: OrgParams,
      responses: { 200: { description: 'Deleted', schema: DeletedObjectSchema }, ...ERROR_RESPONSES },
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
        tags: ORGS,
        params: OrgParams,
        body: z.object({ public_metadata: metadataObject.nullable().optional(), private_metadata: metadataObject.nullable().optional() }).strict(),
        responses: orgOne,
      },
      async ({ params, body }) =>
        orgOut(await organizations.writeMetadata(params.organization_id, { publicMetadata: body.public_metadata, privateMetadata: body.private_metadata }, replace), false),
    );
  }
  router.add(
    {
      method: 'put',
      path: '/organizations/{organization_id}/logo',
      operationId: 'UploadOrganizationLogo',
      summary: 'Upload a logo for the organization',
      description: 'multipart/form-data with a `file` field (PNG, JPEG, GIF or WebP).',
      tags: ORGS,
      params: OrgParams,
      body: z.object({ file: z.string().meta({ format: 'binary' }), uploader_user_id: z.string().optional() }),
      bodyKind: 'multipart',
      bodyLimit: deps.uploadLimit,
      responses: orgOne,
    },
    async ({ c, params }) => {
      return orgOut(await organizations.setLogo(params.organization_id, await readImageUpload(c)), false);
    },
  );
  router.add(
    {
      method: 'delete',
      path: '/organizations/{organization_id}/logo',
      operationId: 'DeleteOrganizationLogo',
      summary: "Delete the organization's logo",
      tags: ORGS,
      params: OrgParams,
      responses: orgOne,
    },
    async ({ params }) => orgOut(await organizations.setLogo(params.organization_id, null), false),
  );

  // ---- memberships ----
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

  const MEMBER_ORDER = ['created_at', 'updated_at', 'role', 'first_name', 'last_name', 'username', 'email_address', 'phone_number'] as const;
  router.add(
    {
      method: 'get',
      path: '/organizations/{organization_id}/memberships',
      operationId: 'ListOrganizationMemberships',
      summary: 'Get a list of all members of an organization',
      tags: MEMBERS,
      params: OrgParams,
      query: z.object({ order_by: z.string().max(64).optional(), ...memberFilters, ...paging }),
      responses: { 200: { description: 'Memberships', schema: list(MembershipSchema) }, ...ERROR_RESPONSES },
    },
    async ({ params, query }) => {
      const org = await organizations.get(params.organization_id);
      const order = parseOrderBy(query.order_by, MEMBER_ORDER, '-created_at');
      const { role, ...userQuery } = query;
      const userFilter = userFilterFromQuery(userQuery);
      const roleKeys = role?.map(canonicalRoleKey);
      const { rows, total } = await organizations.listMemberships({
        organizationId: org.id,
        roles: roleKeys,
        userFilter,
        orderBy: order.field,
        direction: order.direction,
        limit: query.limit ?? 10,
        offset: query.offset ?? 0,
      });
      return { data: await presenter.memberships(rows), total_count: total };
    },
  );
  router.add(
    {
      method: 'post',
      path: '/organizations/{organization_id}/memberships',
      operationId: 'CreateOrganizationMembership',
      summary: 'Create a new organization membership',
      description: 'Refused with organization_membership_quota_exceeded when the organization is full.',
      tags: MEMBERS,
      params: OrgParams,
      body: z
        .object({ user_id: idParam, role: z.string().min(1).max(128), public_metadata: metadataObject.nullable().optional(), private_metadata: metadataObject.nullable().optional() })
        .strict(),
      responses: memberOne,
    },
    async ({ params, body }) =>
      oneMembership(
        await organizations.addMembership(params.organization_id, { userId: body.user_id, role: body.role, publicMetadata: body.public_metadata, privateMetadata: body.private_metadata }),
      ),
  );
  router.add(
    {
      method: 'patch',
      path: '/organizations/{organization_id}/memberships/{user_id}',
      operationId: 'UpdateOrganizationMembership',
      summary: 'Update an organization membership',
      description: 'Demoting the last admin is refused with organization_minimum_permissions_needed.',
      tags: MEMBERS,
      params: MemberParams,
      body: z.object({ role: z.string().min(1).max(128) }).strict(),
      responses: memberOne,
    },
    async ({ params, body }) => oneMembership(await organizations.updateMembershipRole(params.organization_id, params.user_id, body.role)),
  );
  router.add(
    {
      method: 'delete',
      path: '/organizations/{organization_id}/memberships/{user_id}',
      operationId: 'DeleteOrganizationMembership',
      summary: 'Remove a member from an organization',
      description: 'Removing the last admin is refused with organization_minimum_permissions_needed.',
      tags: MEMBERS,
      params: MemberParams,
      responses: memberOne,
    },
    async ({ params }) => {
      const org = await organizations.get(params.organization_id);
      const removed = await organizations.removeMembership(org.id, params.user_id);
      return (await presenter.memberships([removed]))[0] ?? null;
    },
  );
  router.add(
    {
      method: 'patch',
      path: '/organizations/{organization_id}/memberships/{user_id}/metadata',
      operationId: 'UpdateOrganizationMembershipMetadata',
      summary: 'Merge and update organization membership metadata',
      tags: MEMBERS,
      params: MemberParams,
      body: z.object({ public_metadata: metadataObject.nullable().optional(), private_metadata: metadataObject.nullable().optional() }).strict(),
      responses: memberOne,
    },
    async ({ params, body }) =>
      oneMembership(await organizations.updateMembershipMetadata(params.organization_id, params.user_id, { publicMetadata: body.public_metadata, privateMetadata: body.private_metadata })),
  );
  router.add(
    {
      method: 'get',
      path: '/organization_memberships',
      operationId: 'InstanceGetOrganizationMemberships',
      summary: 'Get a list of all organization memberships within an instance',
      tags: MEMBERS,
      query: z.object({ order_by: z.string().max(64).optional(), ...paging }),
      responses: { 200: { description: 'Memberships', schema: list(MembershipSchema) }, ...ERROR_RESPONSES },
    },
    async ({ query }) => {
      const order = parseOrderBy(query.order_by, MEMBER_ORDER, '-created_at');
      const { rows, total } = await organizations.listMemberships({ orderBy: order.field, direction: order.direction, limit: query.limit ?? 10, offset: query.offset ?? 0 });
      return { data: await presenter.memberships(rows), total_count: total };
    },
  );
  router.add(
    {
      method: 'get',
      path: '/users/{user_id}/organization_memberships',
      operationId: 'UsersGetOrganizationMemberships',
      summary: 'Retrieve all memberships for a user',
      tags: MEMBERS,
      params: z.object({ user_id: idParam }),
      query: z.object({ ...paging }),
      responses: { 200: { description: 'Memberships', schema: list(MembershipSchema) }, ...ERROR_RESPONSES },
    },
    async ({ params, query }) => {
      const { rows, total } = await organizations.listMemberships({ userId: params.user_id, orderBy: 'created_at', direction: 'desc', limit: query.limit ?? 10, offset: query.offset ?? 0 });
      return { data: await presenter.memberships(rows), total_count: total };
    },
  );

  // ---- invitations ----
  const INV_ORDER = ['created_at', 'email_address', 'expires_at'] as const;
  const invitationList = async (q: { organizationId?: string; statuses?: OrgInvitationStatus[]; emailAddresses?: string[]; query?: string; order_by?: string; limit?: number; offset?: number }) => {
    const order = parseOrderBy(q.order_by, INV_ORDER, '-created_at');
    const { rows, total } = await organizations.listInvitations({
      organizationId: q.organizationId,
      statuses: q.statuses,
      emailAddresses: q.emailAddresses,
      query: q.query,
      orderBy: order.field,
      direction: order.direction,
      limit: q.limit ?? 10,
      offset: q.offset ?? 0,
    });
    return { data: await presenter.invitations(rows), total_count: total };
  };
  router.add(
    {
      method: 'get',
      path: '/organizations/{organization_id}/invitations',
      operationId: 'ListOrganizationInvitations',
      summary: 'Get a list of organization invitations',
      tags: INVITES,
      params: OrgParams,
      query: z.object({ status: z.array(statusEnum).max(4).optional(), email_address: z.string().max(320).optional(), order_by: z.string().max(64).optional(), ...paging }),
      responses: { 200: { description: 'Invitations', schema: list(OrgInvitationSchema) }, ...ERROR_RESPONSES },
    },
    async ({ params, query }) => {
      const org = await organizations.get(params.organization_id);
      const email = query.email_address ? normalizeEmail(query.email_address) ?? '\u0001' : undefined;
      return invitationList({ ...query, organizationId: org.id, statuses: query.status, emailAddresses: email ? [email] : undefined });
    },
  );
  router.add(
    {
      method: 'get',
      path: '/organizations/{organization_id}/invitations/pending',
      operationId: 'ListPendingOrganizationInvitations',
      summary: 'Get a list of pending organization invitations',
      tags: INVITES,
      params: OrgParams,
      query: z.object({ ...paging }),
      responses: { 200: { description: 'Invitations', schema: list(OrgInvitationSchema) }, ...ERROR_RESPONSES },
    },
    async ({ params, query }) => {
      const org = await organizations.get(params.organization_id);
      return invitationList({ ...query, organizationId: org.id, statuses: ['pending'] });
    },
  );
  router.add(
    {
      method: 'post',
      path: '/organizations/{organization_id}/invitations',
      operationId: 'CreateOrganizationInvitation',
      summary: 'Create and send an organization invitation',
      description: 'E-mails the invitation unless `notify` is false. An existing user whose address it is accepts it by signing in; a new address signs up.',
      tags: INVITES,
      params: OrgParams,
      body: InvitationBody,
      responses: invOne,
    },
    async ({ params, body }) => oneInvitation(await organizations.invite(params.organization_id, toInvitationInput(body))),
  );
  router.add(
    {
      method: 'post',
      path: '/organizations/{organization_id}/invitations/bulk',
      operationId: 'CreateOrganizationInvitationBulk',
      summary: 'Bulk create and send organization invitations',
      description: 'All or nothing.',
      tags: INVITES,
      params: OrgParams,
      body: z.array(InvitationBody).min(1).max(10),
      responses: { 200: { description: 'Invitations', schema: list(OrgInvitationSchema) }, ...ERROR_RESPONSES },
    },
    async ({ params, body }) => {
      const rows = await organizations.inviteMany(params.organization_id, body.map(toInvitationInput));
      return { data: await presenter.invitations(rows), total_count: rows.length };
    },
  );
  router.add(
    { method: 'get', path: '/organizations/{organization_id}/invitations/{invitation_id}', operationId: 'GetOrganizationInvitation', summary: 'Retrieve an organization invitation by ID', tags: INVITES, params: InvParams, responses: invOne },
    async ({ params }) => oneInvitation(await organizations.getInvitation(params.organization_id, params.invitation_id)),
  );
  router.add(
    {
      method: 'post',
      path: '/organizations/{organization_id}/invitations/{invitation_id}/revoke',
      operationId: 'RevokeOrganizationInvitation',
      summary: 'Revoke a pending organization invitation',
      tags: INVITES,
      params: InvParams,
      body: z.object({ requesting_user_id: idParam.nullable().optional() }).strict(),
      responses: invOne,
    },
    async ({ params }) => oneInvitation(await organizations.revokeInvitation(params.organization_id, params.invitation_id)),
  );
  router.add(
    {
      method: 'get',
      path: '/organization_invitations',
      operationId: 'ListInstanceOrganizationInvitations',
      summary: 'Get a list of organization invitations for the current instance',
      tags: INVITES,
      query: z.object({ order_by: z.string().max(64).optional(), status: z.array(statusEnum).max(4).optional(), query: z.string().max(320).optional(), ...paging }),
      responses: { 200: { description: 'Invitations', schema: list(OrgInvitationSchema) }, ...ERROR_RESPONSES },
    },
    async ({ query }) => invitationList({ ...query, statuses: query.status }),
  );
  router.add(
    {
      method: 'get',
      path: '/users/{user_id}/organization_invitations',
      operationId: 'UsersGetOrganizationInvitations',
      summary: 'Retrieve all invitations for a user',
      description: "Invitations sent to any of the user's e-mail addresses.",
      tags: INVITES,
      params: z.object({ user_id: idParam }),
      query: z.object({ status: z.array(statusEnum).max(4).optional(), ...paging }),
      responses: { 200: { description: 'Invitations', schema: list(OrgInvitationSchema) }, ...ERROR_RESPONSES },
    },
    async ({ params, query }) => {
      const emails = await organizations.emailsOf(params.user_id);
      return invitationList({ ...query, statuses: query.status, emailAddresses: emails });
    },
  );

  // ---- domains ----
  router.add(
    {
      method: 'post',
      path: '/organizations/{organization_id}/domains',
      operationId: 'CreateOrganizationDomain',
      summary: 'Create a new organization domain',
      description: 'Verified unless `verified` is false. Public e-mail provider domains are refused. A verified automatic_invitation domain invites every user with a verified address at it; automatic_suggestion suggests the organization instead.',
      tags: DOMAINS,
      params: OrgParams,
      body: z.object({ name: z.string().min(1).max(253), enrollment_mode: modeEnum.nullable().optional(), verified: z.boolean().nullable().optional() }).strict(),
      responses: domainOne,
    },
    async ({ params, body }) => oneDomain(await organizations.addDomain(params.organization_id, { name: body.name, enrollmentMode: body.enrollment_mode, verified: body.verified })),
  );
  router.add(
    {
      method: 'get',
      path: '/organizations/{organization_id}/domains',
      operationId: 'ListOrganizationDomains',
      summary: 'Get a list of all domains of an organization',
      tags: DOMAINS,
      params: OrgParams,
      query: z.object({ verified: qBool().optional(), enrollment_mode: modeEnum.optional(), ...paging }),
      responses: { 200: { description: 'Domains', schema: list(DomainSchema) }, ...ERROR_RESPONSES },
    },
    async ({ params, query }) => {
      const org = await organizations.get(params.organization_id);
      const { rows, total } = await organizations.listDomains({
        organizationId: org.id,
        verified: query.verified,
        enrollmentModes: query.enrollment_mode ? [query.enrollment_mode] : undefined,
        orderBy: 'created_at',
        direction: 'desc',
        limit: query.limit ?? 10,
        offset: query.offset ?? 0,
      });
      return { data: await presenter.domains(rows), total_count: total };
    },
  );
  router.add(
    {
      method: 'patch',
      path: '/organizations/{organization_id}/domains/{domain_id}',
      operationId: 'UpdateOrganizationDomain',
      summary: 'Update an organization domain',
      tags: DOMAINS,
      params: DomainParams,
      body: z.object({ enrollment_mode: modeEnum.nullable().optional(), verified: z.boolean().nullable().optional(), name: z.string().max(253).nullable().optional() }).strict(),
      responses: domainOne,
    },
    async ({ params, body }) => oneDomain(await organizations.updateDomain(params.organization_id, params.domain_id, { enrollmentMode: body.enrollment_mode, verified: body.verified })),
  );
  router.add(
    {
      method: 'delete',
      path: '/organizations/{organization_id}/domains/{domain_id}',
      operationId: 'DeleteOrganizationDomain',
      summary: 'Remove a domain from an organization',
      tags: DOMAINS,
      params: DomainParams,
      responses: { 200: { description: 'Deleted', schema: DeletedObjectSchema }, ...ERROR_RESPONSES },
    },
    async ({ params }) => deletedJSON('organization_domain', await organizations.deleteDomain(params.organization_id, params.domain_id)),
  );
  router.add(
    {
      method: 'post',
      path: '/organizations/{organization_id}/domains/{domain_id}/verify_ownership',
      operationId: 'VerifyOrganizationDomainOwnership',
      summary: "Mark an organization domain's ownership as verified",
      tags: DOMAINS,
      params: DomainParams,
      responses: domainOne,
    },
    async ({ params }) => oneDomain(await organizations.verifyDomainOwnership(params.organization_id, params.domain_id)),
  );
  router.add(
    {
      method: 'post',
      path: '/organizations/{organization_id}/domains/{domain_id}/prepare_affiliation_verification',
      operationId: 'PrepareOrganizationDomainAffiliationVerification',
      summary: 'Send a verification code to an address at the domain',
      description: 'Latch extension mirroring the Frontend API: proving receipt of the code verifies the domain.',
      tags: DOMAINS,
      params: DomainParams,
      body: z.object({ affiliation_email_address: z.string().min(3).max(320) }).strict(),
      responses: domainOne,
    },
    async ({ params, body }) => oneDomain(await organizations.prepareAffiliation(params.organization_id, params.domain_id, body.affiliation_email_address)),
  );
  router.add(
    {
      method: 'post',
      path: '/organizations/{organization_id}/domains/{domain_id}/attempt_affiliation_verification',
      operationId: 'AttemptOrganizationDomainAffiliationVerification',
      summary: 'Verify the domain with the code that was sent',
      description: 'Latch extension mirroring the Frontend API. Five wrong codes invalidate the code; it expires after 10 minutes.',
      tags: DOMAINS,
      params: DomainParams,
      body: z.object({ code: z.string().min(1).max(12) }).strict(),
      responses: domainOne,
    },
    async ({ params, body }) => oneDomain(await organizations.attemptAffiliation(params.organization_id, params.domain_id, body.code)),
  );
  router.add(
    {
      method: 'get',
      path: '/organization_domains',
      operationId: 'ListAllOrganizationDomains',
      summary: 'List all organization domains',
      tags: DOMAINS,
      query: z.object({
        organization_id: idParam.optional(),
        verified: qBool().optional(),
        enrollment_mode: z.array(modeEnum).max(3).optional(),
        query: z.string().max(253).optional(),
        domains: qArray().optional(),
        order_by: z.string().max(64).optional(),
        ...paging,
      }),
      responses: { 200: { description: 'Domains', schema: list(DomainSchema) }, ...ERROR_RESPONSES },
    },
    async ({ query }) => {
      const order = parseOrderBy(query.order_by, ['created_at', 'name'] as const, '-created_at');
      const { rows, total } = await organizations.listDomains({
        organizationId: query.organization_id,
        verified: query.verified,
        enrollmentModes: query.enrollment_mode,
        query: query.query,
        names: query.domains,
        orderBy: order.field,
        direction: order.direction,
        limit: query.limit ?? 10,
        offset: query.offset ?? 0,
      });
      return { data: await presenter.domains(rows), total_count: total };
    },
  );

  // ---- roles and permissions ----
  const ROLE_ORDER = ['created_at', 'name', 'key'] as const;
  const RoleParams = z.object({ organization_role_id: idParam });
  const permissionsList = z.array(z.string().min(1).max(128)).max(100);
  router.add(
    {
      method: 'get',
      path: '/organization_roles',
      operationId: 'ListOrganizationRoles',
      summary: 'Get a list of organization roles',
      tags: ROLES,
      query: z.object({ query: z.string().max(256).optional(), order_by: z.string().max(64).optional(), ...paging }),
      responses: { 200: { description: 'Roles', schema: list(RoleSchema) }, ...ERROR_RESPONSES },
    },
    async ({ query }) => {
      const order = parseOrderBy(query.order_by, ROLE_ORDER, '+created_at');
      const { rows, total } = await roles.listRoles({ query: query.query, orderBy: order.field, direction: order.direction, limit: query.limit ?? 10, offset: query.offset ?? 0 });
      return { data: rows.map(roleJSON), total_count: total };
    },
  );
  router.add(
    {
      method: 'post',
      path: '/organization_roles',
      operationId: 'CreateOrganizationRole',
      summary: 'Create an organization role',
      tags: ROLES,
      body: z
        .object({
          name: z.string().min(1).max(256),
          key: z.string().min(1).max(128),
          description: z.string().max(1024).nullable().optional(),
          permissions: permissionsList.nullable().optional(),
          include_in_initial_role_set: z.boolean().nullable().optional(),
        })
        .strict(),
      responses: { 200: { description: 'The role', schema: RoleSchema }, ...ERROR_RESPONSES },
    },
    async ({ body }) => roleJSON(await roles.createRole({ name: body.name, key: body.key, description: body.description, permissions: body.permissions ?? [] })),
  );
  router.add(
    { method: 'get', path: '/organization_roles/{organization_role_id}', operationId: 'GetOrganizationRole', summary: 'Retrieve an organization role', tags: ROLES, params: RoleParams, responses: { 200: { description: 'The role', schema: RoleSchema }, ...ERROR_RESPONSES } },
    async ({ params }) => roleJSON(await roles.getRole(params.organization_role_id)),
  );
  router.add(
    {
      method: 'patch',
      path: '/organization_roles/{organization_role_id}',
      operationId: 'UpdateOrganizationRole',
      summary: 'Update an organization role',
      tags: ROLES,
      params: RoleParams,
      body: z
        .object({
          name: z.string().min(1).max(256).nullable().optional(),
          key: z.string().min(1).max(128).nullable().optional(),
          description: z.string().max(1024).nullable().optional(),
          permissions: permissionsList.nullable().optional(),
        })
        .strict(),
      responses: { 200: { description: 'The role', schema: RoleSchema }, ...ERROR_RESPONSES },
    },
    async ({ params, body }) =>
      roleJSON(
        await roles.updateRole(params.organization_role_id, {
          name: body.name ?? undefined,
          key: body.key ?? undefined,
          description: body.description,
          permissions: body.permissions ?? undefined,
        }),
      ),
  );
  router.add(
    {
      method: 'delete',
      path: '/organization_roles/{organization_role_id}',
      operationId: 'DeleteOrganizationRole',
      summary: 'Delete an organization role',
      tags: ROLES,
      params: RoleParams,
      responses: { 200: { description: 'Deleted', schema: DeletedObjectSchema }, ...ERROR_RESPONSES },
    },
    async ({ params }) => deletedJSON('role', await roles.deleteRole(params.organization_role_id)),
  );
  for (const present of [true, false]) {
    router.add(
      {
        method: present ? 'post' : 'delete',
        path: '/organization_roles/{organization_role_id}/permissions/{permission_id}',
        operationId: present ? 'AssignPermissionToOrganizationRole' : 'RemovePermissionFromOrganizationRole',
        summary: present ? 'Assign a permission to an organization role' : 'Remove a permission from an organization role',
        tags: ROLES,
        params: z.object({ organization_role_id: idParam, permission_id: idParam }),
        responses: { 200: { description: 'The role', schema: RoleSchema }, ...ERROR_RESPONSES },
      },
      async ({ params }) => roleJSON(await roles.setRolePermission(params.organization_role_id, params.permission_id, present)),
    );
  }
  const PermParams = z.object({ permission_id: idParam });
  router.add(
    {
      method: 'get',
      path: '/organization_permissions',
      operationId: 'ListOrganizationPermissions',
      summary: 'Get a list of all organization permissions',
      tags: PERMS,
      query: z.object({ query: z.string().max(256).optional(), order_by: z.string().max(64).optional(), ...paging }),
      responses: { 200: { description: 'Permissions', schema: list(PermissionSchema) }, ...ERROR_RESPONSES },
    },
    async ({ query }) => {
      const order = parseOrderBy(query.order_by, ROLE_ORDER, '+created_at');
      const { rows, total } = await roles.listPermissions({ query: query.query, orderBy: order.field, direction: order.direction, limit: query.limit ?? 10, offset: query.offset ?? 0 });
      return { data: rows.map(permissionJSON), total_count: total };
    },
  );
  router.add(
    {
      method: 'post',
      path: '/organization_permissions',
      operationId: 'CreateOrganizationPermission',
      summary: 'Create a new organization permission',
      tags: PERMS,
      body: z.object({ name: z.string().min(1).max(256), key: z.string().min(1).max(128), description: z.string().max(1024).nullable().optional() }).strict(),
      responses: { 200: { description: 'The permission', schema: PermissionSchema }, ...ERROR_RESPONSES },
    },
    async ({ body }) => permissionJSON(await roles.createPermission(body)),
  );
  router.add(
    { method: 'get', path: '/organization_permissions/{permission_id}', operationId: 'GetOrganizationPermission', summary: 'Get an organization permission', tags: PERMS, params: PermParams, responses: { 200: { description: 'The permission', schema: PermissionSchema }, ...ERROR_RESPONSES } },
    async ({ params }) => permissionJSON(await roles.getPermission(params.permission_id)),
  );
  router.add(
    {
      method: 'patch',
      path: '/organization_permissions/{permission_id}',
      operationId: 'UpdateOrganizationPermission',
      summary: 'Update an organization permission',
      tags: PERMS,
      params: PermParams,
      body: z
        .object({ name: z.string().min(1).max(256).nullable().optional(), key: z.string().min(1).max(128).nullable().optional(), description: z.string().max(1024).nullable().optional() })
        .strict(),
      responses: { 200: { description: 'The permission', schema: PermissionSchema }, ...ERROR_RESPONSES },
    },
    async ({ params, body }) => permissionJSON(await roles.updatePermission(params.permission_id, { name: body.name ?? undefined, key: body.key ?? undefined, description: body.description })),
  );
  router.add(
    {
      method: 'delete',
      path: '/organization_permissions/{permission_id}',
      operationId: 'DeleteOrganizationPermission',
      summary: 'Delete an organization permission',
      tags: PERMS,
      params: PermParams,
      responses: { 200: { description: 'Deleted', schema: DeletedObjectSchema }, ...ERROR_RESPONSES },
    },
    async ({ params }) => deletedJSON('permission', await roles.deletePermission(params.permission_id)),
  );

  // ---- instance organization settings ----
  router.add(
    {
      method: 'get',
      path: '/instance/organization_settings',
      operationId: 'GetInstanceOrganizationSettings',
      summary: 'Get instance organization settings',
      tags: ['Instance Settings'],
      responses: { 200: { description: 'Settings', schema: OrganizationSettingsSchema }, ...ERROR_RESPONSES },
    },
    async () => settingsJSON((await instance.settings()).organizations),
  );
  router.add(
    {
      method: 'patch',
      path: '/instance/organization_settings',
      operationId: 'UpdateInstanceOrganizationSettings',
      summary: 'Update instance organization settings',
      description: '`creator_role_id` and `domains_default_role_id` take a role id or key.',
      tags: ['Instance Settings'],
      body: z
        .object({
          enabled: z.boolean().nullable().optional(),
          max_allowed_memberships: z.number().int().min(0).max(1e6).nullable().optional(),
          admin_delete_enabled: z.boolean().nullable().optional(),
          domains_enabled: z.boolean().nullable().optional(),
          slug_disabled: z.boolean().nullable().optional(),
          domains_enrollment_modes: z.array(modeEnum).max(3).nullable().optional(),
          creator_role_id: z.string().max(128).nullable().optional(),
          domains_default_role_id: z.string().max(128).nullable().optional(),
        })
        .strict(),
      responses: { 200: { description: 'Settings', schema: OrganizationSettingsSchema }, ...ERROR_RESPONSES },
    },
    async ({ body }) => {
      const patch: Partial<OrganizationSettings> = {};
      if (typeof body.enabled === 'boolean') patch.enabled = body.enabled;
      if (typeof body.max_allowed_memberships === 'number') patch.max_allowed_memberships = body.max_allowed_memberships;
      if (typeof body.admin_delete_enabled === 'boolean') patch.admin_delete_enabled = body.admin_delete_enabled;
      if (typeof body.domains_enabled === 'boolean') patch.domains_enabled = body.domains_enabled;
      if (typeof body.slug_disabled === 'boolean') patch.slug_disabled = body.slug_disabled;
      if (body.domains_enrollment_modes) patch.domains_enrollment_modes = body.domains_enrollment_modes;
      for (const [param, field] of [
        ['creator_role_id', 'creator_role'],
        ['domains_default_role_id', 'domains_default_role'],
      ] as const) {
        const value = body[param];
        if (value) patch[field] = (await roles.getRole(value).catch(() => {
          throw new ApiError({ code: 'form_param_value_invalid', longMessage: `${value} is not a role of this instance.`, paramName: param });
        })).role.key;
      }
      return settingsJSON(await instance.updateOrganizationSettings(patch));
    },
  );
}
