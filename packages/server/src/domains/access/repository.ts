/**
 * Kysely queries for the allowlist and the blocklist. Both tables share the columns used here, so one set
 * of functions serves both, named by `AccessList`.
 */
import type { Selectable } from 'kysely';
import type { Executor } from '../../storage/database.js';
import type { AllowlistTable, BlocklistTable } from '../../storage/schema.js';

export type AllowlistRow = Selectable<AllowlistTable>;
export type BlocklistRow = Selectable<BlocklistTable>;

/** Which list a query is about. */
export type AccessList = 'allowlist_identifiers' | 'blocklist_identifiers';

// Both tables share the columns used here; one typed name keeps Kysely's overloads simple.
const asOne = (list: AccessList) => list as 'allowlist_identifiers';

/** Whether any entry of the list has one of these normalized keys. */
export async function listHasAny(ex: Executor, list: AccessList, keys: string[]): Promise<boolean> {
  if (!keys.length) return false;
  const hit = await ex.selectFrom(asOne(list)).select('id').where('normalized', 'in', keys).executeTakeFirst();
  return hit !== undefined;
}

/** A page of the list, newest first. */
export function listEntries<R>(ex: Executor, list: AccessList, page: { limit: number; offset: number }): Promise<R[]> {
  return ex.selectFrom(asOne(list)).selectAll().orderBy('created_at', 'desc').orderBy('id', 'desc').limit(page.limit).offset(page.offset).execute() as Promise<R[]>;
}

export async function countEntries(ex: Executor, list: AccessList): Promise<number> {
  const r = await ex.selectFrom(asOne(list)).select((eb) => eb.fn.countAll<number>().as('n')).executeTakeFirstOrThrow();
  return Number(r.n);
}

/** Deletes one entry; false when there was none with that id. */
export async function deleteEntry(ex: Executor, list: AccessList, id: string): Promise<boolean> {
  const r = await ex.deleteFrom(asOne(list)).where('id', '=', id).executeTakeFirst();
  return Number(r.numDeletedRows) > 0;
}

export async function insertAllowlistEntry(ex: Executor, row: AllowlistRow): Promise<void> {
  await ex.insertInto('allowlist_identifiers').values(row).execute();
}

export async function insertBlocklistEntry(ex: Executor, row: BlocklistRow): Promise<void> {
  await ex.insertInto('blocklist_identifiers').values(row).execute();
}
