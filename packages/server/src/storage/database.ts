/**
 * Database factory: one Kysely instance from a `sqlite:` or `postgres://` URL, with the dialect's
 * differences (type parsing, pragmas, schema selection) settled here and nowhere else.
 */
import { mkdirSync } from 'node:fs';
import { dirname } from 'node:path';
import SqliteDatabase from 'better-sqlite3';
import { AsyncLocalStorage } from 'node:async_hooks';
import {
  CompiledQuery,
  type DatabaseConnection,
  type Dialect,
  type Driver,
  Kysely,
  PostgresAdapter,
  PostgresDialect,
  type RawBuilder,
  type SqlBool,
  sql,
  SqliteDialect,
  type Transaction,
  type TransactionSettings,
} from 'kysely';
import pg from 'pg';
import type { Database } from './schema.js';

export type DialectName = 'sqlite' | 'postgres';

declare const handleScope: unique symbol;

/**
 * The database handle outside any transaction. Branded so that it is not a `Tx`: a repository function
 * that must run inside a transaction (locks, read-modify-write) takes `Tx`, and handing it the outer
 * handle is a compile error.
 */
export type Db = Kysely<Database> & { readonly [handleScope]: 'db' };
/** The handle of one open transaction: what `transaction()` passes to its work. */
export type Tx = Transaction<Database> & { readonly [handleScope]: 'tx' };
/** Either handle: for reads that are valid inside and outside a transaction. */
export type Executor = Db | Tx;

export interface Storage {
  db: Db;
  dialect: DialectName;
  /** The PostgreSQL schema in use when one was chosen (tests); migration bookkeeping lives there too. */
  schema?: string;
  /** Closes every connection. */
  close(): Promise<void>;
}

export interface StorageOptions {
  /** PostgreSQL schema to use (created when absent); tests give each run its own. */
  schema?: string;
  /** PostgreSQL pool size. */
  poolSize?: number;
  /** Keep reads by key prepared on each PostgreSQL connection (see preparedNames); default true. */
  preparedStatements?: boolean;
}

/**
 * better-sqlite3 with a bounded cache of prepared statements. Kysely prepares every query anew; the SQL
 * text of a given query shape is always the same, so reusing the prepared statement skips SQLite's parse
 * and plan step on hot paths. Statements run synchronously, so sharing one between queries is safe.
 */
function withStatementCache(sqlite: SqliteDatabase.Database, capacity = 500) {
  const cache = new Map<string, SqliteDatabase.Statement>();
  return {
    prepare(source: string): SqliteDatabase.Statement {
      let stmt = cache.get(source);
      if (stmt === undefined) {
        stmt = sqlite.prepare(source);
        // Evict the oldest entry; hot statements are re-prepared at most once per eviction cycle.
        if (cache.size >= capacity) cache.delete(cache.keys().next().value as string);
        cache.set(source, stmt);
      }
      return stmt;
    },
    close(): void {
      sqlite.close();
    },
  };
}

const PG_INT8 = 20;
const PG_NUMERIC = 1700;

/**
 * Set while a transaction's work runs: the outer handle refuses queries in that async context. It is a
 * programmer's assertion, on in tests and development (`NODE_ENV` test or development, under Vitest, or
 * `LATCH_TX_GUARD=on`) and off otherwise: tracking the async context puts a hook on every promise the
 * process makes, a tax of several percent on every request.
 */
const TX_GUARD = process.env.LATCH_TX_GUARD === 'on' || (process.env.LATCH_TX_GUARD !== 'off' && (process.env.VITEST !== undefined || process.env.NODE_ENV === 'test' || process.env.NODE_ENV === 'development'));
const openTransaction = TX_GUARD ? new AsyncLocalStorage<{ open: boolean }>() : null;

/**
 * Wraps a dialect's driver so that (1) a query on the outer handle from inside a transaction's work fails
 * at once with a programmer error — on SQLite it would wait forever for the connection the transaction
 * holds, on PostgreSQL it would read and write outside the transaction's locks — and (2) SQLite
 * transactions begin IMMEDIATE, taking the write lock before their first read, so a read-modify-write is
 * serialised against other processes too instead of failing when it upgrades to a writer.
 */
