/** Wire types of a user and the identifiers it owns. */
import type { Metadata } from './common.js';
import type { FrontendOrganizationMembershipJSON } from './organizations.js';

export interface IdentificationLinkJSON {
  type: string;
  id: string;
}

export interface VerificationJSON {
  object?: string;
  status: 'unverified' | 'verified' | 'failed' | 'expired' | 'transferable';
  strategy: string;
  attempts: number | null;
  expire_at: number | null;
}

export interface EmailAddressJSON {
  id: string;
  object: 'email_address';
  email_address: string;
  reserved: boolean;
  verification: VerificationJSON | null;
  linked_to: IdentificationLinkJSON[];
  matches_sso_connection: boolean;
  created_at: number;
  updated_at: number;
}

export interface PhoneNumberJSON {
  id: string;
  object: 'phone_number';
  phone_number: string;
  reserved_for_second_factor: boolean;
  default_second_factor: boolean;
  reserved: boolean;
  verification: VerificationJSON | null;
  linked_to: IdentificationLinkJSON[];
  backup_codes: string[] | null;
  created_at: number;
  updated_at: number;
}

export interface Web3WalletJSON {
  id: string;
  object: 'web3_wallet';
  web3_wallet: string;
  verification: VerificationJSON | null;
  created_at: number;
  updated_at: number;
}

export interface UserCoreJSON {
  id: string;
  object: 'user';
  external_id: string | null;
  primary_email_address_id: string | null;
  primary_phone_number_id: string | null;
  primary_web3_wallet_id: string | null;
  username: string | null;
  first_name: string | null;
  last_name: string | null;
  locale: string | null;
  timezone: string | null;
  profile_image_url: string;
  image_url: string;
  has_image: boolean;
  public_metadata: Metadata;
  unsafe_metadata: Metadata;
  email_addresses: EmailAddressJSON[];
  phone_numbers: PhoneNumberJSON[];
  web3_wallets: Web3WalletJSON[];
  passkeys: unknown[];
  password_enabled: boolean;
  password_last_updated_at: number | null;
  two_factor_enabled: boolean;
  totp_enabled: boolean;
  backup_code_enabled: boolean;
  mfa_enabled_at: number | null;
  mfa_disabled_at: number | null;
  external_accounts: unknown[];
  saml_accounts: unknown[];
  enterprise_accounts: unknown[];
  last_sign_in_at: number | null;
  banned: boolean;
  locked: boolean;
  deprovisioned: boolean;
  lockout_expires_in_seconds: number | null;
  verification_attempts_remaining: number | null;
  delete_self_enabled: boolean;
  create_organization_enabled: boolean;
  create_organizations_limit: number | null;
  last_active_at: number | null;
  legal_accepted_at: number | null;
  bypass_client_trust: boolean;
  created_at: number;
  updated_at: number;
}

/** A user as the Backend API shows it: everything, private metadata included. */
export interface UserJSON extends UserCoreJSON {
  private_metadata: Metadata;
}

/** A user as the Frontend API shows it: never the private metadata. */
/** The Frontend API form: no private metadata; in a client, the user's organization memberships. */
export type FrontendUserJSON = UserCoreJSON & { private_metadata?: never; organization_memberships?: FrontendOrganizationMembershipJSON[] };
