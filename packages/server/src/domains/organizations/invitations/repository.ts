/**
 * Queries of the organization_invitations table.
 */
import { sql, type Selectable, type SqlBool } from 'kysely';
import { containsPattern, dialectOf, executePrepared, keyIn, type Db, type Executor, type Tx } from '../../../storage/database.js';
import type { OrganizationInvitationTable } from '../../../storage/schema.js';
import type { InvitationStatus } from '../../invitations/status.js';
import { addToCount, INVITATION_STATUSES, storedCount } from '../counts/repository.js';
import type { Page } from '../shared.js';

export type OrgInvitationRow = Selectable<OrganizationInvitationTable>;

export async function findInvitation(ex: Executor, id: string): Promise<OrgInvitationRow | null> {
  return (await ex.selectFrom('organization_invitations').selectAll().where('id', '=', id).executeTakeFirst()) ?? null;
}

export async function findInvitationOf(ex: Executor, orgId: string, id: string): Promise<OrgInvitationRow | null> {
  return (await ex.selectFrom('organization_invitations').selectAll().where('id', '=', id).where('organization_id', '=', orgId).executeTakeFirst()) ?? null;
}

/** Moves `n` invitations from one stored status to another in the kept counts. */
function moved(tx: Tx, from: InvitationStatus, to: InvitationStatus, n: number | bigint): void {
  addToCount(tx, `invitations:${from}`, -Number(n));
  addToCount(tx, `invitations:${to}`, Number(n));
}

/** Marks the address's pending invitations to the organization that have lapsed as expired. */
export async function expireLapsed(tx: Tx, orgId: string, normalized: string, t: number): Promise<void> {
  const r = await tx
    .updateTable('organization_invitations')
    .set({ status: 'expired', updated_at: t })
    .where('organization_id', '=', orgId)
    .where('normalized', '=', normalized)
    .where('status', '=', 'pending')
    .where('expires_at', '<=', t)
    .executeTakeFirst();
  moved(tx, 'pending', 'expired', r.numUpdatedRows);
}

/** Whether the address has an invitation to the organization with the stored status pending. */
export async function hasPending(ex: Executor, orgId: string, normalized: string): Promise<boolean> {
  const row = await ex
    .selectFrom('organization_invitations')
    .select('id')
    .where('organization_id', '=', orgId)
    .where('normalized', '=', normalized)
    .where('status', '=', 'pending')
    .executeTakeFirst();
  return row !== undefined;
}

export async function insertInvitation(tx: Tx, row: OrgInvitationRow): Promise<void> {
  await tx.insertInto('organization_invitations').values(row as never).execute();
  addToCount(tx, `invitations:${row.status}`, 1);
}

/** Revokes a pending invitation; false when it was not pending any more. */
export async function revokePending(tx: Tx, id: string, t: number): Promise<boolean> {
  const r = await tx.updateTable('organization_invitations').set({ status: 'revoked', revoked_at: t, updated_at: t }).where('id', '=', id).where('status', '=', 'pending').executeTakeFirst();
  moved(tx, 'pending', 'revoked', r.numUpdatedRows);
  return Number(r.numUpdatedRows) === 1;
}

/** Accepts a pending, unexpired invitation for `userId`; false when it was not usable any more. */
export async function acceptPending(tx: Tx, id: string, userId: string, t: number): Promise<boolean> {
  const r = await tx
    .updateTable('organization_invitations')
    .set({ status: 'accepted', accepted_at: t, accepted_user_id: userId, updated_at: t })
    .where('id', '=', id)
    .where('status', '=', 'pending')
    .where((eb) => eb.or([eb('expires_at', 'is', null), eb('expires_at', '>', t)]))
    .executeTakeFirst();
  moved(tx, 'pending', 'accepted', r.numUpdatedRows);
  return Number(r.numUpdatedRows) === 1;
}

/** Pending, unexpired invitations to the organization. */
export async function countPending(ex: Executor, orgId: string, t: number): Promise<number> {
  const r = await ex
    .selectFrom('organization_invitations')
    .select((eb) => eb.fn.countAll<number>().as('n'))
    .where('organization_id', '=', orgId)
    .where('status', '=', 'pending')
    .where((eb) => eb.or([eb('expires_at', 'is', null), eb('expires_at', '>', t)]))
    .executeTakeFirstOrThrow();
  return Number(r.n);
}

/** Pending invitations an automatic-invitation domain sent to addresses at it. */
export async function countPendingFromDomain(ex: Executor, orgId: string, domain: string): Promise<number> {
  const r = await ex
    .selectFrom('organization_invitations')
    .select((eb) => eb.fn.countAll<number>().as('n'))
    .where('organization_id', '=', orgId)
    .where('source', '=', 'domain')
    .where('status', '=', 'pending')
    .where('normalized', 'like', `%@${domain}`)
    .executeTakeFirstOrThrow();
  return Number(r.n);
}

/** Invitations name their role by key: a renamed role keeps its invitations. */
export async function renameRole(tx: Tx, from: string, to: string): Promise<void> {
  await tx.updateTable('organization_invitations').set({ role: to }).where('role', '=', from).execute();
}

export interface InvitationListQuery extends Page {
  organizationId?: string;
  statuses?: InvitationStatus[];
  emailAddresses?: string[];
  query?: string;
  orderBy: 'created_at' | 'email_address' | 'expires_at';
  direction: 'asc' | 'desc';
}

