/**
 * Users by the UTC day of their creation (migration 0019), kept exact in the transactions that create,
 * delete or re-date users, so that `/users/count` with only `created_at` bounds costs the same at a
 * million users as at a thousand: the stored counts of the whole days inside the range, plus the users of
 * the (at most two) partial days at its ends, counted from the created_at index.
 *
 * Each writer adds its changes to the transaction's deltas by day; just before COMMIT they are written in
 * one upsert on one random slot, rows in day order, so the counts are exact however many writers run at
 * once, and two transactions lock the rows they share in the same order and cannot deadlock on them.
 */
import { type Kysely, sql } from 'kysely';
import { addBeforeCommit, type Tx } from '../../storage/database.js';
import type { Database } from '../../storage/schema.js';

export const DAY_MS = 86_400_000;

/**
 * Slots per day. A count sums every slot of every whole day in its range (a year: 365 × 4 = 1,460 rows,
 * 0.06 ms on SQLite and 0.6 ms on PostgreSQL), so each slot more costs every long range. Writers meet only
 * on the rows of the days they write (today's, for sign-ups) and hold them only from their last statement
 * to COMMIT: four let four such commits proceed at once, where `users_count`, read as 16 rows whatever
 * the range, affords sixteen.
 */
export const CREATED_DAY_SLOTS = 4;

/**
 * Rows per upsert: a batch of 10,000 imported users from one year spans at most 365 days (one row each),
 * but a larger batch over decades could pass SQLite's limit on bound parameters (3 per row).
 */
const ROWS_PER_STATEMENT = 5_000;

/**
 * The UTC day of a time in ms, rounded down (before 1970 too). Integer arithmetic, exact for every time a
 * user can have (`created_at` ≤ 8.64e15), where `Math.floor(ms / DAY_MS)` could round a day's last
 * millisecond up into the next day.
 */
export function dayOf(ms: number): number {
  const rest = ((ms % DAY_MS) + DAY_MS) % DAY_MS;
  return (ms - rest) / DAY_MS;
}

/**
 * Counts `delta` users created at `createdAt` (negative for users deleted or moved away from that day),
 * written when the transaction commits and not at all when it rolls back.
 */
export function countCreated(tx: Tx, createdAt: number, delta: number): void {
  addBeforeCommit(tx, 'users_created_days', dayOf(createdAt), delta, (totals) => writeDeltas(tx, totals));
}

/** A user's creation time changed (read under its row lock): it moves from the old day to the new one. */
export function recountCreated(tx: Tx, from: number, to: number): void {
  countCreated(tx, from, -1);
  countCreated(tx, to, 1);
}

async function writeDeltas(tx: Tx, d: Map<number, number>): Promise<void> {
  const changed = [...d].filter(([, n]) => n !== 0).sort(([a], [b]) => a - b);
  if (!changed.length) return;
  const slot = Math.floor(Math.random() * CREATED_DAY_SLOTS);
  // A day's row in this slot may not exist yet, and a slot may go negative (a user counted in one slot,
  // uncounted in another): only the sum of a day's slots means anything.
  for (let start = 0; start < changed.length; start += ROWS_PER_STATEMENT) {
    await tx
      .insertInto('users_created_days')
      .values(changed.slice(start, start + ROWS_PER_STATEMENT).map(([day, n]) => ({ day, slot, n })))
      .onConflict((oc) => oc.columns(['day', 'slot']).doUpdateSet((eb) => ({ n: eb('users_created_days.n', '+', eb.ref('excluded.n')) })))
      .execute();
  }
}

/**
 * How many users of a partial day the count reads from the created_at index, at most, to learn that the
 * rest of that day is the smaller side (see `partialDay`).
 */
const PARTIAL_PROBE = 1_000;

