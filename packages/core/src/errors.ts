/**
 * The error codes Latch answers with, and the HTTP status each one maps to.
 *
 * The codes are part of the public API: they are the `code` of each entry in an error envelope, spelled
 * as the Clerk Backend API spells them so existing error handling keeps working. SDKs switch on them.
 *
 * @example
 * if (err.code === ErrorCode.FormIdentifierExists) showTakenMessage();
 */

export const ErrorCode = {
  AuthenticationInvalid: 'authentication_invalid',
  ClerkKeyInvalid: 'clerk_key_invalid',
  ResourceNotFound: 'resource_not_found',
  RequestBodyInvalid: 'request_body_invalid',
  RequestHeaderFieldsTooLarge: 'request_header_fields_too_large',
  UnsupportedContentType: 'unsupported_content_type',
  FormParamMissing: 'form_param_missing',
  FormParamUnknown: 'form_param_unknown',
  FormParamFormatInvalid: 'form_param_format_invalid',
  FormParamValueInvalid: 'form_param_value_invalid',
  FormParamExceedsAllowedSize: 'form_param_exceeds_allowed_size',
  FormIdentifierExists: 'form_identifier_exists',
  FormIdentifierNotFound: 'form_identifier_not_found',
  FormPasswordLengthTooShort: 'form_password_length_too_short',
  FormPasswordLengthTooLong: 'form_password_length_too_long',
  FormPasswordPwned: 'form_password_pwned',
  FormPasswordIncorrect: 'form_password_incorrect',
  FormPasswordDigestInvalid: 'form_password_digest_invalid',
  FormPasswordNotSet: 'form_password_not_set',
  UnsupportedPasswordHasher: 'form_password_hasher_unsupported',
  FileTooLarge: 'file_too_large',
  MethodNotAllowed: 'method_not_allowed',
  NotAllowedAccess: 'not_allowed_access',
  DuplicateRecord: 'duplicate_record',
  InvitationNotPending: 'invitation_not_pending',
  TemplateVariableMissing: 'form_param_template_variable_missing',
  LastAdminRemoval: 'organization_minimum_permissions_needed',
  MembershipQuotaExceeded: 'organization_membership_quota_exceeded',
  AlreadyAMember: 'already_a_member_in_organization',
  OrganizationNotFound: 'organization_not_found',
  DomainNotAllowed: 'organization_domain_common',
  DomainExists: 'organization_domain_exists_for_instance',
  RoleInUse: 'organization_role_in_use',
  VerificationFailed: 'form_code_incorrect',
  VerificationExpired: 'verification_expired',
  TooManyAttempts: 'verification_failed',
  TotpNotEnabled: 'totp_not_enabled',
  TooManyRequests: 'too_many_requests',
  OriginInvalid: 'origin_invalid',
  DevBrowserUnauthenticated: 'dev_browser_unauthenticated',
  SignedOut: 'signed_out',
  VerificationMissing: 'verification_missing',
  VerificationAlreadyVerified: 'verification_already_verified',
  UserBanned: 'user_banned',
  UserLocked: 'user_locked',
  SessionExists: 'session_exists',
  StrategyForUserInvalid: 'strategy_for_user_invalid',
  /** Deleting this identifier (or the password) would leave the user no way to sign in. */
  IdentificationDeletionFailed: 'identification_deletion_failed',
  /** `POST /me/totp` while an authenticator app is already enrolled. */
  TotpAlreadyEnabled: 'totp_already_enabled',
  InternalError: 'internal_clerk_error',
} as const;

export type ErrorCode = (typeof ErrorCode)[keyof typeof ErrorCode];

interface ErrorCodeInfo {
  status: number;
  message: string;
}

