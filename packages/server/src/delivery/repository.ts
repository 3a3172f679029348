/**
 * Kysely queries for the outbound message queue (`messages`). The queue's rules — what is due, what a
 * claim is, when a write is still ours — are spelled here as queries; `queue.ts` and `worker.ts` decide
 * when to run them.
 */
import { newId } from '@latch/core';
import type { Kysely, Selectable } from 'kysely';
import type { Db, DialectName } from '../storage/database.js';
import type { Database, MessageTable } from '../storage/schema.js';

/** A stored message, as the queue and the worker hand it around. */
export type Message = Selectable<MessageTable>;

/** What a queued message says and to whom; the queue's bookkeeping columns are set by `insertQueued`. */
export type MessageContent = Pick<
  MessageTable,
  'kind' | 'to_address' | 'from_name' | 'reply_to' | 'subject' | 'body' | 'body_plain' | 'slug' | 'user_id' | 'email_address_id' | 'phone_number_id'
> & { data: Record<string, unknown> | undefined };

/** Inserts a message in the queue's starting state: queued, due now, never attempted. */
export function insertQueued(db: Kysely<Database>, content: MessageContent, now: number): Promise<Message> {
  return db
    .insertInto('messages')
    .values({
      ...content,
      id: newId(content.kind === 'email' ? 'ema' : 'sms', now),
      from_address: null,
      data: JSON.stringify(content.data ?? {}),
      status: 'queued',
      attempts: 0,
      next_attempt_at: now,
      lease_until: null,
      last_error: null,
      provider_message_id: null,
      delivered_at: null,
      created_at: now,
      updated_at: now,
    })
    .returningAll()
    .executeTakeFirstOrThrow();
}

/** One message by id, or undefined. */
export async function getMessage(db: Kysely<Database>, id: string): Promise<Message | undefined> {
  return db.selectFrom('messages').selectAll().where('id', '=', id).executeTakeFirst();
}

/** Options of `listMessages`. */
export interface ListMessagesOptions {
  limit: number;
  offset?: number;
  kind?: 'email' | 'sms';
}

/** Newest first; for the dev outbox page and `latch outbox`. */
export async function listMessages(db: Kysely<Database>, opts: ListMessagesOptions): Promise<Message[]> {
  let q = db.selectFrom('messages').selectAll();
  if (opts.kind) q = q.where('kind', '=', opts.kind);
  // IDs are time-ordered, so they break ties between messages created in the same millisecond.
  return q
    .orderBy('created_at', 'desc')
    .orderBy('id', 'desc')
    .limit(opts.limit)
    .offset(opts.offset ?? 0)
    .execute();
}

/**
 * Atomically moves up to `batchSize` due messages to 'sending' under a lease ending at `leaseUntil`. Due:
 * queued and scheduled, or sending with an expired lease. On PostgreSQL the candidate rows are locked with
 * SKIP LOCKED, so concurrent workers take disjoint sets; the CTE is MATERIALIZED so the locking subquery
 * runs exactly once (an inlined `IN (… LIMIT n FOR UPDATE SKIP LOCKED)` may be re-scanned by the planner
 * and claim more, or other, rows). SQLite has one writer at a time, so the statement alone is atomic there.
 */
export function claimDue(db: Db, dialect: DialectName, opts: { now: number; leaseUntil: number; batchSize: number }): Promise<Message[]> {
  const t = opts.now;
  return db
    .with(
      (cte) => cte('due').materialized(),
      (q) =>
        q
          .selectFrom('messages')
          .select('id')
          .where((eb) =>
            eb.or([
              eb.and([eb('status', '=', 'queued'), eb('next_attempt_at', '<=', t)]),
              eb.and([eb('status', '=', 'sending'), eb('lease_until', '<', t)]),
            ]),
          )
          .orderBy('next_attempt_at')
          .limit(opts.batchSize)
          // Several workers share the queue on PostgreSQL: each claims rows the others have not locked.
          // eslint-disable-next-line no-restricted-syntax -- PostgreSQL only, guarded by the dialect
          .$if(dialect === 'postgres', (s) => s.forUpdate().skipLocked()),
    )
    .updateTable('messages')
    .set((eb) => ({
      status: 'sending',
      lease_until: opts.leaseUntil,
      attempts: eb('attempts', '+', 1),
      updated_at: t,
    }))
    .where('id', 'in', (eb) => eb.selectFrom('due').select('due.id'))
    .returningAll()
    .execute();
}

/** What settling a claimed message may change. */
export type MessageOutcome = Partial<Omit<MessageTable, 'id' | 'data'>>;

/**
 * Updates a claimed message only while the claim is still ours: still 'sending' under the lease we set,
 * at the attempt we counted (every claim increments `attempts`, so it tells claims apart even when two
 * leases end on the same millisecond). Returns whether the row was ours.
 */
export async function settleClaimed(db: Db, msg: Message, changes: MessageOutcome, now: number): Promise<boolean> {
  const result = await db
    .updateTable('messages')
    .set({ ...changes, lease_until: null, updated_at: now })
    .where('id', '=', msg.id)
    .where('status', '=', 'sending')
    .where('lease_until', '=', msg.lease_until)
    .where('attempts', '=', msg.attempts)
    .executeTakeFirst();
  return Number(result.numUpdatedRows) > 0;
}

/**
 * Records an outcome over a message that is not final yet (queued for a retry, or claimed by another
 * worker); a final outcome already written stands. Returns whether it was recorded.
 */
export async function settleUnlessFinal(db: Db, id: string, changes: MessageOutcome, now: number): Promise<boolean> {
  const result = await db
    .updateTable('messages')
    .set({ ...changes, lease_until: null, updated_at: now })
    .where('id', '=', id)
    .where('status', 'in', ['queued', 'sending'])
    .executeTakeFirst();
  return Number(result.numUpdatedRows) > 0;
}
