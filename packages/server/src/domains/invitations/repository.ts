/**
 * Kysely queries for instance invitations. At most one pending invitation per address is the partial
 * unique index's to enforce; these functions only read and write rows.
 */
import { sql, type Insertable, type Selectable } from 'kysely';
import { containsPattern, forUpdate, type Executor, type Tx } from '../../storage/database.js';
import type { InvitationTable } from '../../storage/schema.js';
import type { InvitationStatus } from './status.js';

export type InvitationRow = Selectable<InvitationTable>;

/** Filter, order and page of an invitation list. */
export interface InvitationListQuery {
  status?: InvitationStatus;
  query?: string;
  orderBy: 'created_at' | 'email_address' | 'expires_at';
  direction: 'asc' | 'desc';
  limit: number;
  offset: number;
}

export async function findInvitation(ex: Executor, id: string): Promise<InvitationRow | null> {
  return (await ex.selectFrom('invitations').selectAll().where('id', '=', id).executeTakeFirst()) ?? null;
}

/** Reads an invitation for a read-modify-write: the row stays locked until the transaction ends. */
export async function lockInvitation(tx: Tx, id: string): Promise<InvitationRow | null> {
  return (await tx.selectFrom('invitations').selectAll().where('id', '=', id).$call(forUpdate(tx)).executeTakeFirst()) ?? null;
}

/** Marks the address's pending invitations past their expiry as expired: they no longer hold the address. */
export async function expireLapsedFor(tx: Tx, normalized: string, now: number): Promise<void> {
  await tx
    .updateTable('invitations')
    .set({ status: 'expired', updated_at: now })
    .where('normalized', '=', normalized)
    .where('status', '=', 'pending')
    .where('expires_at', '<=', now)
    .execute();
}

/** The id of the address's pending invitation, or null. */
export async function pendingInvitationFor(tx: Tx, normalized: string): Promise<string | null> {
  const row = await tx.selectFrom('invitations').select('id').where('normalized', '=', normalized).where('status', '=', 'pending').executeTakeFirst();
  return row?.id ?? null;
}

export async function insertInvitation(tx: Tx, row: Insertable<InvitationTable>): Promise<void> {
  await tx.insertInto('invitations').values(row).execute();
}

export async function markRevoked(tx: Tx, id: string, now: number): Promise<void> {
  await tx.updateTable('invitations').set({ status: 'revoked', revoked_at: now, updated_at: now }).where('id', '=', id).execute();
}

/** Deletes an invitation; false when there was none with that id. */
export async function deleteInvitation(ex: Executor, id: string): Promise<boolean> {
  const r = await ex.deleteFrom('invitations').where('id', '=', id).executeTakeFirst();
  return Number(r.numDeletedRows) > 0;
}

/**
 * Moves a pending, unexpired invitation to accepted in one conditional update, so that of two concurrent
 * redemptions only one changes the row. Returns whether this one did.
 */
export async function acceptIfPending(ex: Executor, id: string, userId: string, now: number): Promise<boolean> {
  const r = await ex
    .updateTable('invitations')
    .set({ status: 'accepted', accepted_at: now, accepted_user_id: userId, updated_at: now })
    .where('id', '=', id)
    .where('status', '=', 'pending')
    .where((eb) => eb.or([eb('expires_at', 'is', null), eb('expires_at', '>', now)]))
    .executeTakeFirst();
  return Number(r.numUpdatedRows) === 1;
}

/** A page of invitations and the total matching the filter; the status filter uses the effective status at `now`. */
export async function listInvitations(ex: Executor, q: InvitationListQuery, now: number): Promise<{ rows: InvitationRow[]; total: number }> {
  const t = now;
  let base = ex.selectFrom('invitations');
  if (q.status === 'pending') {
    base = base.where('status', '=', 'pending').where((eb) => eb.or([eb('expires_at', 'is', null), eb('expires_at', '>', t)]));
  } else if (q.status === 'expired') {
    base = base.where((eb) => eb.or([eb('status', '=', 'expired'), eb.and([eb('status', '=', 'pending'), eb('expires_at', '<=', t)])]));
  } else if (q.status) {
    base = base.where('status', '=', q.status);
  } else {
    base = base.where('status', '!=', 'revoked');
  }
  if (q.query) {
    // Matches the address (case-insensitively) or the invitation id (ids are case-sensitive).
    base = base.where(sql<boolean>`(normalized LIKE ${containsPattern(q.query.toLowerCase())} ESCAPE '\\' OR id LIKE ${containsPattern(q.query)} ESCAPE '\\')`);
  }
  const column = q.orderBy === 'email_address' ? 'normalized' : q.orderBy;
  const [rows, count] = await Promise.all([
    base.selectAll().orderBy(column, q.direction).orderBy('id', q.direction).limit(q.limit).offset(q.offset).execute(),
    base.select((eb) => eb.fn.countAll<number>().as('n')).executeTakeFirstOrThrow(),
  ]);
  return { rows, total: Number(count.n) };
}
