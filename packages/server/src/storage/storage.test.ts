import { newId } from '@latch/core';
import { sql } from 'kysely';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { freshDatabase, openTestStorage, testDialects, type TestDatabase } from '../test/harness.js';
import { prepared, transaction, uniqueViolation, type Storage } from './database.js';
import { migrateToLatest, migrationsApplied } from './migrations.js';
import { countUsers, listUsers } from '../domains/users/repository.js';
import { userRow } from '../test/rows.js';

describe.each(testDialects())('storage on %s', (dialect) => {
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

  it('applies migrations once and reports them applied', async () => {
    expect(await migrationsApplied(storage)).toBe(false);
    expect(await migrateToLatest(storage)).toEqual(['0001_init', '0002_user_timezone', '0003_access_and_delivery', '0004_organizations', '0005_identification_order', '0006_password_compromised', '0007_user_list_orders', '0008_organization_list_orders', '0010_frontend_api', '0011_session_tokens', '0012_email_links', '0013_handshake_nonces', '0014_self_service', '0015_organization_membership_requests', '0016_users_scale', '0017_organizations_scale', '0018_organization_counts', '0019_users_created_days']);
    expect(await migrateToLatest(storage)).toEqual([]);
    expect(await migrationsApplied(storage)).toBe(true);
  });

  it('enforces unique normalized identifiers in the database itself', async () => {
    const a = newId('user');
    const b = newId('user');
    await storage.db.insertInto('users').values([userRow(a, { username_normalized: 'same', external_id: 'x1' }), userRow(b)]).execute();
    const ident = (user: string) => ({
      id: newId('idn'),
      user_id: user,
      type: 'email_address' as const,
      value: 'A@x.io',
      normalized: 'a@x.io',
      status: 'verified' as const,
      strategy: 'admin',
      reserved_for_second_factor: 0,
      is_primary: 0,
      default_second_factor: 0,
      created_at: 1,
      updated_at: 1,
    });
    await storage.db.insertInto('identifications').values(ident(a)).execute();
    const dupIdent = await storage.db.insertInto('identifications').values(ident(b)).execute().catch((e: unknown) => e);
    expect(uniqueViolation(dupIdent)).not.toBeNull();
    const dupName = await storage.db.updateTable('users').set({ username_normalized: 'same' }).where('id', '=', b).execute().catch((e: unknown) => e);
    expect(uniqueViolation(dupName)?.detail).toMatch(/username/);
    const dupExt = await storage.db.updateTable('users').set({ external_id: 'x1' }).where('id', '=', b).execute().catch((e: unknown) => e);
    expect(uniqueViolation(dupExt)?.detail).toMatch(/external_id/);
    // NULL usernames and external ids never collide.
    await storage.db.insertInto('users').values(userRow(newId('user'))).execute();
    // Deleting a user removes its identifications (foreign key cascade).
    await storage.db.deleteFrom('users').where('id', '=', a).execute();
    const left = await storage.db.selectFrom('identifications').selectAll().where('user_id', '=', a).execute();
    expect(left).toEqual([]);
  });

  it('keeps the search index in step with inserts, updates and deletes', async () => {
    const page = { orderBy: 'created_at' as const, direction: 'asc' as const, limit: 10, offset: 0 };
    const id = newId('user');
    await storage.db.insertInto('users').values(userRow(id, { search_text: 'zebra crossing' })).execute();
    expect((await listUsers(storage.db, storage.dialect, { query: 'bra cro' }, page)).map((u) => u.id)).toEqual([id]);
    // Probes contain '-', which random ids never do, so they can only match this user.
    await storage.db.updateTable('users').set({ search_text: 'quo-kka' }).where('id', '=', id).execute();
    expect(await countUsers(storage.db, storage.dialect, { query: 'bra cro' })).toBe(0);
    expect(await countUsers(storage.db, storage.dialect, { query: 'o-kk' })).toBe(1);
    expect(await countUsers(storage.db, storage.dialect, { query: '-k' })).toBe(1);
    await storage.db.deleteFrom('users').where('id', '=', id).execute();
    expect(await countUsers(storage.db, storage.dialect, { query: 'o-kk' })).toBe(0);
    // LIKE wildcards in a query are literal characters.
    await storage.db.insertInto('users').values(userRow(newId('user'), { search_text: 'xay%zz' })).execute();
    expect(await countUsers(storage.db, storage.dialect, { query: 'x_y' })).toBe(0);
    expect(await countUsers(storage.db, storage.dialect, { query: 'xa%' })).toBe(0);
    expect(await countUsers(storage.db, storage.dialect, { query: 'y%z' })).toBe(1);
    expect(await countUsers(storage.db, storage.dialect, { query: '%z' })).toBe(1);
  });

  it('stores JSON and integer timestamps the same way on both dialects', async () => {
    const id = newId('user');
    const big = 8_640_000_000_000_000;
    await storage.db.insertInto('users').values(userRow(id, { public_metadata: JSON.stringify({ a: [1, { b: null }] }), created_at: big })).execute();
    const row = await storage.db.selectFrom('users').select(['public_metadata', 'created_at']).where('id', '=', id).executeTakeFirstOrThrow();
    const meta = typeof row.public_metadata === 'string' ? JSON.parse(row.public_metadata) : row.public_metadata;
    expect(meta).toEqual({ a: [1, { b: null }] });
    expect(row.created_at).toBe(big);
    expect(typeof row.created_at).toBe('number');
    const one = await sql<{ v: number }>`select 1 as v`.execute(storage.db);
    expect(one.rows[0]?.v).toBe(1);
  });

  it('a compiled-once read never sees another transaction\'s uncommitted writes', async () => {
    const id = newId('user');
    await storage.db.insertInto('users').values(userRow(id, { first_name: 'Before' })).execute();
    const nameOf = prepared(storage.db, (d) => d.selectFrom('users').select(['first_name']).where('id', '=', ''));
    expect(await nameOf(id)).toEqual({ first_name: 'Before' });
    let written!: () => void;
    const wrote = new Promise<void>((resolve) => (written = resolve));
    let read: Promise<unknown> | null = null;
    // Another request reads while this transaction has written and not yet finished; then it rolls back.
    const reader = wrote.then(() => {
      read = nameOf(id);
    });
    await expect(
      transaction(storage.db, async (tx) => {
        await tx.updateTable('users').set({ first_name: 'Uncommitted' }).where('id', '=', id).execute();
        written();
        await reader;
        throw new Error('roll back');
      }),
    ).rejects.toThrow('roll back');
    expect(await read).toEqual({ first_name: 'Before' });
    expect(await nameOf(id)).toEqual({ first_name: 'Before' });
  });
});
