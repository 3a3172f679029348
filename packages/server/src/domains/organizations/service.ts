/**
 * The organizations domain, composed: one service per aggregate (organizations, memberships,
 * invitations, domains; roles are built beforehand, since they are seeded on start), plus what the
 * rest of the server asks of organizations.
 */
import type { Db, DialectName } from '../../storage/database.js';
import type { InstanceService } from '../instance/service.js';
import type { MessagingService } from '../messages/service.js';
import { createDomainsService } from './domains/service.js';
import { createInvitationsService } from './invitations/service.js';
import { createMembershipsService } from './memberships/service.js';
import { createOrganizationService } from './organizations/service.js';
import type { RolesService } from './roles/service.js';

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
  const memberships = createMembershipsService({ db, dialect, roles, now });
  const organizations = createOrganizationService({ db, instance, roles, memberships, now });
  const invitations = createInvitationsService({ db, roles, memberships, messaging, publicUrl, ticketSecret, now });
  const domains = createDomainsService({ db, instance, invitations, messaging, now });
  return {
    organizations,
    memberships,
    invitations,
    domains,
    roles,

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
    /** A user's pending organization suggestions. */
    suggestionsOf: domains.suggestionsOf,
  };
}

export type OrganizationsService = ReturnType<typeof createOrganizationsService>;
