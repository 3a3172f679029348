/**
 * The search plan (search-repository.ts): how a term is looked up in SQLite's trigram index. The plan only
 * chooses the lookup, so every list and count must answer exactly what the plain phrase answers, whatever
 * piece of the term is looked up (or none); and the estimate must tell a common trigram from a rare one.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { testDialects } from '../../test/harness.js';
import { type ImportedDatabase, importedDatabase } from '../../test/query-plans.js';
import type { Storage } from '../../storage/database.js';
import { type UserFilter, type UserPage, countUsers, listUsers, searchTerms, withSearchPlan } from './repository.js';
import { type TermPlan, planSearch, rarestRun } from './search-repository.js';

describe('rarestRun', () => {
  const shares = (entries: Record<string, number>) => (g: string) => entries[g] ?? 0;

  it('looks up the rarest trigram, grown by neighbours that stay cheap', () => {
    // user77@: "use" and "ser" are held by everyone, "er7" by a tenth, "r77" and "77@" by about 1 %.
    const s = shares({ use: 1, ser: 1, er7: 0.1, r77: 0.012, '77@': 0.01 });
    expect(rarestRun('user77@', s, 1_000_000)).toEqual({ piece: 'r77@', docs: 10_000 });
  });

  it('grows into neighbours held by few users even past four times the rarest', () => {
    const s = shares({ abc: 0.0001, bcd: 0.005, cde: 0.015, def: 0.05 });
    expect(rarestRun('abcdef', s, 1_000_000).piece).toBe('abcde');
  });

  it('reads every text when even the rarest trigram is held by a third of the users', () => {
    const s = shares({ sca: 0.9, cal: 0.95, ale: 1 });
    expect(rarestRun('scale', s, 1_000_000)).toEqual({ piece: null, docs: 900_000 });
    // Just under a third, the index is used (its neighbours, under four times as common, join the run).
    expect(rarestRun('scale', shares({ sca: 0.3, cal: 0.95, ale: 1 }), 1_000_000).piece).toBe('scale');
    expect(rarestRun('scale', shares({ sca: 0.03, cal: 0.95, ale: 1 }), 1_000_000).piece).toBe('sca');
  });

  it('counts trigrams by character, not by UTF-16 unit', () => {
    expect(rarestRun('é😀xy', shares({ 'é😀x': 0.001, '😀xy': 0.001 }), 1_000_000).piece).toBe('é😀xy');
  });
});

describe.each(testDialects())('search plans on %s', (dialect) => {
  let imported: ImportedDatabase;
  let storage: Storage;
  const USERS = 3000;
  const page: UserPage = { orderBy: 'created_at', direction: 'desc', limit: 5000, offset: 0 };

  beforeAll(async () => {
    imported = await importedDatabase(
      dialect,
      Array.from({ length: USERS }, (_, i) => ({
        id: `s${i}`,
        first_name: i % 7 === 0 ? 'Zoë' : `First${i % 50}`,
        last_name: `Smith${i % 97}`,
        email_address: [`user${i}@search.example`],
        ...(i % 3 === 0 ? { phone_number: [`+1555${String(i).padStart(7, '0')}`] } : {}),
        created_at: new Date(Date.UTC(2025, 0, 1) + i * 60_000).toISOString(),
      })),
    );
    storage = imported.storage;
  });
  afterAll(async () => {
    await imported?.close();
  });

  const ids = async (filter: UserFilter) => (await listUsers(storage.db, dialect, filter, page)).map((u) => u.id);
  const filters: UserFilter[] = [
    { query: 'user77@' },
    { query: 'user7' },
    { query: 'search.example' },
    { query: 'smith42' },
    { query: 'zoë' },
    { query: 'ë s' },
    { query: 'us' },
    { query: 'nobody-like-this' },
    { emailAddressQuery: 'user12' },
    { phoneNumberQuery: '55500012' },
    { nameQuery: 'first3 smith' },
    { query: 'smith1', phoneNumberQuery: '555' },
  ];

  it('answers lists and counts exactly as the plain phrase does, whatever piece is looked up', async () => {
    for (const filter of filters) {
      const expected = await ids({ ...filter, searchPlan: new Map() });
      const count = await countUsers(storage.db, dialect, { ...filter, searchPlan: new Map() });
      expect(count, JSON.stringify(filter)).toBe(expected.length);
      // The plan the estimate chooses, every single trigram of each term, and reading every text.
      const variants: Map<string, TermPlan>[] = [];
      const chosen = await withSearchPlan(storage.db, dialect, filter);
      if (chosen.searchPlan) variants.push(new Map(chosen.searchPlan));
      const terms = searchTerms(filter);
      variants.push(new Map(terms.map((t) => [t, { piece: null, docs: 0 }])));
      // The whole term, estimated rare (on PostgreSQL the page is then taken from all its matches) and common.
      const indexed = terms.filter((t) => Array.from(t).length >= 3);
      for (const docs of [0, 1e9]) variants.push(new Map(indexed.map((t) => [t, { piece: t, docs }])));
      for (const t of terms) {
        const chars = Array.from(t);
        for (let i = 0; i + 3 <= chars.length; i++) variants.push(new Map([[t, { piece: chars.slice(i, i + 3).join(''), docs: 0 }]]));
      }
      for (const searchPlan of variants) {
        const label = `${JSON.stringify(filter)} with ${JSON.stringify([...searchPlan])}`;
        expect(await ids({ ...filter, searchPlan }), label).toEqual(expected);
        expect(await countUsers(storage.db, dialect, { ...filter, searchPlan }), label).toBe(expected.length);
      }
    }
    // The fixtures do exercise matches: a few terms match some users, none matches none.
    expect(await countUsers(storage.db, dialect, { query: 'user77@' })).toBe(1);
    expect(await countUsers(storage.db, dialect, { query: 'smith42' })).toBe(31);
    expect(await countUsers(storage.db, dialect, { query: 'zoë' })).toBe(Math.ceil(USERS / 7));
  });

  it('estimates a trigram every user holds as more common than a rare one', async () => {
    const plan = await planSearch(storage.db, dialect, ['search.example', 'user77@'], async () => USERS);
    const common = plan.get('search.example')!;
    const rare = plan.get('user77@')!;
    expect(common.docs).toBeGreaterThan(rare.docs);
    // Every user holds "search.example": SQLite reads every text (PostgreSQL's planner chooses for itself).
    expect(common.piece).toBeNull();
    // "user77@" is looked up by a run holding a rare trigram, not by the "use" every user has.
    expect(rare.piece).not.toBeNull();
    expect(rare.piece!.startsWith('use')).toBe(false);
  });
});
