/**
 * The typed shape of the database, for Kysely. JSON columns are TEXT on SQLite and JSONB on PostgreSQL:
 * they are written as JSON text on both and read back through `readJson`. Flags are 0/1 integers on both
 * dialects so that one code path serves both (better-sqlite3 cannot bind booleans).
 */
import type { ColumnType, Generated } from 'kysely';

/** A JSON column: JSON text in, parsed value (PostgreSQL) or text (SQLite) out. */
export type JsonColumn = ColumnType<unknown, string, string>;
/** A 0/1 flag. */
export type Flag = number;

export interface InstanceTable {
  id: string;
  environment_type: 'development' | 'production';
  settings: JsonColumn;
  created_at: number;
  updated_at: number;
}

export interface ApiKeyTable {
  id: string;
  kind: 'secret';
  secret_hash: string;
  hint: string;
  name: string;
  created_at: number;
  revoked_at: number | null;
}

export interface SigningKeyTable {
  kid: string;
  algorithm: 'RS256';
  private_pem: string;
  public_jwk: JsonColumn;
  status: 'active' | 'retired';
  created_at: number;
  retired_at: number | null;
}

export interface UserTable {
  id: string;
  external_id: string | null;
  username: string | null;
  username_normalized: string | null;
  first_name: string | null;
  last_name: string | null;
  locale: string | null;
  timezone: string | null;
  primary_email_address_id: string | null;
  primary_phone_number_id: string | null;
  primary_web3_wallet_id: string | null;
  public_metadata: JsonColumn;
  private_metadata: JsonColumn;
  unsafe_metadata: JsonColumn;
  image_id: string | null;
  banned: Flag;
  locked: Flag;
  locked_at: number | null;
  delete_self_enabled: Flag;
  create_organization_enabled: Flag;
  create_organizations_limit: number | null;
  legal_accepted_at: number | null;
  last_sign_in_at: number | null;
  last_active_at: number | null;
  bypass_client_trust: Flag;
  totp_secret: string | null;
  /** An authenticator-app secret handed out by `POST /me/totp` and not yet confirmed with a code. */
  pending_totp_secret: string | null;
  backup_codes: JsonColumn | null;
  mfa_enabled_at: number | null;
  mfa_disabled_at: number | null;
  password_compromised_at: number | null;
  search_text: string;
  created_at: number;
  updated_at: number;
}

export type IdentificationType = 'email_address' | 'phone_number' | 'web3_wallet';
export type IdentificationStatus = 'verified' | 'unverified' | 'reserved';

export interface IdentificationTable {
  id: string;
  user_id: string;
  type: IdentificationType;
  value: string;
  normalized: string;
  status: IdentificationStatus;
  strategy: string;
  reserved_for_second_factor: Flag;
  default_second_factor: Flag;
  /**
   * 1 on the identification the user's `primary_*_id` column names, 0 on the others: kept in the same
   * statement group that changes the primary, so the list ordered by primary identifier walks an index
   * of primary identifiers alone.
   */
  is_primary: Flag;
  created_at: number;
  updated_at: number;
}

export interface PasswordTable {
  user_id: string;
  digest: string;
  hasher: string;
  updated_at: number;
}

export interface ImageTable {
  id: string;
  owner_id: string;
  content_type: string;
  bytes: Uint8Array;
  size: number;
  created_at: number;
}

export type AccessIdentifierType = 'email_address' | 'phone_number' | 'web3_wallet' | 'domain';

export interface AllowlistTable {
  id: string;
  identifier: string;
  identifier_type: AccessIdentifierType;
  /** Lower-cased e-mail, E.164 phone, wallet, or `@domain` for a `*@domain` wildcard. */
  normalized: string;
  invitation_id: string | null;
  created_at: number;
  updated_at: number;
}

export interface BlocklistTable {
  id: string;
  identifier: string;
  identifier_type: AccessIdentifierType;
  normalized: string;
  created_at: number;
  updated_at: number;
}

