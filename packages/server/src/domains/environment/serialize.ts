/**
 * Instance settings → the environment the browser SDK loads first (`GET /environment`). It tells the
 * prebuilt components which fields to show, which strategies to offer and where to send people; every
 * value is derived from the instance's settings, none is stored here.
 */
import type { InstanceType } from '@latch/core';
import type { AuthSettings } from '../instance/auth-settings.js';
import type { OrganizationSettings, Restrictions } from '../instance/service.js';
import { answeredRoleKey } from '../organizations/roles/serialize.js';

export interface EnvironmentInput {
  instanceId: string;
  environmentType: InstanceType;
  auth: AuthSettings;
  restrictions: Restrictions;
  organizations: OrganizationSettings;
  appName: string;
  appUrl: string;
  signInUrl: string;
  signUpUrl: string;
  /** True when users with TOTP or backup codes exist or may enrol (the second-factor screens). */
  mfaAvailable: boolean;
}

interface AttributeJSON {
  enabled: boolean;
  required: boolean;
  used_for_first_factor: boolean;
  first_factors: string[];
  used_for_second_factor: boolean;
  second_factors: string[];
  verifications: string[];
  verify_at_sign_up: boolean;
  immutable: boolean;
}

function attribute(partial: Partial<AttributeJSON> & { enabled: boolean }): AttributeJSON {
  return {
    required: false,
    used_for_first_factor: false,
    first_factors: [],
    used_for_second_factor: false,
    second_factors: [],
    verifications: [],
    verify_at_sign_up: false,
    immutable: false,
    ...partial,
  };
}

/** The full attribute map: the SDK replaces its defaults with whatever is sent, so every key is sent. */
function attributesOf(a: AuthSettings, mfa: boolean): Record<string, AttributeJSON> {
  const email = a.email_address;
  const emailFactors = email.used_for_first_factor ? email.verification.filter((v) => v === 'email_code' || v === 'email_link') : [];
  return {
    email_address: attribute({
      enabled: email.enabled,
      required: email.enabled && email.required,
      used_for_first_factor: email.enabled && email.used_for_first_factor,
      first_factors: email.enabled ? emailFactors : [],
      verifications: email.enabled ? email.verification : [],
      verify_at_sign_up: email.enabled,
    }),
    phone_number: attribute({
      enabled: a.phone_number.enabled,
      required: a.phone_number.enabled && a.phone_number.required,
      used_for_first_factor: a.phone_number.enabled && a.phone_number.used_for_first_factor,
      first_factors: a.phone_number.enabled && a.phone_number.used_for_first_factor ? ['phone_code'] : [],
      verifications: a.phone_number.enabled ? ['phone_code'] : [],
      verify_at_sign_up: a.phone_number.enabled,
    }),
    username: attribute({
      enabled: a.username.enabled,
      required: a.username.enabled && a.username.required,
      used_for_first_factor: a.username.enabled && a.username.used_for_first_factor,
    }),
    web3_wallet: attribute({ enabled: false }),
    first_name: attribute({ enabled: a.first_name.enabled, required: a.first_name.enabled && a.first_name.required }),
    last_name: attribute({ enabled: a.last_name.enabled, required: a.last_name.enabled && a.last_name.required }),
    password: attribute({ enabled: a.password.enabled, required: a.password.enabled && a.password.required }),
    authenticator_app: attribute({ enabled: mfa, used_for_second_factor: mfa, second_factors: mfa ? ['totp'] : [] }),
    backup_code: attribute({ enabled: mfa, used_for_second_factor: mfa, second_factors: mfa ? ['backup_code'] : [] }),
    ticket: attribute({ enabled: true }),
    passkey: attribute({ enabled: false }),
  };
}

function onOff(s: { enabled: boolean; required: boolean }): 'on' | 'off' | 'required' {
  return !s.enabled ? 'off' : s.required ? 'required' : 'on';
}