/** HTTP status and short message of every code: the one table that maps codes to statuses. */
export const ERROR_CODE_INFO: Record<ErrorCode, ErrorCodeInfo> = {
  authentication_invalid: { status: 401, message: 'Unauthorized request' },
  clerk_key_invalid: { status: 401, message: 'Secret key invalid' },
  resource_not_found: { status: 404, message: 'not found' },
  request_body_invalid: { status: 400, message: 'Request body invalid' },
  request_header_fields_too_large: { status: 431, message: 'Request header fields too large' },
  unsupported_content_type: { status: 415, message: 'Unsupported content type' },
  form_param_missing: { status: 422, message: 'missing data' },
  form_param_unknown: { status: 422, message: 'is unknown' },
  form_param_format_invalid: { status: 422, message: 'is invalid' },
  form_param_value_invalid: { status: 422, message: 'is invalid' },
  form_param_exceeds_allowed_size: { status: 422, message: 'exceeds the allowed size' },
  form_identifier_exists: { status: 422, message: 'That identifier is taken. Please try another.' },
  form_identifier_not_found: { status: 422, message: "Couldn't find your account." },
  form_password_length_too_short: { status: 422, message: 'Passwords must be 8 characters or more.' },
  form_password_length_too_long: { status: 422, message: 'Passwords must be 256 characters or fewer.' },
  form_password_pwned: { status: 422, message: 'Password has been found in an online data breach.' },
  form_password_incorrect: { status: 422, message: 'Password is incorrect. Try again, or use another method.' },
  form_password_digest_invalid: { status: 422, message: 'The password digest is invalid for its hasher.' },
  form_password_not_set: { status: 400, message: 'The user has no password.' },
  form_password_hasher_unsupported: { status: 422, message: 'Unsupported password hasher' },
  file_too_large: { status: 413, message: 'File too large' },
  method_not_allowed: { status: 405, message: 'Method not allowed' },
  not_allowed_access: { status: 403, message: 'Access not allowed.' },
  duplicate_record: { status: 422, message: 'duplicate record' },
  invitation_not_pending: { status: 400, message: 'The invitation is not pending.' },
  form_param_template_variable_missing: { status: 422, message: 'A required template variable is missing.' },
  organization_minimum_permissions_needed: { status: 403, message: 'There has to be at least one organization member with the administrator role.' },
  organization_membership_quota_exceeded: { status: 403, message: 'The organization has reached its maximum number of memberships.' },
  already_a_member_in_organization: { status: 400, message: 'The user is already a member of the organization.' },
  organization_not_found: { status: 404, message: 'Organization not found' },
  organization_domain_common: { status: 422, message: 'Public e-mail provider domains cannot be added to an organization.' },
  organization_domain_exists_for_instance: { status: 422, message: 'The domain belongs to an organization already.' },
  organization_role_in_use: { status: 422, message: 'The role is in use.' },
  form_code_incorrect: { status: 422, message: 'Incorrect code' },
  verification_expired: { status: 400, message: 'The verification has expired.' },
  verification_failed: { status: 422, message: 'Too many failed attempts.' },
  totp_not_enabled: { status: 400, message: 'TOTP is not enabled for this user.' },
  too_many_requests: { status: 429, message: 'Too many requests' },
  origin_invalid: { status: 403, message: 'Origin not allowed' },
  dev_browser_unauthenticated: { status: 401, message: 'Browser unauthenticated' },
  signed_out: { status: 401, message: 'Signed out' },
  verification_missing: { status: 400, message: 'No verification to attempt' },
  verification_already_verified: { status: 400, message: 'This verification has already been verified.' },
  user_banned: { status: 403, message: 'This account is banned.' },
  user_locked: { status: 403, message: 'This account is locked.' },
  session_exists: { status: 400, message: "You're already signed in." },
  strategy_for_user_invalid: { status: 422, message: 'This strategy is not available for this account.' },
  identification_deletion_failed: { status: 400, message: 'You cannot delete your last identification.' },
  totp_already_enabled: { status: 400, message: 'An authenticator app is already enabled.' },
  internal_clerk_error: { status: 500, message: 'Oops, an unexpected error occurred' },
};

/** One entry of an error envelope, as on the wire. */
export interface ErrorJSON {
  code: ErrorCode | (string & {});
  message: string;
  long_message: string;
  meta?: { param_name?: string; [key: string]: unknown };
}

/** The body of every error response. */
export interface ErrorEnvelopeJSON {
  errors: ErrorJSON[];
  clerk_trace_id: string;
}
