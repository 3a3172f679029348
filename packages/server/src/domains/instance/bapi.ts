/**
 * Backend API routes of the instance itself: `GET/PATCH /instance` as the spec has them, and the
 * sign-up, sign-in and session settings (`/instance/auth_settings`, a Latch extension: the hosted product
 * keeps these in its dashboard, a self-hosted one needs an API for them).
 */
import { z } from 'zod';
import { ApiError } from '../../errors.js';
import type { BapiRouter } from '../../http/bapi/surface.js';
import { ERROR_RESPONSES } from '../../http/wire-schemas.js';
import { originOf } from '../../http/fapi/transport.js';
import type { AuthSettingsPatch } from './auth-settings.js';
import { AuthSettingsSchema, authSettingsJSON, InstanceSchema, instanceJSON } from './serialize.js';
import type { InstanceService } from './service.js';

const origin = z
  .string()
  .max(2048)
  .refine((o) => originOf(o) === o.replace(/\/$/, ''), 'must be an origin: scheme://host[:port]')
  .transform((o) => o.replace(/\/$/, ''));

const flags = (shape: z.ZodRawShape) => z.object(shape).strict().partial();
const identifierPatch = flags({ enabled: z.boolean(), required: z.boolean(), used_for_first_factor: z.boolean() });

const AuthSettingsPatchBody = z
  .object({
    email_address: identifierPatch.extend({ verification: z.array(z.enum(['email_code', 'email_link'])).min(1).max(2).optional() }),
    phone_number: identifierPatch,
    username: identifierPatch,
    first_name: flags({ enabled: z.boolean(), required: z.boolean() }),
    last_name: flags({ enabled: z.boolean(), required: z.boolean() }),
    password: flags({ enabled: z.boolean(), required: z.boolean(), min_length: z.number().int().min(8).max(72) }),
    sign_up_mode: z.enum(['public', 'invitation']),
    legal_consent_enabled: z.boolean(),
    single_session_mode: z.boolean(),
    session_lifetime_seconds: z.number().int().min(60).max(10 * 365 * 24 * 3600),
    session_inactivity_timeout_seconds: z.number().int().min(0).max(365 * 24 * 3600),
    session_token_lifetime_seconds: z.number().int().min(30).max(3600),
    session_token_claims: z.enum(['v2', 'v1']),
    allowed_origins: z.array(origin).max(100),
    enumeration_protection: z.boolean(),
    email_link_require_same_client: z.boolean(),
    lockout: flags({ max_attempts: z.number().int().min(1).max(10_000), duration_minutes: z.number().int().min(1).max(7 * 24 * 60) }),
    test_mode: z.boolean(),
    support_email: z.string().email().max(320).nullable(),
    preferred_sign_in_strategy: z.enum(['password', 'otp']),
    delete_self_enabled: z.boolean(),
  })
  .strict()
  .partial();

export function registerInstanceRoutes(router: BapiRouter, instance: InstanceService, info: () => { id: string; environmentType: 'development' | 'production' }): void {
  const tags = ['Instance Settings'];
  router.add(
    { method: 'get', path: '/instance', operationId: 'GetInstance', summary: 'Fetch the current instance', tags, responses: { 200: { description: 'The instance', schema: InstanceSchema }, ...ERROR_RESPONSES } },
    async () => {
      const i = info();
      return instanceJSON(i.id, i.environmentType, (await instance.settings()).auth);
    },
  );

  router.add(
    {
      method: 'patch',
      path: '/instance',
      operationId: 'UpdateInstance',
      summary: 'Update instance settings',
      description:
        'Applies `test_mode`, `allowed_origins`, `support_email` and `preferred_sign_in_strategy_when_password_required`. The spec\'s other fields (`hibp`, `clerk_js_version`, `development_origin`, `cookieless_dev`, `url_based_session_syncing`) have no effect on Latch and are refused, so a setting is never silently dropped.',
      tags,
      body: z
        .object({
          test_mode: z.boolean().nullable(),
          allowed_origins: z.array(origin).max(100),
          support_email: z.string().email().max(320).nullable(),
          preferred_sign_in_strategy_when_password_required: z.enum(['password', 'otp', '']).nullable(),
        })
        .strict()
        .partial(),
      responses: { 204: { description: 'Accepted' }, ...ERROR_RESPONSES },
    },
    async ({ body, c }) => {
      const patch: AuthSettingsPatch = {};
      if (body.test_mode !== undefined && body.test_mode !== null) patch.test_mode = body.test_mode;
      if (body.allowed_origins !== undefined) patch.allowed_origins = body.allowed_origins;
      if (body.support_email !== undefined) patch.support_email = body.support_email;
      const preferred = body.preferred_sign_in_strategy_when_password_required;
      if (preferred !== undefined) patch.preferred_sign_in_strategy = preferred === 'otp' ? 'otp' : 'password';
      await instance.updateAuthSettings(patch);
      return c.body(null, 204);
    },
  );

  router.add(
    {
      method: 'get',
      path: '/instance/auth_settings',
      operationId: 'GetInstanceAuthSettings',
      summary: 'Read the sign-up, sign-in and session settings (Latch)',
      tags,
      responses: { 200: { description: 'The settings', schema: AuthSettingsSchema }, ...ERROR_RESPONSES },
    },
    async () => authSettingsJSON((await instance.settings()).auth),
  );

  router.add(
    {
      method: 'patch',
      path: '/instance/auth_settings',
      operationId: 'UpdateInstanceAuthSettings',
      summary: 'Change the sign-up, sign-in and session settings (Latch)',
      description:
        'Only the fields sent change; nested objects (`email_address`, `password`, `lockout`, …) merge one level deep. At least one identifier stays usable for sign-in, and passwordless instances need e-mail or phone codes.',
      tags,
      body: AuthSettingsPatchBody,
      responses: { 200: { description: 'The settings after the change', schema: AuthSettingsSchema }, ...ERROR_RESPONSES },
    },
    async ({ body }) => {
      const current = (await instance.settings()).auth;
      const usable = (['email_address', 'phone_number', 'username'] as const).some((k) => {
        const merged = { ...current[k], ...(body[k] ?? {}) };
        return merged.enabled && merged.used_for_first_factor;
      });
      if (!usable) throw new ApiError({ code: 'form_param_value_invalid', longMessage: 'At least one of email_address, phone_number or username must be enabled and used for sign-in.', paramName: 'email_address' });
      const password = { ...current.password, ...(body.password ?? {}) };
      const email = { ...current.email_address, ...(body.email_address ?? {}) };
      const phone = { ...current.phone_number, ...(body.phone_number ?? {}) };
      if (!password.enabled && !(email.enabled && email.used_for_first_factor) && !(phone.enabled && phone.used_for_first_factor)) {
        throw new ApiError({ code: 'form_param_value_invalid', longMessage: 'Without passwords, e-mail or phone codes must be usable for sign-in.', paramName: 'password' });
      }
      return authSettingsJSON(await instance.updateAuthSettings(body as AuthSettingsPatch));
    },
  );
}
