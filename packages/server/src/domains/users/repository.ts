/**
 * Kysely queries for users and their identifications. Every function takes a `Kysely` (the database or a
 * transaction) so services compose them inside one transaction.
 */
import { type Expression, type Kysely, type SqlBool, sql, type ExpressionBuilder, type Insertable, type Selectable, type Updateable } from 'kysely';
import { containsPattern, dialectOf, executePrepared, forUpdate, keyIn, statement, type Db, type DialectName, type Executor, type Tx } from '../../storage/database.js';
import type { Database, IdentificationTable, IdentificationType, PasswordTable, UserTable } from '../../storage/schema.js';
import { countCreated, countCreatedBetween } from './created-days-repository.js';
import { type SearchPlan, planSearch } from './search-repository.js';

export type UserRow = Selectable<UserTable>;
export type IdentificationRow = Selectable<IdentificationTable>;
export type PasswordRow = Selectable<PasswordTable>;

/** The user column holding the primary identification of each kind. */
export const PRIMARY_COLUMN = {
  email_address: 'primary_email_address_id',
  phone_number: 'primary_phone_number_id',
  web3_wallet: 'primary_web3_wallet_id',
} as const;

/** A user with everything its wire form needs. */
export interface UserAggregate {
  user: UserRow;
  identifications: IdentificationRow[];
  password: Pick<PasswordRow, 'hasher' | 'updated_at'> | null;
}

export const ORDER_FIELDS = [
  'created_at',
  'updated_at',
  'email_address',
  'web3wallet',
  'first_name',
  'last_name',
  'phone_number',
  'username',
  'last_active_at',
  'last_sign_in_at',
] as const;
export type OrderField = (typeof ORDER_FIELDS)[number];

/** Include/exclude lists: `+id` or a bare id includes, `-id` excludes. */
export interface SignedList {
  include: string[];
  exclude: string[];
}

export interface UserFilter {
  emailAddresses?: string[];
  phoneNumbers?: string[];
  usernames?: string[];
  web3Wallets?: string[];
  externalIds?: SignedList;
  userIds?: SignedList;
  /** Members (`+org_…` or bare) or non-members (`-org_…`) of organizations. */
  organizationIds?: SignedList;
  /** Lower-cased partial match over id, e-mail addresses, phone numbers, username, wallets and names. */
  query?: string;
  emailAddressQuery?: string;
  phoneNumberQuery?: string;
  usernameQuery?: string;
  nameQuery?: string;
  banned?: boolean;
  lastActiveAtBefore?: number;
  lastActiveAtAfter?: number;
  createdAtBefore?: number;
  createdAtAfter?: number;
  lastSignInAtBefore?: number;
  lastSignInAtAfter?: number;
  /** Filters that can match nothing in this instance (e.g. external-account providers none is linked to). */
  impossible?: boolean;
  /** How the search terms are looked up (SQLite), from `planUserSearch`; without it each term is one phrase. */
  searchPlan?: SearchPlan;
}


export interface UserPage {
  orderBy: OrderField;
  direction: 'asc' | 'desc';
  limit: number;
  offset: number;
  /** Cursor: the last user of the previous page (created_at ordering only). */
  startingAfter?: { id: string; createdAt: number };
}

type EB = ExpressionBuilder<Database, 'users'>;

function contains(column: Expression<string | null>, needle: string) {
  return sql<SqlBool>`${column} LIKE ${containsPattern(needle)} ESCAPE '\\'`;
}

/**
 * Users holding one of `values` as an identifier of `type`. Written as `id IN (…)` rather than a
 * correlated EXISTS so that the planner can start from the identifier's unique index and look the few
 * users up by id, instead of walking every user in list order and probing each.
 */
function hasIdentification(eb: EB, dialect: DialectName, type: IdentificationTable['type'], values: string[]) {
  return eb(
    'users.id',
    'in',
    eb.selectFrom('identifications as i').select('i.user_id').where('i.type', '=', type).where(keyIn(dialect, 'i.normalized', values)),
  );
}

function identificationContains(eb: EB, type: IdentificationTable['type'], needle: string) {
  return eb.exists(
    eb
      .selectFrom('identifications as i')
      .select(sql`1`.as('one'))
      .whereRef('i.user_id', '=', 'users.id')
      .where('i.type', '=', type)
      .where(contains(sql.ref('i.normalized'), needle)),
  );
}

/**
 * Substrings the user's search text must contain for `filter` to hold: the `query` itself, and for each
 * `*_query` a piece of it (every identifier, the username and both names are in the search text). The
 * trigram index answers these, so partial matches never scan every user; the exact `*_query`
 * conditions are then checked on the few candidates.
 */
export function searchTerms(f: UserFilter): string[] {
  const terms: string[] = [];
  if (f.query) terms.push(f.query);
  for (const q of [f.emailAddressQuery, f.phoneNumberQuery, f.usernameQuery]) if (q) terms.push(q);
  if (f.nameQuery) {
    // The name query spans "first last"; the search text has each name on its own line, so each word of
    // it is a term (all of them narrow the candidates: "smith5" alone also matches every "smith5x").
    for (const word of f.nameQuery.split(' ')) if (word) terms.push(word);
  }
  return [...new Set(terms)];
}

