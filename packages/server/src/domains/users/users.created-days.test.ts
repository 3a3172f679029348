/**
 * The users kept by day of creation (created-days-repository.ts) behind `/users/count` with only
 * `created_at` bounds: after users are created (one by one and imported, at once), re-dated and deleted
 * across several days, every day's stored count equals `count(*) GROUP BY day`, and the count of any range
 * (open either side, bounds on midnight or a millisecond either side of it, empty or reversed) equals a
 * plain `SELECT count(*)` with the same conditions. A write that forgets a day (a delete not uncounted,
 * a re-date counted on neither or both days) breaks both.
 */
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { newId } from '@latch/core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startTestServer, openTestStorage, testDialects, type TestServer } from '../../test/harness.js';
import { transaction, type Storage } from '../../storage/database.js';
import { DAY_MS, countCreatedBetween, dayOf } from './created-days-repository.js';
import { importUsersFromFile } from './import/importer.js';
import { countUsers, insertUser } from './repository.js';
import { userRow } from '../../test/rows.js';

/** Midnight UTC that starts the days the users are created on (days 0 … 6). */
const BASE = Date.UTC(2024, 2, 10);

/** A deterministic sequence in [0, 1). */
function prng(seed: number): () => number {
  let s = seed;
  return () => {
    s = (s * 1103515245 + 12345) % 2 ** 31;
    return s / 2 ** 31;
  };
}

