/**
 * The bulk import's queries: which of a batch's users and identifiers already exist, the batched inserts
 * of users with their identifications and password digests, and the statistics refresh after a large
 * import. Everything takes either handle so the importer runs a batch's checks and writes in one
 * transaction.
 */
import type { Insertable } from 'kysely';
import { sql } from 'kysely';
import type { Db, DialectName, Executor, Tx } from '../../storage/database.js';
import type { IdentificationTable, IdentificationType, PasswordTable, UserTable } from '../../storage/schema.js';
import { adjustUserCount } from './repository.js';

/** Longest IN list per statement: far below either database's limit on bound parameters. */
const IN_CHUNK = 2000;

function chunks<T>(items: T[], size: number): T[][] {
  const out: T[][] = [];
  for (let i = 0; i < items.length; i += size) out.push(items.slice(i, i + size));
  return out;
}

/** external_id → user id, for the given external ids that exist. */
export async function usersByExternalId(ex: Executor, externalIds: string[]): Promise<Map<string, string>> {
  const out = new Map<string, string>();
  for (const part of chunks([...new Set(externalIds)], IN_CHUNK)) {
    const rows = await ex.selectFrom('users').select(['id', 'external_id']).where('external_id', 'in', part).execute();
    for (const r of rows) if (r.external_id !== null) out.set(r.external_id, r.id);
  }
  return out;
}

/** Who holds an identifier already: `type:normalized` → the holder's id and external id. */
export async function identifierHolders(ex: Executor, keys: { type: IdentificationType; normalized: string }[]): Promise<Map<string, { userId: string; externalId: string | null }>> {
  const out = new Map<string, { userId: string; externalId: string | null }>();
  const byType = new Map<IdentificationType, Set<string>>();
  for (const k of keys) {
    const set = byType.get(k.type) ?? new Set<string>();
    set.add(k.normalized);
    byType.set(k.type, set);
  }
  for (const [type, values] of byType) {
    for (const part of chunks([...values], IN_CHUNK)) {
      const rows = await ex
        .selectFrom('identifications as i')
        .innerJoin('users as u', 'u.id', 'i.user_id')
        .select(['i.normalized', 'i.user_id', 'u.external_id'])
        .where('i.type', '=', type)
        .where('i.normalized', 'in', part)
        .execute();
      for (const r of rows) out.set(`${type}:${r.normalized}`, { userId: r.user_id, externalId: r.external_id });
    }
  }
  return out;
}

/** The given normalized usernames that are taken. */
export async function takenUsernames(ex: Executor, usernames: string[]): Promise<Set<string>> {
  const out = new Set<string>();
  for (const part of chunks([...new Set(usernames)], IN_CHUNK)) {
    const rows = await ex.selectFrom('users').select('username_normalized').where('username_normalized', 'in', part).execute();
    for (const r of rows) if (r.username_normalized !== null) out.add(r.username_normalized);
  }
  return out;
}

export interface ImportRows {
  users: Insertable<UserTable>[];
  identifications: Insertable<IdentificationTable>[];
  passwords: Insertable<PasswordTable>[];
}

/**
 * Rows per INSERT statement: a statement binds rows × columns parameters, which must stay below SQLite's
 * 32,766 and PostgreSQL's 65,535; users have 34 columns.
 */
const ROWS_PER_INSERT = { users: 400, identifications: 1000, passwords: 2000 } as const;

/** Inserts a batch of users, their identifications and password digests, and counts the users (inside the caller's transaction). */
export async function insertImported(tx: Tx, rows: ImportRows): Promise<void> {
  for (const part of chunks(rows.users, ROWS_PER_INSERT.users)) await tx.insertInto('users').values(part).execute();
  for (const part of chunks(rows.identifications, ROWS_PER_INSERT.identifications)) await tx.insertInto('identifications').values(part).execute();
  for (const part of chunks(rows.passwords, ROWS_PER_INSERT.passwords)) await tx.insertInto('passwords').values(part).execute();
  await adjustUserCount(tx, rows.users.length);
}

/**
 * Before an import, on SQLite: a page cache large enough for the indexes a million users touch (the
 * default 2 MB makes every index insert a read from the file once the database outgrows it).
 */
export async function prepareForImport(db: Db, dialect: DialectName): Promise<void> {
  if (dialect === 'sqlite') await sql`PRAGMA cache_size = -262144`.execute(db);
}

/**
 * After a large import: fresh planner statistics (so each list and filter picks its index), and on
 * PostgreSQL a vacuum that marks the new pages all-visible (index-only scans for deep offsets). On SQLite
 * the search index's segments are merged too, which keeps `query` searches at one segment per trigram.
 */
export async function refreshAfterImport(db: Db, dialect: DialectName): Promise<void> {
  if (dialect === 'sqlite') {
    await sql`INSERT INTO users_fts (users_fts) VALUES ('optimize')`.execute(db);
    await sql`ANALYZE`.execute(db);
  } else {
    await sql`VACUUM ANALYZE users, identifications, passwords`.execute(db);
  }
}