function guarded(dialect: Dialect, begin: string | null): Dialect {
  return {
    createAdapter: () => dialect.createAdapter(),
    createIntrospector: (db) => dialect.createIntrospector(db),
    createQueryCompiler: () => dialect.createQueryCompiler(),
    createDriver(): Driver {
      const driver = dialect.createDriver();
      return {
        init: () => driver.init(),
        async acquireConnection(): Promise<DatabaseConnection> {
          if (openTransaction?.getStore()?.open) {
            throw new Error('The outer database handle was used inside a transaction; use the transaction handle (tx) instead.');
          }
          return driver.acquireConnection();
        },
        beginTransaction: (connection: DatabaseConnection, settings: TransactionSettings) =>
          begin ? connection.executeQuery(CompiledQuery.raw(begin)).then(() => undefined) : driver.beginTransaction(connection, settings),
        commitTransaction: (connection: DatabaseConnection) => driver.commitTransaction(connection),
        rollbackTransaction: (connection: DatabaseConnection) => driver.rollbackTransaction(connection),
        releaseConnection: (connection: DatabaseConnection) => driver.releaseConnection(connection),
        destroy: () => driver.destroy(),
      };
    },
  };
}

/**
 * Maps the unique index a transaction ran into to the coded error the caller answers with. It runs after
 * the transaction has rolled back, so it may query `db` (to find which of several identifiers was taken).
 * Returning null rethrows the database's error (an index the caller did not expect).
 */
export type UniqueMapper = (violation: UniqueViolation) => Error | null | Promise<Error | null>;

/**
 * Runs `work` in one transaction and returns its result. Everything `work` reads it may lock (`forUpdate`);
 * a unique violation becomes the error `onUnique` names. The one way services open a transaction.
 */
export async function transaction<T>(db: Db, work: (tx: Tx) => Promise<T>, onUnique?: UniqueMapper): Promise<T> {
  const scope = { open: true };
  const body = async (trx: Tx): Promise<T> => {
    atCommit.set(trx, new Map());
    const result = await work(trx);
    // Inside the transaction, the last statements before COMMIT, in key order: every transaction that
    // writes several kept counters locks their rows in the same order, so two cannot deadlock on them.
    const last = [...(atCommit.get(trx) ?? [])].sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0));
    for (const [, write] of last) await write();
    return result;
  };
  try {
    return await db.transaction().execute((trx) => (openTransaction ? openTransaction.run(scope, () => body(trx as Tx)) : body(trx as Tx)));
  } catch (err) {
    return await rethrow(err, onUnique);
  } finally {
    // Work the transaction started but did not await (a notification, a timer) may use the outer handle
    // once the transaction is over.
    scope.open = false;
  }
}

/** The work each open `transaction` runs last, by key. */
const atCommit = new WeakMap<Tx, Map<string, () => Promise<void>>>();

/**
 * Runs `last` at the end of the transaction `tx` (opened by `transaction`), after the rest of its work and
 * before COMMIT, once per key however often it is asked for, in the order of the keys. Kept counters use
 * it to write all of a transaction's changes in one statement, holding their row lock only for the moment
 * before COMMIT.
 */
export function beforeCommit(tx: Tx, key: string, last: () => Promise<void>): void {
  const work = atCommit.get(tx);
  if (!work) throw new Error('beforeCommit needs a transaction opened by transaction()');
  if (!work.has(key)) work.set(key, last);
}

/** Per transaction, the running totals each `addBeforeCommit` key gathers. */
const tallies = new WeakMap<Tx, Map<string, Map<unknown, number>>>();

/**
 * Adds `delta` to `item`'s total under `key` in the transaction `tx`; the totals are handed to `write`
 * once, just before COMMIT (`beforeCommit`), and never written when the transaction rolls back. Kept
 * counters use it to write all of a transaction's changes in one statement.
 */