function searchCondition(terms: string[], dialect: DialectName, plan: SearchPlan | undefined): Expression<SqlBool>[] {
  const out: Expression<SqlBool>[] = [];
  const text = sql.ref<string>('users.search_text');
  if (dialect === 'sqlite') {
    // FTS5 trigram: each quoted phrase matches as a substring, served by the index (3 characters or more).
    // Where the plan looks up only a piece of a term, or none of it, the whole term is checked on the text.
    const phrases: string[] = [];
    for (const t of terms) {
      const planned = plan?.get(t);
      const piece = t.length < 3 ? null : planned ? planned.piece : t;
      if (piece !== null) phrases.push(piece);
      if (piece !== t) out.push(contains(text, t));
    }
    if (phrases.length) {
      const match = phrases.map((t) => `"${t.replace(/"/g, '""')}"`).join(' AND ');
      out.unshift(sql<SqlBool>`users.rowid IN (SELECT rowid FROM users_fts WHERE users_fts MATCH ${match})`);
    }
  } else {
    // PostgreSQL: pg_trgm's GIN index serves LIKE '%q%' on search_text. Where the plan looks up a piece,
    // the whole term is checked on `search_text || ''`, which the index does not serve, so the index is
    // asked for the piece's trigrams alone. That check is still a LIKE, so the planner prices the whole
    // term as rare as it is: estimating the short piece alone, it may walk the list's ordering index
    // through every user looking for the page.
    for (const t of terms) {
      const piece = plan?.get(t)?.piece;
      if (piece && piece !== t) out.push(contains(text, piece), contains(sql<string>`(${text} || '')`, t));
      else out.push(contains(text, t));
    }
  }
  return out;
}

/** The filter as one condition. `withSearch: false` leaves out the `query` term (see `listUsers`' probe). */
function filterExpression(eb: EB, f: UserFilter, dialect: DialectName, withSearch = true) {
  const and: Expression<SqlBool>[] = [];
  if (f.impossible) and.push(sql<SqlBool>`1 = 0`);
  // Lists of keys as one array parameter on PostgreSQL (keyIn): one SQL text however many values.
  if (f.emailAddresses?.length) and.push(hasIdentification(eb, dialect, 'email_address', f.emailAddresses));
  if (f.phoneNumbers?.length) and.push(hasIdentification(eb, dialect, 'phone_number', f.phoneNumbers));
  if (f.web3Wallets?.length) and.push(hasIdentification(eb, dialect, 'web3_wallet', f.web3Wallets));
  if (f.usernames?.length) and.push(keyIn(dialect, 'users.username_normalized', f.usernames));
  for (const [list, column] of [
    [f.externalIds, 'users.external_id'],
    [f.userIds, 'users.id'],
  ] as const) {
    if (list?.include.length) and.push(keyIn(dialect, column, list.include));
    if (list?.exclude.length) {
      and.push(eb.or([eb(column, 'is', null), eb(column, 'not in', list.exclude)]));
    }
  }
  if (f.organizationIds) {
    const members = (orgs: string[]) => eb.selectFrom('organization_memberships as om').select('om.user_id').where('om.organization_id', 'in', orgs);
    if (f.organizationIds.include.length) and.push(eb('users.id', 'in', members(f.organizationIds.include)));
    if (f.organizationIds.exclude.length) and.push(eb('users.id', 'not in', members(f.organizationIds.exclude)));
  }
  const terms = searchTerms(withSearch ? f : { ...f, query: undefined });
  and.push(...searchCondition(terms, dialect, f.searchPlan));
  if (f.emailAddressQuery) and.push(identificationContains(eb, 'email_address', f.emailAddressQuery));
  if (f.phoneNumberQuery) and.push(identificationContains(eb, 'phone_number', f.phoneNumberQuery));
  if (f.usernameQuery) and.push(contains(sql.ref('users.username_normalized'), f.usernameQuery));
  if (f.nameQuery) {
    and.push(
      contains(sql`lower(coalesce(users.first_name, '') || ' ' || coalesce(users.last_name, ''))`, f.nameQuery),
    );
  }
  // A literal, not a parameter: only then may the planner use the partial index of banned users.
  if (f.banned !== undefined) and.push(f.banned ? sql<SqlBool>`users.banned = 1` : sql<SqlBool>`users.banned = 0`);
  if (f.lastActiveAtBefore !== undefined) and.push(eb('users.last_active_at', '<', f.lastActiveAtBefore));
  if (f.lastActiveAtAfter !== undefined) and.push(eb('users.last_active_at', '>', f.lastActiveAtAfter));
  if (f.createdAtBefore !== undefined) and.push(eb('users.created_at', '<', f.createdAtBefore));
  if (f.createdAtAfter !== undefined) and.push(eb('users.created_at', '>', f.createdAtAfter));
  if (f.lastSignInAtBefore !== undefined) and.push(eb('users.last_sign_in_at', '<', f.lastSignInAtBefore));
  if (f.lastSignInAtAfter !== undefined) and.push(eb('users.last_sign_in_at', '>', f.lastSignInAtAfter));
  return eb.and(and);
}

