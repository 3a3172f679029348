/**
 * Named prepared statements on PostgreSQL (database.ts, `preparedNames`): the reads by key that every
 * request makes are parsed once per connection and planned once, and a schema change that invalidates a
 * kept plan does not break the statement. On SQLite `executePrepared` is a plain run (tested for the same
 * answers).
 */
import { sql } from 'kysely';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { freshDatabase, openTestStorage, testDialects, type TestDatabase } from '../test/harness.js';
import { executePrepared, keyIn, serialRead, transaction, type Storage } from './database.js';

describe.each(testDialects())('kept prepared statements on %s', (dialect) => {
  let database: TestDatabase;
  let storage: Storage;
  beforeAll(async () => {
    database = freshDatabase(dialect);
    // One connection, so that every statement below meets the plans the earlier ones left on it.
    storage = await openTestStorage(database, { poolSize: 1 });
    await sql`CREATE TABLE prep_things (id TEXT PRIMARY KEY, n INTEGER NOT NULL)`.execute(storage.db);
    for (let i = 0; i < 20; i++) await sql`INSERT INTO prep_things (id, n) VALUES (${`t${i}`}, ${i})`.execute(storage.db);
  });
  afterAll(async () => {
    await storage.close();
    await database.cleanup();
  });

  const byIdOn = (s: Storage) => (id: string) => s.db.selectFrom('prep_things' as never).selectAll().where('id' as never, '=', id as never);
  const byId = (id: string) => byIdOn(storage)(id);

  it('answers like the plain query on every run, past the runs after which a generic plan is kept', async () => {
    for (let i = 0; i < 20; i++) {
      const rows = await executePrepared(storage.db, byId(`t${i}`));
      expect(rows).toEqual([{ id: `t${i}`, n: i }]);
    }
    expect(await executePrepared(storage.db, byId('nobody'))).toEqual([]);
  });

  it.runIf(dialect === 'postgres')('prepares the statement once on the connection, by a name of its own', async () => {
    await executePrepared(storage.db, byId('t1'));
    const text = byId('x').compile().sql;
    const kept = await sql<{ name: string; statement: string }>`SELECT name, statement FROM pg_prepared_statements`.execute(storage.db);
    const mine = kept.rows.filter((r) => r.statement === text);
    expect(mine).toHaveLength(1);
    expect(mine[0]?.name).toMatch(/^latch_\d+$/);
    // A query that was not asked to be kept stays unnamed.
    await storage.db.selectFrom('prep_things' as never).select('n' as never).where('n' as never, '>', 3 as never).execute();
    const after = await sql<{ statement: string }>`SELECT statement FROM pg_prepared_statements`.execute(storage.db);
    expect(after.rows.filter((r) => r.statement.includes('"n" >'))).toEqual([]);
  });

  it.runIf(dialect === 'postgres')('prepares nothing when turned off (for poolers that cannot keep them)', async () => {
    const off = await openTestStorage(database, { poolSize: 1, preparedStatements: false });
    try {
      expect(await executePrepared(off.db, byIdOn(off)('t3'))).toEqual([{ id: 't3', n: 3 }]);
      const kept = await sql<{ name: string }>`SELECT name FROM pg_prepared_statements`.execute(off.db);
      expect(kept.rows).toEqual([]);
    } finally {
      await off.close();
    }
  });

  it('reads a page without parallel workers inside serialRead only', async () => {
    const setting = async (ex: Parameters<typeof executePrepared>[0]) =>
      (await sql<{ v: string }>`SELECT current_setting('max_parallel_workers_per_gather') AS v`.execute(ex)).rows[0]?.v;
    if (dialect === 'postgres') {
      const before = await setting(storage.db);
      expect(await serialRead(storage.db, (ex) => setting(ex))).toBe('0');
      expect(await setting(storage.db)).toBe(before);
      expect(before).not.toBe('0');
    }
    expect(await serialRead(storage.db, (ex) => executePrepared(ex, byIdOn({ ...storage, db: ex } as Storage)('t4')))).toEqual([{ id: 't4', n: 4 }]);
  });

  it('reads rows by one key or several with keyIn; by one key PostgreSQL keeps a generic plan', async () => {
    await sql`CREATE TABLE prep_many (id TEXT PRIMARY KEY, n INTEGER NOT NULL)`.execute(storage.db);
    if (dialect === 'postgres') {
      await sql`INSERT INTO prep_many SELECT 'm' || g, g FROM generate_series(1, 20000) g`.execute(storage.db);
      await sql`ANALYZE prep_many`.execute(storage.db);
    } else {
      for (let i = 1; i <= 50; i++) await sql`INSERT INTO prep_many (id, n) VALUES (${`m${i}`}, ${i})`.execute(storage.db);
    }
    const byKeys = (ids: string[]) => storage.db.selectFrom('prep_many' as never).select(['id', 'n'] as never).where(keyIn(storage.db, 'id', ids)).orderBy('n' as never);
    expect(await executePrepared(storage.db, byKeys(['m7']))).toEqual([{ id: 'm7', n: 7 }]);
    expect(await executePrepared(storage.db, byKeys(['m9', 'm3', 'nobody']))).toEqual([{ id: 'm3', n: 3 }, { id: 'm9', n: 9 }]);
    if (dialect !== 'postgres') return;
    // Past the five custom plans PostgreSQL compares a generic plan's price with theirs. Written
    // `= ANY($1)`, a one-key read is priced for an array of unknown length and never kept: planned anew
    // on every run.
    for (let i = 1; i <= 8; i++) await executePrepared(storage.db, byKeys([`m${i}`]));
    const text = byKeys(['x']).compile().sql;
    const kept = await sql<{ generic_plans: string }>`SELECT generic_plans FROM pg_prepared_statements WHERE statement = ${text}`.execute(storage.db);
    expect(Number(kept.rows[0]?.generic_plans)).toBeGreaterThan(0);
  });

  it('keeps working when the table changes under a kept plan', async () => {
    for (let i = 0; i < 7; i++) await executePrepared(storage.db, byId('t2'));
    await sql`ALTER TABLE prep_things ADD COLUMN label TEXT`.execute(storage.db);
    // Outside a transaction the invalidated plan is dropped and the statement run again, with the new column.
    expect(await executePrepared(storage.db, byId('t2'))).toEqual([{ id: 't2', n: 2, label: null }]);
    await sql`ALTER TABLE prep_things DROP COLUMN label`.execute(storage.db);
    // Inside one the first run fails with the transaction aborted, and later runs prepare it anew.
    const inTx = transaction(storage.db, (tx) => executePrepared(tx, byId('t2')));
    if (dialect === 'postgres') await expect(inTx).rejects.toThrow(/cached plan must not change result type/);
    else await expect(inTx).resolves.toEqual([{ id: 't2', n: 2 }]);
    expect(await transaction(storage.db, (tx) => executePrepared(tx, byId('t2')))).toEqual([{ id: 't2', n: 2 }]);
    expect(await executePrepared(storage.db, byId('t2'))).toEqual([{ id: 't2', n: 2 }]);
  });
});