export function addBeforeCommit<K>(tx: Tx, key: string, item: K, delta: number, write: (totals: Map<K, number>) => Promise<void>): void {
  if (delta === 0) return;
  let byKey = tallies.get(tx);
  if (!byKey) tallies.set(tx, (byKey = new Map()));
  let totals = byKey.get(key) as Map<K, number> | undefined;
  if (!totals) {
    const mine = new Map<K, number>();
    byKey.set(key, mine as Map<unknown, number>);
    beforeCommit(tx, key, () => write(mine));
    totals = mine;
  }
  totals.set(item, (totals.get(item) ?? 0) + delta);
}

/**
 * Runs the reads of one page of a list without parallel workers (PostgreSQL): a page of ten found by
 * walking an index gains nothing from them, and starting two costs ~10 ms on a small machine, yet the
 * planner picks them when a fresh ANALYZE prices the walk high (a broad member search: 8.9 ms serial,
 * 16–20 ms with two workers). It costs the transaction's BEGIN, SET LOCAL and COMMIT, so it serves
 * searches only. On SQLite (no parallel workers; its transactions take the write lock) it is `work(db)`.
 */
export async function serialRead<T>(db: Db, work: (ex: Executor) => Promise<T>): Promise<T> {
  if (dialectOf(db) !== 'postgres') return work(db);
  return transaction(db, async (tx) => {
    await sql`SET LOCAL max_parallel_workers_per_gather = 0`.execute(tx);
    return work(tx);
  });
}

/** Runs one statement, mapping a unique violation like `transaction` does. */
export async function uniqueOr<T>(statement: Promise<T>, onUnique: UniqueMapper): Promise<T> {
  try {
    return await statement;
  } catch (err) {
    return await rethrow(err, onUnique);
  }
}

/** Throws the coded error `onUnique` names for a unique violation, or `err` itself. */
async function rethrow(err: unknown, onUnique: UniqueMapper | undefined): Promise<never> {
  const violation = onUnique ? uniqueViolation(err) : null;
  const mapped = violation && onUnique ? await onUnique(violation) : null;
  throw mapped ?? err;
}

/** The dialect behind a handle. */
export function dialectOf(ex: Executor | Kysely<Database>): DialectName {
  return ex.getExecutor().adapter instanceof PostgresAdapter ? 'postgres' : 'sqlite';
}

/**
 * Row lock for a SELECT inside a transaction: `FOR UPDATE` on PostgreSQL. SQLite has no row locks and
 * needs none: its transactions begin IMMEDIATE, so the whole database is locked for writes already.
 * Use as `.$call(forUpdate(tx))`.
 */
export function forUpdate(tx: Tx): <QB extends { forUpdate(): QB }>(qb: QB) => QB {
  return forUpdateOn(tx);
}

/** `FOR UPDATE` where the handle's dialect has it (PostgreSQL). */
function forUpdateOn(ex: Executor): <QB extends { forUpdate(): QB }>(qb: QB) => QB {
  const postgres = dialectOf(ex) === 'postgres';
  return (qb) => (postgres ? qb.forUpdate() : qb);
}

/**
 * `forUpdate` for a `statement` built on the outer handle and run inside transactions: the lock is part
 * of the compiled SQL (PostgreSQL), so the statement must only be run with a `Tx`.
 */
export function forUpdateWhenRun(db: Db): <QB extends { forUpdate(): QB }>(qb: QB) => QB {
  return forUpdateOn(db);
}

/**
 * Shared row lock (`FOR SHARE` on PostgreSQL): the row may not change or disappear until the transaction
 * ends, while other readers may hold the same lock (e.g. many members given one role while that role's
 * deletion waits). Nothing on SQLite, for the same reason as `forUpdate`.
 */
export function forShare(tx: Tx): <QB extends { forShare(): QB }>(qb: QB) => QB {
  const postgres = dialectOf(tx) === 'postgres';
  return (qb) => (postgres ? qb.forShare() : qb);
}

