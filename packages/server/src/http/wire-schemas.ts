/**
 * zod schemas of the JSON the server answers with, registered by id so the OpenAPI document references
 * them. Tests also validate real responses against them, so the document cannot drift from the wire.
 */
import { z } from 'zod';
import { wireSchemas } from './router.js';

const metadata = z.record(z.string(), z.unknown());

export const VerificationSchema = z
  .object({
    object: z.string().optional(),
    status: z.enum(['unverified', 'verified', 'failed', 'expired', 'transferable']),
    strategy: z.string(),
    attempts: z.number().int().nullable(),
    expire_at: z.number().int().nullable(),
  })
  .register(wireSchemas, { id: 'Verification' });

const IdentificationLink = z.object({ type: z.string(), id: z.string() });

export const EmailAddressSchema = z
  .object({
    id: z.string(),
    object: z.literal('email_address'),
    email_address: z.string(),
    reserved: z.boolean(),
    verification: VerificationSchema.nullable(),
    linked_to: z.array(IdentificationLink),
    matches_sso_connection: z.boolean(),
    created_at: z.number().int(),
    updated_at: z.number().int(),
  })
  .strict()
  .register(wireSchemas, { id: 'EmailAddress' });

export const PhoneNumberSchema = z
  .object({
    id: z.string(),
    object: z.literal('phone_number'),
    phone_number: z.string(),
    reserved_for_second_factor: z.boolean(),
    default_second_factor: z.boolean(),
    reserved: z.boolean(),
    verification: VerificationSchema.nullable(),
    linked_to: z.array(IdentificationLink),
    backup_codes: z.array(z.string()).nullable(),
    created_at: z.number().int(),
    updated_at: z.number().int(),
  })
  .strict()
  .register(wireSchemas, { id: 'PhoneNumber' });

export const Web3WalletSchema = z
  .object({
    id: z.string(),
    object: z.literal('web3_wallet'),
    web3_wallet: z.string(),
    verification: VerificationSchema.nullable(),
    created_at: z.number().int(),
    updated_at: z.number().int(),
  })
  .strict()
  .register(wireSchemas, { id: 'Web3Wallet' });

const ts = z.number().int();

export const UserSchema = z
  .object({
    id: z.string(),
    object: z.literal('user'),
    external_id: z.string().nullable(),
    primary_email_address_id: z.string().nullable(),
    primary_phone_number_id: z.string().nullable(),
    primary_web3_wallet_id: z.string().nullable(),
    username: z.string().nullable(),
    first_name: z.string().nullable(),
    last_name: z.string().nullable(),
    locale: z.string().nullable(),
    timezone: z.string().nullable(),
    profile_image_url: z.string(),
    image_url: z.string(),
    has_image: z.boolean(),
    public_metadata: metadata,
    private_metadata: metadata,
    unsafe_metadata: metadata,
    email_addresses: z.array(EmailAddressSchema),
    phone_numbers: z.array(PhoneNumberSchema),
    web3_wallets: z.array(Web3WalletSchema),
    passkeys: z.array(z.unknown()),
    password_enabled: z.boolean(),
    password_last_updated_at: ts.nullable(),
    two_factor_enabled: z.boolean(),
    totp_enabled: z.boolean(),
    backup_code_enabled: z.boolean(),
    mfa_enabled_at: ts.nullable(),
    mfa_disabled_at: ts.nullable(),
    external_accounts: z.array(z.unknown()),
    saml_accounts: z.array(z.unknown()),
    enterprise_accounts: z.array(z.unknown()),
    last_sign_in_at: ts.nullable(),
    banned: z.boolean(),
    locked: z.boolean(),
    deprovisioned: z.boolean(),
    lockout_expires_in_seconds: ts.nullable(),
    verification_attempts_remaining: ts.nullable(),
    delete_self_enabled: z.boolean(),
    create_organization_enabled: z.boolean(),
    create_organizations_limit: z.number().int().nullable(),
    last_active_at: ts.nullable(),
    legal_accepted_at: ts.nullable(),
    bypass_client_trust: z.boolean(),
    created_at: ts,
    updated_at: ts,
  })
  .strict()
  .register(wireSchemas, { id: 'User' });

export const DeletedObjectSchema = z
  .object({ object: z.string(), id: z.string(), deleted: z.literal(true) })
  .strict()
  .register(wireSchemas, { id: 'DeletedObject' });

export const TotalCountSchema = z
  .object({ object: z.literal('total_count'), total_count: z.number().int() })
  .strict()
  .register(wireSchemas, { id: 'TotalCount' });

export const ClerkErrorsSchema = z
  .object({
    errors: z
      .array(
        z.object({
          code: z.string(),
          message: z.string(),
          long_message: z.string(),
          meta: z.object({ param_name: z.string().optional() }).catchall(z.unknown()).optional(),
        }),
      )
      .min(1),
    clerk_trace_id: z.string(),
  })
  .strict()
  .register(wireSchemas, { id: 'ClerkErrors' });

export const JwksSchema = z
  .object({
    keys: z.array(
      z.object({ kid: z.string(), kty: z.literal('RSA'), n: z.string(), e: z.string(), alg: z.literal('RS256'), use: z.literal('sig') }),
    ),
  })
  .register(wireSchemas, { id: 'JWKS' });

/** Standard error responses every authenticated route may give. */
export const ERROR_RESPONSES = {
  400: { description: 'Request was not valid', schema: ClerkErrorsSchema },
  401: { description: 'Missing, invalid or revoked secret key', schema: ClerkErrorsSchema },
  404: { description: 'Resource not found', schema: ClerkErrorsSchema },
  422: { description: 'Invalid request parameters', schema: ClerkErrorsSchema },
} as const;