export interface InvitationTable {
  id: string;
  email_address: string;
  normalized: string;
  public_metadata: JsonColumn;
  redirect_url: string | null;
  status: 'pending' | 'accepted' | 'revoked' | 'expired';
  /** SHA-256 of the single-use ticket carried by the invitation URL. */
  ticket_hash: string;
  template_slug: string;
  expires_at: number | null;
  accepted_at: number | null;
  accepted_user_id: string | null;
  revoked_at: number | null;
  created_at: number;
  updated_at: number;
}

export interface TemplateTable {
  template_type: 'email' | 'sms';
  slug: string;
  name: string;
  subject: string | null;
  markup: string;
  body: string;
  from_email_name: string | null;
  reply_to_email_name: string | null;
  delivered_by_clerk: Flag;
  created_at: number;
  updated_at: number;
}

export type MessageStatus = 'queued' | 'sending' | 'delivered' | 'failed' | 'outbox';

export interface MessageTable {
  id: string;
  kind: 'email' | 'sms';
  to_address: string;
  from_address: string | null;
  from_name: string | null;
  reply_to: string | null;
  subject: string | null;
  body: string;
  body_plain: string | null;
  slug: string | null;
  data: JsonColumn;
  user_id: string | null;
  email_address_id: string | null;
  phone_number_id: string | null;
  status: MessageStatus;
  attempts: number;
  next_attempt_at: number;
  lease_until: number | null;
  last_error: string | null;
  provider_message_id: string | null;
  delivered_at: number | null;
  created_at: number;
  updated_at: number;
}

export interface OrganizationTable {
  id: string;
  name: string;
  slug: string;
  image_id: string | null;
  created_by: string | null;
  /** 0 means no limit. */
  max_allowed_memberships: number;
  admin_delete_enabled: Flag;
  public_metadata: JsonColumn;
  private_metadata: JsonColumn;
  members_count: number;
  admins_count: number;
  search_text: string;
  created_at: number;
  updated_at: number;
}

export interface OrganizationRoleTable {
  id: string;
  key: string;
  name: string;
  description: string;
  is_system: Flag;
  is_creator_eligible: Flag;
  created_at: number;
  updated_at: number;
}

export interface OrganizationPermissionTable {
  id: string;
  key: string;
  name: string;
  description: string;
  type: 'system' | 'user';
  created_at: number;
  updated_at: number;
}

export interface OrganizationRolePermissionTable {
  role_id: string;
  permission_id: string;
}

export interface OrganizationMembershipTable {
  id: string;
  organization_id: string;
  user_id: string;
  /** Role key, e.g. org:admin. */
  role: string;
  public_metadata: JsonColumn;
  private_metadata: JsonColumn;
  created_at: number;
  updated_at: number;
}

/**
 * The member's user fields that member lists order by, copied onto the membership by triggers (migration
 * 0017) so that each ordering reads from an index: first and last name, normalized username and the
 * normalized primary e-mail address and phone number (null when the user has none). Never written by code.
 */
export interface MemberSortKeys {
  user_first_name: Generated<string | null>;
  user_last_name: Generated<string | null>;
  user_username: Generated<string | null>;
  user_email_address: Generated<string | null>;
  user_phone_number: Generated<string | null>;
}

export interface OrganizationInvitationTable {
  id: string;
  organization_id: string;
  email_address: string;
  normalized: string;
  role: string;
  inviter_user_id: string | null;
  public_metadata: JsonColumn;
  private_metadata: JsonColumn;
  redirect_url: string | null;
  status: 'pending' | 'accepted' | 'revoked' | 'expired';
  /** `manual` or `domain` (sent because of an automatic-invitation domain). */
  source: string;
  expires_at: number | null;
  accepted_at: number | null;
  accepted_user_id: string | null;
  revoked_at: number | null;
  created_at: number;
  updated_at: number;
}

export type EnrollmentMode = 'manual_invitation' | 'automatic_invitation' | 'automatic_suggestion';

