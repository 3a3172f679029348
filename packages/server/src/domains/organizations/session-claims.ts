/**
 * What a session token says about the active organization: the member's role, the organization's slug
 * and their permissions, in the compact version-2 form the official server SDKs decode
 * (`o: { id, rol, slg, per, fpm }` plus the top-level `fea` list; see clerk-bapi-wire §5.2), or the
 * version-1 names (`org_id`, `org_role`, `org_slug`, `org_permissions`).
 */
import type { Executor } from '../../storage/database.js';
import { findMembership } from './memberships/repository.js';
import { findOrganization } from './organizations/repository.js';
import type { RolesService } from './roles/service.js';

export interface OrganizationClaims {
  id: string;
  slug: string;
  role: string;
  permissions: string[];
}

/** The member's organization claims, or null when the user is not a member. */
export async function organizationClaimsOf(ex: Executor, roles: RolesService, userId: string, orgId: string): Promise<OrganizationClaims | null> {
  const membership = await findMembership(ex, orgId, userId);
  if (!membership) return null;
  const org = await findOrganization(ex, orgId);
  if (!org) return null;
  const described = await roles.describeRoles(ex, [membership.role]);
  return { id: org.id, slug: org.slug, role: membership.role, permissions: described.get(membership.role)?.permissions ?? [] };
}

/**
 * The version-2 encoding: permissions `org:<feature>:<action>` become the list of actions (`per`), the
 * list of features (`fea`, each `o:<feature>`) and, per feature, a bitmask over `per` (`fpm`, least
 * significant bit first).
 */
export function v2OrganizationClaims(c: OrganizationClaims): { o: { id: string; rol: string; slg: string; per: string; fpm: string }; fea: string } {
  const actions: string[] = [];
  const features: string[] = [];
  const masks = new Map<string, number>();
  for (const key of c.permissions) {
    const m = /^org:([^:]+):([^:]+)$/.exec(key);
    if (!m) continue;
    const [, feature, action] = m as unknown as [string, string, string];
    if (!actions.includes(action)) actions.push(action);
    if (!features.includes(feature)) features.push(feature);
    masks.set(feature, (masks.get(feature) ?? 0) | (1 << actions.indexOf(action)));
  }
  return {
    o: { id: c.id, rol: c.role.replace(/^org:/, ''), slg: c.slug, per: actions.join(','), fpm: features.map((f) => String(masks.get(f) ?? 0)).join(',') },
    fea: features.map((f) => `o:${f}`).join(','),
  };
}

export function v1OrganizationClaims(c: OrganizationClaims): { org_id: string; org_role: string; org_slug: string; org_permissions: string[] } {
  return { org_id: c.id, org_role: c.role, org_slug: c.slug, org_permissions: c.permissions };
}
