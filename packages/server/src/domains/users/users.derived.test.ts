/**
 * What the database keeps beside the users for the lists at scale, checked against what it derives from:
 * the stored user count behind the unfiltered `/users/count` (changed in the same transaction as every
 * insert and delete of a user, so it equals `count(*)` however many run at once), and the `is_primary`
 * flags of identifications (set wherever a user's primary identifier changes).
 */
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startTestServer, openTestStorage, testDialects, type TestServer } from '../../test/harness.js';
import { type Storage } from '../../storage/database.js';
import { importUsersFromFile } from './import/importer.js';

describe.each(testDialects())('stored user count and primary flags on %s', (dialect) => {
  let t: TestServer;
  let storage: Storage;
  const dir = mkdtempSync(join(tmpdir(), 'latch-count-'));

  beforeAll(async () => {
    t = await startTestServer(dialect);
    // A second handle on the server's database: the import and `count(*)` go through it.
    storage = await openTestStorage(t.database);
  });
  afterAll(async () => {
    await storage?.close();
    await t?.close();
    rmSync(dir, { recursive: true, force: true });
  });

  async function stored(): Promise<number> {
    const res = await t.api('/users/count');
    const b = (await res.json()) as { total_count: number };
    expect(res.status).toBe(200);
    return b.total_count;
  }
  async function counted(): Promise<number> {
    const row = await storage.db.selectFrom('users').select((eb) => eb.fn.countAll<number | string>().as('n')).executeTakeFirstOrThrow();
    return Number(row.n);
  }
  async function create(i: number): Promise<string> {
    const res = await t.api('/users', { method: 'POST', json: { email_address: [`count${i}@count.test`], first_name: `C${i}` } });
    const b = (await res.json()) as { id: string };
    expect(res.status, JSON.stringify(b)).toBe(200);
    return b.id;
  }

  it('stays equal to count(*) under parallel creations, deletions and an import', async () => {
    expect(await stored()).toBe(0);
    const first = await Promise.all(Array.from({ length: 30 }, (_, i) => create(i)));
    expect(await stored()).toBe(30);

    const lines = Array.from({ length: 250 }, (_, i) => JSON.stringify({ email_address: [`imported${i}@count.test`] }));
    writeFileSync(join(dir, 'users.jsonl'), lines.join('\n'));
    const [summary] = await Promise.all([
      importUsersFromFile({ db: storage.db, dialect: storage.dialect }, join(dir, 'users.jsonl'), { batchSize: 25 }),
      ...Array.from({ length: 30 }, (_, i) => create(100 + i)),
      ...first.slice(0, 20).map(async (id) => expect((await t.api(`/users/${id}`, { method: 'DELETE' })).status).toBe(200)),
      // Deleting a user twice at once deletes (and uncounts) it once.
      ...first.slice(20, 25).flatMap((id) => [t.api(`/users/${id}`, { method: 'DELETE' }), t.api(`/users/${id}`, { method: 'DELETE' })]),
    ]);
    expect(summary.created).toBe(250);
    expect(await counted()).toBe(30 + 250 + 30 - 25);
    expect(await stored()).toBe(await counted());
  });

  it('counts a rejected creation not at all', async () => {
    const before = await counted();
    const res = await t.api('/users', { method: 'POST', json: { email_address: ['count0@count.test'] } });
    expect(res.status).toBe(200);
    const dup = await t.api('/users', { method: 'POST', json: { email_address: ['count0@count.test'] } });
    expect(dup.status).toBe(422);
    expect(await counted()).toBe(before + 1);
    expect(await stored()).toBe(before + 1);
  });

  /** Identifications whose flag disagrees with their user's primary_*_id columns. */
  async function flagMismatches(): Promise<unknown[]> {
    const rows = await storage.db
      .selectFrom('identifications as i')
      .innerJoin('users as u', 'u.id', 'i.user_id')
      .select(['i.id', 'i.is_primary', 'u.primary_email_address_id', 'u.primary_phone_number_id', 'u.primary_web3_wallet_id'])
      .execute();
    return rows.filter((r) => r.is_primary !== ([r.primary_email_address_id, r.primary_phone_number_id, r.primary_web3_wallet_id].includes(r.id) ? 1 : 0));
  }
  async function ok<T>(res: Promise<Response>): Promise<T> {
    const r = await res;
    const b = (await r.json()) as T;
    expect(r.status, JSON.stringify(b)).toBe(200);
    return b;
  }
  type Ident = { id: string; email_address?: string; phone_number?: string };
  type User = { id: string; primary_email_address_id: string | null; primary_phone_number_id: string | null; email_addresses: Ident[]; phone_numbers: Ident[] };

  it('flags exactly the primary identifiers through every change of a primary', async () => {
    const u = await ok<User>(t.api('/users', { method: 'POST', json: { email_address: ['zz-b@flags.test', 'zz-a@flags.test'], phone_number: ['+15557770001', '+15557770002'] } }));
    const [b, a] = u.email_addresses as [Ident, Ident];
    expect(await flagMismatches()).toEqual([]);
    const emailOrder = async () => (await ok<User[]>(t.api('/users?order_by=-email_address&limit=1'))).map((x) => x.primary_email_address_id);
    // The list ordered by e-mail address follows the primary address: zz-b first (descending), then zz-a.
    expect(await emailOrder()).toEqual([b.id]);
    await ok(t.api(`/users/${u.id}`, { method: 'PATCH', json: { primary_email_address_id: a.id } }));
    expect(await flagMismatches()).toEqual([]);
    const other = await ok<User>(t.api('/users', { method: 'POST', json: { email_address: ['zz-az@flags.test'] } }));
    expect(await emailOrder()).toEqual([other.primary_email_address_id]);
    await ok(t.api(`/email_addresses/${b.id}`, { method: 'PATCH', json: { primary: true } }));
    expect(await flagMismatches()).toEqual([]);
    expect(await emailOrder()).toEqual([b.id]);
    // Deleting the primary address makes the other one primary.
    await ok(t.api(`/email_addresses/${b.id}`, { method: 'DELETE' }));
    expect(await flagMismatches()).toEqual([]);
    expect(await emailOrder()).toEqual([other.primary_email_address_id]);
    const added = await ok<Ident>(t.api('/email_addresses', { method: 'POST', json: { user_id: u.id, email_address: 'zz-c@flags.test', verified: true, primary: true } }));
    expect(await flagMismatches()).toEqual([]);
    expect(await emailOrder()).toEqual([added.id]);
    const [p1] = u.phone_numbers as [Ident, Ident];
    await ok(t.api(`/phone_numbers/${p1.id}`, { method: 'DELETE' }));
    expect(await flagMismatches()).toEqual([]);
    const me = await ok<User>(t.api(`/users/${u.id}`));
    expect(me.primary_phone_number_id).toBe(u.phone_numbers[1]?.id);
    await ok(t.api(`/users/${u.id}`, { method: 'DELETE' }));
    expect(await flagMismatches()).toEqual([]);
  });

  it('counts a created_at bound (by day of creation, created-days-repository.ts) exactly as count(*) does', async () => {
    // Users created at known times, in the import's created_at order (the same millisecond for some).
    const base = Date.UTC(2024, 0, 1);
    const lines = Array.from({ length: 60 }, (_, i) => JSON.stringify({ email_address: [`dated${i}@count.test`], created_at: new Date(base + Math.floor(i / 2) * 1000).toISOString() }));
    writeFileSync(join(dir, 'dated.jsonl'), lines.join('\n'));
    await importUsersFromFile({ db: storage.db, dialect: storage.dialect }, join(dir, 'dated.jsonl'));
    async function api(qs: string): Promise<number> {
      const res = await t.api(`/users/count?${qs}`);
      expect(res.status).toBe(200);
      return ((await res.json()) as { total_count: number }).total_count;
    }
    async function direct(op: '>' | '<', at: number): Promise<number> {
      const row = await storage.db.selectFrom('users').select((eb) => eb.fn.countAll<number | string>().as('n')).where('created_at', op, at).executeTakeFirstOrThrow();
      return Number(row.n);
    }
    // Bounds before everyone, inside the dated users (the other side small, then large), on a shared
    // millisecond, and after everyone; the rest of the users were created now.
    for (const at of [base - 1, base, base + 3_000, base + 10_500, base + 29_000, base + 40_000, Date.now() + 86_400_000]) {
      expect(await api(`created_at_after=${at}`), `after ${at}`).toBe(await direct('>', at));
      expect(await api(`created_at_before=${at}`), `before ${at}`).toBe(await direct('<', at));
    }
    // Both bounds are counted by day (created-days-repository.ts), another filter with them directly: the answers still agree.
    expect(await api(`created_at_after=${base}&created_at_before=${base + 10_000}`)).toBe((await direct('>', base)) - (await direct('>', base + 9_999)));
    expect(await api(`created_at_after=${base}&query=dated`)).toBe(58);
  });
});
