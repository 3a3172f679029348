/**
 * Organization resources → wire JSON. Memberships and invitations embed other resources (the
 * organization, the user's public data, the role's permissions); the `present*` functions load those for
 * a whole page in a few queries.
 */
import type { Metadata } from '@latch/core';
import type { Db } from '../../storage/database.js';
import { readJson } from '../../storage/schema.js';
import { imageUrl } from '../users/serialize.js';
import type { RolesService } from './roles.js';
import type { DomainRow, MembershipRow, OrganizationRow, OrganizationsService, OrgInvitationRow } from './service.js';

export function organizationJSON(o: OrganizationRow, publicUrl: string, extra: { membersCount?: number; pendingInvitationsCount?: number } = {}) {
  const url = o.image_id ? `${publicUrl}/images/${o.image_id}` : '';
  return {
    object: 'organization' as const,
    id: o.id,
    name: o.name,
    slug: o.slug,
    image_url: url,
    has_image: o.image_id !== null,
    ...(extra.membersCount !== undefined ? { members_count: extra.membersCount } : {}),
    ...(extra.pendingInvitationsCount !== undefined ? { pending_invitations_count: extra.pendingInvitationsCount } : {}),
    max_allowed_memberships: o.max_allowed_memberships,
    admin_delete_enabled: o.admin_delete_enabled === 1,
    public_metadata: readJson<Metadata>(o.public_metadata),
    private_metadata: readJson<Metadata>(o.private_metadata),
    created_by: o.created_by ?? '',
    created_at: o.created_at,
    updated_at: o.updated_at,
  };
}

function publicOrganizationData(o: OrganizationRow, publicUrl: string) {
  return { id: o.id, name: o.name, slug: o.slug, image_url: o.image_id ? `${publicUrl}/images/${o.image_id}` : '', has_image: o.image_id !== null };
}

interface PublicUser {
  user_id: string;
  first_name: string | null;
  last_name: string | null;
  profile_image_url: string;
  image_url: string;
  has_image: boolean;
  identifier: string;
  username: string | null;
  banned: boolean;
}

async function publicUsers(db: Db, publicUrl: string, ids: string[]): Promise<Map<string, PublicUser>> {
  const out = new Map<string, PublicUser>();
  const unique = [...new Set(ids)];
  if (!unique.length) return out;
  const users = await db
    .selectFrom('users as u')
    .leftJoin('identifications as pe', 'pe.id', 'u.primary_email_address_id')
    .leftJoin('identifications as pp', 'pp.id', 'u.primary_phone_number_id')
    .select(['u.id', 'u.first_name', 'u.last_name', 'u.image_id', 'u.username', 'u.banned', 'pe.value as email', 'pp.value as phone'])
    .where('u.id', 'in', unique)
    .execute();
  for (const u of users) {
    const url = imageUrl(publicUrl, u.image_id);
    out.set(u.id, {
      user_id: u.id,
      first_name: u.first_name,
      last_name: u.last_name,
      profile_image_url: url,
      image_url: url,
      has_image: u.image_id !== null,
      identifier: u.email ?? u.phone ?? u.username ?? '',
      username: u.username,
      banned: u.banned === 1,
    });
  }
  return out;
}

async function orgsById(db: Db, ids: string[]): Promise<Map<string, OrganizationRow>> {
  const unique = [...new Set(ids)];
  if (!unique.length) return new Map();
  const rows = await db.selectFrom('organizations').selectAll().where('id', 'in', unique).execute();
  return new Map(rows.map((r) => [r.id, r]));
}

export interface Presenter {
  memberships(rows: MembershipRow[]): Promise<ReturnType<typeof membershipShape>[]>;
  invitations(rows: OrgInvitationRow[]): Promise<ReturnType<typeof invitationShape>[]>;
  domains(rows: DomainRow[]): Promise<ReturnType<typeof domainShape>[]>;
}

function membershipShape(m: MembershipRow, org: OrganizationRow, user: PublicUser | undefined, role: { name: string; permissions: string[] } | undefined, publicUrl: string) {
  return {
    object: 'organization_membership' as const,
    id: m.id,
    role: m.role,
    role_name: role?.name ?? m.role,
    permissions: role?.permissions ?? [],
    public_metadata: readJson<Metadata>(m.public_metadata),
    private_metadata: readJson<Metadata>(m.private_metadata),
    organization: organizationJSON(org, publicUrl),
    public_user_data: user ?? {
      user_id: m.user_id,
      first_name: null,
      last_name: null,
      profile_image_url: imageUrl(publicUrl, null),
      image_url: imageUrl(publicUrl, null),
      has_image: false,
      identifier: '',
      username: null,
      banned: false,
    },
    created_at: m.created_at,
    updated_at: m.updated_at,
  };
}

