/**
 * Invitations to the instance: created (and e-mailed) by the BAPI, redeemed once by the sign-up flow.
 * At most one pending invitation per address is enforced by a partial unique index, so concurrent
 * creates cannot both win.
 */
import { type Metadata, newId } from '@latch/core';
import { hashSecret } from '../../crypto/tokens.js';
import { ApiError, notFound } from '../../errors.js';
import { transaction, type Db, type Tx, type Executor } from '../../storage/database.js';
import { normalizeEmail } from '../identifiers/normalize.js';
import { assertMetadataSize } from '../metadata/metadata.js';
import type { MessagingService } from '../messages/service.js';
import { ownerOfIdentifier } from '../users/directory-repository.js';
import {
  type InvitationListQuery,
  type InvitationRow,
  acceptIfPending,
  deleteInvitation,
  expireLapsedFor,
  findInvitation,
  insertInvitation,
  listInvitations,
  lockInvitation,
  markRevoked,
  pendingInvitationFor,
} from './repository.js';
import { effectiveInvitationStatus, type InvitationStatus } from './status.js';
import { signTicket, verifyTicket } from './tickets.js';

export type { InvitationListQuery, InvitationRow, InvitationStatus };

export interface CreateInvitationInput {
  emailAddress: string;
  publicMetadata?: Metadata | null;
  redirectUrl?: string | null;
  notify?: boolean | null;
  ignoreExisting?: boolean | null;
  expiresInDays?: number | null;
  templateSlug?: 'invitation' | 'waitlist_invitation' | null;
}

const DAY = 86_400_000;

export interface InvitationsDeps {
  db: Db;
  messaging: MessagingService;
  /** Base URL of the server: invitation links point at `${publicUrl}/tickets/accept`. */
  publicUrl: string;
  ticketSecret: Buffer;
  now?: () => number;
}

function redirectParam(url: string | null | undefined): string | null {
  if (url === undefined || url === null || url === '') return null;
  try {
    const u = new URL(url);
    if (u.protocol === 'http:' || u.protocol === 'https:') return u.toString();
  } catch {
    // fall through to the error
  }
  throw new ApiError({ code: 'form_param_format_invalid', longMessage: 'redirect_url must be an absolute http(s) URL.', paramName: 'redirect_url' });
}

