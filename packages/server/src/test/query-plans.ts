/**
 * What the plan tests share: a fresh, migrated database holding imported users (so the planners see
 * realistic tables), and the plan of a query as text lines on either database.
 */
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { CompiledQuery, sql } from 'kysely';
import { importUsersFromFile } from '../domains/users/import/importer.js';
import { type Storage, transaction } from '../storage/database.js';
import { migrateToLatest } from '../storage/migrations.js';
import { freshDatabase, openTestStorage, type TestDialect } from './harness.js';

export interface ImportedDatabase {
  storage: Storage;
  close(): Promise<void>;
}

/** A fresh database of `dialect`, migrated, with `people` (bodies of `POST /v1/users`) imported in bulk. */
export async function importedDatabase(dialect: TestDialect, people: object[]): Promise<ImportedDatabase> {
  const database = freshDatabase(dialect);
  const dir = mkdtempSync(join(tmpdir(), 'latch-imported-'));
  const storage = await openTestStorage(database);
  try {
    await migrateToLatest(storage);
    writeFileSync(join(dir, 'users.jsonl'), people.map((p) => JSON.stringify(p)).join('\n'));
    await importUsersFromFile({ db: storage.db, dialect: storage.dialect }, join(dir, 'users.jsonl'));
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
  return {
    storage,
    async close() {
      await storage.close();
      await database.cleanup();
    },
  };
}

/**
 * The plan of a compiled query as text lines: SQLite's EXPLAIN QUERY PLAN, or PostgreSQL's EXPLAIN with
 * sequential scans and sorts priced out when `priceOut` (a plan that still has one has no index to use
 * instead), and any further `SET LOCAL` settings.
 */
export async function queryPlan(storage: Storage, query: { compile(): CompiledQuery }, priceOut: boolean, settings: string[] = []): Promise<string[]> {
  const c = query.compile();
  if (storage.dialect === 'sqlite') {
    const r = await storage.db.executeQuery<{ detail: string }>(CompiledQuery.raw(`EXPLAIN QUERY PLAN ${c.sql}`, [...c.parameters]));
    return r.rows.map((x) => x.detail);
  }
  return transaction(storage.db, async (tx) => {
    if (priceOut) {
      await sql`SET LOCAL enable_seqscan = off`.execute(tx);
      await sql`SET LOCAL enable_sort = off`.execute(tx);
    }
    for (const setting of settings) await sql.raw(`SET LOCAL ${setting}`).execute(tx);
    const r = await tx.executeQuery<{ 'QUERY PLAN': string }>(CompiledQuery.raw(`EXPLAIN ${c.sql}`, [...c.parameters]));
    return r.rows.map((x) => x['QUERY PLAN']);
  });
}
