/**
 * What the organization aggregates share: paging and the coded errors more than one of them raises.
 */
import { ApiError } from '../../errors.js';

export interface Page {
  limit: number;
  offset: number;
}

/** A change that would leave an organization without an administrator. */
export function lastAdmin(): ApiError {
  return new ApiError({
    code: 'organization_minimum_permissions_needed',
    longMessage: 'There has to be at least one member with the administrator role: this change would leave the organization without one.',
    paramName: 'role',
  });
}

export function quotaExceeded(): ApiError {
  return new ApiError({ code: 'organization_membership_quota_exceeded', longMessage: 'The organization has reached its maximum number of memberships.' });
}

export function alreadyMember(longMessage: string, paramName: string): ApiError {
  return new ApiError({ code: 'already_a_member_in_organization', longMessage, paramName });
}

/** The coded error for the unique index a write of `what` ran into (a concurrent write won the race). */
export function raceError(what: 'invitation' | 'slug' | 'domain' | 'membership'): () => ApiError {
  return () => {
    if (what === 'slug') return new ApiError({ code: 'form_identifier_exists', longMessage: 'That slug is taken. Please try another.', paramName: 'slug' });
    if (what === 'domain') return new ApiError({ code: 'organization_domain_exists_for_instance', longMessage: 'That domain belongs to an organization already.', paramName: 'name' });
    if (what === 'membership') return alreadyMember('The user is already a member of this organization.', 'user_id');
    return new ApiError({ code: 'duplicate_record', longMessage: 'There is already a pending invitation for that address.', paramName: 'email_address' });
  };
}
