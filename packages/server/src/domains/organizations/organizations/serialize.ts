/**
 * Organization rows → wire JSON: the one place organization field names are spelled, with the response
 * schemas the OpenAPI document is built from.
 */
import type { FrontendOrganizationJSON, Metadata, OrganizationCoreJSON, OrganizationJSON, PublicOrganizationDataJSON } from '@latch/core';
import { z } from 'zod';
import { wireSchemas } from '../../../http/router.js';
import { readJson } from '../../../storage/schema.js';
import type { OrganizationRow } from './repository.js';

/** The counts an organization answer carries when the request asked for them. */
export interface OrganizationCounts {
  membersCount?: number;
  pendingInvitationsCount?: number;
}

function logoUrl(o: OrganizationRow, publicUrl: string): string {
  return o.image_id ? `${publicUrl}/images/${o.image_id}` : '';
}

/** What both APIs show of an organization. */
function organizationCore(o: OrganizationRow, publicUrl: string, counts: OrganizationCounts): OrganizationCoreJSON {
  return {
    object: 'organization',
    id: o.id,
    name: o.name,
    slug: o.slug,
    image_url: logoUrl(o, publicUrl),
    has_image: o.image_id !== null,
    ...(counts.membersCount !== undefined ? { members_count: counts.membersCount } : {}),
    ...(counts.pendingInvitationsCount !== undefined ? { pending_invitations_count: counts.pendingInvitationsCount } : {}),
    max_allowed_memberships: o.max_allowed_memberships,
    admin_delete_enabled: o.admin_delete_enabled === 1,
    public_metadata: readJson<Metadata>(o.public_metadata),
    created_by: o.created_by ?? '',
    created_at: o.created_at,
    updated_at: o.updated_at,
  };
}

/** The Backend API form of an organization: private metadata included. */
export function organizationJSON(o: OrganizationRow, publicUrl: string, counts: OrganizationCounts = {}): OrganizationJSON {
  return { ...organizationCore(o, publicUrl, counts), private_metadata: readJson<Metadata>(o.private_metadata) };
}

/** The Frontend API form of an organization: no private metadata. */
export function frontendOrganizationJSON(o: OrganizationRow, publicUrl: string, counts: OrganizationCounts = {}): FrontendOrganizationJSON {
  return organizationCore(o, publicUrl, counts);
}

/** The public facts invitations and domains embed about their organization. */
export function publicOrganizationDataJSON(o: OrganizationRow, publicUrl: string): PublicOrganizationDataJSON {
  return { id: o.id, name: o.name, slug: o.slug, image_url: logoUrl(o, publicUrl), has_image: o.image_id !== null };
}

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

export const PublicOrganizationDataSchema = z.object({ id: z.string(), name: z.string(), slug: z.string(), image_url: z.string(), has_image: z.boolean() });
