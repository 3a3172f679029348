/**
 * How people sign up and sign in on this instance: which identifiers exist and what they are used for,
 * passwords, verification, sign-up mode, sessions and the browser origins allowed to call the Frontend
 * API. Stored in the instance row beside the restrictions; the environment the browser SDK reads is
 * derived from it.
 */

export type EmailVerification = 'email_code' | 'email_link';

export interface IdentifierSetting {
  enabled: boolean;
  /** Must be given at sign-up. */
  required: boolean;
  /** Can be typed on the first sign-in screen. */
  used_for_first_factor: boolean;
}

export interface AuthSettings {
  email_address: IdentifierSetting & { verification: EmailVerification[] };
  phone_number: IdentifierSetting;
  username: IdentifierSetting;
  first_name: { enabled: boolean; required: boolean };
  last_name: { enabled: boolean; required: boolean };
  password: { enabled: boolean; required: boolean; min_length: number };
  /**
   * public: anyone the restrictions admit (with the allowlist restriction on, only allowlisted identifiers);
   * invitation: only with an invitation ticket.
   */
  sign_up_mode: 'public' | 'invitation';
  legal_consent_enabled: boolean;
  single_session_mode: boolean;
  /** Longest a session lives after sign-in, seconds. */
  session_lifetime_seconds: number;
  /** A session without activity for this long ends, seconds (0: never). */
  session_inactivity_timeout_seconds: number;
  /** Origins (scheme://host[:port]) allowed to call the Frontend API with credentials, beyond the app URL. */
  allowed_origins: string[];
  /** Unknown identifiers are answered like known ones at sign-in (no account enumeration). */
  enumeration_protection: boolean;
}

export const DEFAULT_AUTH_SETTINGS: AuthSettings = {
  email_address: { enabled: true, required: true, used_for_first_factor: true, verification: ['email_code'] },
  phone_number: { enabled: false, required: false, used_for_first_factor: false },
  username: { enabled: false, required: false, used_for_first_factor: false },
  first_name: { enabled: false, required: false },
  last_name: { enabled: false, required: false },
  password: { enabled: true, required: true, min_length: 8 },
  sign_up_mode: 'public',
  legal_consent_enabled: false,
  single_session_mode: true,
  session_lifetime_seconds: 7 * 24 * 3600,
  session_inactivity_timeout_seconds: 0,
  allowed_origins: [],
  enumeration_protection: false,
};

/** Stored (possibly partial, possibly from an older version) → complete settings. */
export function resolveAuthSettings(stored: Partial<AuthSettings> | undefined): AuthSettings {
  const s = stored ?? {};
  return {
    ...DEFAULT_AUTH_SETTINGS,
    ...s,
    email_address: { ...DEFAULT_AUTH_SETTINGS.email_address, ...(s.email_address ?? {}) },
    phone_number: { ...DEFAULT_AUTH_SETTINGS.phone_number, ...(s.phone_number ?? {}) },
    username: { ...DEFAULT_AUTH_SETTINGS.username, ...(s.username ?? {}) },
    first_name: { ...DEFAULT_AUTH_SETTINGS.first_name, ...(s.first_name ?? {}) },
    last_name: { ...DEFAULT_AUTH_SETTINGS.last_name, ...(s.last_name ?? {}) },
    password: { ...DEFAULT_AUTH_SETTINGS.password, ...(s.password ?? {}) },
  };
}