/** How a list is ordered: by a column of users, or by the value of the user's primary identifier. */
type OrderSpec =
  | { kind: 'column'; column: 'created_at' | 'updated_at' | 'first_name' | 'last_name' | 'username_normalized' | 'last_active_at' | 'last_sign_in_at'; nullable: boolean }
  | { kind: 'primary'; type: IdentificationTable['type']; column: 'primary_email_address_id' | 'primary_phone_number_id' | 'primary_web3_wallet_id' };

const ORDER: Record<OrderField, OrderSpec> = {
  created_at: { kind: 'column', column: 'created_at', nullable: false },
  updated_at: { kind: 'column', column: 'updated_at', nullable: false },
  first_name: { kind: 'column', column: 'first_name', nullable: true },
  last_name: { kind: 'column', column: 'last_name', nullable: true },
  username: { kind: 'column', column: 'username_normalized', nullable: true },
  last_active_at: { kind: 'column', column: 'last_active_at', nullable: true },
  last_sign_in_at: { kind: 'column', column: 'last_sign_in_at', nullable: true },
  email_address: { kind: 'primary', type: 'email_address', column: 'primary_email_address_id' },
  phone_number: { kind: 'primary', type: 'phone_number', column: 'primary_phone_number_id' },
  web3wallet: { kind: 'primary', type: 'web3_wallet', column: 'primary_web3_wallet_id' },
};

/**
 * Which part of an ordering a query reads. Lists put users without a value last in both directions, and
 * the two dialects disagree on where NULLs sort, so a list is read in two parts, each served in order
 * by an index: the users with a value (`present`), then those without (`absent`, by id). Sorting on
 * `(col IS NULL), col, id` instead would defeat the index and read every row.
 */
export type OrderPart = 'present' | 'absent';

/**
 * The query for the ids of one part of a page (exported for the query-plan tests). Every ordering ends
 * with a column that is unique within the part, so pages never overlap.
 */
export function userIdsQuery(db: Kysely<Database>, dialect: DialectName, filter: UserFilter, page: UserPage, part: OrderPart, withSearch = true) {
  const spec = ORDER[page.orderBy];
  const dir = page.direction;
  let q = db.selectFrom('users').select('users.id as id').where((eb) => filterExpression(eb, filter, dialect, withSearch));
  if (page.startingAfter) {
    const { id, createdAt } = page.startingAfter;
    const op = dir === 'desc' ? sql`<` : sql`>`;
    q = q.where(sql<SqlBool>`(users.created_at, users.id) ${op} (${createdAt}, ${id})`);
  }
  if (spec.kind === 'column') {
    if (spec.nullable) q = q.where(`users.${spec.column}`, part === 'present' ? 'is not' : 'is', null);
    // Within the absent part the column is NULL throughout: ordering by it as well keeps the index's order.
    return q.orderBy(`users.${spec.column}`, dir).orderBy('users.id', dir);
  }
  if (part === 'absent') return q.where(`users.${spec.column}`, 'is', null).orderBy(`users.${spec.column}`, dir).orderBy('users.id', dir);
  // Walk the primary identifiers of the type in value order (unique per type) from their partial index,
  // which holds the owner's id, and find each user by id. `is_primary = 1` is a literal, not a parameter:
  // only then may the planner use the partial index.
  return q
    .innerJoin('identifications as pi', 'pi.user_id', 'users.id')
    .where('pi.type', '=', spec.type)
    .where(sql<SqlBool>`pi.is_primary = 1`)
    .orderBy('pi.normalized', dir);
}

/**
 * The owners of the primary identifiers of a type in value order, from the partial index of primary
 * identifiers alone (exported for the query-plan tests): the present part of an unfiltered list ordered
 * by that identifier. Joining users to it would cost a lookup per row skipped by the offset.
 */
export function primaryOwnersQuery(db: Kysely<Database>, type: IdentificationType, direction: 'asc' | 'desc') {
  return db
    .selectFrom('identifications as pi')
    .select('pi.user_id as id')
    .where('pi.type', '=', type)
    .where(sql<SqlBool>`pi.is_primary = 1`)
    .orderBy('pi.normalized', direction);
}

/** The primary identifier type whose index alone answers this part of the page, or null. */
function primaryOnly(filter: UserFilter, page: UserPage, part: OrderPart): IdentificationType | null {
  const spec = ORDER[page.orderBy];
  return spec.kind === 'primary' && part === 'present' && !page.startingAfter && isEmptyFilter(filter) ? spec.type : null;
}

/** The ids of one part of a page, `limit` of them after `offset`. */
async function partIds(db: Kysely<Database>, dialect: DialectName, filter: UserFilter, page: UserPage, part: OrderPart, limit: number, offset: number): Promise<string[]> {
  const type = primaryOnly(filter, page, part);
  const rows = type
    ? await primaryOwnersQuery(db, type, page.direction).limit(limit).offset(offset).execute()
    : await userIdsQuery(db, dialect, filter, page, part).limit(limit).offset(offset).execute();
  return rows.map((r) => r.id);
}

