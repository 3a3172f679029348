/**
 * The organizations domain, composed: one service per aggregate (organizations, memberships,
 * invitations, domains, membership requests; roles are built beforehand, since they are seeded on
 * start), the browser's access rules, plus what the rest of the server asks of organizations.
 */
import type { FrontendOrganizationMembershipJSON } from '@latch/core';
import type { Db, DialectName } from '../../storage/database.js';
import type { InstanceService } from '../instance/service.js';
import type { MessagingService } from '../messages/service.js';
import { createOrganizationAccess } from './access.js';
import { createDomainsService } from './domains/service.js';
import { createInvitationsService } from './invitations/service.js';
import { createMembershipRequestsService } from './membership-requests/service.js';
import { membershipsOfUser, membershipsOfUsers } from './memberships/repository.js';
import { frontendMembershipJSON } from './memberships/serialize.js';
import { createMembershipsService } from './memberships/service.js';
import { createOrganizationService } from './organizations/service.js';
import { answeredRoleKey, type RolesService } from './roles/service.js';
import { organizationClaimsOf, v1OrganizationClaims, v2OrganizationClaims } from './session-claims.js';

export interface OrganizationsDeps {
  db: Db;
  dialect: DialectName;
  instance: InstanceService;
  roles: RolesService;
  messaging: MessagingService;
  publicUrl: string;
  ticketSecret: Buffer;
  now?: () => number;
}

export function createOrganizationsService({ db, dialect, instance, roles, messaging, publicUrl, ticketSecret, now = Date.now }: OrganizationsDeps) {
  const legacyRoleKeys = async () => (await instance.settings()).organizations.legacy_role_keys;
  const memberships = createMembershipsService({ db, dialect, roles, legacyRoleKeys, now });
  const membershipsOfOne = membershipsOfUser(db);
  const organizations = createOrganizationService({ db, dialect, instance, roles, memberships, now });
  const invitations = createInvitationsService({ db, roles, memberships, messaging, publicUrl, ticketSecret, legacyRoleKeys, now });
  const domains = createDomainsService({ db, instance, invitations, messaging, now });
  const membershipRequests = createMembershipRequestsService({ db, instance, roles, memberships, publicUrl, now });
  const access = createOrganizationAccess({ db, roles });
  return {
    organizations,
    memberships,
    invitations,
    domains,
    membershipRequests,
    roles,
    access,
    legacyRoleKeys,

    /** Before a user is deleted, inside that transaction: their memberships go, no organization left without an admin. */
    detachUser: memberships.detachUser,
    /** After a user gains verified e-mail addresses: enrollment through matching domains. */
    enrollUser: domains.enrollUser,
    /** Accepting an invitation from the sign-in and sign-up flows, or in the app. */
    acceptInvitation: invitations.acceptInvitation,
    /** The ticket landing page: which invitation a ticket names, its status, whether its address has an account. */
    peekTicket: invitations.peekTicket,
    orgInvitationStatus: invitations.status,
    addressHasAccount: invitations.addressHasAccount,
    /** Signing in with an organization invitation ticket, inside the sign-in's transaction: the invited user, now a member. */
    redeemTicketForSignIn: invitations.redeemForSignIn,
    /** Signing up with an organization invitation ticket: the invited address, and joining inside the sign-up's transaction. */
    peekTicketForSignUp: invitations.peekForSignUp,
    redeemTicketForSignUp: invitations.redeemForSignUp,
    /** A user's pending organization suggestions. */
    suggestionsOf: domains.suggestionsOf,

    /** The claims a session token carries about the active organization, in the instance's naming and spelling of roles. */
    async sessionClaims(userId: string, orgId: string, naming: 'v1' | 'v2'): Promise<Record<string, unknown> | null> {
      const claims = await organizationClaimsOf(db, roles, userId, orgId);
      if (!claims) return null;
      const answered = { ...claims, role: answeredRoleKey(claims.role, await legacyRoleKeys()) };
      return naming === 'v1' ? v1OrganizationClaims(answered) : v2OrganizationClaims(answered);
    },

    /** Each user's memberships in the Frontend API's form (what a browser's client shows of its users). */
    async frontendMembershipsOf(userIds: string[]): Promise<Map<string, FrontendOrganizationMembershipJSON[]>> {
      const out = new Map<string, FrontendOrganizationMembershipJSON[]>();
      const rows = userIds.length === 1 ? await membershipsOfOne(userIds[0] as string) : await membershipsOfUsers(db, userIds);
      if (!rows.length) return out;
      for (const v of await memberships.views(rows)) {
        const list = out.get(v.membership.user_id) ?? [];
        list.push(frontendMembershipJSON(v, publicUrl));
        out.set(v.membership.user_id, list);
      }
      return out;
    },
  };
}

export type OrganizationsService = ReturnType<typeof createOrganizationsService>;
