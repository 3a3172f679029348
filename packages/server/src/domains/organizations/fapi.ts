/**
 * Organizations, Frontend API: one route module per aggregate (profile, members, invitations, domains,
 * roles, membership requests) and the signed-in user's side under `/me`. Every organization route
 * authorizes from the caller's membership and its role's permissions (see access.ts).
 */
import type { FapiRouter } from '../../http/fapi/surface.js';
import type { InstanceService } from '../instance/service.js';
import type { SessionsService } from '../sessions/service.js';
import { registerDomainFrontendRoutes } from './domains/fapi.js';
import { organizationFapiContext } from './fapi-kit.js';
import { registerInvitationFrontendRoutes } from './invitations/fapi.js';
import { registerMembershipRequestFrontendRoutes } from './membership-requests/fapi.js';
import { registerMembershipFrontendRoutes } from './memberships/fapi.js';
import { registerOrganizationFrontendProfileRoutes } from './organizations/fapi.js';
import { registerRoleFrontendRoutes } from './roles/fapi.js';
import type { OrganizationsService } from './service.js';
import { registerUserOrganizationRoutes } from './user/fapi.js';

export interface OrganizationFrontendDeps {
  organizations: OrganizationsService;
  sessions: SessionsService;
  instance: InstanceService;
  publicUrl: string;
  uploadLimit: number;
}

export function registerOrganizationFrontendRoutes(router: FapiRouter, deps: OrganizationFrontendDeps): void {
  const ctx = organizationFapiContext(deps.organizations, deps.sessions, deps.publicUrl);
  registerOrganizationFrontendProfileRoutes(router, ctx, { instance: deps.instance, uploadLimit: deps.uploadLimit });
  registerMembershipFrontendRoutes(router, ctx);
  registerInvitationFrontendRoutes(router, ctx);
  registerDomainFrontendRoutes(router, ctx);
  registerRoleFrontendRoutes(router, ctx);
  registerMembershipRequestFrontendRoutes(router, ctx);
  registerUserOrganizationRoutes(router, ctx);
}
