/**
 * The bulk import's queries: which of a batch's users and identifiers already exist, the batched inserts
 * of users with their identifications and password digests, and the statistics refresh after a large
 * import. Everything takes either handle so the importer runs a batch's checks and writes in one
 * transaction.
 */
import type { Insertable } from 'kysely';
import { CompiledQuery, sql } from 'kysely';
import type { Db, DialectName, Executor, Tx } from '../../storage/database.js';
import type { IdentificationTable, IdentificationType, PasswordTable, UserTable } from '../../storage/schema.js';
import { countCreated } from './created-days-repository.js';
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
 * Every column the import writes, with its PostgreSQL type (for `json_to_recordset`). Typed as a record
 * over the table's columns, so a column added to the schema fails the build here until the import writes
 * it too (and an imported row stays identical to one the API creates).
 */
type PgType = 'text' | 'integer' | 'bigint' | 'jsonb';
const COLUMNS = {
  users: {
    id: 'text', external_id: 'text', username: 'text', username_normalized: 'text', first_name: 'text', last_name: 'text',
    locale: 'text', timezone: 'text', primary_email_address_id: 'text', primary_phone_number_id: 'text', primary_web3_wallet_id: 'text',
    public_metadata: 'jsonb', private_metadata: 'jsonb', unsafe_metadata: 'jsonb', image_id: 'text', banned: 'integer', locked: 'integer',
    locked_at: 'bigint', delete_self_enabled: 'integer', create_organization_enabled: 'integer', create_organizations_limit: 'integer',
    legal_accepted_at: 'bigint', last_sign_in_at: 'bigint', last_active_at: 'bigint', bypass_client_trust: 'integer', totp_secret: 'text',
    pending_totp_secret: 'text', backup_codes: 'jsonb', mfa_enabled_at: 'bigint', mfa_disabled_at: 'bigint', password_compromised_at: 'bigint',
    search_text: 'text', created_at: 'bigint', updated_at: 'bigint',
  } satisfies Record<keyof UserTable, PgType>,
  identifications: {
    id: 'text', user_id: 'text', type: 'text', value: 'text', normalized: 'text', status: 'text', strategy: 'text',
    reserved_for_second_factor: 'integer', default_second_factor: 'integer', is_primary: 'integer', created_at: 'bigint', updated_at: 'bigint',
  } satisfies Record<keyof IdentificationTable, PgType>,
  passwords: { user_id: 'text', digest: 'text', hasher: 'text', updated_at: 'bigint' } satisfies Record<keyof PasswordTable, PgType>,
} as const;

type ImportTable = keyof typeof COLUMNS;
const TABLES: ImportTable[] = ['users', 'identifications', 'passwords'];
const names = (table: ImportTable) => Object.keys(COLUMNS[table]);

/** SQLite's limit on bound parameters per statement (SQLITE_MAX_VARIABLE_NUMBER since 3.32). */
const SQLITE_MAX_PARAMETERS = 32_766;

/**
 * On PostgreSQL one statement per table and batch: the rows travel as one JSON parameter (serialized
 * natively, parsed in C on the server) instead of rows × columns bound parameters. JSON columns travel as
 * the same text Kysely would bind and are cast like it, so the stored values are the same.
 */
const pgInsertSql = new Map<ImportTable, string>(
  TABLES.map((table) => {
    const cols = Object.entries(COLUMNS[table]) as [string, PgType][];
    const select = cols.map(([c, t]) => (t === 'jsonb' ? `r.${c}::jsonb` : `r.${c}`)).join(', ');
    const record = cols.map(([c, t]) => `${c} ${t === 'jsonb' ? 'text' : t}`).join(', ');
    return [table, `INSERT INTO ${table} (${cols.map(([c]) => c).join(', ')}) SELECT ${select} FROM json_to_recordset($1::json) AS r(${record})`];
  }),
);

/** Multi-row INSERT text per table and row count, made once: the driver's statement cache is keyed by it. */
const sqliteInsertSql = new Map<string, string>();
function sqliteInsert(table: ImportTable, rows: number): string {
  const key = `${table}:${rows}`;
  let text = sqliteInsertSql.get(key);
  if (text === undefined) {
    const cols = names(table);
    const tuple = `(${cols.map(() => '?').join(',')})`;
    text = `INSERT INTO ${table} (${cols.join(', ')}) VALUES ${Array.from({ length: rows }, () => tuple).join(',')}`;
    sqliteInsertSql.set(key, text);
  }
  return text;
}

/**
 * Inserts a batch of users, their identifications and password digests (inside the caller's transaction).
 * SQLite: multi-row INSERTs of as many rows as its parameter limit allows; PostgreSQL: one INSERT …
 * SELECT FROM json_to_recordset per table. The users are counted, in the total and by day of creation.
 */
export async function insertImported(tx: Tx, dialect: DialectName, rows: ImportRows): Promise<void> {
  for (const table of TABLES) {
    const list = rows[table] as Record<string, unknown>[];
    if (!list.length) continue;
    if (dialect === 'postgres') {
      await tx.executeQuery(CompiledQuery.raw(pgInsertSql.get(table) as string, [JSON.stringify(list)]));
      continue;
    }
    const cols = names(table);
    const perStatement = Math.floor(SQLITE_MAX_PARAMETERS / cols.length);
    for (let start = 0; start < list.length; start += perStatement) {
      const part = list.slice(start, start + perStatement);
      const params: unknown[] = new Array(part.length * cols.length);
      let k = 0;
      for (const row of part) for (const c of cols) params[k++] = row[c] ?? null;
      await tx.executeQuery(CompiledQuery.raw(sqliteInsert(table, part.length), params));
    }
  }
  await adjustUserCount(tx, rows.users.length);
  // Gathered by day here, written as one upsert before the batch commits.
  for (const u of rows.users) countCreated(tx, u.created_at, 1);
}

/**
 * Session settings for one import transaction on PostgreSQL (`SET LOCAL`: the pool hands each transaction
 * any connection, and nothing outlives the transaction):
 * - `synchronous_commit = off`: a batch's commit does not wait for its WAL to reach the disk. A crash can
 *   lose the last batches acknowledged before it (never corrupt anything); running the same import again
 *   creates them, since it skips the users that exist.
 * - a larger GIN pending list and `work_mem`: the search index's trigram entries are queued and merged
 *   into the index in large sorted runs instead of a few thousand users at a time (searches during the
 *   import read the pending list too, so they stay correct; the VACUUM after the import empties it).
 * - no parallel workers: the lookups of a batch's ids are index probes, for which starting a worker costs
 *   more (tens of ms) than the probe itself.
 */
export async function tuneImportTransaction(tx: Tx, dialect: DialectName): Promise<void> {
  if (dialect !== 'postgres') return;
  await sql`SELECT set_config('synchronous_commit', 'off', true), set_config('work_mem', '256MB', true), set_config('gin_pending_list_limit', '65536', true), set_config('max_parallel_workers_per_gather', '0', true)`.execute(tx);
}

/**
 * Before an import, on SQLite: a page cache (1 GiB at most, of this process only) large enough for the
 * indexes a million users touch: with less, the indexes inserted into at random places (created_at, names,
 * external ids, e-mail addresses) are read back from the file over and over once the database outgrows it.
 */
export async function prepareForImport(db: Db, dialect: DialectName): Promise<void> {
  if (dialect === 'sqlite') await sql`PRAGMA cache_size = -1048576`.execute(db);
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
