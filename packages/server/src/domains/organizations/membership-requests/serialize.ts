/**
 * Membership requests and organization suggestions → wire JSON (Frontend API only): the one place their
 * field names are spelled, with the response schemas.
 */
import type { PublicOrganizationDataJSON, PublicUserDataJSON } from '@latch/core';
import { z } from 'zod';
import { wireSchemas } from '../../../http/router.js';
import type { PublicProfile } from '../../users/directory-repository.js';
import type { SuggestionRow } from '../domains/repository.js';
import { publicUserDataJSON, PublicUserDataSchema } from '../memberships/serialize.js';
import type { OrganizationRow } from '../organizations/repository.js';
import { publicOrganizationDataJSON, PublicOrganizationDataSchema } from '../organizations/serialize.js';
import type { MembershipRequestRow } from './repository.js';

export interface MembershipRequestJSON {
  object: 'organization_membership_request';
  id: string;
  organization_id: string;
  status: MembershipRequestRow['status'];
  public_user_data: PublicUserDataJSON | null;
  created_at: number;
  updated_at: number;
}

export interface OrganizationSuggestionJSON {
  object: 'organization_suggestion';
  id: string;
  public_organization_data: PublicOrganizationDataJSON | null;
  status: SuggestionRow['status'];
  created_at: number;
  updated_at: number;
}

export function membershipRequestJSON(r: MembershipRequestRow, user: PublicProfile | null, publicUrl: string): MembershipRequestJSON {
  return {
    object: 'organization_membership_request',
    id: r.id,
    organization_id: r.organization_id,
    status: r.status,
    public_user_data: publicUserDataJSON(r.user_id, user, publicUrl),
    created_at: r.created_at,
    updated_at: r.updated_at,
  };
}

export function suggestionJSON(s: SuggestionRow, org: OrganizationRow | undefined, publicUrl: string): OrganizationSuggestionJSON {
  return {
    object: 'organization_suggestion',
    id: s.id,
    public_organization_data: org ? publicOrganizationDataJSON(org, publicUrl) : null,
    status: s.status,
    created_at: s.created_at,
    updated_at: s.updated_at,
  };
}

const ts = z.number().int();

export const MembershipRequestSchema = z
  .object({
    object: z.literal('organization_membership_request'),
    id: z.string(),
    organization_id: z.string(),
    status: z.enum(['pending', 'accepted', 'rejected']),
    public_user_data: PublicUserDataSchema.nullable(),
    created_at: ts,
    updated_at: ts,
  })
  .strict()
  .register(wireSchemas, { id: 'OrganizationMembershipRequest' });

export const SuggestionSchema = z
  .object({
    object: z.literal('organization_suggestion'),
    id: z.string(),
    public_organization_data: PublicOrganizationDataSchema.nullable(),
    status: z.enum(['pending', 'accepted', 'dismissed']),
    created_at: ts,
    updated_at: ts,
  })
  .strict()
  .register(wireSchemas, { id: 'OrganizationSuggestion' });