/** Opens the database a URL names. SQLite files and their folder are created on first use. */
/**
 * A query compiled once and run with new parameters: for the few reads on every request's path, where
 * building the query each time costs more than running it. `build` is called once with placeholder
 * values; the parameters are then given in the order those placeholders appear in the SQL.
 */
export function prepared<Row>(db: Db, build: (db: Db) => { compile(): CompiledQuery<Row> }): (...parameters: unknown[]) => Promise<Row | undefined> {
  // On SQLite the statement runs directly, without the driver's connection hand-off, except while some
  // request's transaction is open on the one connection (its uncommitted writes would be visible): see
  // `statement`, whose read on the outer handle this is.
  const s = statement(db, build);
  return (...parameters) => s.first(db, ...parameters);
}

/**
 * A statement compiled once, run on either handle (`Db` or a `Tx`) with new parameters: for the writes and
 * locked reads of hot flows (password sign-in), where Kysely's building and compiling cost more than the
 * statement. `build` is called once with placeholder values; parameters are given in the order their
 * placeholders appear in the SQL. The SQL must be the same on every call: no optional clauses, and row
 * locks written into the builder for PostgreSQL (`forUpdate` takes the dialect from `db`).
 *
 * On SQLite, inside a transaction the statement runs directly on the connection the transaction holds
 * (SQLite has one, and it is this transaction's until it ends), skipping the driver's hand-off; outside one
 * it behaves like `prepared`. On PostgreSQL it runs through the handle, so it is part of the transaction.
 */
export interface Statement<Row> {
  /** Every row. */
  all(ex: Executor, ...parameters: unknown[]): Promise<Row[]>;
  /** The first row, or undefined. */
  first(ex: Executor, ...parameters: unknown[]): Promise<Row | undefined>;
  /** Runs a write; the number of rows it changed. */
  run(ex: Executor, ...parameters: unknown[]): Promise<number>;
}

export function statement<Row = never>(db: Db, build: (db: Db) => { compile(): CompiledQuery<Row> }): Statement<Row> {
  const compiled = build(db).compile();
  const sqlite = sqliteOf.get(db);
  const stmt = sqlite ? sqlite.prepare(compiled.sql) : null;
  if (!sqlite) keepPrepared(compiled.sql);
  async function viaKysely(ex: Executor, parameters: unknown[]) {
    return ex.executeQuery<Row>({ ...compiled, parameters });
  }
  /** Whether the statement may run directly on SQLite's connection from `ex`. */
  function direct(ex: Executor): boolean {
    if (!sqlite) return false;
    if (ex.isTransaction) {
      // The transaction holds the one connection; its BEGIN has run once the work is called.
      return sqlite.inTransaction;
    }
    if (openTransaction?.getStore()?.open) throw new Error('The outer database handle was used inside a transaction; use the transaction handle (tx) instead.');
    // Outside any transaction only when no other request's transaction is open on the connection.
    return !sqlite.inTransaction;
  }
  return {
    async all(ex, ...parameters) {
      if (stmt && direct(ex)) return stmt.all(...parameters) as Row[];
      return [...(await viaKysely(ex, parameters)).rows];
    },
    async first(ex, ...parameters) {
      if (stmt && direct(ex)) return stmt.get(...parameters) as Row | undefined;
      return (await viaKysely(ex, parameters)).rows[0];
    },
    async run(ex, ...parameters) {
      if (stmt && direct(ex)) return stmt.run(...parameters).changes;
      return Number((await viaKysely(ex, parameters)).numAffectedRows ?? 0n);
    },
  };
}

/**
 * SQL texts PostgreSQL keeps prepared, by name. Planning a statement costs PostgreSQL more than running
 * it when it reads a few rows by key (0.3–0.5 ms against 0.05 ms for a user by id), and an unnamed
 * statement is planned on every run. A named one is parsed once per connection, and after five runs
 * PostgreSQL reuses a generic plan when it is no dearer than the custom ones: so only statements whose
 * best plan does not depend on the values are named (`statement`s, and reads by unique keys through
 * `executePrepared`), never searches or ranges, where the values decide between indexes. Names are
 * given per process, at most MAX_PREPARED of them, so a connection never holds more plans than that.
 */