/** The users created in [lo, hi) (either end open), from the created_at index. */
function usersIn(lo: number | undefined, hi: number | undefined, limit?: number) {
  const where = [lo !== undefined ? sql`users.created_at >= ${lo}` : null, hi !== undefined ? sql`users.created_at < ${hi}` : null].filter((c) => c !== null);
  const cond = where.length ? sql`WHERE ${sql.join(where, sql` AND `)}` : sql``;
  if (limit === undefined) return sql<number>`(SELECT count(*) FROM users ${cond})`;
  return sql<number>`(SELECT count(*) FROM (SELECT 1 FROM users ${cond} LIMIT ${sql.lit(limit)}) AS s)`;
}

/** The stored count of the users created on the days d with from ≤ d < to (either end open). */
function storedDays(from: number | undefined, to: number | undefined) {
  const where = [from !== undefined ? sql`day >= ${from}` : null, to !== undefined ? sql`day < ${to}` : null].filter((c) => c !== null);
  const cond = where.length ? sql`WHERE ${sql.join(where, sql` AND `)}` : sql``;
  return sql<number>`(SELECT coalesce(sum(n), 0) FROM users_created_days ${cond})`;
}

/**
 * The users created in [lo, hi), a part of `day` that reaches one of its ends, counted from whichever side
 * of the day is smaller: the day's stored count minus the rest of the day when at most PARTIAL_PROBE users
 * are there, the part itself from the index otherwise (CASE runs only the branch it takes). A day with
 * many users (an import of a file without creation times puts them all on its day) is then cheap to count
 * to a bound near either of its ends, "before now" on that day among them; counting the part alone would
 * read every user of the day before the bound. (`LIMIT 1` keeps PostgreSQL from copying the probe into
 * both places that read `r.n`, which would run it twice.)
 */
function partialDay(day: number, lo: number, hi: number) {
  const start = day * DAY_MS;
  const end = start + DAY_MS;
  const rest = lo === start ? usersIn(hi, end, PARTIAL_PROBE + 1) : usersIn(start, lo, PARTIAL_PROBE + 1);
  return sql<number>`(SELECT CASE WHEN r.n <= ${sql.lit(PARTIAL_PROBE)} THEN ${storedDays(day, day + 1)} - r.n ELSE ${usersIn(lo, hi)} END FROM (SELECT ${rest} AS n LIMIT 1) AS r)`;
}

/**
 * The count of users created strictly after `after` and strictly before `before` (ms, either open), as one
 * statement (exported for the query-plan tests), so that every part is read from one snapshot (PostgreSQL
 * READ COMMITTED gives each statement its own): the stored counts of the whole days in the range, and the
 * users in the partial days at its ends. A range inside one day is counted from the index alone.
 */
export function createdBetweenQuery(db: Kysely<Database>, after: number | undefined, before: number | undefined) {
  /** The first millisecond in the range, when it has a lower end. */
  const from = after === undefined ? undefined : after + 1;
  /** The first whole day, and the day after the last (the whole days d: firstDay ≤ d < endDay). */
  const firstDay = from === undefined ? undefined : dayOf(from + DAY_MS - 1);
  const endDay = before === undefined ? undefined : dayOf(before);
  if (firstDay !== undefined && endDay !== undefined && firstDay > endDay) return db.selectNoFrom(usersIn(from, before).as('n'));
  const parts = [storedDays(firstDay, endDay)];
  // The partial day before the first whole day, and the one after the last (none when a bound is midnight).
  if (from !== undefined && firstDay !== undefined && from < firstDay * DAY_MS) parts.push(partialDay(firstDay - 1, from, firstDay * DAY_MS));
  if (before !== undefined && endDay !== undefined && endDay * DAY_MS < before) parts.push(partialDay(endDay, endDay * DAY_MS, before));
  return db.selectNoFrom(sql<number | string>`${sql.join(parts, sql` + `)}`.as('n'));
}

/** The number of users created strictly after `after` and strictly before `before` (ms, either open). */
export async function countCreatedBetween(db: Kysely<Database>, after: number | undefined, before: number | undefined): Promise<number> {
  if (after !== undefined && before !== undefined && after + 1 >= before) return 0;
  const row = await createdBetweenQuery(db, after, before).executeTakeFirst();
  return Number(row?.n ?? 0);
}