/**
 * The search condition: on SQLite the FTS5 trigram index over the address and the id (terms of 3
 * characters or more; shorter ones by LIKE), on PostgreSQL LIKE, which pg_trgm's GIN indexes on both
 * serve (migration 0018). The address is matched lower-cased, the id as given (SQLite matches both
 * without regard to ASCII case, as its LIKE does).
 */
function searchCondition(db: Db, query: string) {
  if (dialectOf(db) === 'sqlite' && query.length >= 3) {
    return sql<SqlBool>`organization_invitations.rowid IN (SELECT rowid FROM organization_invitations_fts WHERE organization_invitations_fts MATCH ${`"${query.replace(/"/g, '""')}"`})`;
  }
  return sql<SqlBool>`(organization_invitations.normalized LIKE ${containsPattern(query.toLowerCase())} ESCAPE '\\' OR organization_invitations.id LIKE ${containsPattern(query)} ESCAPE '\\')`;
}

/** The filtered invitations (exported for the query-plan tests); the statuses filter by effective status (a lapsed pending one is expired). */
export function invitationsWhere(db: Db, q: Omit<InvitationListQuery, 'limit' | 'offset' | 'orderBy' | 'direction'>, t: number) {
  let base = db.selectFrom('organization_invitations');
  if (q.organizationId) base = base.where('organization_id', '=', q.organizationId);
  if (q.emailAddresses) base = base.where('normalized', 'in', q.emailAddresses.length ? q.emailAddresses : ['']);
  if (q.statuses?.length) {
    const statuses = q.statuses;
    base = base.where((eb) =>
      eb.or(
        statuses.map((s) =>
          s === 'pending'
            ? // Not lapsed, written so that no index on expires_at is chosen over the status's one (which keeps the list's order).
              eb.and([eb('status', '=', 'pending'), eb(eb.fn.coalesce('expires_at', eb.val(t + 1)), '>', t)])
            : s === 'expired'
              ? eb.or([eb('status', '=', 'expired'), eb.and([eb('status', '=', 'pending'), eb('expires_at', '<=', t)])])
              : eb('status', '=', s),
        ),
      ),
    );
  }
  if (q.query) base = base.where(searchCondition(db, q.query));
  return base;
}

/**
 * The ids of a page in list order (exported for the query-plan tests): each ordering has an index
 * ending with the id tie-breaker, per organization and for the instance (migration 0017), and the
 * instance's by status also holds `expires_at` (migration 0018), so a page deep in the pending ones
 * skips the lapsed ones without reading their rows.
 */
export function invitationsPageQuery(db: Db, q: InvitationListQuery, t: number) {
  const column = q.orderBy === 'email_address' ? 'normalized' : q.orderBy;
  return invitationsWhere(db, q, t).select('organization_invitations.id as id').orderBy(column, q.direction).orderBy('id', q.direction).limit(q.limit).offset(q.offset);
}

/** Pending invitations past their expiry (still stored as pending), from the partial index of migration 0018. */
export function lapsedPendingQuery(db: Db, t: number) {
  return db
    .selectFrom('organization_invitations')
    .select((eb) => eb.fn.countAll<number>().as('n'))
    .where(sql<SqlBool>`status = 'pending'`)
    .where('expires_at', '<=', t);
}

/**
 * How many invitations the list has. The instance's, unfiltered or by status only, come from the kept
 * counts by stored status; a pending invitation past its expiry is stored as pending but listed as expired,
 * so those (counted from an index of the pending ones by expiry) move from one to the other.
 */
async function countInvitations(db: Db, q: InvitationListQuery, t: number): Promise<number> {
  if (!q.organizationId && !q.emailAddresses && !q.query) {
    const statuses = q.statuses?.length ? [...new Set(q.statuses)] : INVITATION_STATUSES;
    const [stored, lapsed] = await Promise.all([
      storedCount(db, statuses.map((s) => `invitations:${s}` as const)),
      statuses.includes('pending') === statuses.includes('expired') ? 0 : lapsedPendingQuery(db, t).executeTakeFirstOrThrow().then((r) => Number(r.n)),
    ]);
    return statuses.includes('pending') ? stored - lapsed : stored + lapsed;
  }
  const row = await invitationsWhere(db, q, t).select((eb) => eb.fn.countAll<number>().as('n')).executeTakeFirstOrThrow();
  return Number(row.n);
}

/** A page of invitations and how many match: ids in order from an index, then those rows. */
export async function listInvitations(db: Db, q: InvitationListQuery, t: number): Promise<{ rows: OrgInvitationRow[]; total: number }> {
  const [ids, total] = await Promise.all([invitationsPageQuery(db, q, t).execute(), countInvitations(db, q, t)]);
  if (!ids.length) return { rows: [], total };
  const rows = await executePrepared(db, db.selectFrom('organization_invitations').selectAll().where(keyIn(db, 'id', ids.map((r) => r.id))));
  const byId = new Map(rows.map((r) => [r.id, r]));
  return { rows: ids.flatMap((r) => byId.get(r.id) ?? []), total };
}

/** Revokes the pending invitations an automatic-invitation domain sent to addresses at it. */
export async function revokePendingFromDomain(tx: Tx, orgId: string, domain: string, t: number): Promise<void> {
  const r = await tx
    .updateTable('organization_invitations')
    .set({ status: 'revoked', revoked_at: t, updated_at: t })
    .where('organization_id', '=', orgId)
    .where('source', '=', 'domain')
    .where('status', '=', 'pending')
    .where('normalized', 'like', `%@${domain}`)
    .executeTakeFirst();
  moved(tx, 'pending', 'revoked', r.numUpdatedRows);
}