export function createInvitationsService({ db, messaging, publicUrl, ticketSecret, now = Date.now }: InvitationsDeps) {
  /** The effective status: a pending invitation past its expiry is expired. */
  function statusOf(row: InvitationRow, t = now()): InvitationStatus {
    return effectiveInvitationStatus(row, t);
  }

  function urlOf(row: InvitationRow): string {
    return `${publicUrl}/tickets/accept?ticket=${encodeURIComponent(signTicket(ticketSecret, row.id))}`;
  }

  /** Validation that needs no database: throws before any write. */
  function prepare(input: CreateInvitationInput, index?: number) {
    const where = (p: string) => (index === undefined ? p : `${p}`);
    const normalized = normalizeEmail(input.emailAddress);
    if (!normalized) {
      throw new ApiError({ code: 'form_param_format_invalid', longMessage: `${input.emailAddress} is not a valid email address.`, paramName: where('email_address') });
    }
    const metadata = input.publicMetadata ?? {};
    assertMetadataSize('public_metadata', metadata);
    const days = input.expiresInDays ?? 30;
    if (!Number.isInteger(days) || days < 1 || days > 365) {
      throw new ApiError({ code: 'form_param_value_invalid', longMessage: 'expires_in_days must be a whole number from 1 to 365.', paramName: 'expires_in_days' });
    }
    return { normalized, metadata, days, redirect: redirectParam(input.redirectUrl) };
  }

  async function insertOne(trx: Tx, input: CreateInvitationInput, bulk: boolean, t: number): Promise<InvitationRow> {
    const { normalized, metadata, days, redirect } = prepare(input);
    // Pending invitations past their expiry no longer hold the address.
    await expireLapsedFor(trx, normalized, t);
    const owner = await ownerOfIdentifier(trx, 'email_address', normalized);
    // The bulk endpoint never invites an existing user's address; the single one does with ignore_existing.
    if (owner && (bulk || !input.ignoreExisting)) {
      throw new ApiError({
        code: 'form_identifier_exists',
        longMessage: `${input.emailAddress} already belongs to a user.`,
        paramName: 'email_address',
      });
    }
    const pending = await pendingInvitationFor(trx, normalized);
    if (pending) {
      if (!input.ignoreExisting) {
        throw new ApiError({
          code: 'duplicate_record',
          message: 'duplicate invitation',
          longMessage: `There is already a pending invitation for ${input.emailAddress}.`,
          paramName: 'email_address',
        });
      }
      // The new invitation supersedes the old one, whose link stops working.
      await markRevoked(trx, pending, t);
    }
    const id = newId('inv', t);
    const row = {
      id,
      email_address: input.emailAddress.trim(),
      normalized,
      public_metadata: JSON.stringify(metadata),
      redirect_url: redirect,
      status: 'pending' as const,
      ticket_hash: hashSecret(signTicket(ticketSecret, id)),
      template_slug: input.templateSlug ?? 'invitation',
      expires_at: t + days * DAY,
      accepted_at: null,
      accepted_user_id: null,
      revoked_at: null,
      created_at: t,
      updated_at: t,
    };
    await insertInvitation(trx, row);
    if (input.notify !== false) {
      await messaging.enqueueTemplated(trx, {
        type: 'email',
        slug: row.template_slug,
        to: normalized,
        data: { action_url: urlOf(row), expires_at: new Date(row.expires_at).toUTCString() },
      });
    }
    return row;
  }

  /** Lost a race with a concurrent create for the same address (the partial unique index of pending invitations). */
  const pendingExists = () =>
    new ApiError({ code: 'duplicate_record', message: 'duplicate invitation', longMessage: 'There is already a pending invitation for that address.', paramName: 'email_address' });


  return {
    statusOf,
    urlOf,

    async create(input: CreateInvitationInput): Promise<InvitationRow> {
      prepare(input);
      // With ignore_existing, a create that lost the race for the address to a concurrent one runs again:
      // it then sees the winner's pending invitation and supersedes it, as it would one after the other.
      let row: InvitationRow | undefined;
      for (let attempt = 0; row === undefined; attempt++) {
        try {
          row = await transaction(db, (trx) => insertOne(trx, input, false, now()), pendingExists);
        } catch (err) {
          const lostRace = input.ignoreExisting && attempt < 10 && err instanceof ApiError && err.details[0]?.code === 'duplicate_record';
          if (!lostRace) throw err;
        }
      }
      messaging.wake();
      return row;
    },

    /** All or nothing: one invalid or taken address fails the whole batch and nothing is stored or sent. */
    async createMany(inputs: CreateInvitationInput[]): Promise<InvitationRow[]> {
      inputs.forEach((input, i) => prepare(input, i));
      const seen = new Set<string>();
      for (const input of inputs) {
        const n = normalizeEmail(input.emailAddress) as string;
        if (seen.has(n)) {
          throw new ApiError({ code: 'duplicate_record', longMessage: `${input.emailAddress} appears twice in the request.`, paramName: 'email_address' });
        }
        seen.add(n);
      }
      const t = now();
      const rows = await transaction(
        db,
        async (trx) => {
          const out: InvitationRow[] = [];
          for (const input of inputs) out.push(await insertOne(trx, input, true, t));
          return out;
        },
        pendingExists,
      );
      messaging.wake();
      return rows;
    },

    async list(q: InvitationListQuery): Promise<{ rows: InvitationRow[]; total: number }> {
      return listInvitations(db, q, now());
    },

    async get(id: string): Promise<InvitationRow> {
      const row = await findInvitation(db, id);
      if (!row) throw notFound('Invitation');
      return row;
    },

    /** Revokes a pending invitation: its link stops working at once. */
    async revoke(id: string): Promise<InvitationRow> {
      const t = now();
      return transaction(db, async (trx) => {
        const row = await lockInvitation(trx, id);
        if (!row) throw notFound('Invitation');
        const status = statusOf(row, t);
        if (status !== 'pending') {
          throw new ApiError({ code: 'invitation_not_pending', longMessage: `Only pending invitations can be revoked; this one is ${status}.`, paramName: 'invitation_id' });
        }
        await markRevoked(trx, id, t);
        return { ...row, status: 'revoked' as const, revoked_at: t, updated_at: t };
      });
    },

    async remove(id: string): Promise<void> {
      if (!(await deleteInvitation(db, id))) throw notFound('Invitation');
    },

    /** The invitation a ticket names, whatever its state; null for a forged or unknown ticket. */
    async peek(ticket: string): Promise<InvitationRow | null> {
      const id = verifyTicket(ticketSecret, ticket);
      if (!id) return null;
      return findInvitation(db, id);
    },

    /**
     * Redeems a ticket exactly once, for the sign-up flow: the invitation moves from pending to accepted
     * in one conditional update, so two concurrent redemptions cannot both succeed.
     */
    async redeem(ticket: string, userId: string, trx: Executor = db): Promise<InvitationRow> {
      const id = verifyTicket(ticketSecret, ticket);
      const unusable = (why: string) => new ApiError({ code: 'invitation_not_pending', longMessage: why, paramName: 'ticket' });
      if (!id) throw unusable('The invitation ticket is not valid.');
      const t = now();
      if (!(await acceptIfPending(trx, id, userId, t))) throw unusable('The invitation has expired, was revoked, or was already used.');
      return (await findInvitation(trx, id)) as InvitationRow;
    },
  };
}

export type InvitationsService = ReturnType<typeof createInvitationsService>;