function invitationShape(
  i: OrgInvitationRow,
  org: OrganizationRow | undefined,
  inviter: PublicUser | undefined,
  roleName: string,
  status: string,
  url: string | null,
  publicUrl: string,
) {
  return {
    object: 'organization_invitation' as const,
    id: i.id,
    email_address: i.email_address,
    role: i.role,
    role_name: roleName,
    organization_id: i.organization_id,
    inviter_id: i.inviter_user_id,
    public_inviter_data: inviter
      ? { user_id: inviter.user_id, first_name: inviter.first_name, last_name: inviter.last_name, image_url: inviter.image_url, has_image: inviter.has_image, identifier: inviter.identifier }
      : null,
    status,
    public_metadata: readJson<Metadata>(i.public_metadata),
    private_metadata: readJson<Metadata>(i.private_metadata),
    url,
    expires_at: i.expires_at,
    created_at: i.created_at,
    updated_at: i.updated_at,
    public_organization_data: org ? publicOrganizationData(org, publicUrl) : null,
  };
}

function domainShape(d: DomainRow, org: OrganizationRow | undefined, counts: { invitations: number; suggestions: number } | undefined, publicUrl: string) {
  const pendingCode = d.code_hash !== null && d.code_expires_at !== null;
  return {
    object: 'organization_domain' as const,
    id: d.id,
    organization_id: d.organization_id,
    name: d.name,
    enrollment_mode: d.enrollment_mode,
    affiliation_email_address: d.affiliation_email_address,
    verification: d.verified
      ? { status: 'verified', strategy: d.verification_strategy ?? 'admin', attempts: d.code_attempts, expire_at: null, verified_at: d.verified_at }
      : pendingCode
        ? { status: 'unverified', strategy: 'email_code', attempts: d.code_attempts, expire_at: d.code_expires_at, verified_at: null }
        : null,
    total_pending_invitations: counts?.invitations ?? 0,
    total_pending_suggestions: counts?.suggestions ?? 0,
    public_organization_data: org ? publicOrganizationData(org, publicUrl) : null,
    created_at: d.created_at,
    updated_at: d.updated_at,
  };
}

export function createPresenter(db: Db, roles: RolesService, organizations: OrganizationsService, publicUrl: string): Presenter {
  return {
    async memberships(rows) {
      const [orgs, users, roleInfo] = await Promise.all([
        orgsById(db, rows.map((r) => r.organization_id)),
        publicUsers(db, publicUrl, rows.map((r) => r.user_id)),
        roles.describeRoles(db, rows.map((r) => r.role)),
      ]);
      return rows.flatMap((m) => {
        const org = orgs.get(m.organization_id);
        return org ? [membershipShape(m, org, users.get(m.user_id), roleInfo.get(m.role), publicUrl)] : [];
      });
    },
    async invitations(rows) {
      const [orgs, inviters, roleInfo] = await Promise.all([
        orgsById(db, rows.map((r) => r.organization_id)),
        publicUsers(db, publicUrl, rows.flatMap((r) => (r.inviter_user_id ? [r.inviter_user_id] : []))),
        roles.describeRoles(db, rows.map((r) => r.role)),
      ]);
      return rows.map((i) => {
        const status = organizations.orgInvitationStatus(i);
        return invitationShape(
          i,
          orgs.get(i.organization_id),
          i.inviter_user_id ? inviters.get(i.inviter_user_id) : undefined,
          roleInfo.get(i.role)?.name ?? i.role,
          status,
          status === 'pending' ? organizations.orgInvitationUrl(i) : null,
          publicUrl,
        );
      });
    },
    async domains(rows) {
      const [orgs, counts] = await Promise.all([orgsById(db, rows.map((r) => r.organization_id)), organizations.domainCounts(rows.map((r) => r.id))]);
      return rows.map((d) => domainShape(d, orgs.get(d.organization_id), counts.get(d.id), publicUrl));
    },
  };
}
