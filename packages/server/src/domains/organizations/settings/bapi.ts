/**
 * The instance's organization settings, Backend API.
 */
import { z } from 'zod';
import { ApiError } from '../../../errors.js';
import type { BapiRouter } from '../../../http/bapi/surface.js';
import type { InstanceService, OrganizationSettings } from '../../instance/service.js';
import { answers, modeEnum } from '../bapi-params.js';
import type { RolesService } from '../roles/service.js';
import { settingsJSON, OrganizationSettingsSchema } from './serialize.js';

const TAGS = ['Instance Settings'];

export function registerOrganizationSettingsRoutes(router: BapiRouter, deps: { instance: InstanceService; roles: RolesService }): void {
  const { instance, roles } = deps;
  const one = answers('Settings', OrganizationSettingsSchema);

  router.add(
    { method: 'get', path: '/instance/organization_settings', operationId: 'GetInstanceOrganizationSettings', summary: 'Get instance organization settings', tags: TAGS, responses: one },
    async () => settingsJSON((await instance.settings()).organizations),
  );
  router.add(
    {
      method: 'patch',
      path: '/instance/organization_settings',
      operationId: 'UpdateInstanceOrganizationSettings',
      summary: 'Update instance organization settings',
      description: '`creator_role_id` and `domains_default_role_id` take a role id or key. `legacy_role_keys` answers the system roles as `admin` and `basic_member`.',
      tags: TAGS,
      body: z
        .object({
          enabled: z.boolean().nullable().optional(),
          max_allowed_memberships: z.number().int().min(0).max(1e6).nullable().optional(),
          admin_delete_enabled: z.boolean().nullable().optional(),
          domains_enabled: z.boolean().nullable().optional(),
          slug_disabled: z.boolean().nullable().optional(),
          domains_enrollment_modes: z.array(modeEnum).max(3).nullable().optional(),
          creator_role_id: z.string().max(128).nullable().optional(),
          domains_default_role_id: z.string().max(128).nullable().optional(),
          legacy_role_keys: z.boolean().nullable().optional(),
        })
        .strict(),
      responses: one,
    },
    async ({ body }) => {
      const patch: Partial<OrganizationSettings> = {};
      if (typeof body.enabled === 'boolean') patch.enabled = body.enabled;
      if (typeof body.max_allowed_memberships === 'number') patch.max_allowed_memberships = body.max_allowed_memberships;
      if (typeof body.admin_delete_enabled === 'boolean') patch.admin_delete_enabled = body.admin_delete_enabled;
      if (typeof body.domains_enabled === 'boolean') patch.domains_enabled = body.domains_enabled;
      if (typeof body.slug_disabled === 'boolean') patch.slug_disabled = body.slug_disabled;
      if (body.domains_enrollment_modes) patch.domains_enrollment_modes = body.domains_enrollment_modes;
      if (typeof body.legacy_role_keys === 'boolean') patch.legacy_role_keys = body.legacy_role_keys;
      for (const [param, field] of [
        ['creator_role_id', 'creator_role'],
        ['domains_default_role_id', 'domains_default_role'],
      ] as const) {
        const value = body[param];
        if (!value) continue;
        // A role that does not exist is the caller's mistake; a failing database is not, and stays a 500.
        const role = await roles.findRole(value);
        if (!role) throw new ApiError({ code: 'form_param_value_invalid', longMessage: `${value} is not a role of this instance.`, paramName: param });
        patch[field] = role.key;
      }
      return settingsJSON(await instance.updateOrganizationSettings(patch));
    },
  );
}