const preparedNames = new Map<string, string>();
const MAX_PREPARED = 500;

function keepPrepared(text: string): void {
  if (!preparedNames.has(text) && preparedNames.size < MAX_PREPARED) preparedNames.set(text, `latch_${preparedNames.size + 1}`);
}

/**
 * `column IN (values)`, written `column = ANY($1)` on PostgreSQL: one SQL text however many values, so a
 * read of rows by their keys can be kept prepared (see preparedNames) without a text per list length.
 * One value is `column = $1`, a text of its own: a generic plan prices `= ANY($1)` for an array of
 * unknown length (several rows even on a unique key), and when that is several times the one-value plan's
 * price PostgreSQL never keeps it and plans every run anew (0.3–1 ms a statement).
 */
export function keyIn(on: Executor | Kysely<Database> | DialectName, column: string, values: readonly string[]): RawBuilder<SqlBool> {
  const dialect = typeof on === 'string' ? on : dialectOf(on);
  if (dialect !== 'postgres') return sql<SqlBool>`${sql.ref(column)} IN (${sql.join([...values])})`;
  return values.length === 1 ? sql<SqlBool>`${sql.ref(column)} = ${values[0]}` : sql<SqlBool>`${sql.ref(column)} = ANY(${[...values]}::text[])`;
}

/** Runs a query that reads by unique keys, as a named statement on PostgreSQL (see preparedNames). */
export async function executePrepared<Row>(ex: Executor | Kysely<Database>, query: { compile(): CompiledQuery<Row> }): Promise<Row[]> {
  const compiled = query.compile();
  if (dialectOf(ex) === 'postgres') keepPrepared(compiled.sql);
  return [...(await ex.executeQuery(compiled)).rows];
}

/**
 * Makes a pool connection send the statements named in `preparedNames` as named statements. A plan that
 * a schema change made invalid (PostgreSQL: "cached plan must not change result type") is dropped and
 * the statement run once more, outside a transaction; inside one the error stands (the transaction is
 * already aborted) and the next run, in a transaction or not, prepares it anew.
 */
function namePreparedStatements(client: pg.PoolClient): void {
  const query = client.query.bind(client) as (...args: unknown[]) => Promise<pg.QueryResult>;
  const connection = (client as unknown as { connection: { parsedStatements: Record<string, string> } }).connection;
  let inTransaction = false;
  // Invalidated plans met inside a transaction, dropped before their next run (an aborted transaction
  // refuses even DEALLOCATE).
  const stale = new Set<string>();
  const named = async (name: string, text: string, values: unknown[]): Promise<pg.QueryResult> => {
    if (stale.delete(name)) await query(`DEALLOCATE ${name}`);
    try {
      return await query({ name, text, values });
    } catch (err) {
      if ((err as { code?: string }).code !== '0A000' || connection.parsedStatements[name] === undefined) throw err;
      delete connection.parsedStatements[name];
      if (inTransaction) {
        stale.add(name);
        throw err;
      }
      await query(`DEALLOCATE ${name}`);
      return query({ name, text, values });
    }
  };
  client.query = ((...args: unknown[]) => {
    const [text, values] = args;
    if (typeof text === 'string') {
      if (/^(begin|start transaction)\b/i.test(text)) inTransaction = true;
      else if (/^(commit|rollback)\b/i.test(text)) inTransaction = false;
    }
    const name = typeof text === 'string' ? preparedNames.get(text) : undefined;
    if (name === undefined || !Array.isArray(values) || args.length !== 2) return query(...args);
    return named(name, text as string, values);
  }) as typeof client.query;
}

/** The better-sqlite3 handle behind a SQLite `Db`, for `prepared`. */
const sqliteOf = new WeakMap<object, SqliteDatabase.Database>();

