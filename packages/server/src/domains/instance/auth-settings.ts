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
  /**
   * An e-mail link proves the address only in the browser that asked for it. Off (the default), a link
   * opened on another device signs in the browser that asked, which keeps polling for it.
   */
  email_link_require_same_client: boolean;
  /** Failed sign-in attempts (passwords and codes) that lock an account, and for how long. */
  lockout: { max_attempts: number; duration_minutes: number };
  /**
   * Development instances accept test identifiers with the code 424242 (`test_mode`, on by default);
   * production instances never do, whatever this says.
   */
  test_mode: boolean;
  /** Shown by the prebuilt components for help. */
  support_email: string | null;
  /** First sign-in screen when passwords are on: ask for the password, or send a code. */
  preferred_sign_in_strategy: 'password' | 'otp';
  /** Session token lifetime in seconds (the browser SDK refreshes 17 s before expiry, so at least 30). */
  session_token_lifetime_seconds: number;
  /**
   * How tokens name the active organization: `v2` (`o: {id, rol, slg, per, fpm}`, what current SDKs read)
   * or `v1` (`org_id`, `org_role`, `org_slug`, `org_permissions`, for apps written against those names).
   */
  session_token_claims: 'v2' | 'v1';
  /**
   * Users may delete their own account from the browser (`DELETE /me`, the profile's "Delete account");
   * a user whose own `delete_self_enabled` is off still may not.
   */
  delete_self_enabled: boolean;
}

/** A partial update: top-level fields replace, nested objects merge one level deep. */
export type AuthSettingsPatch = { [K in keyof AuthSettings]?: AuthSettings[K] extends unknown[] | null | string | number | boolean ? AuthSettings[K] : Partial<AuthSettings[K]> };

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
  email_link_require_same_client: false,
  lockout: { max_attempts: 100, duration_minutes: 60 },
  test_mode: true,
  support_email: null,
  preferred_sign_in_strategy: 'password',
  session_token_lifetime_seconds: 60,
  session_token_claims: 'v2',
  delete_self_enabled: true,
};

const NESTED = ['email_address', 'phone_number', 'username', 'first_name', 'last_name', 'password', 'lockout'] as const;

export function mergeAuthSettings(current: AuthSettings, patch: AuthSettingsPatch): AuthSettings {
  const out: Record<string, unknown> = { ...current };
  for (const [key, value] of Object.entries(patch)) {
    if (value === undefined) continue;
    out[key] = (NESTED as readonly string[]).includes(key) ? { ...(current[key as keyof AuthSettings] as object), ...(value as object) } : value;
  }
  return out as unknown as AuthSettings;
}

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
    lockout: { ...DEFAULT_AUTH_SETTINGS.lockout, ...(s.lockout ?? {}) },
  };
}