describe.each(testDialects())('users counted by day of creation on %s', (dialect) => {
  let t: TestServer;
  let storage: Storage;
  const dir = mkdtempSync(join(tmpdir(), 'latch-days-'));
  const rnd = prng(20240310);
  /** Creation times of every user ever created here: the bounds worth testing sit on and beside them. */
  const times = new Set<number>();

  beforeAll(async () => {
    t = await startTestServer(dialect);
    // A second handle on the server's database: imports, direct counts and the day rows go through it.
    storage = await openTestStorage(t.database);
  });
  afterAll(async () => {
    await storage?.close();
    await t?.close();
    rmSync(dir, { recursive: true, force: true });
  });

  /** A time on one of the test's days: often exactly midnight or its last millisecond, else anywhere. */
  function someTime(): number {
    const day = BASE + Math.floor(rnd() * 7) * DAY_MS;
    const r = rnd();
    const at = r < 0.15 ? day : r < 0.3 ? day + DAY_MS - 1 : day + Math.floor(rnd() * DAY_MS);
    times.add(at);
    return at;
  }

  async function ok<T>(res: Promise<Response>): Promise<T> {
    const r = await res;
    const b = (await r.json()) as T;
    expect(r.status, JSON.stringify(b)).toBe(200);
    return b;
  }
  let serial = 0;
  const create = (createdAt: number) =>
    ok<{ id: string }>(t.api('/users', { method: 'POST', json: { email_address: [`day${serial++}@days.test`], created_at: new Date(createdAt).toISOString() } }));
  const redate = (id: string, createdAt: number) => ok(t.api(`/users/${id}`, { method: 'PATCH', json: { created_at: new Date(createdAt).toISOString() } }));
  const remove = (id: string) => t.api(`/users/${id}`, { method: 'DELETE' });
  async function importAt(createdAts: number[], batchSize: number): Promise<void> {
    const file = join(dir, `import${serial++}.jsonl`);
    writeFileSync(file, createdAts.map((at) => JSON.stringify({ email_address: [`imported${serial++}@days.test`], created_at: new Date(at).toISOString() })).join('\n'));
    const summary = await importUsersFromFile({ db: storage.db, dialect: storage.dialect }, file, { batchSize });
    expect(summary.created).toBe(createdAts.length);
  }
  async function ids(): Promise<string[]> {
    return (await storage.db.selectFrom('users').select('id').orderBy('id').execute()).map((r) => r.id);
  }

  /** Days whose stored count (the sum of their slots) differs from the users created on them. */
  async function dayMismatches(): Promise<{ day: number; stored: number; counted: number }[]> {
    const counted = new Map<number, number>();
    for (const r of await storage.db.selectFrom('users').select('created_at').execute()) counted.set(dayOf(r.created_at), (counted.get(dayOf(r.created_at)) ?? 0) + 1);
    const stored = new Map<number, number>();
    const rows = await storage.db.selectFrom('users_created_days').select(['day', (eb) => eb.fn.sum<number | string>('n').as('n')]).groupBy('day').execute();
    for (const r of rows) stored.set(Number(r.day), Number(r.n));
    const out: { day: number; stored: number; counted: number }[] = [];
    for (const day of new Set([...counted.keys(), ...stored.keys()])) {
      const s = stored.get(day) ?? 0;
      const c = counted.get(day) ?? 0;
      if (s !== c) out.push({ day, stored: s, counted: c });
    }
    return out;
  }

  async function direct(after: number | undefined, before: number | undefined): Promise<number> {
    let q = storage.db.selectFrom('users').select((eb) => eb.fn.countAll<number | string>().as('n'));
    if (after !== undefined) q = q.where('created_at', '>', after);
    if (before !== undefined) q = q.where('created_at', '<', before);
    return Number((await q.executeTakeFirstOrThrow()).n);
  }

  /** Bounds on every midnight of the days (and the ones either side), a millisecond either side, and beside users. */
  function bounds(): number[] {
    const out = new Set<number>();
    for (let k = -1; k <= 10; k++) for (const d of [-1, 0, 1]) out.add(BASE + k * DAY_MS + d);
    for (const at of times) for (const d of [-1, 0, 1]) out.add(at + d);
    return [...out];
  }

  /** Random ranges from those bounds (each side open a sixth of the time; reversed and empty ones included). */
  async function expectRangesCounted(label: string, ranges = 150): Promise<void> {
    const b = bounds();
    const pick = () => (rnd() < 1 / 6 ? undefined : b[Math.floor(rnd() * b.length)]);
    const cases: [number | undefined, number | undefined][] = [[undefined, undefined], [BASE, BASE + 1], [BASE, BASE + 2], [BASE + DAY_MS, BASE], [BASE - 1, BASE + 7 * DAY_MS]];
    for (let i = 0; i < ranges; i++) cases.push([pick(), pick()]);
    for (const [after, before] of cases) {
      const expected = await direct(after, before);
      const range = `${label}: after ${after} before ${before}`;
      if (after !== undefined || before !== undefined) expect(await countCreatedBetween(storage.db, after, before), `${range} (day counts)`).toBe(expected);
      expect(await countUsers(storage.db, dialect, { createdAtAfter: after, createdAtBefore: before }), `${range} (countUsers)`).toBe(expected);
    }
  }

  it('counts ranges as count(*) does after creations, imports, re-dates and deletions', async () => {
    // Days before 1970 too: a day is rounded down there, not toward zero.
    for (const at of [-DAY_MS - 5, -1, 0]) times.add(at);
    await Promise.all([...Array.from({ length: 25 }, () => create(someTime())), create(-DAY_MS - 5), create(-1), create(0)]);
    expect(await dayMismatches()).toEqual([]);
    await expectRangesCounted('created');

    // An import in small batches (each batch one upsert over its days), alongside creations.
    await Promise.all([importAt(Array.from({ length: 240 }, () => someTime()), 40), ...Array.from({ length: 10 }, () => create(someTime()))]);
    expect(await dayMismatches()).toEqual([]);
    await expectRangesCounted('imported');

    // Re-dated to another day, within the same day, onto a midnight, and one user twice at once.
    const all = await ids();
    const moved = all.slice(0, 30);
    await Promise.all(moved.map((id) => redate(id, someTime())));
    await Promise.all([redate(all[40] as string, BASE + 6 * DAY_MS), redate(all[40] as string, BASE)]);
    const created = await storage.db.selectFrom('users').select('created_at').where('id', '=', all[41] as string).executeTakeFirstOrThrow();
    await redate(all[41] as string, created.created_at + 1);
    times.add(created.created_at + 1);
    expect(await dayMismatches()).toEqual([]);
    await expectRangesCounted('re-dated');

    // Deleted, some twice at once (deleted and uncounted once).
    const gone = all.slice(20, 60);
    const statuses = await Promise.all([...gone.map(remove), ...gone.slice(0, 10).map(remove)]);
    expect(statuses.filter((r) => r.status === 200)).toHaveLength(gone.length);
    expect(await dayMismatches()).toEqual([]);
    await expectRangesCounted('deleted', 300);
  });

  it('counts a partial day holding more users than the probe from either side', async () => {
    // 1,500 users through day 8, and a burst of 1,500 in its last hour: a bound early in the day has more
    // than the probe's 1,000 users on one side, a bound late in the day on the other.
    const day = BASE + 8 * DAY_MS;
    const at = [...Array.from({ length: 1500 }, (_, i) => day + i * 57_000), ...Array.from({ length: 1500 }, (_, i) => day + DAY_MS - 3_600_000 + i * 2_400)];
    await importAt(at, 1000);
    for (const a of at.filter((_, i) => i % 100 === 0)) times.add(a);
    expect(await dayMismatches()).toEqual([]);
    for (const bound of [day + 1, day + 20 * 57_000, day + DAY_MS / 2, day + DAY_MS - 3_600_000 + 700 * 2_400, day + DAY_MS - 2]) {
      for (const [after, before] of [[bound, undefined], [undefined, bound], [bound, day + 9 * DAY_MS + 5], [BASE + 3, bound]] as const) {
        expect(await countCreatedBetween(storage.db, after, before), `after ${after} before ${before}`).toBe(await direct(after, before));
      }
    }
    await expectRangesCounted('a large day', 100);
  });

  it('answers /users/count with only created_at bounds from the day counts', async () => {
    async function api(qs: string): Promise<number> {
      return (await ok<{ total_count: number }>(t.api(`/users/count?${qs}`))).total_count;
    }
    const mid = BASE + 3 * DAY_MS + 5_000;
    expect(await api(`created_at_after=${mid}`)).toBe(await direct(mid, undefined));
    expect(await api(`created_at_before=${mid}`)).toBe(await direct(undefined, mid));
    expect(await api(`created_at_after=${BASE + DAY_MS - 1}&created_at_before=${BASE + 5 * DAY_MS + 1}`)).toBe(await direct(BASE + DAY_MS - 1, BASE + 5 * DAY_MS + 1));
    expect(await api(`created_at_after=${mid}&created_at_before=${mid - 10}`)).toBe(0);
  });

  it('stays equal to count(*) by day under concurrent creations, re-dates and deletions', async () => {
    // Most writers on the same two days, so they meet on the same rows.
    const hot = () => BASE + 2 * DAY_MS + Math.floor(rnd() * 2 * DAY_MS);
    const existing = (await ids()).slice(0, 40);
    await Promise.all([
      ...Array.from({ length: 40 }, () => create(hot())),
      ...existing.slice(0, 20).map((id) => redate(id, hot())),
      ...existing.slice(20, 40).flatMap((id) => [remove(id), remove(id)]),
      importAt(Array.from({ length: 100 }, hot), 10),
    ]);
    expect(await dayMismatches()).toEqual([]);
    await expectRangesCounted('concurrent', 50);
  });

  it('changes nothing for a rolled-back or rejected creation', async () => {
    const days = () => storage.db.selectFrom('users_created_days').select(['day', 'slot', 'n']).orderBy('day').orderBy('slot').execute();
    const before = await days();
    const id = newId('user');
    await expect(
      transaction(storage.db, async (tx) => {
        await insertUser(tx, userRow(id, { created_at: BASE + DAY_MS, updated_at: BASE + DAY_MS }));
        throw new Error('rolled back');
      }),
    ).rejects.toThrow('rolled back');
    // A duplicate e-mail address fails the creation after nothing was written.
    const taken = await storage.db.selectFrom('identifications').select('value').where('type', '=', 'email_address').executeTakeFirstOrThrow();
    expect((await t.api('/users', { method: 'POST', json: { email_address: [taken.value], created_at: new Date(BASE).toISOString() } })).status).toBe(422);
    expect(await days()).toEqual(before);
    expect(await dayMismatches()).toEqual([]);
  });
});