export async function openStorage(url: string, options: StorageOptions = {}): Promise<Storage> {
  if (url.startsWith('sqlite:')) {
    const path = url.slice('sqlite:'.length);
    if (path !== ':memory:') mkdirSync(dirname(path), { recursive: true });
    const sqlite = new SqliteDatabase(path);
    sqlite.pragma('journal_mode = WAL');
    sqlite.pragma('synchronous = NORMAL');
    sqlite.pragma('foreign_keys = ON');
    sqlite.pragma('busy_timeout = 5000');
    // Reads from memory-mapped pages and a 64 MiB page cache instead of a read() per page (SQLite's
    // default cache is 2 MiB, less than the hot part of a database with many users).
    sqlite.pragma('mmap_size = 268435456');
    sqlite.pragma('cache_size = -65536');
    const db = new Kysely<Database>({ dialect: guarded(new SqliteDialect({ database: withStatementCache(sqlite) }), 'begin immediate') }) as Db;
    sqliteOf.set(db, sqlite);
    return { db, dialect: 'sqlite', close: () => db.destroy() };
  }
  if (/^postgres(ql)?:\/\//.test(url)) {
    const schema = options.schema;
    if (schema !== undefined && !/^[a-z_][a-z0-9_]{0,62}$/.test(schema)) throw new Error(`invalid schema name ${schema}`);
    if (schema) {
      const admin = new pg.Client({ connectionString: url });
      await admin.connect();
      try {
        await admin.query(`CREATE SCHEMA IF NOT EXISTS ${schema}`);
      } finally {
        await admin.end();
      }
    }
    const pool = new pg.Pool({
      connectionString: url,
      max: options.poolSize ?? 10,
      // Timestamps are BIGINT milliseconds: well inside Number's exact range, so parse them as numbers.
      types: {
        getTypeParser: (oid: number, format?: 'text' | 'binary') =>
          oid === PG_INT8 || oid === PG_NUMERIC
            ? (v: string) => Number(v)
            : pg.types.getTypeParser(oid, format ?? 'text'),
      } as pg.CustomTypesConfig,
      ...(schema ? { options: `-c search_path=${schema},public` } : {}),
    });
    if (options.preparedStatements !== false) pool.on('connect', namePreparedStatements);
    const db = new Kysely<Database>({ dialect: guarded(new PostgresDialect({ pool }), null) }) as Db;
    return { db, dialect: 'postgres', ...(schema ? { schema } : {}), close: () => db.destroy() };
  }
  throw new Error(`unsupported database URL: ${url}`);
}

/** Drops a PostgreSQL schema and everything in it (test clean-up). */
export async function dropPostgresSchema(url: string, schema: string): Promise<void> {
  if (!/^[a-z_][a-z0-9_]{0,62}$/.test(schema)) throw new Error(`invalid schema name ${schema}`);
  const admin = new pg.Client({ connectionString: url });
  await admin.connect();
  try {
    await admin.query(`DROP SCHEMA IF EXISTS ${schema} CASCADE`);
  } finally {
    await admin.end();
  }
}

/** Which unique index a write ran into: the index name (PostgreSQL) or the message naming its columns (SQLite). */
export interface UniqueViolation {
  detail: string;
}

/** Details of a unique-constraint violation, or null when `err` is something else. */
export function uniqueViolation(err: unknown): UniqueViolation | null {
  if (typeof err !== 'object' || err === null) return null;
  const e = err as { code?: unknown; message?: unknown; constraint?: unknown };
  // better-sqlite3: SQLITE_CONSTRAINT_UNIQUE / _PRIMARYKEY, message names the columns.
  if (e.code === 'SQLITE_CONSTRAINT_UNIQUE' || e.code === 'SQLITE_CONSTRAINT_PRIMARYKEY') {
    return { detail: String(e.message ?? '') };
  }
  // PostgreSQL: SQLSTATE 23505, the constraint (index) name tells which one.
  if (e.code === '23505') return { detail: String(e.constraint ?? e.message ?? '') };
  return null;
}

/** A LIKE pattern matching `needle` anywhere, with `%`, `_` and `\\` taken literally (use ESCAPE '\\'). */
export function containsPattern(needle: string): string {
  return `%${needle.replace(/[\\%_]/g, (c) => `\\${c}`)}%`;
}
