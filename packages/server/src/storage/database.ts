/**
 * Database factory: one Kysely instance from a `sqlite:` or `postgres://` URL, with the dialect's
 * differences (type parsing, pragmas, schema selection) settled here and nowhere else.
 */
import { mkdirSync } from 'node:fs';
import { dirname } from 'node:path';
import SqliteDatabase from 'better-sqlite3';
import { Kysely, PostgresDialect, SqliteDialect } from 'kysely';
import pg from 'pg';
import type { Database } from './schema.js';

export type DialectName = 'sqlite' | 'postgres';

export interface Storage {
  db: Kysely<Database>;
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

/** Opens the database a URL names. SQLite files and their folder are created on first use. */
export async function openStorage(url: string, options: StorageOptions = {}): Promise<Storage> {
  if (url.startsWith('sqlite:')) {
    const path = url.slice('sqlite:'.length);
    if (path !== ':memory:') mkdirSync(dirname(path), { recursive: true });
    const sqlite = new SqliteDatabase(path);
    sqlite.pragma('journal_mode = WAL');
    sqlite.pragma('synchronous = NORMAL');
    sqlite.pragma('foreign_keys = ON');
    sqlite.pragma('busy_timeout = 5000');
    const db = new Kysely<Database>({ dialect: new SqliteDialect({ database: withStatementCache(sqlite) }) });
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
    const db = new Kysely<Database>({ dialect: new PostgresDialect({ pool }) });
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

/** Details of a unique-constraint violation, or null when `err` is something else. */
export function uniqueViolation(err: unknown): { detail: string } | null {
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