/** How many users of the present part there are, counting no further than `max`. */
async function countPresent(db: Kysely<Database>, dialect: DialectName, filter: UserFilter, page: UserPage, max: number): Promise<number> {
  const type = primaryOnly(filter, page, 'present');
  const sub = type
    ? primaryOwnersQuery(db, type, page.direction).clearOrderBy().limit(max).as('p')
    : userIdsQuery(db, dialect, filter, page, 'present').clearOrderBy().limit(max).as('p');
  const row = await db
    .selectFrom(sub)
    .select((eb) => eb.fn.countAll<number>().as('n'))
    .executeTakeFirstOrThrow();
  return Number(row.n);
}

/** How many rows the probe reads in list order before falling back to the search index. */
const PROBE_ROWS = 1000;

/**
 * A page of user ids. A `query` term that matches many users is answered fastest by reading the list in
 * order and keeping the matches (the first page is found within a few rows); a rare one by the trigram
 * index. So when `query` is the only filter, the first PROBE_ROWS users in order are read and searched
 * here; if they hold the page, that is the answer (it is exactly the first matches in order), otherwise
 * the index answers. The search plan's estimate of the matches skips the probe when it would not find
 * the page.
 */
async function pageIds(db: Kysely<Database>, dialect: DialectName, filter: UserFilter, page: UserPage, part: OrderPart, limit: number, offset: number, planned: () => Promise<UserFilter>, users: () => Promise<number>): Promise<string[]> {
  const onlyQuery = Boolean(filter.query) && isEmptyFilter({ ...filter, query: undefined });
  if (onlyQuery && offset + limit <= PROBE_ROWS / 10 && (await probeMayHold(filter, offset + limit, planned, users))) {
    const term = filter.query as string;
    const head = await userIdsQuery(db, dialect, {}, page, part, false).select('users.search_text as search_text').limit(PROBE_ROWS).execute();
    const hits = head.filter((r) => r.search_text.includes(term));
    if (hits.length >= offset + limit || head.length < PROBE_ROWS) return hits.slice(offset, offset + limit).map((r) => r.id);
  }
  return partIds(db, dialect, await planned(), page, part, limit, offset);
}

/**
 * Whether the first PROBE_ROWS users may hold `needed` matches of the query: when the estimate of the
 * users holding its rarest trigram, spread evenly, puts that many within them (a term without an
 * estimate is probed).
 */
async function probeMayHold(filter: UserFilter, needed: number, planned: () => Promise<UserFilter>, users: () => Promise<number>): Promise<boolean> {
  const term = (await planned()).searchPlan?.get(filter.query as string);
  if (!term) return true;
  const n = await users();
  // The estimate counts the users holding the rarest trigram, more than hold the whole term: hence the margin.
  return n <= PROBE_ROWS || (term.docs / n) * PROBE_ROWS >= needed * 4;
}

/**
 * Whether the filter names its users exactly (by identifier, username, user id or external id, each
 * unique), so that at most as many users as values match: few enough to read whole in one query.
 */
export function isPinned(f: UserFilter): boolean {
  return Boolean(
    f.emailAddresses?.length || f.phoneNumbers?.length || f.web3Wallets?.length || f.usernames?.length || f.externalIds?.include.length || f.userIds?.include.length,
  );
}

/**
 * The rows of one part of a pinned list (exported for the query-plan tests): the page query reading the
 * user rows themselves rather than ids to look up afterwards, which saves a round trip on the exact
 * filters (their target is 2 ms, where a round trip to PostgreSQL is a tenth of it).
 */
export function pinnedRowsQuery(db: Kysely<Database>, dialect: DialectName, filter: UserFilter, page: UserPage, part: OrderPart) {
  return userIdsQuery(db, dialect, filter, page, part).selectAll('users');
}

/**
 * Whether the filter is unique keys alone (identifiers, usernames, user and external ids): a read of a
 * few rows whose best plan is the same whatever the values, which may therefore be kept prepared.
 */
export function onlyUniqueKeys(f: UserFilter): boolean {
  const { emailAddresses: _e, phoneNumbers: _p, usernames: _u, web3Wallets: _w, externalIds: _x, userIds: _i, ...rest } = f;
  return isPinned(f) && isEmptyFilter(rest);
}

/** Whether the page's ordering reads the users without a value as a second part, after those with one. */
function hasTwoParts(page: UserPage): boolean {
  const spec = ORDER[page.orderBy];
  return spec.kind === 'primary' || spec.nullable;
}

/**
 * A user's identifications (oldest first, every column) and password state as two JSON columns of a
 * statement over `users`, for PostgreSQL: there a request that reads a user and then what belongs to it
 * waits for two round trips to the server, and on an exact filter (target 2 ms) each costs a fifth of it.
 * `int8` timestamps come back as JSON numbers, as the pool's type parser gives them otherwise.
 */
const IDENTIFICATIONS_JSON = sql<IdentificationRow[]>`(SELECT coalesce(json_agg(i ORDER BY i.created_at, i.id), '[]'::json) FROM identifications AS i WHERE i.user_id = users.id)`;
const PASSWORD_JSON = sql<UserAggregate['password']>`(SELECT json_build_object('hasher', p.hasher, 'updated_at', p.updated_at) FROM passwords AS p WHERE p.user_id = users.id)`;

interface WithDetails {
  details_identifications: IdentificationRow[];
  details_password: UserAggregate['password'];
}

function detailed(row: UserRow & WithDetails): UserAggregate {
  const { details_identifications: identifications, details_password: password, ...user } = row;
  return { user, identifications, password };
}

