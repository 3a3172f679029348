/**
 * JWT templates → wire JSON and its schema; the user as a template's shortcodes see it.
 */
import type { JwtTemplateJSON, SessionTokenClaimsJSON } from '@latch/core';
import { z } from 'zod';
import { wireSchemas } from '../../http/router.js';
import { readJson } from '../../storage/schema.js';
import type { UserAggregate } from '../users/repository.js';
import { frontendUserJSON } from '../users/serialize.js';
import type { ClaimsUser } from './claims.js';
import type { JwtTemplateRow } from './repository.js';

export const JwtTemplateSchema = z
  .object({
    object: z.literal('jwt_template'),
    id: z.string(),
    name: z.string(),
    claims: z.record(z.string(), z.unknown()),
    lifetime: z.number().int(),
    allowed_clock_skew: z.number().int(),
    custom_signing_key: z.boolean(),
    signing_algorithm: z.string(),
    created_at: z.number().int(),
    updated_at: z.number().int(),
  })
  .strict()
  .register(wireSchemas, { id: 'JWTTemplate' });

export const SessionTokenClaimsSchema = z
  .object({ object: z.literal('session_token_claims'), claims: z.record(z.string(), z.unknown()), updated_at: z.number().int().nullable() })
  .strict()
  .register(wireSchemas, { id: 'SessionTokenClaims' });

export function jwtTemplateJSON(row: JwtTemplateRow): JwtTemplateJSON {
  return {
    object: 'jwt_template',
    id: row.id,
    name: row.name,
    claims: readJson<Record<string, unknown>>(row.claims),
    lifetime: row.lifetime,
    allowed_clock_skew: row.allowed_clock_skew,
    custom_signing_key: false,
    signing_algorithm: 'RS256',
    created_at: row.created_at,
    updated_at: row.updated_at,
  };
}

export function sessionTokenClaimsJSON(v: { claims: Record<string, unknown>; updatedAt: number | null }): SessionTokenClaimsJSON {
  return { object: 'session_token_claims', claims: v.claims, updated_at: v.updatedAt };
}

/** The user as shortcodes see it: built on the frontend user, so private metadata cannot be reached. */
export function claimsUserOf(a: UserAggregate, publicUrl: string): ClaimsUser {
  const u = frontendUserJSON(a, publicUrl);
  return {
    id: u.id,
    external_id: u.external_id,
    first_name: u.first_name,
    last_name: u.last_name,
    username: u.username,
    primary_email_address: u.email_addresses.find((e) => e.id === u.primary_email_address_id)?.email_address ?? null,
    primary_phone_number: u.phone_numbers.find((p) => p.id === u.primary_phone_number_id)?.phone_number ?? null,
    image_url: u.image_url,
    has_image: u.has_image,
    created_at: u.created_at,
    updated_at: u.updated_at,
    two_factor_enabled: u.two_factor_enabled,
    public_metadata: u.public_metadata,
    unsafe_metadata: u.unsafe_metadata,
  };
}
