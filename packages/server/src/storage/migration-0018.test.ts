/**
 * Migration 0018 over an instance that already has organizations: the kept counts start equal to
 * `count(*)` (slot 0 holds them, the other 15 slots 0), and the invitations already there are found by the
 * new search index.
 */
import { newId } from '@latch/core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { freshDatabase, openTestStorage, testDialects, type TestDatabase } from '../test/harness.js';
import { type Db, type Storage } from './database.js';
import { migrateToLatest, migrateUpTo } from './migrations.js';
import { listInvitations } from '../domains/organizations/invitations/repository.js';
import { COUNTERS, storedCounts } from '../domains/organizations/counts/repository.js';

describe.each(testDialects())('migration 0018 over existing organizations on %s', (dialect) => {
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

  it('backfills the kept counts and the invitation search index', async () => {
    await migrateUpTo(storage, '0017_organizations_scale');
    const t = Date.now();
    const org = (i: number) => ({ id: `org_m18_${i}`, name: `M18 ${i}`, slug: `m18-${i}`, image_id: null, created_by: null, max_allowed_memberships: 0, admin_delete_enabled: 1, public_metadata: '{}', private_metadata: '{}', members_count: 0, admins_count: 0, search_text: `m18 ${i}`, created_at: t + i, updated_at: t + i });
    await storage.db.insertInto('organizations').values([org(1), org(2), org(3)]).execute();
    const statuses = ['pending', 'pending', 'accepted', 'revoked', 'expired'] as const;
    await storage.db
      .insertInto('organization_invitations')
      .values(
        statuses.map((status, k) => ({ id: newId('orginv', t + k), organization_id: `org_m18_${1 + (k % 3)}`, email_address: `m18.${k}@backfill.example`, normalized: `m18.${k}@backfill.example`, role: 'org:member', inviter_user_id: null, public_metadata: '{}', private_metadata: '{}', redirect_url: null, status, source: 'manual', expires_at: null, accepted_at: null, accepted_user_id: null, revoked_at: null, created_at: t + k, updated_at: t + k })),
      )
      .execute();
    expect((await migrateToLatest(storage))[0]).toBe('0018_organization_counts');
    const counts = await storedCounts(storage.db, COUNTERS);
    expect(Object.fromEntries(counts)).toEqual({ organizations: 3, memberships: 0, 'invitations:pending': 2, 'invitations:accepted': 1, 'invitations:revoked': 1, 'invitations:expired': 1 });
    const slots = await storage.db.selectFrom('organization_counts').select(['counter', 'slot', 'n']).where('slot', '>', 0).execute();
    expect(slots).toHaveLength(COUNTERS.length * 15);
    expect(slots.every((s) => Number(s.n) === 0)).toBe(true);
    const found = await listInvitations(storage.db as Db, { query: 'm18.3@backfill', orderBy: 'created_at', direction: 'desc', limit: 10, offset: 0 }, t);
    expect(found.rows.map((r) => r.normalized)).toEqual(['m18.3@backfill.example']);
    expect(found.total).toBe(1);
  });
});