export interface OrganizationDomainTable {
  id: string;
  organization_id: string;
  name: string;
  enrollment_mode: EnrollmentMode;
  verified: Flag;
  verification_strategy: string | null;
  verified_at: number | null;
  affiliation_email_address: string | null;
  code_hash: string | null;
  code_attempts: number;
  code_expires_at: number | null;
  created_at: number;
  updated_at: number;
}

export interface OrganizationSuggestionTable {
  id: string;
  organization_id: string;
  user_id: string;
  domain_id: string | null;
  status: 'pending' | 'accepted' | 'dismissed';
  created_at: number;
  updated_at: number;
}

/** A user's request to join an organization (a taken-up suggestion), answered by an admin. */
export interface OrganizationMembershipRequestTable {
  id: string;
  organization_id: string;
  user_id: string;
  suggestion_id: string | null;
  status: 'pending' | 'accepted' | 'rejected';
  created_at: number;
  updated_at: number;
}

/** A browser or device. Only a SHA-256 digest of its token (the `__client` cookie, or a dev browser's id) is kept. */
export interface ClientTable {
  id: string;
  token_hash: string;
  last_active_session_id: string | null;
  last_authentication_strategy: string | null;
  /** The sign-in and sign-up in progress on this client, if any. */
  sign_in_id: string | null;
  sign_up_id: string | null;
  expires_at: number;
  created_at: number;
  updated_at: number;
}

export interface SessionTable {
  id: string;
  client_id: string;
  user_id: string;
  status: 'active' | 'pending' | 'revoked' | 'ended' | 'expired' | 'removed' | 'abandoned';
  last_active_organization_id: string | null;
  /** JSON: the impersonating actor, or null. */
  actor: string | null;
  /** When the session ends regardless of activity. */
  expire_at: number;
  /** When the session ends without further activity (the inactivity timeout), or expire_at. */
  abandon_at: number;
  last_active_at: number;
  /** Last successful first-factor and second-factor verification (factor_verification_age). */
  first_factor_verified_at: number | null;
  second_factor_verified_at: number | null;
  /** JSON: browser, device, IP and city of the latest request seen (sign-in or touch). */
  latest_activity: string | null;
  created_at: number;
  updated_at: number;
}

export interface SignInAttemptTable {
  id: string;
  client_id: string;
  status: 'needs_identifier' | 'needs_first_factor' | 'needs_second_factor' | 'needs_new_password' | 'complete' | 'abandoned';
  identifier: string | null;
  user_id: string | null;
  /** The identification the identifier matched (its e-mail address, phone number or username). */
  identification_id: string | null;
  first_factor_strategy: string | null;
  second_factor_strategy: string | null;
  created_session_id: string | null;
  abandon_at: number;
  created_at: number;
  updated_at: number;
}

export interface SignUpAttemptTable {
  id: string;
  client_id: string;
  status: 'missing_requirements' | 'complete' | 'abandoned';
  email_address: string | null;
  phone_number: string | null;
  username: string | null;
  first_name: string | null;
  last_name: string | null;
  /** argon2id digest of the chosen password, hashed when it is given. */
  password_digest: string | null;
  unsafe_metadata: string | null;
  legal_accepted_at: number | null;
  email_verified_at: number | null;
  phone_verified_at: number | null;
  /** The invitation ticket this sign-up redeems on completion (worthless once redeemed). */
  ticket: string | null;
  created_user_id: string | null;
  created_session_id: string | null;
  abandon_at: number;
  created_at: number;
  updated_at: number;
}

export interface VerificationTable {
  id: string;
  /** The sign-in or sign-up attempt the verification belongs to. */
  owner_id: string;
  /** first_factor, second_factor, reset_password, email_address, phone_number. */
  slot: string;
  strategy: string;
  identification_id: string | null;
  /** The address or number the code went to. */
  target: string | null;
  code_hash: string | null;
  attempts: number;
  status: 'unverified' | 'verified' | 'failed' | 'expired';
  expires_at: number | null;
  /** E-mail links only: where the landing page redirects (checked against the allowed origins when issued). */
  redirect_url: string | null;
  /** E-mail links only: the client whose browser opened the link, if it had one. */
  verified_at_client: string | null;
  created_at: number;
  updated_at: number;
}

