/**
 * Domain rows → wire JSON, and the schemas the OpenAPI document gives for them: the one place user, e-mail
 * address and phone number field names are spelled.
 */
import type {
  DeletedObjectJSON,
  EmailAddressJSON,
  FrontendUserJSON,
  Metadata,
  PaginatedJSON,
  PhoneNumberJSON,
  TotalCountJSON,
  UserCoreJSON,
  UserJSON,
  VerificationJSON,
  Web3WalletJSON,
} from '@latch/core';
import { z } from 'zod';
import { wireSchemas } from '../../http/router.js';
import { readJson } from '../../storage/schema.js';
import type { IdentificationRow, UserAggregate } from './repository.js';

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

function verificationOf(i: IdentificationRow): VerificationJSON | null {
  if (i.status !== 'verified') return null;
  return {
    object: i.strategy === 'admin' ? 'verification_admin' : 'verification_otp',
    status: 'verified',
    strategy: i.strategy,
    attempts: null,
    expire_at: null,
  };
}

/**
 * Verifications in progress of unverified identifications (a code sent by the user's own
 * `prepare_verification`), by identification id: the Frontend API shows them so the SDK knows a code
 * is on its way.
 */
export type PendingVerifications = ReadonlyMap<string, VerificationJSON>;

export function emailAddressJSON(i: IdentificationRow, pending: PendingVerifications | null = null): EmailAddressJSON {
  return {
    id: i.id,
    object: 'email_address',
    email_address: i.value,
    reserved: i.status === 'reserved',
    verification: verificationOf(i) ?? pending?.get(i.id) ?? null,
    linked_to: [],
    matches_sso_connection: false,
    created_at: i.created_at,
    updated_at: i.updated_at,
  };
}

export function phoneNumberJSON(i: IdentificationRow, pending: PendingVerifications | null = null): PhoneNumberJSON {
  return {
    id: i.id,
    object: 'phone_number',
    phone_number: i.value,
    reserved_for_second_factor: i.reserved_for_second_factor === 1,
    default_second_factor: i.default_second_factor === 1,
    reserved: i.status === 'reserved',
    verification: verificationOf(i) ?? pending?.get(i.id) ?? null,
    linked_to: [],
    backup_codes: null,
    created_at: i.created_at,
    updated_at: i.updated_at,
  };
}

function web3WalletJSON(i: IdentificationRow): Web3WalletJSON {
  return {
    id: i.id,
    object: 'web3_wallet',
    web3_wallet: i.value,
    verification: verificationOf(i),
    created_at: i.created_at,
    updated_at: i.updated_at,
  };
}

/** URL the server serves a stored image at, or the generated default avatar. */
export function imageUrl(publicUrl: string, imageId: string | null): string {
  return imageId ? `${publicUrl}/images/${imageId}` : `${publicUrl}/images/default-avatar.svg`;
}

/** What both APIs show of a user. */
function userCore(a: UserAggregate, publicUrl: string, pending: PendingVerifications | null = null): UserCoreJSON {
  const u = a.user;
  const url = imageUrl(publicUrl, u.image_id);
  const backupCodes = u.backup_codes === null ? null : readJson<string[]>(u.backup_codes);
  const totp = u.totp_secret !== null;
  const backup = backupCodes !== null && backupCodes.length > 0;
  const phones = a.identifications.filter((i) => i.type === 'phone_number');
  return {
    id: u.id,
    object: 'user',
    external_id: u.external_id,
    primary_email_address_id: u.primary_email_address_id,
    primary_phone_number_id: u.primary_phone_number_id,
    primary_web3_wallet_id: u.primary_web3_wallet_id,
    username: u.username,
    first_name: u.first_name,
    last_name: u.last_name,
    locale: u.locale,
    timezone: u.timezone,
    profile_image_url: url,
    image_url: url,
    has_image: u.image_id !== null,
    public_metadata: readJson<Metadata>(u.public_metadata),
    unsafe_metadata: readJson<Metadata>(u.unsafe_metadata),
    email_addresses: a.identifications.filter((i) => i.type === 'email_address').map((i) => emailAddressJSON(i, pending)),
    phone_numbers: phones.map((i) => phoneNumberJSON(i, pending)),
    web3_wallets: a.identifications.filter((i) => i.type === 'web3_wallet').map(web3WalletJSON),
    passkeys: [],
    password_enabled: a.password !== null,
    password_last_updated_at: a.password?.updated_at ?? null,
    two_factor_enabled: totp || backup || phones.some((p) => p.reserved_for_second_factor === 1),
    totp_enabled: totp,
    backup_code_enabled: backup,
    mfa_enabled_at: u.mfa_enabled_at,
    mfa_disabled_at: u.mfa_disabled_at,
    external_accounts: [],
    saml_accounts: [],
    enterprise_accounts: [],
    last_sign_in_at: u.last_sign_in_at,
    banned: u.banned === 1,
    locked: u.locked === 1,
    deprovisioned: false,
    lockout_expires_in_seconds: null,
    verification_attempts_remaining: null,
    delete_self_enabled: u.delete_self_enabled === 1,
    create_organization_enabled: u.create_organization_enabled === 1,
    create_organizations_limit: u.create_organizations_limit,
    last_active_at: u.last_active_at,
    legal_accepted_at: u.legal_accepted_at,
    bypass_client_trust: u.bypass_client_trust === 1,
    created_at: u.created_at,
    updated_at: u.updated_at,
  };
}

/** The Backend API form of a user: everything, private metadata included. */
export function userJSON(a: UserAggregate, publicUrl: string): UserJSON {
  return { ...userCore(a, publicUrl), private_metadata: readJson<Metadata>(a.user.private_metadata) };
}

/** The Frontend API form of a user: no private metadata; `pending` shows verifications in progress. */
export function frontendUserJSON(a: UserAggregate, publicUrl: string, pending: PendingVerifications | null = null): FrontendUserJSON {
  return userCore(a, publicUrl, pending);
}

export function deletedJSON(object: string, id: string): DeletedObjectJSON {
  return { object, id, deleted: true };
}

/** The answer of a count endpoint. */
export function totalCountJSON(n: number): TotalCountJSON {
  return { object: 'total_count', total_count: n };
}

/** A page of a list with the total, the shape lists take with `paginated=true`. */
export function paginatedJSON<T>(data: T[], total: number): PaginatedJSON<T> {
  return { data, total_count: total };
}

/** The answer of a correct password check. */
export function passwordVerifiedJSON(): { verified: true } {
  return { verified: true };
}

/** The answer of a correct second-factor check: which kind of code it was. */
export function secondFactorVerifiedJSON(codeType: 'totp' | 'backup_code'): { verified: true; code_type: 'totp' | 'backup_code' } {
  return { verified: true, code_type: codeType };
}

/** The answer of removing a user's second factors. */
export function secondFactorRemovedJSON(userId: string): { user_id: string } {
  return { user_id: userId };
}
