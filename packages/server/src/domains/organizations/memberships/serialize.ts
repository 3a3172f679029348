/**
 * Memberships → wire JSON: the one place membership and public user data field names are spelled, with
 * the response schema. A membership embeds its organization (in the answering API's form), the
 * member's public data and the permissions of its role; the memberships service loads them.
 */
import type { FrontendOrganizationMembershipJSON, Metadata, OrganizationMembershipCoreJSON, OrganizationMembershipJSON, PublicUserDataJSON } from '@latch/core';
import { z } from 'zod';
import { wireSchemas } from '../../../http/router.js';
import { readJson } from '../../../storage/schema.js';
import type { PublicProfile } from '../../users/directory-repository.js';
import { imageUrl } from '../../users/serialize.js';
import type { OrganizationRow } from '../organizations/repository.js';
import { frontendOrganizationJSON, organizationJSON, OrganizationSchema } from '../organizations/serialize.js';
import type { MembershipRow } from './repository.js';

/** A membership with everything its answer embeds. */
export interface MembershipView {
  membership: MembershipRow;
  organization: OrganizationRow;
  /** Null when the user row is gone. */
  user: PublicProfile | null;
  /** The role's name and permission keys; undefined when the role is gone. */
  role: { name: string; permissions: string[] } | undefined;
  /** The key the role is answered by (the instance may answer system roles by their early names). */
  roleKey?: string;
}

/** A user's public data; only public fields are read, whatever the profile carries. */
export function publicUserDataJSON(userId: string, p: PublicProfile | null, publicUrl: string): PublicUserDataJSON {
  const url = imageUrl(publicUrl, p?.image_id ?? null);
  return {
    user_id: userId,
    first_name: p?.first_name ?? null,
    last_name: p?.last_name ?? null,
    profile_image_url: url,
    image_url: url,
    has_image: (p?.image_id ?? null) !== null,
    identifier: p ? (p.email ?? p.phone ?? p.username ?? '') : '',
    username: p?.username ?? null,
    banned: p?.banned ?? false,
  };
}

function membershipCore(v: MembershipView, publicUrl: string): OrganizationMembershipCoreJSON {
  const m = v.membership;
  return {
    object: 'organization_membership',
    id: m.id,
    role: v.roleKey ?? m.role,
    role_name: v.role?.name ?? m.role,
    permissions: v.role?.permissions ?? [],
    public_metadata: readJson<Metadata>(m.public_metadata),
    public_user_data: publicUserDataJSON(m.user_id, v.user, publicUrl),
    created_at: m.created_at,
    updated_at: m.updated_at,
  };
}

/** The Backend API form of a membership: its private metadata and the backend organization. */
export function membershipJSON(v: MembershipView, publicUrl: string): OrganizationMembershipJSON {
  return { ...membershipCore(v, publicUrl), private_metadata: readJson<Metadata>(v.membership.private_metadata), organization: organizationJSON(v.organization, publicUrl) };
}

/** The Frontend API form of a membership: no private metadata, its own or its organization's. */
export function frontendMembershipJSON(v: MembershipView, publicUrl: string): FrontendOrganizationMembershipJSON {
  return { ...membershipCore(v, publicUrl), organization: frontendOrganizationJSON(v.organization, publicUrl) };
}

const meta = z.record(z.string(), z.unknown());
const ts = z.number().int();

export const PublicUserDataSchema = z.object({
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
    public_user_data: PublicUserDataSchema,
    created_at: ts,
    updated_at: ts,
  })
  .strict()
  .register(wireSchemas, { id: 'OrganizationMembership' });
