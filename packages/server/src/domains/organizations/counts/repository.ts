/**
 * Kept instance-wide counts (migration 0018): organizations, memberships, and invitations by stored
 * status. An unfiltered instance list answers its `total_count` from these few rows instead of counting
 * every organization, membership or invitation.
 *
 * Each writer adds its changes to the transaction's deltas; just before COMMIT they are written in one
 * statement on one random slot of each counter, so the counts are exact however many writers run at
 * once, writers seldom wait on the same row, and (every transaction locking its counter rows in the one
 * statement, in index order) two transactions cannot deadlock on them.
 */
import { sql } from 'kysely';
import { addBeforeCommit, type Executor, type Tx } from '../../../storage/database.js';
import type { InvitationStatus } from '../../invitations/status.js';

export type Counter = 'organizations' | 'memberships' | `invitations:${InvitationStatus}`;

export const INVITATION_STATUSES: readonly InvitationStatus[] = ['pending', 'accepted', 'revoked', 'expired'];

/** Every counter (migration 0018 created slots 0 … COUNT_SLOTS - 1 of each). */
export const COUNTERS: readonly Counter[] = ['organizations', 'memberships', ...INVITATION_STATUSES.map((s) => `invitations:${s}` as const)];

/** Slots per counter. */
export const COUNT_SLOTS = 16;

/** Adds `delta` to a counter when the transaction commits (nothing when it rolls back). */
export function addToCount(tx: Tx, counter: Counter, delta: number): void {
  addBeforeCommit(tx, 'organization_counts', counter, delta, (totals) => writeDeltas(tx, totals));
}

async function writeDeltas(tx: Tx, d: Map<Counter, number>): Promise<void> {
  const changed = [...d].filter(([, n]) => n !== 0);
  if (!changed.length) return;
  const slot = Math.floor(Math.random() * COUNT_SLOTS);
  const delta = sql.join(changed.map(([c, n]) => sql`WHEN ${c} THEN ${sql.lit(n)}`), sql` `);
  await tx
    .updateTable('organization_counts')
    .set((eb) => ({ n: eb('n', '+', sql<number>`CASE counter ${delta} END`) }))
    .where('slot', '=', slot)
    .where(
      'counter',
      'in',
      changed.map(([c]) => c),
    )
    .execute();
}

/** The stored value of each of these counters (the sum of its slots), as `count(*)` would give it. */
export async function storedCounts(ex: Executor, counters: readonly Counter[]): Promise<Map<Counter, number>> {
  const rows = await ex
    .selectFrom('organization_counts')
    .select(['counter', (eb) => eb.fn.sum<number | string>('n').as('n')])
    .where('counter', 'in', [...counters])
    .groupBy('counter')
    .execute();
  const out = new Map<Counter, number>(counters.map((c) => [c, 0]));
  for (const r of rows) out.set(r.counter as Counter, Number(r.n));
  return out;
}

/** The sum of these counters' stored values. */
export async function storedCount(ex: Executor, counters: readonly Counter[]): Promise<number> {
  let n = 0;
  for (const v of (await storedCounts(ex, counters)).values()) n += v;
  return n;
}