/**
 * A page of a pinned list: both parts read whole up to the page's end (they are few), then sliced. With
 * `details` (PostgreSQL; see IDENTIFICATIONS_JSON) each row holds its user's identifications and password
 * state. A read by unique keys alone is kept prepared (see executePrepared).
 */
async function pinnedPage(db: Kysely<Database>, dialect: DialectName, filter: UserFilter, page: UserPage, details = false): Promise<(UserRow & Partial<WithDetails>)[]> {
  const end = page.offset + page.limit;
  const keysOnly = onlyUniqueKeys(filter);
  const part = (p: OrderPart, limit: number): Promise<(UserRow & Partial<WithDetails>)[]> => {
    const rows = pinnedRowsQuery(db, dialect, filter, page, p).limit(limit);
    const q = details ? rows.select([IDENTIFICATIONS_JSON.as('details_identifications'), PASSWORD_JSON.as('details_password')]) : rows;
    return keysOnly ? executePrepared(db, q) : q.execute();
  };
  const rows = await part('present', end);
  if (hasTwoParts(page) && rows.length < end) rows.push(...(await part('absent', end - rows.length)));
  return rows.slice(page.offset, end);
}

/**
 * Users matching `filter` in the page's order, each with its identifications and password state. A pinned
 * list on PostgreSQL is one statement (two when it reaches the users without a value); otherwise the page
 * and then two queries for the whole batch.
 */
export async function listUserAggregates(db: Kysely<Database>, dialect: DialectName, filter: UserFilter, page: UserPage): Promise<UserAggregate[]> {
  if (dialect === 'postgres' && !filter.impossible && isPinned(filter)) {
    const rows = await pinnedPage(db, dialect, await withSearchPlan(db, dialect, filter), page, true);
    return rows.map((r) => detailed(r as UserRow & WithDetails));
  }
  return aggregate(db, await listUsers(db, dialect, filter, page));
}

/**
 * A search term is rare (PostgreSQL, `rareMatches`) when the search plan estimates at most RARE_DOCS users
 * hold its rarest trigram (the index reads about that many entries for it: at a million users, at most
 * nine texts of the plan's sample of 2,000). Its page is then taken from its matches when there are at
 * most RARE_MATCHES (each costs a few µs warm, a page read cold: 1,300 matches took 5–20 ms at a million).
 */
const RARE_DOCS = 5000;
const RARE_MATCHES = 2000;

/**
 * On PostgreSQL, the ids of the users matching a filter with a rare search term, read whole through the
 * trigram index; null when no term is rare by the search plan's estimate, or when more than RARE_MATCHES
 * match after all. PostgreSQL estimates `LIKE '%term%'` from its histogram of search texts, and a term one
 * of its hundred sampled texts happens to hold is priced at 1 % of the users (10,000 at a million, where
 * 120 match): the planner then walks the list's ordering index looking for the page through a hundred
 * thousand users (`query=evans86`: 260 ms at a million). The search plan's sampled profile knows the term
 * is rare. The CTE is planned for all its rows, so the index answers it; its LIMIT only stops the reading.
 */
async function rareMatches(db: Kysely<Database>, dialect: DialectName, filter: UserFilter): Promise<string[] | null> {
  if (dialect !== 'postgres' || !filter.searchPlan) return null;
  const plan = filter.searchPlan;
  const rare = searchTerms(filter).some((t) => {
    const p = plan.get(t);
    return p !== undefined && p.piece !== null && p.docs <= RARE_DOCS;
  });
  if (!rare) return null;
  const { rows } = await rareMatchesQuery(db, dialect, filter).execute(db);
  return rows.length > RARE_MATCHES ? null : rows.map((r) => r.id);
}

/** The read of `rareMatches` (exported for the query-plan tests). */
export function rareMatchesQuery(db: Kysely<Database>, dialect: DialectName, filter: UserFilter) {
  const matches = db.selectFrom('users').select('users.id').where((eb) => filterExpression(eb, filter, dialect));
  return sql<{ id: string }>`WITH m AS MATERIALIZED (${matches}) SELECT id FROM m LIMIT ${RARE_MATCHES + 1}`;
}

/** Users matching `filter`, in the page's order (values first, users without one last); ties broken by id. */
export async function listUsers(db: Kysely<Database>, dialect: DialectName, filter: UserFilter, page: UserPage): Promise<UserRow[]> {
  if (filter.impossible) return [];
  // The search plan and the user count, each asked once and only when a part of the page needs them.
  let count: Promise<number> | undefined;
  const users = () => (count ??= storedUserCount(db));
  let plan: Promise<UserFilter> | undefined;
  const planned = () => (plan ??= withSearchPlan(db, dialect, filter, users));
  if (isPinned(filter)) return pinnedPage(db, dialect, await planned(), page);
  if (searchTerms(filter).length) {
    // A rare search on PostgreSQL: the page is taken from its matches, named by id (the filter still
    // applies, so a user changed in between is checked again).
    const matches = await rareMatches(db, dialect, await planned());
    if (matches !== null) {
      if (!matches.length) return [];
      return pinnedPage(db, dialect, { ...(await planned()), userIds: { include: matches, exclude: filter.userIds?.exclude ?? [] } }, page);
    }
  }
  const ids = await pageIds(db, dialect, filter, page, 'present', page.limit, page.offset, planned, users);
  if (hasTwoParts(page) && ids.length < page.limit) {
    // The page reaches past the users with a value: how many of those precede it is either known (some
    // were on this page) or at most `offset`, so counting them reads at most `offset` index entries.
    let skip = 0;
    if (!ids.length && page.offset > 0) {
      skip = page.offset - (await countPresent(db, dialect, await planned(), page, page.offset));
    }
    ids.push(...(await pageIds(db, dialect, filter, page, 'absent', page.limit - ids.length, skip, planned, users)));
  }
  if (!ids.length) return [];
  const rows = await findUsersByIds(db, ids);
  const byId = new Map(rows.map((r) => [r.id, r]));
  return ids.flatMap((id) => byId.get(id) ?? []);
}

