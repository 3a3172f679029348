/**
 * Migration 0019 over an instance that already has users: the users by day of creation start equal to
 * `count(*) GROUP BY day` (slot 0 holds each day), with days rounded down before 1970 as the server rounds
 * them, and a range count over them equals `count(*)` at once.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { freshDatabase, openTestStorage, testDialects, type TestDatabase } from '../test/harness.js';
import { type Storage } from './database.js';
import { migrateToLatest, migrateUpTo } from './migrations.js';
import { DAY_MS, countCreatedBetween, dayOf } from '../domains/users/created-days-repository.js';
import { userRow } from '../test/rows.js';

describe.each(testDialects())('migration 0019 over existing users on %s', (dialect) => {
  let database: TestDatabase;
  let storage: Storage;
  beforeAll(async () => {
    database = freshDatabase(dialect);
    storage = await openTestStorage(database);
  });
  afterAll(async () => {
    await storage.close();
    await database.cleanup();
  });

  it('backfills the users by day of creation', async () => {
    await migrateUpTo(storage, '0018_organization_counts');
    const base = Date.UTC(2025, 4, 1);
    // Midnight and the millisecond either side, the middle of days, and before 1970.
    const times = [base - 1, base, base + 1, base + DAY_MS / 2, base + DAY_MS - 1, base + 3 * DAY_MS + 7, -1, -DAY_MS, -DAY_MS - 1, 0];
    await storage.db
      .insertInto('users')
      .values(times.map((at, i) => userRow(`user_m19_${i}`, { created_at: at, updated_at: at })))
      .execute();
    expect((await migrateToLatest(storage))[0]).toBe('0019_users_created_days');

    const expected = new Map<number, number>();
    for (const at of times) expected.set(dayOf(at), (expected.get(dayOf(at)) ?? 0) + 1);
    const rows = await storage.db.selectFrom('users_created_days').select(['day', 'slot', 'n']).orderBy('day').execute();
    expect(rows.map((r) => [Number(r.day), Number(r.slot), Number(r.n)])).toEqual([...expected].sort(([a], [b]) => a - b).map(([day, n]) => [day, 0, n]));

    for (const [after, before] of [
      [undefined, base + DAY_MS],
      [base - 2, undefined],
      [-DAY_MS - 2, base + 4 * DAY_MS],
      [-2, base],
      [base - 1, base + 3 * DAY_MS + 8],
    ] as const) {
      const direct = times.filter((at) => (after === undefined || at > after) && (before === undefined || at < before)).length;
      expect(await countCreatedBetween(storage.db, after, before), `after ${after} before ${before}`).toBe(direct);
    }
  });
});
