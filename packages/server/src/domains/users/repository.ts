/**
 * Kysely queries for users and their identifications. Every function takes a `Kysely` (the database or a
 * transaction) so services compose them inside one transaction.
 */
import { type Expression, type Kysely, type SqlBool, sql, type ExpressionBuilder, type Insertable, type Selectable, type Updateable } from 'kysely';
import { containsPattern, forUpdate, type DialectName, type Executor, type Tx } from '../../storage/database.js';
import type { Database, IdentificationTable, IdentificationType, PasswordTable, UserTable } from '../../storage/schema.js';

export type UserRow = Selectable<UserTable>;
export type IdentificationRow = Selectable<IdentificationTable>;
export type PasswordRow = Selectable<PasswordTable>;

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
}

export interface UserPage {
  orderBy: OrderField;
  direction: 'asc' | 'desc';
  limit: number;
  offset: number;
  /** Cursor: id of the last user of the previous page (created_at ordering only). */
  startingAfter?: { id: string; createdAt: number };
}

type EB = ExpressionBuilder<Database, 'users'>;

function contains(column: Expression<string | null>, needle: string) {
  return sql<SqlBool>`${column} LIKE ${containsPattern(needle)} ESCAPE '\\'`;
}

function hasIdentification(eb: EB, type: IdentificationTable['type'], values: string[]) {
  return eb.exists(
    eb
      .selectFrom('identifications as i')
      .select(sql`1`.as('one'))
      .whereRef('i.user_id', '=', 'users.id')
      .where('i.type', '=', type)
      .where('i.normalized', 'in', values),
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

function filterExpression(eb: EB, f: UserFilter, dialect: DialectName) {
  const and: Expression<SqlBool>[] = [];
  if (f.impossible) and.push(sql<SqlBool>`1 = 0`);
  if (f.emailAddresses?.length) and.push(hasIdentification(eb, 'email_address', f.emailAddresses));
  if (f.phoneNumbers?.length) and.push(hasIdentification(eb, 'phone_number', f.phoneNumbers));
  if (f.web3Wallets?.length) and.push(hasIdentification(eb, 'web3_wallet', f.web3Wallets));
  if (f.usernames?.length) and.push(eb('users.username_normalized', 'in', f.usernames));
  for (const [list, column] of [
    [f.externalIds, 'users.external_id'],
    [f.userIds, 'users.id'],
  ] as const) {
    if (list?.include.length) and.push(eb(column, 'in', list.include));
    if (list?.exclude.length) {
      and.push(eb.or([eb(column, 'is', null), eb(column, 'not in', list.exclude)]));
    }
  }
  if (f.organizationIds) {
    const member = (orgs: string[]) =>
      eb.exists(
        eb
          .selectFrom('organization_memberships as om')
          .select(sql`1`.as('one'))
          .whereRef('om.user_id', '=', 'users.id')
          .where('om.organization_id', 'in', orgs),
      );
    if (f.organizationIds.include.length) and.push(member(f.organizationIds.include));
    if (f.organizationIds.exclude.length) and.push(eb.not(member(f.organizationIds.exclude)));
  }
  if (f.query) {
    if (dialect === 'sqlite' && f.query.length >= 3) {
      // FTS5 trigram: a quoted phrase matches as a substring, served by the index.
      const phrase = `"${f.query.replace(/"/g, '""')}"`;
      and.push(sql<SqlBool>`users.rowid IN (SELECT rowid FROM users_fts WHERE users_fts MATCH ${phrase})`);
    } else {
      // PostgreSQL: pg_trgm's GIN index serves LIKE '%q%' on search_text.
      and.push(contains(sql.ref('users.search_text'), f.query));
    }
  }
  if (f.emailAddressQuery) and.push(identificationContains(eb, 'email_address', f.emailAddressQuery));
  if (f.phoneNumberQuery) and.push(identificationContains(eb, 'phone_number', f.phoneNumberQuery));
  if (f.usernameQuery) and.push(contains(sql.ref('users.username_normalized'), f.usernameQuery));
  if (f.nameQuery) {
    and.push(
      contains(sql`lower(coalesce(users.first_name, '') || ' ' || coalesce(users.last_name, ''))`, f.nameQuery),
    );
  }
  if (f.banned !== undefined) and.push(eb('users.banned', '=', f.banned ? 1 : 0));
  if (f.lastActiveAtBefore !== undefined) and.push(eb('users.last_active_at', '<', f.lastActiveAtBefore));
  if (f.lastActiveAtAfter !== undefined) and.push(eb('users.last_active_at', '>', f.lastActiveAtAfter));
  if (f.createdAtBefore !== undefined) and.push(eb('users.created_at', '<', f.createdAtBefore));
  if (f.createdAtAfter !== undefined) and.push(eb('users.created_at', '>', f.createdAtAfter));
  if (f.lastSignInAtBefore !== undefined) and.push(eb('users.last_sign_in_at', '<', f.lastSignInAtBefore));
  if (f.lastSignInAtAfter !== undefined) and.push(eb('users.last_sign_in_at', '>', f.lastSignInAtAfter));
  return eb.and(and);
}

const ORDER_COLUMN: Record<OrderField, string> = {
  created_at: 'users.created_at',
  updated_at: 'users.updated_at',
  first_name: 'users.first_name',
  last_name: 'users.last_name',
  username: 'users.username_normalized',
  last_active_at: 'users.last_active_at',
  last_sign_in_at: 'users.last_sign_in_at',
  email_address: 'pe.normalized',
  phone_number: 'pp.normalized',
  web3wallet: 'pw.normalized',
};

/** Users matching `filter`, in the page's order; ties broken by id so pages never overlap. */
export async function listUsers(db: Kysely<Database>, dialect: DialectName, filter: UserFilter, page: UserPage) {
  let q = db.selectFrom('users').selectAll('users');
  if (page.orderBy === 'email_address') {
    q = q.leftJoin('identifications as pe', 'pe.id', 'users.primary_email_address_id') as typeof q;
  } else if (page.orderBy === 'phone_number') {
    q = q.leftJoin('identifications as pp', 'pp.id', 'users.primary_phone_number_id') as typeof q;
  } else if (page.orderBy === 'web3wallet') {
    q = q.leftJoin('identifications as pw', 'pw.id', 'users.primary_web3_wallet_id') as typeof q;
  }
  q = q.where((eb) => filterExpression(eb, filter, dialect));
  if (page.startingAfter) {
    const { id, createdAt } = page.startingAfter;
    q = q.where((eb) =>
      page.direction === 'desc'
        ? eb.or([eb('users.created_at', '<', createdAt), eb.and([eb('users.created_at', '=', createdAt), eb('users.id', '<', id)])])
        : eb.or([eb('users.created_at', '>', createdAt), eb.and([eb('users.created_at', '=', createdAt), eb('users.id', '>', id)])]),
    );
  }
  const column = sql.ref(ORDER_COLUMN[page.orderBy]);
  const dir = page.direction === 'desc' ? sql`DESC` : sql`ASC`;
  // NULLs last in both directions and on both dialects (they disagree on the default).
  q = q.orderBy(sql`(${column} IS NULL)`, 'asc').orderBy(sql`${column} ${dir}`).orderBy(sql`users.id ${dir}`);
  return q.limit(page.limit).offset(page.offset).execute();
}

/** A subquery of the ids of users matching `filter`, for other domains' queries (memberships). */
export function filterUserIds(db: Kysely<Database>, dialect: DialectName, filter: UserFilter) {
  return db.selectFrom('users').select('users.id').where((eb) => filterExpression(eb, filter, dialect));
}

export async function countUsers(db: Kysely<Database>, dialect: DialectName, filter: UserFilter): Promise<number> {
  const row = await db
    .selectFrom('users')
    .select((eb) => eb.fn.countAll<number>().as('n'))
    .where((eb) => filterExpression(eb, filter, dialect))
    .executeTakeFirstOrThrow();
  return Number(row.n);
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
  return db.selectFrom('users').selectAll().where('id', 'in', ids).execute();
}

export function identificationsOf(db: Kysely<Database>, userIds: string[]) {
  if (!userIds.length) return Promise.resolve([] as IdentificationRow[]);
  return db
    .selectFrom('identifications')
    .selectAll()
    .where('user_id', 'in', userIds)
    .orderBy('created_at', 'asc')
    .orderBy('id', 'asc')
    .execute();
}

export function passwordsOf(db: Kysely<Database>, userIds: string[]) {
  if (!userIds.length) return Promise.resolve([] as Pick<PasswordRow, 'user_id' | 'hasher' | 'updated_at'>[]);
  return db.selectFrom('passwords').select(['user_id', 'hasher', 'updated_at']).where('user_id', 'in', userIds).execute();
}

/**
 * The read of one user by id, compiled once: this runs on every `GET /users/{id}` (and after every write),
 * and building and compiling the same three queries each time cost more than running them.
 */
export function createUserLoader(db: Kysely<Database>) {
  const user = db.selectFrom('users').selectAll().where('id', '=', '').compile();
  const idents = db.selectFrom('identifications').selectAll().where('user_id', '=', '').orderBy('created_at', 'asc').orderBy('id', 'asc').compile();
  const password = db.selectFrom('passwords').select(['user_id', 'hasher', 'updated_at']).where('user_id', '=', '').compile();
  return async function loadUser(id: string): Promise<UserAggregate | null> {
    const found = await db.executeQuery<UserRow>({ ...user, parameters: [id] });
    const row = found.rows[0];
    if (!row) return null;
    const [i, p] = await Promise.all([
      db.executeQuery<IdentificationRow>({ ...idents, parameters: [id] }),
      db.executeQuery<Pick<PasswordRow, 'user_id' | 'hasher' | 'updated_at'>>({ ...password, parameters: [id] }),
    ]);
    return { user: row, identifications: i.rows, password: p.rows[0] ?? null };
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

export async function insertUser(tx: Tx, row: Insertable<UserTable>): Promise<void> {
  await tx.insertInto('users').values(row).execute();
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

/** Deletes the user row (its identifications and password go with it); false when there was none. */
export async function deleteUserRow(tx: Tx, id: string): Promise<boolean> {
  const r = await tx.deleteFrom('users').where('id', '=', id).executeTakeFirst();
  return Number(r.numDeletedRows) > 0;
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
