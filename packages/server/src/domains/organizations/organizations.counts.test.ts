/**
 * The kept instance-wide counts behind the unfiltered `total_count` of `/organizations`,
 * `/organization_memberships` and `/organization_invitations` (migration 0018): every transaction that
 * inserts, deletes or changes the status of a row changes them before it commits, so they equal
 * `count(*)` however many writers run at once. Checked on both databases after parallel creations and
 * deletions of organizations, members, users and invitations, and revocations.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startTestServer, openTestStorage, testDialects, type TestServer } from '../../test/harness.js';
import { type Storage } from '../../storage/database.js';

describe.each(testDialects())('kept organization counts on %s', (dialect) => {
  let t: TestServer;
  let storage: Storage;

  beforeAll(async () => {
    t = await startTestServer(dialect);
    // A second handle on the server's database, for `count(*)`.
    storage = await openTestStorage(t.database);
  });
  afterAll(async () => {
    await storage?.close();
    await t?.close();
  });

  async function call(path: string, method = 'GET', json?: unknown): Promise<{ status: number; body: Record<string, unknown> }> {
    const res = await t.api(path, json === undefined ? { method } : { method, json });
    return { status: res.status, body: (await res.json()) as Record<string, unknown> };
  }
  async function total(path: string): Promise<number> {
    const r = await call(path);
    expect(r.status, path).toBe(200);
    return r.body.total_count as number;
  }
  async function counted(table: 'organizations' | 'organization_memberships' | 'organization_invitations', status?: string, lapsed?: boolean): Promise<number> {
    let q = storage.db.selectFrom(table).select((eb) => eb.fn.countAll<number | string>().as('n'));
    if (status) q = q.where('status' as never, '=', status as never);
    if (lapsed !== undefined) q = q.where('expires_at' as never, lapsed ? '<=' : '>', Date.now() as never);
    return Number((await q.executeTakeFirstOrThrow()).n);
  }
  async function expectCountsExact(): Promise<void> {
    expect(await total('/organizations?limit=1')).toBe(await counted('organizations'));
    expect(await total('/organization_memberships?limit=1')).toBe(await counted('organization_memberships'));
    expect(await total('/organization_invitations?limit=1')).toBe(await counted('organization_invitations'));
    const lapsed = await counted('organization_invitations', 'pending', true);
    expect(await total('/organization_invitations?limit=1&status=pending')).toBe((await counted('organization_invitations', 'pending')) - lapsed);
    expect(await total('/organization_invitations?limit=1&status=expired')).toBe((await counted('organization_invitations', 'expired')) + lapsed);
    expect(await total('/organization_invitations?limit=1&status=revoked')).toBe(await counted('organization_invitations', 'revoked'));
    expect(await total('/organization_invitations?limit=1&status=pending&status=expired')).toBe((await counted('organization_invitations', 'pending')) + (await counted('organization_invitations', 'expired')));
    const row = await storage.db.selectFrom('organization_counts').select((eb) => eb.fn.countAll<number | string>().as('n')).executeTakeFirstOrThrow();
    expect(Number(row.n)).toBe(6 * 16);
  }

  it('stay equal to count(*) under parallel creations, deletions and status changes', async () => {
    const users: string[] = [];
    for (let i = 0; i < 24; i++) {
      const r = await call('/users', 'POST', { email_address: [`counts${i}@counts.test`] });
      expect(r.status).toBe(200);
      users.push(r.body.id as string);
    }
    // Organizations created in parallel, each with its creator as a member.
    const created = await Promise.all(Array.from({ length: 16 }, (_, i) => call('/organizations', 'POST', { name: `Counted ${i}`, created_by: users[i % users.length] })));
    const orgs = created.map((r) => {
      expect(r.status).toBe(200);
      return r.body.id as string;
    });
    // Members added (some twice at once: one of the two is refused) and invitations sent, in parallel.
    const added = await Promise.all([
      ...orgs.flatMap((o, i) => [1, 2, 3, 3].map((k) => call(`/organizations/${o}/memberships`, 'POST', { user_id: users[(i + k) % users.length], role: 'org:member' }))),
      ...orgs.flatMap((o, i) => [0, 1, 2].map((k) => call(`/organizations/${o}/invitations`, 'POST', { email_address: `invitee${i}.${k}@counts.test`, role: 'org:member' }))),
    ]);
    // No write failed but by rule (a duplicate member): none deadlocked on the counts.
    expect(added.filter((r) => r.status >= 500)).toEqual([]);
    await expectCountsExact();

    // Some invitations lapse (their stored status stays pending; they are listed as expired).
    const pending = await storage.db.selectFrom('organization_invitations').select(['id', 'organization_id']).orderBy('id').execute();
    await storage.db.updateTable('organization_invitations').set({ expires_at: Date.now() - 1000 }).where('id', 'in', pending.slice(0, 5).map((p) => p.id)).execute();
    await expectCountsExact();

    // In parallel: revocations (each twice at once: one revokes), removed members, deleted organizations
    // (each twice at once: one deletes) and deleted users (whose memberships go with them).
    const changed = await Promise.all([
      ...pending.slice(5, 20).flatMap((p) => [0, 1].map(() => call(`/organizations/${p.organization_id}/invitations/${p.id}/revoke`, 'POST', {}))),
      ...orgs.slice(0, 8).map((o, i) => call(`/organizations/${o}/memberships/${users[(i + 1) % users.length]}`, 'DELETE')),
      ...orgs.slice(8, 12).flatMap((o) => [0, 1].map(() => call(`/organizations/${o}`, 'DELETE'))),
      ...users.slice(18, 22).map((u) => call(`/users/${u}`, 'DELETE')),
      ...orgs.slice(12).map((o, i) => call(`/organizations/${o}/invitations`, 'POST', { email_address: `late${i}@counts.test`, role: 'org:member' })),
    ]);
    expect(changed.filter((r) => r.status >= 500)).toEqual([]);
    expect(await counted('organizations')).toBe(12);
    expect(await counted('organization_invitations', 'revoked')).toBeGreaterThan(0);
    await expectCountsExact();
  });

  it('counts nothing for a write that is refused', async () => {
    const before = await total('/organization_memberships?limit=1');
    const r = await call('/organizations', 'POST', { name: 'Refused', created_by: 'user_missing' });
    expect(r.status).toBe(404);
    expect(await total('/organization_memberships?limit=1')).toBe(before);
    await expectCountsExact();
  });
});
