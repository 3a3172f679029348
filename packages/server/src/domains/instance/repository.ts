/**
 * Kysely queries for the one instance row. Its settings are a JSON document; the service reads and
 * patches it under the row lock.
 */
import type { Insertable, Selectable } from 'kysely';
import { forUpdate, type Db, type Executor, type Tx } from '../../storage/database.js';
import type { InstanceTable } from '../../storage/schema.js';

export type InstanceRow = Selectable<InstanceTable>;

export async function findInstance(ex: Executor): Promise<InstanceRow | null> {
  return (await ex.selectFrom('instance').selectAll().executeTakeFirst()) ?? null;
}

/** Inserts the instance unless one exists: the primary key lets only one of two racing starts win. */
export async function insertInstanceIfAbsent(db: Db, row: Insertable<InstanceTable>): Promise<void> {
  await db.insertInto('instance').values(row).onConflict((oc) => oc.doNothing()).execute();
}

/** The stored settings document (a JSON column), or undefined before bootstrap. */
export async function findInstanceSettings(ex: Executor): Promise<{ settings: unknown } | undefined> {
  return ex.selectFrom('instance').select('settings').executeTakeFirst();
}

/**
 * Reads the instance's id and settings for a read-modify-write; the row stays locked until the
 * transaction ends.
 */
export async function lockInstance(tx: Tx): Promise<{ id: string; settings: unknown }> {
  return tx.selectFrom('instance').select(['id', 'settings']).$call(forUpdate(tx)).executeTakeFirstOrThrow();
}

export async function writeInstanceSettings(tx: Tx, id: string, settings: string, now: number): Promise<void> {
  await tx.updateTable('instance').set({ settings, updated_at: now }).where('id', '=', id).execute();
}

/**
 * Locks the instance row (when there is one) until the transaction ends, reading nothing: the lock other
 * domains take to serialise rare instance-wide edits (templates).
 */
export async function lockInstanceRow(tx: Tx): Promise<void> {
  await tx.selectFrom('instance').select('id').$call(forUpdate(tx)).execute();
}