export function environmentJSON(e: EnvironmentInput): Record<string, unknown> {
  const a = e.auth;
  const identifiers = (['email_address', 'phone_number', 'username'] as const).filter((k) => a[k].enabled && a[k].used_for_first_factor);
  const firstFactors = [
    ...(a.password.enabled ? ['password'] : []),
    ...(a.email_address.enabled && a.email_address.used_for_first_factor ? a.email_address.verification : []),
    ...(a.phone_number.enabled && a.phone_number.used_for_first_factor ? ['phone_code'] : []),
    'ticket',
  ];
  const org = e.organizations;
  return {
    auth_config: {
      object: 'auth_config',
      id: `aac_${e.instanceId.slice(4)}`,
      first_name: onOff(a.first_name),
      last_name: onOff(a.last_name),
      email_address: onOff(a.email_address),
      phone_number: onOff(a.phone_number),
      username: onOff(a.username),
      password: onOff(a.password),
      identification_requirements: [identifiers],
      identification_strategies: identifiers,
      first_factors: firstFactors,
      second_factors: e.mfaAvailable ? ['totp', 'backup_code'] : [],
      email_address_verification_strategies: a.email_address.verification,
      single_session_mode: a.single_session_mode,
      enhanced_email_deliverability: false,
      test_mode: e.environmentType === 'development' && a.test_mode,
      cookieless_dev: false,
      url_based_session_syncing: false,
      claimed_at: null,
      reverification: false,
    },
    display_config: {
      object: 'display_config',
      id: `display_config_${e.instanceId.slice(4)}`,
      instance_environment_type: e.environmentType,
      application_name: e.appName,
      theme: {},
      preferred_sign_in_strategy: a.password.enabled ? a.preferred_sign_in_strategy : 'otp',
      logo_image_url: '',
      favicon_image_url: '',
      home_url: e.appUrl,
      sign_in_url: e.signInUrl,
      sign_up_url: e.signUpUrl,
      user_profile_url: `${e.appUrl}/user`,
      waitlist_url: '',
      after_sign_in_url: e.appUrl,
      after_sign_up_url: e.appUrl,
      after_sign_out_one_url: e.appUrl,
      after_sign_out_all_url: e.appUrl,
      after_switch_session_url: e.appUrl,
      after_join_waitlist_url: e.appUrl,
      organization_profile_url: `${e.appUrl}/organization`,
      create_organization_url: `${e.appUrl}/create-organization`,
      after_leave_organization_url: e.appUrl,
      after_create_organization_url: e.appUrl,
      logo_link_url: e.appUrl,
      support_email: a.support_email,
      branded: false,
      experimental_force_oauth_first: false,
      clerk_js_version: null,
      show_devmode_warning: false,
      google_one_tap_client_id: null,
      help_url: null,
      privacy_policy_url: null,
      terms_url: null,
      logo_url: null,
      favicon_url: null,
      logo_image: null,
      favicon_image: null,
      captcha_public_key: null,
      captcha_widget_type: null,
      captcha_public_key_invisible: null,
      captcha_provider: null,
      captcha_oauth_bypass: [],
      captcha_heartbeat: false,
    },
    user_settings: {
      attributes: attributesOf(a, e.mfaAvailable),
      social: {},
      saml: { enabled: false },
      enterprise_sso: { enabled: false },
      sign_in: { second_factor: { required: false } },
      sign_up: {
        captcha_enabled: false,
        captcha_widget_type: 'smart',
        custom_action_required: false,
        progressive: true,
        mode: a.sign_up_mode === 'public' && !e.restrictions.allowlist ? 'public' : 'restricted',
        legal_consent_enabled: a.legal_consent_enabled,
      },
      restrictions: {
        allowlist: { enabled: e.restrictions.allowlist },
        blocklist: { enabled: e.restrictions.blocklist },
        allowlist_blocklist_disabled_on_sign_in: { enabled: e.restrictions.allowlist_blocklist_disabled_on_sign_in },
        block_email_subaddresses: { enabled: e.restrictions.block_email_subaddresses },
        block_disposable_email_domains: { enabled: e.restrictions.block_disposable_email_domains },
      },
      password_settings: {
        disable_hibp: true,
        disable_password_reverification: true,
        min_length: a.password.min_length,
        max_length: 72,
        require_special_char: false,
        require_numbers: false,
        require_uppercase: false,
        require_lowercase: false,
        show_zxcvbn: false,
        min_zxcvbn_strength: 0,
        enforce_hibp_on_sign_in: false,
        allowed_special_characters: '',
      },
      username_settings: { min_length: 4, max_length: 64, allow_extended_special_characters: false, allow_numeric_usernames: true },
      actions: { delete_self: a.delete_self_enabled, create_organization: org.enabled },
      attack_protection: {
        user_lockout: { enabled: true, max_attempts: a.lockout.max_attempts, duration_in_minutes: a.lockout.duration_minutes },
        pii: { enabled: false },
        email_link: { require_same_client: a.email_link_require_same_client },
        enumeration_protection: { enabled: a.enumeration_protection },
      },
      passkey_settings: { allow_autofill: false, show_sign_in_button: false, satisfies_second_factor: false },
    },
    organization_settings: {
      enabled: org.enabled,
      max_allowed_memberships: org.max_allowed_memberships,
      force_organization_selection: false,
      actions: { admin_delete: org.admin_delete_enabled },
      domains: { enabled: org.domains_enabled, enrollment_modes: org.domains_enrollment_modes, default_role: answeredRoleKey(org.domains_default_role, org.legacy_role_keys) },
      slug: { disabled: org.slug_disabled },
      creator_role: answeredRoleKey(org.creator_role, org.legacy_role_keys),
    },
    maintenance_mode: false,
    client_debug_mode: false,
    partitioned_cookies: false,
  };
}
