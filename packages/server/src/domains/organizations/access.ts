/**
 * Who may do what to an organization from the browser: the caller's membership and the permissions of
 * its role. Someone who is not a member cannot tell the organization exists (404); a member without the
 * permission a change needs is refused (403). A `manage` permission includes reading the same feature.
 */
import { ApiError, notFound } from '../../errors.js';
import type { Db } from '../../storage/database.js';
import { findMembership, type MembershipRow } from './memberships/repository.js';
import { findOrganization, type OrganizationRow } from './organizations/repository.js';
import type { RolesService } from './roles/service.js';

/** The system permissions the Frontend API routes check. */
export type OrganizationPermission =
  | 'org:sys_profile:manage'
  | 'org:sys_profile:delete'
  | 'org:sys_memberships:read'
  | 'org:sys_memberships:manage'
  | 'org:sys_domains:read'
  | 'org:sys_domains:manage';

export interface OrganizationAccess {
  userId: string;
  organization: OrganizationRow;
  membership: MembershipRow;
  permissions: ReadonlySet<string>;
}

/** Whether these permissions grant `needed` (`…:manage` grants `…:read`). */
export function grants(permissions: ReadonlySet<string>, needed: OrganizationPermission): boolean {
  return permissions.has(needed) || (needed.endsWith(':read') && permissions.has(needed.replace(/:read$/, ':manage')));
}

export function createOrganizationAccess({ db, roles }: { db: Db; roles: RolesService }) {
  return {
    /**
     * The caller's standing in the organization an id (or slug) names: 404 when there is no such
     * organization or the caller is not a member, 403 when their role lacks `needed`.
     */
    async check(userId: string, idOrSlug: string, needed?: OrganizationPermission): Promise<OrganizationAccess> {
      const organization = await findOrganization(db, idOrSlug);
      const membership = organization ? await findMembership(db, organization.id, userId) : null;
      if (!organization || !membership) throw notFound('Organization');
      const described = await roles.describeRoles(db, [membership.role]);
      const permissions = new Set(described.get(membership.role)?.permissions ?? []);
      if (needed && !grants(permissions, needed)) {
        throw new ApiError({ code: 'not_allowed_access', longMessage: `Your role in this organization lacks the ${needed} permission.`, meta: { permission: needed } });
      }
      return { userId, organization, membership, permissions };
    },
  };
}

export type OrganizationAccessService = ReturnType<typeof createOrganizationAccess>;
