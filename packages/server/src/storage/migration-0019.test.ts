/**
 * Migration 0019 over an instance that already has users: the users by day of creation start equal to
 * `count(*) GROUP BY day` (slot 0 holds each day), with days rounded down before 1970 as the server rounds
 * them, and a range count over them equals `count(*)` at once.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { freshDatabase, testDialects, type TestDatabase } from '../test/harness.js';
import { openStorage, type Storage } from './database.js';
import { migrateToLatest, migrateUpTo } from './migrations.js';
import { DAY_MS, countCreatedBetween, dayOf } from '../domains/users/created-days-repository.js';

describe.each(testDialects())('migration 0019 over existing users on %s', (dialect) => {
  let database: TestDatabase;
  let storage: Storage;
  beforeAll(async () => {
    database = freshDatabase(dialect);
    storage = await openStorage(database.url, database.schema ? { schema: database.schema } : {});
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
      .values(times.map((at, i) => userRow(`user_m19_${i}`, at)))
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

function userRow(id: string, createdAt: number) {
  return {
    id,
    external_id: null,
    username: null,
    username_normalized: null,
    first_name: null,
    last_name: null,
    locale: null,
    timezone: null,
    primary_email_address_id: null,
    primary_phone_number_id: null,
    primary_web3_wallet_id: null,
    public_metadata: '{}',
    private_metadata: '{}',
    unsafe_metadata: '{}',
    image_id: null,
    banned: 0,
    locked: 0,
    locked_at: null,
    delete_self_enabled: 1,
    create_organization_enabled: 1,
    create_organizations_limit: null,
    legal_accepted_at: null,
    last_sign_in_at: null,
    last_active_at: null,
    bypass_client_trust: 0,
    totp_secret: null,
    pending_totp_secret: null,
    backup_codes: null,
    mfa_enabled_at: null,
    mfa_disabled_at: null,
    password_compromised_at: null,
    search_text: id,
    created_at: createdAt,
    updated_at: createdAt,
  };
}