/** A one-time sign-in link for a user, minted by the Backend API. Only a SHA-256 digest of the token is kept. */
export interface SignInTokenTable {
  id: string;
  user_id: string;
  token_hash: string;
  status: 'pending' | 'accepted' | 'revoked';
  expires_at: number;
  created_at: number;
  updated_at: number;
}

/** A named JWT template: custom claims (with shortcodes) and a lifetime. */
export interface JwtTemplateTable {
  id: string;
  name: string;
  claims: JsonColumn;
  lifetime: number;
  allowed_clock_skew: number;
  created_at: number;
  updated_at: number;
}

/** The instance's session-token claims template (one row, id `session`). */
export interface SessionTokenClaimsTable {
  id: string;
  claims: JsonColumn;
  updated_at: number;
}

/** A handshake nonce (its digest) and the cookie directives it stands for, until it expires. */
export interface HandshakeNonceTable {
  nonce_hash: string;
  directives: JsonColumn;
  expires_at: number;
  created_at: number;
}

/**
 * The number of users, spread over a few slots: each user created or deleted adds or subtracts one in a
 * random slot in the same transaction, so concurrent writers rarely wait on the same row; the total is
 * the sum of the slots.
 */
export interface UsersCountTable {
  slot: number;
  n: number;
}

/**
 * Users by the UTC day of their creation (`day` = floor(created_at / 86,400,000), migration 0019), spread
 * over a few slots per day like `users_count`: the sum of a day's slots is how many users were created
 * that day. A slot's row appears with the first change written to it and stays; one slot may hold 0 or
 * less (a user counted in one slot, uncounted in another).
 */
export interface UsersCreatedDaysTable {
  day: number;
  slot: number;
  n: number;
}

/** Kept instance-wide counts of organizations, memberships and invitations by stored status (migration 0018). */
export interface OrganizationCountsTable {
  counter: string;
  slot: number;
  n: number;
}

export interface Database {
  instance: InstanceTable;
  api_keys: ApiKeyTable;
  signing_keys: SigningKeyTable;
  users: UserTable;
  identifications: IdentificationTable;
  users_count: UsersCountTable;
  users_created_days: UsersCreatedDaysTable;
  organization_counts: OrganizationCountsTable;
  passwords: PasswordTable;
  images: ImageTable;
  allowlist_identifiers: AllowlistTable;
  blocklist_identifiers: BlocklistTable;
  invitations: InvitationTable;
  templates: TemplateTable;
  messages: MessageTable;
  organizations: OrganizationTable;
  organization_roles: OrganizationRoleTable;
  organization_permissions: OrganizationPermissionTable;
  organization_role_permissions: OrganizationRolePermissionTable;
  organization_memberships: OrganizationMembershipTable & MemberSortKeys;
  organization_invitations: OrganizationInvitationTable;
  organization_domains: OrganizationDomainTable;
  organization_suggestions: OrganizationSuggestionTable;
  organization_membership_requests: OrganizationMembershipRequestTable;
  clients: ClientTable;
  sessions: SessionTable;
  sign_in_attempts: SignInAttemptTable;
  sign_up_attempts: SignUpAttemptTable;
  verifications: VerificationTable;
  sign_in_tokens: SignInTokenTable;
  jwt_templates: JwtTemplateTable;
  session_token_claims: SessionTokenClaimsTable;
  handshake_nonces: HandshakeNonceTable;
  /** Present only on SQLite: the trigram index over users.search_text. */
  users_fts: { rowid: Generated<number>; search_text: string };
  /** Present only on SQLite: the trigram index over organizations.search_text. */
  organizations_fts: { rowid: Generated<number>; search_text: string };
}

/** Reads a JSON column written as text: PostgreSQL hands back the parsed value, SQLite the text. */
export function readJson<T = unknown>(value: unknown): T {
  return (typeof value === 'string' ? JSON.parse(value) : value) as T;
}
