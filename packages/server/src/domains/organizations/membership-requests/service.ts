/**
 * Joining through an automatic-suggestion domain: the user takes up the suggestion, which asks the
 * organization to let them in (a membership request); a member manager accepts it (the user becomes a
 * member with the domains' default role, within the membership limit) or rejects it.
 *
 * Both answers and the taking-up run under the organization lock, like every change of members, so a
 * request is answered once and the counters hold whichever API changes members meanwhile.
 */
import { newId } from '@latch/core';
import { ApiError, notFound } from '../../../errors.js';
import { transaction, type Db } from '../../../storage/database.js';
import type { InstanceService } from '../../instance/service.js';
import * as domainsRepo from '../domains/repository.js';
import type { SuggestionRow, SuggestionStatus } from '../domains/repository.js';
import { findMembership } from '../memberships/repository.js';
import type { MembershipRow } from '../memberships/repository.js';
import { publicProfilesById, type MembershipsService } from '../memberships/service.js';
import * as organizationsRepo from '../organizations/repository.js';
import { lockOrganization, organizationOrThrow } from '../organizations/service.js';
import type { RolesService } from '../roles/service.js';
import { alreadyMember, raceError, type Page } from '../shared.js';
import * as repo from './repository.js';
import type { MembershipRequestRow, MembershipRequestStatus } from './repository.js';
import { membershipRequestJSON, suggestionJSON, type MembershipRequestJSON, type OrganizationSuggestionJSON } from './serialize.js';

export type { MembershipRequestRow } from './repository.js';

export interface MembershipRequestsDeps {
  db: Db;
  instance: InstanceService;
  roles: RolesService;
  memberships: MembershipsService;
  publicUrl: string;
  now: () => number;
}

function answered(status: string): ApiError {
  return new ApiError({ code: 'form_param_value_invalid', longMessage: `This membership request was ${status} already.`, paramName: 'request_id' });
}

export function createMembershipRequestsService({ db, instance, roles, memberships, publicUrl, now }: MembershipRequestsDeps) {
  async function requestViews(rows: MembershipRequestRow[]): Promise<MembershipRequestJSON[]> {
    const users = await publicProfilesById(db, rows.map((r) => r.user_id));
    return rows.map((r) => membershipRequestJSON(r, users.get(r.user_id) ?? null, publicUrl));
  }

  async function suggestionViews(rows: SuggestionRow[]): Promise<OrganizationSuggestionJSON[]> {
    const orgs = await organizationsRepo.organizationsByIds(db, rows.map((r) => r.organization_id));
    return rows.map((s) => suggestionJSON(s, orgs.get(s.organization_id), publicUrl));
  }

  return {
    requestViews,
    suggestionViews,

    listRequests(orgId: string, q: Page & { statuses?: MembershipRequestStatus[] }) {
      return repo.listRequests(db, { organizationId: orgId, ...q });
    },

    /** A user's suggestions (pending, or taken up and awaiting an answer), newest first. */
    listSuggestions(userId: string, q: Page & { statuses?: SuggestionStatus[] }) {
      return domainsRepo.listSuggestionsOf(db, { userId, ...q });
    },

    /** Takes up a pending suggestion: the organization gets a membership request from the user. */
    async acceptSuggestion(userId: string, suggestionId: string): Promise<SuggestionRow> {
      return transaction(db, async (trx) => {
        const found = await domainsRepo.lockSuggestionOf(trx, userId, suggestionId);
        if (!found) throw notFound('Organization suggestion');
        await lockOrganization(trx, found.organization_id, now());
        if (await findMembership(trx, found.organization_id, userId)) throw alreadyMember('You are a member of this organization already.', 'suggestion_id');
        const t = now();
        if (!(await domainsRepo.takeUpSuggestion(trx, found.id, t))) {
          throw new ApiError({ code: 'form_param_value_invalid', longMessage: `This suggestion was ${found.status} already.`, paramName: 'suggestion_id' });
        }
        await repo.insertRequest(trx, { id: newId('orgmemreq', t), organization_id: found.organization_id, user_id: userId, suggestion_id: found.id, status: 'pending', created_at: t, updated_at: t });
        return { ...found, status: 'accepted' as const, updated_at: t };
      });
    },

    /** Lets the requester in with the domains' default role (the membership limit applies). */
    async acceptRequest(orgIdOrSlug: string, requestId: string): Promise<{ request: MembershipRequestRow; membership: MembershipRow }> {
      const org = await organizationOrThrow(db, orgIdOrSlug);
      // Read before the transaction: on SQLite a read outside it would wait for it.
      const defaultRole = (await instance.settings()).organizations.domains_default_role;
      return transaction(db, async (trx) => {
        const locked = await lockOrganization(trx, org.id, now());
        const request = await repo.lockRequest(trx, org.id, requestId);
        if (!request) throw notFound('Membership request');
        const t = now();
        if (!(await repo.answerPending(trx, request.id, 'accepted', t))) throw answered(request.status);
        const role = await roles.resolveRoleKey(trx, defaultRole);
        const membership = await memberships.addMember(trx, locked, request.user_id, role);
        await domainsRepo.acceptSuggestions(trx, org.id, request.user_id, t);
        return { request: { ...request, status: 'accepted' as const, updated_at: t }, membership };
      }, raceError('membership'));
    },

    async rejectRequest(orgIdOrSlug: string, requestId: string): Promise<MembershipRequestRow> {
      const org = await organizationOrThrow(db, orgIdOrSlug);
      return transaction(db, async (trx) => {
        await lockOrganization(trx, org.id, now());
        const request = await repo.lockRequest(trx, org.id, requestId);
        if (!request) throw notFound('Membership request');
        const t = now();
        if (!(await repo.answerPending(trx, request.id, 'rejected', t))) throw answered(request.status);
        return { ...request, status: 'rejected' as const, updated_at: t };
      });
    },
  };
}

export type MembershipRequestsService = ReturnType<typeof createMembershipRequestsService>;
