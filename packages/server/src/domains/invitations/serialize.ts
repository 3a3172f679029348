/**
 * Invitation rows → wire JSON, and the schema the OpenAPI document gives for it: the one place invitation
 * field names are spelled.
 */
import type { InvitationJSON, Metadata } from '@latch/core';
import { z } from 'zod';
import { wireSchemas } from '../../http/router.js';
import { readJson } from '../../storage/schema.js';
import type { InvitationRow, InvitationsService } from './service.js';

export const InvitationSchema = z
  .object({
    object: z.literal('invitation'),
    id: z.string(),
    email_address: z.string(),
    public_metadata: z.record(z.string(), z.unknown()),
    revoked: z.boolean(),
    status: z.enum(['pending', 'accepted', 'revoked', 'expired']),
    url: z.string().nullable(),
    expires_at: z.number().int().nullable(),
    created_at: z.number().int(),
    updated_at: z.number().int(),
  })
  .strict()
  .register(wireSchemas, { id: 'Invitation' });

/** `invitations` tells the effective status and the acceptance link, which depend on the clock and the ticket secret. */
export function invitationJSON(row: InvitationRow, invitations: Pick<InvitationsService, 'statusOf' | 'urlOf'>): InvitationJSON {
  const status = invitations.statusOf(row);
  return {
    object: 'invitation',
    id: row.id,
    email_address: row.email_address,
    public_metadata: readJson<Metadata>(row.public_metadata),
    revoked: status === 'revoked',
    status,
    url: status === 'pending' ? invitations.urlOf(row) : null,
    expires_at: row.expires_at,
    created_at: row.created_at,
    updated_at: row.updated_at,
  };
}
