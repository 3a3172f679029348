/**
 * What the organization routes of the Frontend API share: who the signed-in caller is, their standing
 * in the organization a path names, paging, and the list forms the official SDK reads.
 */
import { ApiError } from '../../errors.js';
import type { FapiCaller } from '../../http/fapi/surface.js';
import { qBool } from '../../http/validation.js';
import { signedInSession } from '../me/fapi.js';
import type { SessionsService } from '../sessions/service.js';
import type { OrganizationAccess, OrganizationPermission } from './access.js';
import type { OrganizationsService } from './service.js';

// Path ids and paging read the same as in the Backend API.
export { idParam, OrgParams, pageOf, paging } from './bapi-params.js';
export const paginated = { paginated: qBool().optional() };

/** `{data, total_count}`, or the bare array when the caller did not ask for pages (`paginated=true`). */
export function pageOrArray<T>(data: T[], total: number, asPages: boolean | undefined): { data: T[]; total_count: number } | T[] {
  return asPages ? { data, total_count: total } : data;
}

export interface OrganizationFapiContext {
  organizations: OrganizationsService;
  publicUrl: string;
  /** The signed-in user of the request (401 `signed_out` without one). */
  userOf(principal: FapiCaller): Promise<string>;
  /** The signed-in caller's standing in the organization: 404 for a non-member, 403 without `needed`. */
  authorize(principal: FapiCaller, organizationId: string, needed?: OrganizationPermission): Promise<OrganizationAccess>;
}

export function organizationFapiContext(organizations: OrganizationsService, sessions: SessionsService, publicUrl: string): OrganizationFapiContext {
  const userOf = async (principal: FapiCaller) => (await signedInSession(principal, sessions)).user_id;
  return {
    organizations,
    publicUrl,
    userOf,
    async authorize(principal, organizationId, needed) {
      return organizations.access.check(await userOf(principal), organizationId, needed);
    },
  };
}

/**
 * The last-admin refusal as the browser must get it: about the organization, not a form field. The
 * prebuilt components file an error naming a field under that field, and their member and leave screens
 * have no `role` field, so a named error would never be shown.
 */
export async function ruleErrorsUnfielded<T>(work: Promise<T>): Promise<T> {
  try {
    return await work;
  } catch (err) {
    if (err instanceof ApiError && err.details.some((d) => d.code === 'organization_minimum_permissions_needed')) {
      throw new ApiError(err.details.map(({ paramName: _field, ...rest }) => rest));
    }
    throw err;
  }
}
