/**
 * Organization invitations: sent by an admin (manual) or by an automatic-invitation domain, accepted by
 * a user who has verified the invited address, through a signed ticket or in the app.
 *
 * An invitation is written under the organization lock, after checking that the address is no member
 * and has no pending invitation yet, so concurrent invitations of one address cannot both succeed.
 */
import { type Metadata, newId } from '@latch/core';
import { ApiError, notFound } from '../../../errors.js';
import { transaction, type Db, type Tx } from '../../../storage/database.js';
import { readJson } from '../../../storage/schema.js';
import { normalizeEmail } from '../../identifiers/normalize.js';
import { effectiveInvitationStatus, type InvitationStatus } from '../../invitations/status.js';
import { signTicket, verifyTicket } from '../../invitations/tickets.js';
import type { MessagingService } from '../../messages/service.js';
import { assertMetadataSize } from '../../metadata/metadata.js';
import { emailAddressesOf, findUserSummary, hasVerifiedEmail, ownerOfIdentifier } from '../../users/directory-repository.js';
import { acceptSuggestions } from '../domains/repository.js';
import * as membershipsRepo from '../memberships/repository.js';
import type { MembershipRow } from '../memberships/repository.js';
import { publicProfilesById, type MembershipsService } from '../memberships/service.js';
import * as organizationsRepo from '../organizations/repository.js';
import type { OrganizationRow } from '../organizations/repository.js';
import { lockOrganization, organizationOrThrow } from '../organizations/service.js';
import { answeredRoleKey, type RolesService } from '../roles/service.js';
import { alreadyMember, raceError } from '../shared.js';
import * as repo from './repository.js';
import type { InvitationListQuery, OrgInvitationRow } from './repository.js';
import type { InvitationView } from './serialize.js';

export type { OrgInvitationRow } from './repository.js';
export type OrgInvitationStatus = InvitationStatus;

const DAY = 86_400_000;
const TICKET_LABEL = 'organization_invitation';

export interface OrgInvitationInput {
  emailAddress: string;
  role: string;
  inviterUserId?: string | null;
  publicMetadata?: Metadata | null;
  privateMetadata?: Metadata | null;
  redirectUrl?: string | null;
  expiresInDays?: number | null;
  notify?: boolean | null;
}

export interface InvitationsServiceDeps {
  db: Db;
  roles: RolesService;
  memberships: MembershipsService;
  messaging: MessagingService;
  publicUrl: string;
  ticketSecret: Buffer;
  /** Whether the instance answers the system roles by their early names. */
  legacyRoleKeys: () => Promise<boolean>;
  now: () => number;
}

function redirectOf(input: string | null | undefined): string | null {
  if (!input) return null;
  try {
    const u = new URL(input);
    if (u.protocol !== 'http:' && u.protocol !== 'https:') throw new Error('scheme');
    return u.toString();
  } catch {
    throw new ApiError({ code: 'form_param_format_invalid', longMessage: 'redirect_url must be an absolute http(s) URL.', paramName: 'redirect_url' });
  }
}

