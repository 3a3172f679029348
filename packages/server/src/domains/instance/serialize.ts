/**
 * The instance → wire JSON: its public signing keys (the key set session tokens are verified with), the
 * instance object and its sign-in settings.
 */
import type { InstanceType, JwkJSON, JwksJSON } from '@latch/core';
import { z } from 'zod';
import { wireSchemas } from '../../http/router.js';
import type { AuthSettings } from './auth-settings.js';

export function jwksJSON(keys: JwkJSON[]): JwksJSON {
  return { keys };
}

export const InstanceSchema = z
  .object({
    object: z.literal('instance'),
    id: z.string(),
    environment_type: z.enum(['development', 'production']),
    allowed_origins: z.array(z.string()).nullable(),
    workspace_id: z.string().nullable(),
  })
  .register(wireSchemas, { id: 'Instance' });

export function instanceJSON(id: string, type: InstanceType, auth: AuthSettings): z.output<typeof InstanceSchema> {
  return { object: 'instance', id, environment_type: type, allowed_origins: auth.allowed_origins, workspace_id: null };
}

const identifier = z.object({ enabled: z.boolean(), required: z.boolean(), used_for_first_factor: z.boolean() });

/** The sign-up, sign-in and session settings (a Latch extension: the hosted product keeps these in its dashboard). */
export const AuthSettingsSchema = z
  .object({
    object: z.literal('auth_settings'),
    email_address: identifier.extend({ verification: z.array(z.enum(['email_code', 'email_link'])) }),
    phone_number: identifier,
    username: identifier,
    first_name: z.object({ enabled: z.boolean(), required: z.boolean() }),
    last_name: z.object({ enabled: z.boolean(), required: z.boolean() }),
    password: z.object({ enabled: z.boolean(), required: z.boolean(), min_length: z.number().int() }),
    sign_up_mode: z.enum(['public', 'invitation']),
    legal_consent_enabled: z.boolean(),
    single_session_mode: z.boolean(),
    session_lifetime_seconds: z.number().int(),
    session_inactivity_timeout_seconds: z.number().int(),
    session_token_lifetime_seconds: z.number().int(),
    session_token_claims: z.enum(['v2', 'v1']),
    allowed_origins: z.array(z.string()),
    enumeration_protection: z.boolean(),
    email_link_require_same_client: z.boolean(),
    lockout: z.object({ max_attempts: z.number().int(), duration_minutes: z.number().int() }),
    test_mode: z.boolean(),
    support_email: z.string().nullable(),
    preferred_sign_in_strategy: z.enum(['password', 'otp']),
    delete_self_enabled: z.boolean(),
  })
  .register(wireSchemas, { id: 'AuthSettings' });

export function authSettingsJSON(a: AuthSettings): z.output<typeof AuthSettingsSchema> {
  return { object: 'auth_settings', ...a };
}
