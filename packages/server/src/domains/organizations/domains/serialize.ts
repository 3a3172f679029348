/**
 * Organization domains → wire JSON: the one place domain field names are spelled, with the response
 * schema. A domain carries no private data, so both APIs answer the same form.
 */
import type { OrganizationDomainJSON } from '@latch/core';
import { z } from 'zod';
import { wireSchemas } from '../../../http/router.js';
import type { OrganizationRow } from '../organizations/repository.js';
import { publicOrganizationDataJSON, PublicOrganizationDataSchema } from '../organizations/serialize.js';
import type { DomainRow } from './repository.js';

/** A domain with everything its answer embeds. */
export interface DomainView {
  domain: DomainRow;
  organization: OrganizationRow | undefined;
  pendingInvitations: number;
  pendingSuggestions: number;
}

export function domainJSON(v: DomainView, publicUrl: string): OrganizationDomainJSON {
  const d = v.domain;
  const pendingCode = d.code_hash !== null && d.code_expires_at !== null;
  return {
    object: 'organization_domain',
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
    total_pending_invitations: v.pendingInvitations,
    total_pending_suggestions: v.pendingSuggestions,
    public_organization_data: v.organization ? publicOrganizationDataJSON(v.organization, publicUrl) : null,
    created_at: d.created_at,
    updated_at: d.updated_at,
  };
}

/**
 * The Frontend API form: the verification also under its newer name (`affiliation_verification`);
 * ownership is proven by an affiliation code or an admin, never by DNS, so `ownership_verification` is null.
 */
export function frontendDomainJSON(v: DomainView, publicUrl: string): OrganizationDomainJSON & { affiliation_verification: OrganizationDomainJSON['verification']; ownership_verification: null } {
  const json = domainJSON(v, publicUrl);
  return { ...json, affiliation_verification: json.verification, ownership_verification: null };
}

const ts = z.number().int();

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
    public_organization_data: PublicOrganizationDataSchema.nullable(),
    created_at: ts,
    updated_at: ts,
  })
  .strict()
  .register(wireSchemas, { id: 'OrganizationDomain' });
