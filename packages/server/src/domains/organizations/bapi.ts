/**
 * Organizations Backend API, one route module per aggregate: organizations, memberships, invitations,
 * domains, roles and permissions, and the instance's organization settings. Every list answers
 * `{data, total_count}`.
 */
import type { BapiRouter } from '../../http/bapi/surface.js';
import type { InstanceService } from '../instance/service.js';
import { registerDomainRoutes } from './domains/bapi.js';
import { registerInvitationRoutes } from './invitations/bapi.js';
import { registerMembershipRoutes } from './memberships/bapi.js';
import { registerOrganizationProfileRoutes } from './organizations/bapi.js';
import { registerRoleRoutes } from './roles/bapi.js';
import type { OrganizationsService } from './service.js';
import { registerOrganizationSettingsRoutes } from './settings/bapi.js';

export function registerOrganizationRoutes(router: BapiRouter, deps: { organizations: OrganizationsService; instance: InstanceService; publicUrl: string; uploadLimit: number }): void {
  const { organizations: domain, instance, publicUrl, uploadLimit } = deps;
  const { organizations, memberships, invitations, domains, roles } = domain;
  registerOrganizationProfileRoutes(router, { organizations, publicUrl, uploadLimit });
  registerMembershipRoutes(router, { organizations, memberships, publicUrl });
  registerInvitationRoutes(router, { organizations, invitations, publicUrl });
  registerDomainRoutes(router, { organizations, domains, publicUrl });
  registerRoleRoutes(router, { roles, legacyRoleKeys: async () => (await instance.settings()).organizations.legacy_role_keys });
  registerOrganizationSettingsRoutes(router, { instance, roles });
}