/** A subquery of the ids of users matching `filter`, for other domains' queries (memberships). */
export function filterUserIds(db: Kysely<Database>, dialect: DialectName, filter: UserFilter) {
  return db.selectFrom('users').select('users.id').where((eb) => filterExpression(eb, filter, dialect));
}

/** The count query (exported for the query-plan tests). */
export function countUsersQuery(db: Kysely<Database>, dialect: DialectName, filter: UserFilter) {
  return db
    .selectFrom('users')
    .select((eb) => eb.fn.countAll<number>().as('n'))
    .where((eb) => filterExpression(eb, filter, dialect));
}

/** Whether the filter selects every user (no condition set; `banned: false` is a condition). */
export function isEmptyFilter(f: UserFilter): boolean {
  return Object.entries(f).every(([k, v]) => k === 'searchPlan' || v === undefined);
}

/** Slots of `users_count` (migration 0016 created 0 … 15). */
const USERS_COUNT_SLOTS = 16;

/**
 * Adds `delta` (users created, or minus users deleted) to the stored count, in the caller's transaction:
 * one statement on a random slot, so it is exact however many writers run at once and they seldom wait
 * on each other's row lock.
 */
export async function adjustUserCount(tx: Tx, delta: number): Promise<void> {
  if (delta === 0) return;
  const slot = Math.floor(Math.random() * USERS_COUNT_SLOTS);
  await tx
    .updateTable('users_count')
    .set((eb) => ({ n: eb('n', '+', delta) }))
    .where('slot', '=', slot)
    .execute();
}

/** The stored number of users (the sum of the slots), as `count(*)` would give it. */
export async function storedUserCount(db: Kysely<Database>): Promise<number> {
  const row = await db
    .selectFrom('users_count')
    .select((eb) => eb.fn.sum<number | string>('n').as('n'))
    .executeTakeFirst();
  return Number(row?.n ?? 0);
}

/** The filter with the plan for its search terms (see search-repository.ts). */
export async function withSearchPlan(db: Kysely<Database>, dialect: DialectName, filter: UserFilter, users = () => storedUserCount(db)): Promise<UserFilter> {
  if (filter.searchPlan) return filter;
  const terms = searchTerms(filter);
  if (!terms.length) return filter;
  return { ...filter, searchPlan: await planSearch(db, dialect, terms, users) };
}

export async function countUsers(db: Kysely<Database>, dialect: DialectName, filter: UserFilter): Promise<number> {
  if (filter.impossible) return 0;
  if (isEmptyFilter(filter)) return storedUserCount(db);
  const { createdAtAfter: after, createdAtBefore: before, ...rest } = filter;
  // Only created_at bounds: the users by day of creation, and at most two partial days of the created_at index.
  if (isEmptyFilter(rest)) return countCreatedBetween(db, after, before);
  const query = countUsersQuery(db, dialect, await withSearchPlan(db, dialect, filter));
  // A count of users named by unique keys alone is kept prepared (see executePrepared).
  const [row] = onlyUniqueKeys(filter) ? await executePrepared(db, query) : [await query.executeTakeFirstOrThrow()];
  return Number(row?.n ?? 0);
}

export function findUser(db: Kysely<Database>, id: string) {
  return db.selectFrom('users').selectAll().where('id', '=', id).executeTakeFirst();
}

/** Reads a user for a read-modify-write: the row stays locked until the transaction ends. */
export function lockUser(tx: Tx, id: string) {
  return tx.selectFrom('users').selectAll().where('id', '=', id).$call(forUpdate(tx)).executeTakeFirst();
}

export function findUsersByIds(db: Kysely<Database>, ids: string[]) {
  if (!ids.length) return Promise.resolve([] as UserRow[]);
  return executePrepared(db, db.selectFrom('users').selectAll().where(keyIn(db, 'id', ids)));
}

export function identificationsOf(db: Kysely<Database>, userIds: string[]) {
  if (!userIds.length) return Promise.resolve([] as IdentificationRow[]);
  return executePrepared(db, db.selectFrom('identifications').selectAll().where(keyIn(db, 'user_id', userIds)).orderBy('created_at', 'asc').orderBy('id', 'asc'));
}

