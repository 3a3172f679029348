/**
 * Queries over `sessions`.
 */
import type { Insertable, Selectable, Updateable } from 'kysely';
import { type Db, type Executor, type Tx, prepared, statement } from '../../storage/database.js';
import type { SessionTable } from '../../storage/schema.js';

export type SessionRow = Selectable<SessionTable>;

/** Statuses in which a session still signs its user in. */
export const LIVE_STATUSES: SessionRow['status'][] = ['active', 'pending'];

/** Whether a session signs its user in at `t`: a live status, within its lifetime and inactivity window. */
export function isLiveAt(s: SessionRow, t: number): boolean {
  return LIVE_STATUSES.includes(s.status) && s.expire_at > t && s.abandon_at > t;
}

export function insertSession(db: Executor, row: Insertable<SessionTable>) {
  return db.insertInto('sessions').values(row).execute();
}

/** Sessions of a client that still sign someone in, oldest first. */
export function liveSessionsOfClient(db: Executor, clientId: string) {
  return db.selectFrom('sessions').selectAll().where('client_id', '=', clientId).where('status', 'in', LIVE_STATUSES).orderBy('id').execute();
}

export function updateSession(db: Executor, id: string, patch: Updateable<SessionTable>) {
  return db.updateTable('sessions').set(patch).where('id', '=', id).execute();
}

/** `findSession`, compiled once (every token refresh reads its session). */
export function sessionById(db: Db): (id: string) => Promise<SessionRow | undefined> {
  const run = prepared(db, (d) => d.selectFrom('sessions').selectAll().where('id', '=', ''));
  return (id) => run(id);
}

export function findSession(db: Executor, id: string) {
  return db.selectFrom('sessions').selectAll().where('id', '=', id).executeTakeFirst();
}

/** Ends one session if it is still live; true when this call ended it. */
export async function endSessionIfLive(db: Executor, id: string, status: SessionRow['status'], now: number): Promise<boolean> {
  const r = await db.updateTable('sessions').set({ status, updated_at: now }).where('id', '=', id).where('status', 'in', LIVE_STATUSES).executeTakeFirst();
  return Number(r.numUpdatedRows) > 0;
}

export interface SessionFilter {
  clientId?: string | undefined;
  userId?: string | undefined;
  status?: SessionRow['status'] | undefined;
}

/**
 * Live sessions (of the filter's user or client) whose lifetime or inactivity window has passed become
 * `expired` / `abandoned`, so a list filtered by status never shows a stale `active`.
 */
export async function expireSessions(db: Executor, filter: SessionFilter, now: number): Promise<void> {
  for (const [status, column] of [
    ['expired', 'expire_at'],
    ['abandoned', 'abandon_at'],
  ] as const) {
    let q = db.updateTable('sessions').set({ status, updated_at: now }).where('status', 'in', LIVE_STATUSES).where(column, '<=', now);
    if (filter.clientId) q = q.where('client_id', '=', filter.clientId);
    if (filter.userId) q = q.where('user_id', '=', filter.userId);
    await q.execute();
  }
}

/** One page of sessions, newest first, and how many match. */
export async function listSessions(db: Executor, filter: SessionFilter, limit: number, offset: number): Promise<{ rows: SessionRow[]; total: number }> {
  let q = db.selectFrom('sessions');
  if (filter.clientId) q = q.where('client_id', '=', filter.clientId);
  if (filter.userId) q = q.where('user_id', '=', filter.userId);
  if (filter.status) q = q.where('status', '=', filter.status);
  const [rows, count] = await Promise.all([
    q.selectAll().orderBy('created_at', 'desc').orderBy('id', 'desc').limit(limit).offset(offset).execute(),
    q.select((eb) => eb.fn.countAll<string | number>().as('n')).executeTakeFirstOrThrow(),
  ]);
  return { rows, total: Number(count.n) };
}

/** Live sessions of several clients, oldest first (the Backend API's client list). */
export function liveSessionsOfClients(db: Executor, clientIds: string[]) {
  if (clientIds.length === 0) return Promise.resolve([] as SessionRow[]);
  return db.selectFrom('sessions').selectAll().where('client_id', 'in', clientIds).where('status', 'in', LIVE_STATUSES).orderBy('id').execute();
}

/**
 * Moves the live sessions of a client, of a user, or of a user on a client to `status`, in one statement
 * (no read-modify-write).
 */
export async function endLiveSessions(
  db: Executor,
  of: ({ clientId: string; userId?: string } | { userId: string; clientId?: string }) & { exceptId?: string },
  status: SessionRow['status'],
  now: number,
): Promise<void> {
  let q = db.updateTable('sessions').set({ status, updated_at: now }).where('status', 'in', LIVE_STATUSES);
  if (of.clientId) q = q.where('client_id', '=', of.clientId);
  if (of.userId) q = q.where('user_id', '=', of.userId);
  if (of.exceptId) q = q.where('id', '!=', of.exceptId);
  await q.execute();
}

const SESSION_COLUMNS = [
  'id', 'client_id', 'user_id', 'status', 'last_active_organization_id', 'actor', 'expire_at', 'abandon_at', 'last_active_at',
  'first_factor_verified_at', 'second_factor_verified_at', 'latest_activity', 'created_at', 'updated_at',
] as const satisfies readonly (keyof SessionRow)[];

/** The statements that sign a user in on a client, compiled once. */
export function sessionStatements(db: Db) {
  const placeholder = Object.fromEntries(SESSION_COLUMNS.map((c) => [c, ''])) as unknown as SessionRow;
  const insert = statement(db, (d) => d.insertInto('sessions').values(placeholder));
  const live = LIVE_STATUSES.map(() => '');
  const endOfClient = statement(db, (d) => d.updateTable('sessions').set({ status: 'ended', updated_at: 0 }).where('status', 'in', live as SessionRow['status'][]).where('client_id', '=', ''));
  const endOfClientUser = statement(db, (d) => d.updateTable('sessions').set({ status: 'ended', updated_at: 0 }).where('status', 'in', live as SessionRow['status'][]).where('client_id', '=', '').where('user_id', '=', ''));
  return {
    insert: (tx: Tx, row: SessionRow) => insert.run(tx, ...SESSION_COLUMNS.map((c) => row[c])),
    /** `endLiveSessions(tx, { clientId, userId? }, status, now)`. */
    endLive: (tx: Tx, of: { clientId: string; userId?: string }, status: SessionRow['status'], now: number) =>
      of.userId === undefined ? endOfClient.run(tx, status, now, ...LIVE_STATUSES, of.clientId) : endOfClientUser.run(tx, status, now, ...LIVE_STATUSES, of.clientId, of.userId),
  };
}
