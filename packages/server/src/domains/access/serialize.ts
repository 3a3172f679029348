/**
 * Allowlist and blocklist entries and the instance's restrictions → wire JSON, and the schemas the OpenAPI
 * document gives for them: the one place their field names are spelled.
 */
import type { AllowlistIdentifierJSON, BlocklistIdentifierJSON, InstanceRestrictionsJSON } from '@latch/core';
import { z } from 'zod';
import { wireSchemas } from '../../http/router.js';
import type { Restrictions } from '../instance/service.js';
import type { AllowlistRow, BlocklistRow } from './repository.js';

const identifierType = z.enum(['email_address', 'phone_number', 'web3_wallet']);

export const AllowlistIdentifierSchema = z
  .object({
    object: z.literal('allowlist_identifier'),
    id: z.string(),
    invitation_id: z.string().nullable(),
    identifier: z.string(),
    identifier_type: identifierType,
    instance_id: z.string().nullable(),
    created_at: z.number().int(),
    updated_at: z.number().int(),
  })
  .strict()
  .register(wireSchemas, { id: 'AllowlistIdentifier' });

export const BlocklistIdentifierSchema = AllowlistIdentifierSchema.omit({ object: true, invitation_id: true })
  .extend({ object: z.literal('blocklist_identifier') })
  .strict()
  .register(wireSchemas, { id: 'BlocklistIdentifier' });

export const InstanceRestrictionsSchema = z
  .object({
    object: z.literal('instance_restrictions'),
    allowlist: z.boolean(),
    blocklist: z.boolean(),
    allowlist_blocklist_disabled_on_sign_in: z.boolean(),
    block_email_subaddresses: z.boolean(),
    block_disposable_email_domains: z.boolean(),
  })
  .strict()
  .register(wireSchemas, { id: 'InstanceRestrictions' });

// A `*@domain` wildcard is an e-mail identifier on the wire.
const wireType = (t: AllowlistRow['identifier_type']) => (t === 'domain' ? 'email_address' : t);

function entryJSON(r: AllowlistRow | BlocklistRow, instanceId: string | null): Omit<BlocklistIdentifierJSON, 'object'> {
  return {
    id: r.id,
    identifier: r.identifier,
    identifier_type: wireType(r.identifier_type),
    instance_id: instanceId,
    created_at: r.created_at,
    updated_at: r.updated_at,
  };
}

export function allowlistIdentifierJSON(r: AllowlistRow, instanceId: string | null): AllowlistIdentifierJSON {
  return { object: 'allowlist_identifier', ...entryJSON(r, instanceId), invitation_id: r.invitation_id };
}

export function blocklistIdentifierJSON(r: BlocklistRow, instanceId: string | null): BlocklistIdentifierJSON {
  return { object: 'blocklist_identifier', ...entryJSON(r, instanceId) };
}

export function restrictionsJSON(r: Restrictions): InstanceRestrictionsJSON {
  return { object: 'instance_restrictions', ...r };
}