export function passwordsOf(db: Kysely<Database>, userIds: string[]) {
  if (!userIds.length) return Promise.resolve([] as Pick<PasswordRow, 'user_id' | 'hasher' | 'updated_at'>[]);
  return executePrepared(db, db.selectFrom('passwords').select(['user_id', 'hasher', 'updated_at']).where(keyIn(db, 'user_id', userIds)));
}

/**
 * The read of one user by id, compiled once: this runs on every `GET /users/{id}` (and after every write),
 * and building and compiling the same three queries each time cost more than running them.
 */
export function createUserLoader(kysely: Kysely<Database>) {
  const db = kysely as Db;
  if (dialectOf(db) === 'postgres') {
    // One round trip (see IDENTIFICATIONS_JSON).
    const whole = statement(db, (d) =>
      d
        .selectFrom('users')
        .selectAll()
        .select([IDENTIFICATIONS_JSON.as('details_identifications'), PASSWORD_JSON.as('details_password')])
        .where('id', '=', ''),
    );
    return async function loadUser(id: string): Promise<UserAggregate | null> {
      const row = (await whole.first(db, id)) as (UserRow & WithDetails) | undefined;
      return row ? detailed(row) : null;
    };
  }
  const user = statement(db, (d) => d.selectFrom('users').selectAll().where('id', '=', ''));
  const idents = statement(db, (d) => d.selectFrom('identifications').selectAll().where('user_id', '=', '').orderBy('created_at', 'asc').orderBy('id', 'asc'));
  const password = statement(db, (d) => d.selectFrom('passwords').select(['user_id', 'hasher', 'updated_at']).where('user_id', '=', ''));
  return async function loadUser(id: string): Promise<UserAggregate | null> {
    const row = await user.first(db, id);
    if (!row) return null;
    const [i, p] = await Promise.all([idents.all(db, id), password.first(db, id)]);
    return { user: row, identifications: i, password: p ?? null };
  };
}

/** Loads users with their identifications and password state, two queries for the whole batch. */
export async function aggregate(db: Kysely<Database>, users: UserRow[]): Promise<UserAggregate[]> {
  const ids = users.map((u) => u.id);
  const [idents, passwords] = await Promise.all([identificationsOf(db, ids), passwordsOf(db, ids)]);
  const byUser = new Map<string, IdentificationRow[]>();
  for (const i of idents) {
    const list = byUser.get(i.user_id);
    if (list) list.push(i);
    else byUser.set(i.user_id, [i]);
  }
  const pw = new Map(passwords.map((p) => [p.user_id, p]));
  return users.map((user) => ({
    user,
    identifications: byUser.get(user.id) ?? [],
    password: pw.get(user.id) ?? null,
  }));
}

export function findIdentification(db: Kysely<Database>, id: string, type?: IdentificationTable['type']) {
  let q = db.selectFrom('identifications').selectAll().where('id', '=', id);
  if (type) q = q.where('type', '=', type);
  return q.executeTakeFirst();
}

/** Reads an identification for a read-modify-write, locking its row until the transaction ends. */
export function lockIdentification(tx: Tx, id: string, type?: IdentificationTable['type']) {
  let q = tx.selectFrom('identifications').selectAll().where('id', '=', id);
  if (type) q = q.where('type', '=', type);
  return q.$call(forUpdate(tx)).executeTakeFirst();
}

export function findPassword(db: Kysely<Database>, userId: string) {
  return db.selectFrom('passwords').selectAll().where('user_id', '=', userId).executeTakeFirst();
}

/** Text the `query` filter searches: every identifier and name of the user, lower-cased. */
export function searchTextOf(user: Pick<UserRow, 'id' | 'username' | 'first_name' | 'last_name'>, identifications: Pick<IdentificationRow, 'normalized' | 'value'>[]): string {
  const parts = [user.id, user.username ?? '', user.first_name ?? '', user.last_name ?? ''];
  for (const i of identifications) parts.push(i.normalized, i.value);
  return parts
    .filter(Boolean)
    .map((p) => p.toLowerCase())
    .join('\n');
}

/** Recomputes a user's search text from what is stored (after identifications change). */
export async function refreshSearchText(db: Kysely<Database>, userId: string, now: number): Promise<void> {
  const user = await findUser(db, userId);
  if (!user) return;
  const idents = await identificationsOf(db, [userId]);
  await db
    .updateTable('users')
    .set({ search_text: searchTextOf(user, idents), updated_at: now })
    .where('id', '=', userId)
    .execute();
}

// ---- writes and the reads that guard them (user rules in service.ts and beside it) ----

/** The identification holding an identifier (normalized value), whoever owns it, or undefined. */
export function identifierHolder(ex: Executor, type: IdentificationType, normalized: string) {
  return ex.selectFrom('identifications').select(['id', 'user_id']).where('type', '=', type).where('normalized', '=', normalized).executeTakeFirst();
}

/** Whether another user than `exceptId` (any user when absent) has this external id. */
export async function externalIdTaken(ex: Executor, externalId: string, exceptId?: string): Promise<boolean> {
  let q = ex.selectFrom('users').select('id').where('external_id', '=', externalId);
  if (exceptId !== undefined) q = q.where('id', '!=', exceptId);
  return (await q.executeTakeFirst()) !== undefined;
}

