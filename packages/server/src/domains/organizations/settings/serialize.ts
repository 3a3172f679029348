/**
 * The instance's organization settings → wire JSON, with the response schema.
 */
import type { OrganizationSettingsJSON } from '@latch/core';
import { z } from 'zod';
import { wireSchemas } from '../../../http/router.js';
import type { OrganizationSettings } from '../../instance/service.js';

export function settingsJSON(s: OrganizationSettings): OrganizationSettingsJSON {
  return {
    object: 'organization_settings',
    enabled: s.enabled,
    max_allowed_memberships: s.max_allowed_memberships,
    max_allowed_roles: 50,
    max_allowed_domains: 10,
    max_allowed_permissions: 50,
    creator_role: s.creator_role,
    admin_delete_enabled: s.admin_delete_enabled,
    domains_enabled: s.domains_enabled,
    slug_disabled: s.slug_disabled,
    domains_enrollment_modes: s.domains_enrollment_modes,
    domains_default_role: s.domains_default_role,
    legacy_role_keys: s.legacy_role_keys,
  };
}

export const OrganizationSettingsSchema = z
  .object({
    object: z.literal('organization_settings'),
    enabled: z.boolean(),
    max_allowed_memberships: z.number().int(),
    max_allowed_roles: z.number().int(),
    max_allowed_domains: z.number().int(),
    max_allowed_permissions: z.number().int(),
    creator_role: z.string(),
    admin_delete_enabled: z.boolean(),
    domains_enabled: z.boolean(),
    slug_disabled: z.boolean(),
    domains_enrollment_modes: z.array(z.string()),
    domains_default_role: z.string(),
    legacy_role_keys: z.boolean(),
  })
  .strict()
  .register(wireSchemas, { id: 'OrganizationSettings' });
