/**
 * Organization invitations → wire JSON: the one place invitation field names are spelled, with the
 * response schema. The invitations service loads what an answer embeds (organization, inviter, role name)
 * and decides its effective status and accept link.
 */
import type { FrontendOrganizationInvitationJSON, Metadata, OrganizationInvitationCoreJSON, OrganizationInvitationJSON, OrganizationInvitationStatus } from '@latch/core';
import { z } from 'zod';
import { wireSchemas } from '../../../http/router.js';
import { readJson } from '../../../storage/schema.js';
import type { PublicProfile } from '../../users/directory-repository.js';
import { publicUserDataJSON } from '../memberships/serialize.js';
import type { OrganizationRow } from '../organizations/repository.js';
import { publicOrganizationDataJSON, PublicOrganizationDataSchema } from '../organizations/serialize.js';
import type { OrgInvitationRow } from './repository.js';

/** An invitation with everything its answer embeds. */
export interface InvitationView {
  invitation: OrgInvitationRow;
  organization: OrganizationRow | undefined;
  inviter: PublicProfile | undefined;
  roleName: string;
  /** The key the role is answered by (the instance may answer system roles by their early names). */
  roleKey?: string;
  status: OrganizationInvitationStatus;
  /** The accept link while the invitation is pending. */
  url: string | null;
}

function invitationCore(v: InvitationView, publicUrl: string): OrganizationInvitationCoreJSON {
  const i = v.invitation;
  const inviter = v.inviter ? publicUserDataJSON(v.inviter.id, v.inviter, publicUrl) : null;
  return {
    object: 'organization_invitation',
    id: i.id,
    email_address: i.email_address,
    role: v.roleKey ?? i.role,
    role_name: v.roleName,
    organization_id: i.organization_id,
    inviter_id: i.inviter_user_id,
    public_inviter_data: inviter
      ? { user_id: inviter.user_id, first_name: inviter.first_name, last_name: inviter.last_name, image_url: inviter.image_url, has_image: inviter.has_image, identifier: inviter.identifier }
      : null,
    status: v.status,
    public_metadata: readJson<Metadata>(i.public_metadata),
    url: v.url,
    expires_at: i.expires_at,
    created_at: i.created_at,
    updated_at: i.updated_at,
    public_organization_data: v.organization ? publicOrganizationDataJSON(v.organization, publicUrl) : null,
  };
}

/** The Backend API form of an invitation: private metadata included. */
export function invitationJSON(v: InvitationView, publicUrl: string): OrganizationInvitationJSON {
  return { ...invitationCore(v, publicUrl), private_metadata: readJson<Metadata>(v.invitation.private_metadata) };
}

/** The Frontend API form of an invitation: no private metadata. */
export function frontendInvitationJSON(v: InvitationView, publicUrl: string): FrontendOrganizationInvitationJSON {
  return invitationCore(v, publicUrl);
}

const meta = z.record(z.string(), z.unknown());
const ts = z.number().int();

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
    public_organization_data: PublicOrganizationDataSchema.nullable(),
  })
  .strict()
  .register(wireSchemas, { id: 'OrganizationInvitation' });