/** Whether another user than `exceptId` (any user when absent) has this username (normalized). */
export async function usernameTaken(ex: Executor, username: string, exceptId?: string): Promise<boolean> {
  let q = ex.selectFrom('users').select('id').where('username_normalized', '=', username);
  if (exceptId !== undefined) q = q.where('id', '!=', exceptId);
  return (await q.executeTakeFirst()) !== undefined;
}

/** Inserts a user row and counts it, in the total and on its day of creation. */
export async function insertUser(tx: Tx, row: Insertable<UserTable>): Promise<void> {
  await tx.insertInto('users').values(row).execute();
  await adjustUserCount(tx, 1);
  countCreated(tx, row.created_at, 1);
}

/** Updates one user's columns; returns whether the user exists. */
export async function updateUser(ex: Executor, id: string, patch: Updateable<UserTable>): Promise<boolean> {
  const r = await ex.updateTable('users').set(patch).where('id', '=', id).executeTakeFirst();
  return Number(r.numUpdatedRows) > 0;
}

/** Updates the same columns of several users (those that exist). */
export async function updateUsers(ex: Executor, ids: string[], patch: Updateable<UserTable>): Promise<void> {
  await ex.updateTable('users').set(patch).where('id', 'in', ids).execute();
}

/**
 * Deletes the user row (its identifications and password go with it) and uncounts it, from the total and
 * from its day of creation; false when there was none.
 */
export async function deleteUserRow(tx: Tx, id: string): Promise<boolean> {
  const deleted = await tx.deleteFrom('users').where('id', '=', id).returning('created_at').execute();
  await adjustUserCount(tx, -deleted.length);
  for (const r of deleted) countCreated(tx, r.created_at, -1);
  return deleted.length > 0;
}

export async function insertIdentifications(tx: Tx, rows: IdentificationTable[]): Promise<void> {
  if (rows.length) await tx.insertInto('identifications').values(rows).execute();
}

export async function updateIdentificationRow(tx: Tx, id: string, patch: Updateable<IdentificationTable>): Promise<void> {
  await tx.updateTable('identifications').set(patch).where('id', '=', id).execute();
}

export async function deleteIdentificationRow(tx: Tx, id: string): Promise<void> {
  await tx.deleteFrom('identifications').where('id', '=', id).execute();
}

/** Deletes all of a user's identifications of one kind. */
export async function deleteIdentificationsOfType(tx: Tx, userId: string, type: IdentificationType): Promise<void> {
  await tx.deleteFrom('identifications').where('user_id', '=', userId).where('type', '=', type).execute();
}

/**
 * Makes `id` the user's primary identification of its kind (none when null): the user's `primary_*_id`
 * column and the identifications' `is_primary` flags, which the lists ordered by primary identifier
 * read. Call it inside the transaction that holds the user's row lock.
 */
export async function setPrimaryIdentification(tx: Tx, userId: string, type: IdentificationType, id: string | null, updatedAt?: number): Promise<void> {
  await tx
    .updateTable('users')
    .set({ [PRIMARY_COLUMN[type]]: id, ...(updatedAt !== undefined ? { updated_at: updatedAt } : {}) })
    .where('id', '=', userId)
    .execute();
  await markPrimary(tx, userId, type, id);
}

/** Sets the `is_primary` flags of the user's identifications of a kind so that only `id` has it. */
export async function markPrimary(tx: Tx, userId: string, type: IdentificationType, id: string | null): Promise<void> {
  await tx
    .updateTable('identifications')
    .set((eb) => ({ is_primary: id === null ? 0 : eb.case().when('id', '=', id).then(1).else(0).end() }))
    .where('user_id', '=', userId)
    .where('type', '=', type)
    .where((eb) => (id === null ? eb('is_primary', '=', 1) : eb.or([eb('is_primary', '=', 1), eb('id', '=', id)])))
    .execute();
}

/** The identification of a kind that should become primary next: verified first, then the oldest. */
export async function nextPrimaryCandidate(tx: Tx, userId: string, type: IdentificationType): Promise<string | null> {
  const next = await tx
    .selectFrom('identifications')
    .select('id')
    .where('user_id', '=', userId)
    .where('type', '=', type)
    .orderBy((eb) => eb.case().when('status', '=', 'verified').then(0).else(1).end(), 'asc')
    .orderBy('created_at', 'asc')
    .executeTakeFirst();
  return next?.id ?? null;
}

export async function insertPassword(tx: Tx, row: PasswordTable): Promise<void> {
  await tx.insertInto('passwords').values(row).execute();
}

/** Replaces the user's password (whatever digest and hasher it had) with a new one. */
export async function replacePassword(tx: Tx, row: PasswordTable): Promise<void> {
  await tx.deleteFrom('passwords').where('user_id', '=', row.user_id).execute();
  await tx.insertInto('passwords').values(row).execute();
}

/** Rehashes a password digest, only if it is still `checked`: a concurrent password change wins. */
export async function rehashPassword(ex: Executor, userId: string, checked: string, next: { digest: string; hasher: string }): Promise<void> {
  await ex.updateTable('passwords').set(next).where('user_id', '=', userId).where('digest', '=', checked).execute();
}

export async function deletePassword(ex: Executor, userId: string): Promise<void> {
  await ex.deleteFrom('passwords').where('user_id', '=', userId).execute();
}
