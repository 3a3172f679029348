/**
 * Query plans of the user lists and counts, on both databases, so that a later change cannot silently
 * bring back a full scan or a sort of every user. The database holds a few thousand imported users and
 * fresh statistics, so the planners choose as they would on a real instance; on PostgreSQL, sequential
 * scans and sorts are priced out (`enable_seqscan`/`enable_sort` off) for the ordering checks, so a plan
 * that still has one has no index to use instead.
 */
import { type CompiledQuery, type Kysely } from 'kysely';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { testDialects } from '../../test/harness.js';
import { type ImportedDatabase, importedDatabase, queryPlan } from '../../test/query-plans.js';
import type { Storage } from '../../storage/database.js';
import type { Database } from '../../storage/schema.js';
import { createdBetweenQuery } from './created-days-repository.js';
import { ORDER_FIELDS, type UserFilter, type UserPage, countUsersQuery, isPinned, pinnedRowsQuery, primaryOwnersQuery, rareMatchesQuery, searchTerms, userIdsQuery } from './repository.js';

const USERS = 3000;

describe.each(testDialects())('user list query plans on %s', (dialect) => {
  let imported: ImportedDatabase;
  let storage: Storage;

  beforeAll(async () => {
    imported = await importedDatabase(
      dialect,
      Array.from({ length: USERS }, (_, i) => ({
        id: `p${i}`,
        first_name: `First${i % 50}`,
        last_name: `Last${i % 70}`,
        email_address: [`plan${i}@plan.example`],
        ...(i % 3 === 0 ? { phone_number: [`+1555${String(i).padStart(7, '0')}`] } : {}),
        ...(i % 2 === 0 ? { username: `plan_user_${i}` } : {}),
        created_at: new Date(Date.UTC(2025, 0, 1) + i * 60_000).toISOString(),
      })),
    );
    storage = imported.storage;
  });
  afterAll(async () => {
    await imported?.close();
  });

  const plan = (query: { compile(): CompiledQuery }, priceOut: boolean) => queryPlan(storage, query, priceOut);

  /** No full scan of a table and no sort: the ordering comes from an index. */
  function expectIndexOrdered(lines: string[], label: string) {
    const text = lines.join('\n');
    if (dialect === 'sqlite') {
      expect(text, label).not.toMatch(/TEMP B-TREE/);
      for (const l of lines) if (/^SCAN /.test(l)) expect(l, `${label}: ${text}`).toMatch(/USING (COVERING )?INDEX/);
    } else {
      expect(text, label).not.toMatch(/Seq Scan|Sort/);
    }
  }

  const page = (orderBy: UserPage['orderBy'], direction: 'asc' | 'desc'): UserPage => ({ orderBy, direction, limit: 10, offset: 100 });
  const db = () => storage.db as Kysely<Database>;

  for (const field of ORDER_FIELDS) {
    for (const direction of ['asc', 'desc'] as const) {
      it(`orders by ${direction === 'desc' ? '-' : '+'}${field} from an index, in both parts`, async () => {
        for (const part of ['present', 'absent'] as const) {
          const q = userIdsQuery(db(), dialect, {}, page(field, direction), part).limit(10).offset(100);
          expectIndexOrdered(await plan(q, true), `${field} ${direction} ${part}`);
        }
      });
    }
  }

  // By primary identifier: the walk is over the partial index of primary identifiers (value order, the
  // owner's id in it), each user found by id; not over every identification of the kind.
  for (const field of ['email_address', 'phone_number', 'web3wallet'] as const) {
    for (const direction of ['asc', 'desc'] as const) {
      it(`orders by ${direction === 'desc' ? '-' : '+'}${field} through the index of primary identifiers`, async () => {
        const alone = primaryOwnersQuery(db(), field === 'web3wallet' ? 'web3_wallet' : field, direction).limit(10).offset(100);
        const aloneLines = await plan(alone, true);
        expect(aloneLines.join('\n')).toMatch(/identifications_primary_idx/);
        expectIndexOrdered(aloneLines, `${field} ${direction} (unfiltered)`);
        if (dialect === 'postgres') expect(aloneLines.join('\n')).toMatch(/Index Only Scan/);
        else expect(aloneLines.join('\n')).toMatch(/COVERING INDEX identifications_primary_idx/);
        for (const filter of [{ banned: false }, { createdAtAfter: Date.UTC(2025, 0, 1) }] satisfies UserFilter[]) {
          const q = userIdsQuery(db(), dialect, filter, page(field, direction), 'present').limit(10).offset(100);
          const lines = await plan(q, true);
          expect(lines.join('\n'), JSON.stringify(filter)).toMatch(/identifications_primary_idx/);
          expectIndexOrdered(lines, `${field} ${direction} ${JSON.stringify(filter)}`);
        }
      });
    }
  }

  it('pages with a starting_after cursor from the created_at index', async () => {
    const q = userIdsQuery(db(), dialect, {}, { ...page('created_at', 'desc'), offset: 0, startingAfter: { id: 'user_x', createdAt: Date.UTC(2025, 0, 2) } }, 'present').limit(10);
    expectIndexOrdered(await plan(q, true), 'starting_after');
  });

  it('orders a created_at range from the created_at index', async () => {
    const q = userIdsQuery(db(), dialect, { createdAtAfter: Date.UTC(2025, 0, 2) }, page('created_at', 'asc'), 'present').limit(10);
    expectIndexOrdered(await plan(q, true), 'created_at range');
  });

  // The users span two days from 2025-01-01, one a minute: the created_at index counts the partial days at
  // a range's ends (and a range inside one day), the day rows the days between. A day here holds half of
  // the few users (a day of a year's holds 0.3 %), so on PostgreSQL sequential scans are priced out, as for
  // the orderings: what is checked is that an index serves every part.
  const jan = (day: number, hours: number) => Date.UTC(2025, 0, day, hours);
  for (const [name, after, before] of [
    ['both partial days', jan(1, 23), jan(3, 1)],
    ['an open end', jan(1, 23), undefined],
    ['no whole day', jan(1, 23), jan(2, 1)],
    ['both ends in one day', jan(1, 20), jan(1, 23)],
  ] as const) {
    it(`counts a created_at range with ${name} from the created_at index and the day rows`, async () => {
      const q = createdBetweenQuery(db(), after, before);
      const text = (await plan(q, true)).join('\n');
      if (dialect === 'sqlite') {
        expect(text, text).toMatch(/SEARCH users USING COVERING INDEX users_created_at_idx \(created_at>\? AND created_at<\?\)/);
        expect(text, text).not.toMatch(/^SCAN users\b/m);
        if (name !== 'both ends in one day') expect(text, text).toMatch(/SEARCH users_created_days USING PRIMARY KEY \(day>\?/);
      } else {
        expect(text, text).toMatch(/Scan (using|on) users_created_at_idx/);
        expect(text, text).not.toMatch(/Seq Scan on users\b(?!_created_days)/);
      }
    });
  }

  // Exact filters start from the identifier's index and look the users up by id (a sort of those few
  // rows is fine); what must not appear is a walk over every user in list order.
  const exact: [string, UserFilter, RegExp][] = [
    ['email_address', { emailAddresses: ['plan7@plan.example'] }, /identifications_value_key/],
    ['phone_number', { phoneNumbers: ['+15550000003'] }, /identifications_value_key/],
    ['username', { usernames: ['plan_user_8'] }, /users_username_key|users_username_order_idx/],
    ['external_id', { externalIds: { include: ['p9'], exclude: [] } }, /users_external_id_key/],
    ['user_id', { userIds: { include: ['user_a', 'user_b'], exclude: [] } }, /users_pkey|sqlite_autoindex_users_1/],
    ['organization_id', { organizationIds: { include: ['org_a'], exclude: [] } }, /organization_memberships/],
    ['banned', { banned: true }, /users_banned_idx/],
    ['last_active_at_since', { lastActiveAtAfter: Date.UTC(2025, 0, 2) }, /users_last_active_at_id_idx/],
    ['query', { query: 'plan7@' }, dialect === 'sqlite' ? /users_fts/ : /users_search_trgm_idx/],
    ['email_address_query', { emailAddressQuery: 'plan7@' }, dialect === 'sqlite' ? /users_fts/ : /users_search_trgm_idx/],
    // A term looked up by a piece (search-repository.ts) is still found through the index, not by a walk.
    ['query by its rarest piece', { query: 'plan7@', searchPlan: new Map([['plan7@', { piece: 'an7@', docs: 10 }]]) }, dialect === 'sqlite' ? /users_fts/ : /users_search_trgm_idx/],
    // On PostgreSQL the test table is small enough that the planner may scan identifications instead.
    ...(dialect === 'sqlite' ? [['phone_number_query', { phoneNumberQuery: '555000299' }, /users_fts/] satisfies [string, UserFilter, RegExp]] : []),
  ];
  for (const [name, filter, index] of exact) {
    it(`filters by ${name} through ${String(index)}, not by walking every user`, async () => {
      for (const q of [
        userIdsQuery(db(), dialect, filter, page('created_at', 'desc'), 'present').limit(10),
        countUsersQuery(db(), dialect, filter),
        // Filters naming their users read the rows in the page query itself, from the same index.
        ...(isPinned(filter) ? [pinnedRowsQuery(db(), dialect, filter, page('created_at', 'desc'), 'present').limit(110)] : []),
        // A rare search's matches, read whole before its page is taken from them (PostgreSQL).
        ...(dialect === 'postgres' && searchTerms(filter).length ? [{ compile: () => rareMatchesQuery(db(), dialect, filter).compile(db()) }] : []),
      ]) {
        const lines = await plan(q, false);
        const text = lines.join('\n');
        expect(text, text).toMatch(index);
        // (The partial index of banned users holds only them: scanning it is not scanning everyone.)
        if (dialect === 'sqlite') expect(text, text).not.toMatch(/^SCAN users\b(?! USING (COVERING )?INDEX users_banned_idx)/m);
        else expect(text, text).not.toMatch(/Seq Scan on users|Index Scan( Backward)? using users_created_at_idx/);
      }
    });
  }
});