export function createInvitationsService({ db, roles, memberships, messaging, publicUrl, ticketSecret, legacyRoleKeys, now }: InvitationsServiceDeps) {
  function status(row: OrgInvitationRow, t = now()): OrgInvitationStatus {
    return effectiveInvitationStatus(row, t);
  }

  function acceptUrl(row: OrgInvitationRow): string {
    return `${publicUrl}/tickets/accept?ticket=${encodeURIComponent(signTicket(ticketSecret, row.id, TICKET_LABEL))}`;
  }

  /** Writes an invitation under the organization lock (the caller's), and queues its e-mail when it is a manual one. */
  async function insert(trx: Tx, org: OrganizationRow, input: OrgInvitationInput, source: 'manual' | 'domain', t: number): Promise<OrgInvitationRow> {
    const normalized = normalizeEmail(input.emailAddress);
    if (!normalized) throw new ApiError({ code: 'form_param_format_invalid', longMessage: `${input.emailAddress} is not a valid email address.`, paramName: 'email_address' });
    const role = await roles.resolveRoleKey(trx, input.role);
    const days = input.expiresInDays ?? 30;
    if (!Number.isInteger(days) || days < 1 || days > 365) {
      throw new ApiError({ code: 'form_param_value_invalid', longMessage: 'expires_in_days must be a whole number from 1 to 365.', paramName: 'expires_in_days' });
    }
    const publicMetadata = input.publicMetadata ?? {};
    const privateMetadata = input.privateMetadata ?? {};
    assertMetadataSize('public_metadata', publicMetadata);
    assertMetadataSize('private_metadata', privateMetadata);
    const redirect = redirectOf(input.redirectUrl);
    let inviterName: string | null = null;
    if (input.inviterUserId) {
      const inviter = await findUserSummary(trx, input.inviterUserId);
      if (!inviter) throw new ApiError({ code: 'resource_not_found', longMessage: 'The inviter does not exist.', paramName: 'inviter_user_id' });
      inviterName = [inviter.first_name, inviter.last_name].filter(Boolean).join(' ') || null;
    }
    // An address is held by one user at most: the member check asks who holds it.
    const holder = await ownerOfIdentifier(trx, 'email_address', normalized);
    if (holder && (await membershipsRepo.findMembership(trx, org.id, holder))) {
      throw alreadyMember(`${input.emailAddress} is already a member of this organization.`, 'email_address');
    }
    await repo.expireLapsed(trx, org.id, normalized, t);
    if (await repo.hasPending(trx, org.id, normalized)) {
      throw new ApiError({ code: 'duplicate_record', longMessage: `There is already a pending invitation for ${input.emailAddress}.`, paramName: 'email_address' });
    }
    const row: OrgInvitationRow = {
      id: newId('orginv', t),
      organization_id: org.id,
      email_address: input.emailAddress.trim(),
      normalized,
      role,
      inviter_user_id: input.inviterUserId ?? null,
      public_metadata: JSON.stringify(publicMetadata),
      private_metadata: JSON.stringify(privateMetadata),
      redirect_url: redirect,
      status: 'pending',
      source,
      expires_at: t + days * DAY,
      accepted_at: null,
      accepted_user_id: null,
      revoked_at: null,
      created_at: t,
      updated_at: t,
    };
    await repo.insertInvitation(trx, row);
    if (input.notify !== false && source === 'manual') {
      await messaging.enqueueTemplated(trx, {
        type: 'email',
        slug: 'organization_invitation',
        to: normalized,
        data: {
          action_url: acceptUrl(row),
          org: { name: org.name },
          inviter_name: inviterName ?? org.name,
          expires_at: new Date(row.expires_at as number).toUTCString(),
        },
      });
    }
    return row;
  }

  const unusable = (why: string) => new ApiError({ code: 'invitation_not_pending', longMessage: why, paramName: 'ticket' });

  /**
   * Accepts an invitation for a user who owns its e-mail address (verified), inside the caller's
   * transaction: the user becomes a member with the invited role, and the invitation can never be used
   * again.
   */
  async function acceptInTx(trx: Tx, invitationId: string, userId: string): Promise<MembershipRow> {
    const inv = await repo.findInvitation(trx, invitationId);
    if (!inv) throw unusable('The invitation does not exist.');
    const org = await lockOrganization(trx, inv.organization_id, now());
    const t = now();
    if (!(await hasVerifiedEmail(trx, userId, inv.normalized))) {
      throw new ApiError({ code: 'not_allowed_access', longMessage: 'The invitation was sent to an e-mail address this user has not verified.', paramName: 'user_id' });
    }
    if (!(await repo.acceptPending(trx, inv.id, userId, t))) throw unusable('The invitation has expired, was revoked, or was already used.');
    const membership = await memberships.addMember(trx, org, userId, inv.role, { public: readJson<Metadata>(inv.public_metadata), private: readJson<Metadata>(inv.private_metadata) });
    await acceptSuggestions(trx, org.id, userId, t);
    return membership;
  }

  async function getInvitation(idOrSlug: string, invitationId: string): Promise<OrgInvitationRow> {
    const org = await organizationOrThrow(db, idOrSlug);
    const row = await repo.findInvitationOf(db, org.id, invitationId);
    if (!row) throw notFound('Organization invitation');
    return row;
  }

  return {
    status,
    acceptUrl,
    insert,

    async invite(idOrSlug: string, input: OrgInvitationInput): Promise<OrgInvitationRow> {
      const org = await organizationOrThrow(db, idOrSlug);
      const row = await transaction(db, async (trx) => insert(trx, await lockOrganization(trx, org.id, now()), input, 'manual', now()), raceError('invitation'));
      messaging.wake();
      return row;
    },

    /** All or nothing, like the instance's bulk invitations. */
    async inviteMany(idOrSlug: string, inputs: OrgInvitationInput[]): Promise<OrgInvitationRow[]> {
      const org = await organizationOrThrow(db, idOrSlug);
      const seen = new Set<string>();
      for (const i of inputs) {
        const n = normalizeEmail(i.emailAddress) ?? i.emailAddress;
        if (seen.has(n)) throw new ApiError({ code: 'duplicate_record', longMessage: `${i.emailAddress} appears twice in the request.`, paramName: 'email_address' });
        seen.add(n);
      }
      const rows = await transaction(db, async (trx) => {
        const locked = await lockOrganization(trx, org.id, now());
        const t = now();
        const out: OrgInvitationRow[] = [];
        for (const i of inputs) out.push(await insert(trx, locked, i, 'manual', t));
        return out;
      }, raceError('invitation'));
      messaging.wake();
      return rows;
    },

    listInvitations(q: InvitationListQuery) {
      return repo.listInvitations(db, q, now());
    },

    getInvitation,

    async revokeInvitation(idOrSlug: string, invitationId: string): Promise<OrgInvitationRow> {
      const row = await getInvitation(idOrSlug, invitationId);
      const t = now();
      const current = status(row, t);
      if (current !== 'pending') {
        throw new ApiError({ code: 'invitation_not_pending', longMessage: `Only pending invitations can be revoked; this one is ${current}.`, paramName: 'invitation_id' });
      }
      if (!(await transaction(db, (trx) => repo.revokePending(trx, row.id, t)))) throw new ApiError({ code: 'invitation_not_pending', longMessage: 'The invitation is no longer pending.', paramName: 'invitation_id' });
      return { ...row, status: 'revoked', revoked_at: t, updated_at: t };
    },

    /** The invitation a ticket names, without using it; null for a ticket that is not ours. */
    async peekTicket(ticket: string): Promise<OrgInvitationRow | null> {
      const id = verifyTicket(ticketSecret, ticket, TICKET_LABEL);
      if (!id) return null;
      return repo.findInvitation(db, id);
    },

    /**
     * Accepts an invitation for a user who owns its e-mail address (verified): the user becomes a
     * member with the invited role, and the invitation can never be used again. Used by the sign-in and
     * sign-up flows (a ticket) and by accept-in-app (an id).
     */
    async acceptInvitation(ref: { ticket: string } | { invitationId: string }, userId: string): Promise<MembershipRow> {
      const id = 'ticket' in ref ? verifyTicket(ticketSecret, ref.ticket, TICKET_LABEL) : ref.invitationId;
      if (!id) throw unusable('The invitation ticket is not valid.');
      return transaction(db, (trx) => acceptInTx(trx, id, userId));
    },

    /**
     * Signing in with an organization invitation ticket (inside the sign-in's transaction): the user who
     * holds the invited address, verified, joins with the invited role. Null for a ticket that is not an
     * organization invitation's, or whose address nobody holds (they sign up instead).
     */
    async redeemForSignIn(trx: Tx, ticket: string): Promise<{ userId: string } | null> {
      const id = verifyTicket(ticketSecret, ticket, TICKET_LABEL);
      if (!id) return null;
      const inv = await repo.findInvitation(trx, id);
      if (!inv) return null;
      const holder = await ownerOfIdentifier(trx, 'email_address', inv.normalized);
      if (!holder) return null;
      await acceptInTx(trx, inv.id, holder);
      return { userId: holder };
    },

    /** What a sign-up through an organization invitation ticket starts from; null for a ticket that is not one. */
    async peekForSignUp(ticket: string): Promise<{ emailAddress: string; pending: boolean } | null> {
      const id = verifyTicket(ticketSecret, ticket, TICKET_LABEL);
      const inv = id ? await repo.findInvitation(db, id) : null;
      return inv ? { emailAddress: inv.normalized, pending: status(inv) === 'pending' } : null;
    },

    /** The new user joins the organization inside the sign-up's transaction (the ticket is used up). */
    async redeemForSignUp(trx: Tx, ticket: string, userId: string): Promise<void> {
      const id = verifyTicket(ticketSecret, ticket, TICKET_LABEL);
      if (!id) throw unusable('The invitation ticket is not valid.');
      await acceptInTx(trx, id, userId);
    },

    /** Invitations sent to any of the user's verified addresses, newest first. */
    async listForUser(userId: string, q: { statuses?: OrgInvitationStatus[]; limit: number; offset: number }) {
      const emails = await emailAddressesOf(db, userId, 'verified');
      return repo.listInvitations(db, { emailAddresses: emails, orderBy: 'created_at', direction: 'desc', ...q }, now());
    },

    /** An invitation sent to one of the user's verified addresses; 404 for anyone else's. */
    async invitationForUser(userId: string, invitationId: string): Promise<OrgInvitationRow> {
      const inv = await repo.findInvitation(db, invitationId);
      if (!inv || !(await hasVerifiedEmail(db, userId, inv.normalized))) throw notFound('Organization invitation');
      return inv;
    },

    /** A user's e-mail addresses, normalized (404 when the user does not exist). */
    async emailsOf(userId: string): Promise<string[]> {
      if (!(await findUserSummary(db, userId))) throw notFound('User');
      return emailAddressesOf(db, userId, 'all');
    },

    /** True when a user owns this (normalized) e-mail address. */
    async addressHasAccount(normalized: string): Promise<boolean> {
      return (await ownerOfIdentifier(db, 'email_address', normalized)) !== null;
    },

    /** The invitations with what their answers embed: organization, inviter, role name, status, link. */
    async views(rows: OrgInvitationRow[]): Promise<InvitationView[]> {
      const [orgs, inviters, roleInfo, legacy] = await Promise.all([
        organizationsRepo.organizationsByIds(db, rows.map((r) => r.organization_id)),
        publicProfilesById(db, rows.flatMap((r) => (r.inviter_user_id ? [r.inviter_user_id] : []))),
        roles.describeRoles(db, rows.map((r) => r.role)),
        legacyRoleKeys(),
      ]);
      return rows.map((i) => {
        const s = status(i);
        return {
          invitation: i,
          organization: orgs.get(i.organization_id),
          inviter: i.inviter_user_id ? inviters.get(i.inviter_user_id) : undefined,
          roleName: roleInfo.get(i.role)?.name ?? i.role,
          roleKey: answeredRoleKey(i.role, legacy),
          status: s,
          url: s === 'pending' ? acceptUrl(i) : null,
        };
      });
    },
  };
}

export type InvitationsService = ReturnType<typeof createInvitationsService>;
