/**
 * Queries of the organizations table (logo images are stored through the images repository). The members and
 * admins counters live on the organization row; the memberships aggregate changes them only through the
 * conditional updates below, which is how the membership limit and the last-admin rule hold under
 * concurrency.
 */
import { deleteImage, deleteImagesOf, insertImage } from '../../images/repository.js';
import { sql, type Selectable, type SelectQueryBuilder, type SqlBool, type Updateable } from 'kysely';
import { containsPattern, executePrepared, forUpdate, keyIn, type DialectName, type Db, type Executor, type Tx } from '../../../storage/database.js';
import type { Database, OrganizationTable } from '../../../storage/schema.js';
import { addToCount, storedCount } from '../counts/repository.js';
import type { InvitationStatus } from '../../invitations/status.js';
import type { Page } from '../shared.js';

export type OrganizationRow = Selectable<OrganizationTable>;

/** An organization by id or slug, or null. */
export async function findOrganization(ex: Executor, idOrSlug: string): Promise<OrganizationRow | null> {
  const [row] = await executePrepared(ex, ex.selectFrom('organizations').selectAll().where((eb) => eb.or([eb('id', '=', idOrSlug), eb('slug', '=', idOrSlug)])));
  return row ?? null;
}

export async function organizationsByIds(ex: Executor, ids: string[]): Promise<Map<string, OrganizationRow>> {
  const unique = [...new Set(ids)];
  if (!unique.length) return new Map();
  const rows = await executePrepared(ex, ex.selectFrom('organizations').selectAll().where(keyIn(ex, 'id', unique)));
  return new Map(rows.map((r) => [r.id, r]));
}

/**
 * Locks the organization row for the rest of the transaction (PostgreSQL row lock; SQLite's writer lock)
 * by touching it, and answers the row as it is now, or null when there is none.
 */
export async function lockOrganizationRow(tx: Tx, id: string, t: number): Promise<OrganizationRow | null> {
  return (await tx.updateTable('organizations').set({ updated_at: t }).where('id', '=', id).returningAll().executeTakeFirst()) ?? null;
}

export async function insertOrganization(tx: Tx, row: OrganizationRow): Promise<void> {
  await tx.insertInto('organizations').values(row as never).execute();
  addToCount(tx, 'organizations', 1);
}

/** The counters are not in a patch: they change only through the seat functions below. */
export type OrganizationPatch = Omit<Updateable<OrganizationTable>, 'id' | 'members_count' | 'admins_count'>;

export async function updateOrganization(tx: Tx, id: string, patch: OrganizationPatch): Promise<void> {
  if (!Object.keys(patch).length) return;
  await tx.updateTable('organizations').set(patch).where('id', '=', id).execute();
}

/**
 * Deletes the organization, its memberships and invitations (counted off the kept counts) and the images
 * it owns (its domains cascade). The row is locked first, so no membership or invitation can be added
 * meanwhile (their foreign key waits on it); each deleted invitation's status is its status as deleted.
 */
export async function deleteOrganization(tx: Tx, id: string): Promise<void> {
  if (!(await tx.selectFrom('organizations').select('id').where('id', '=', id).$call(forUpdate(tx)).executeTakeFirst())) return;
  const members = await tx.deleteFrom('organization_memberships').where('organization_id', '=', id).executeTakeFirst();
  addToCount(tx, 'memberships', -Number(members.numDeletedRows));
  const invitations = await tx.deleteFrom('organization_invitations').where('organization_id', '=', id).returning('status').execute();
  for (const r of invitations) addToCount(tx, `invitations:${r.status as InvitationStatus}`, -1);
  const r = await tx.deleteFrom('organizations').where('id', '=', id).executeTakeFirst();
  addToCount(tx, 'organizations', -Number(r.numDeletedRows));
  await deleteImagesOf(tx, id);
}

export async function insertLogo(tx: Tx, image: { id: string; ownerId: string; contentType: string; bytes: Uint8Array; createdAt: number }): Promise<void> {
  await insertImage(tx, { id: image.id, owner_id: image.ownerId, content_type: image.contentType, bytes: image.bytes, size: image.bytes.byteLength, created_at: image.createdAt });
}

export async function deleteLogo(tx: Tx, imageId: string): Promise<void> {
  await deleteImage(tx, imageId);
}

export interface OrganizationListQuery extends Page {
  query?: string;
  organizationIds?: string[];
  /** Only organizations among these ids (a subquery, e.g. the organizations some users belong to). */
  within?: SelectQueryBuilder<Database, 'organization_memberships', { organization_id: string }>;
  orderBy: 'created_at' | 'name' | 'members_count';
  direction: 'asc' | 'desc';
}

/**
 * The search condition: on SQLite the FTS5 trigram index (terms of 3 characters or more; shorter ones by
 * LIKE), on PostgreSQL LIKE, which pg_trgm's GIN index serves. Both match the lower-cased term as a
 * substring of the lower-cased search text.
 */
function searchCondition(dialect: DialectName, term: string) {
  if (dialect === 'sqlite' && term.length >= 3) {
    return sql<SqlBool>`organizations.rowid IN (SELECT rowid FROM organizations_fts WHERE organizations_fts MATCH ${`"${term.replace(/"/g, '""')}"`})`;
  }
  return sql<SqlBool>`organizations.search_text LIKE ${containsPattern(term)} ESCAPE '\\'`;
}

function filtered(db: Db, dialect: DialectName, q: Omit<OrganizationListQuery, 'limit' | 'offset' | 'orderBy' | 'direction'>, withSearch = true) {
  let base = db.selectFrom('organizations');
  if (q.query && withSearch) base = base.where(searchCondition(dialect, q.query.toLowerCase()));
  if (q.organizationIds?.length) base = base.where('organizations.id', 'in', q.organizationIds);
  if (q.within) base = base.where('organizations.id', 'in', q.within);
  return base;
}

/**
 * The ids of a list in order, from the ordering's index (`(column, id)`, ties by id in the list's
 * direction); exported for the query-plan tests. No ordering column is nullable, so there is one part.
 */
export function organizationIdsQuery(db: Db, dialect: DialectName, q: Omit<OrganizationListQuery, 'limit' | 'offset'>, withSearch = true) {
  return filtered(db, dialect, q, withSearch).select('organizations.id as id').orderBy(`organizations.${q.orderBy}`, q.direction).orderBy('organizations.id', q.direction);
}

/**
 * The count query of a list (exported for the query-plan tests). On SQLite, a search that is the only
 * filter is counted in the FTS5 index itself (its matches' positions, no list of their rowids to build
 * and look up in organizations).
 */
export function countOrganizationsQuery(db: Db, dialect: DialectName, q: Omit<OrganizationListQuery, 'limit' | 'offset' | 'orderBy' | 'direction'>) {
  if (dialect === 'sqlite' && q.query && q.query.length >= 3 && !q.organizationIds?.length && !q.within) {
    return db
      .selectFrom(sql<{ rowid: number }>`organizations_fts`.as('organizations_fts'))
      .select((eb) => eb.fn.countAll<number>().as('n'))
      .where(sql<SqlBool>`organizations_fts MATCH ${`"${q.query.toLowerCase().replace(/"/g, '""')}"`}`);
  }
  return filtered(db, dialect, q).select((eb) => eb.fn.countAll<number>().as('n'));
}

/** How many organizations the probe reads in list order before asking the search index. */
const PROBE_ROWS = 1000;

/**
 * A page of ids. A `query` that matches many organizations is answered fastest by reading the list in
 * order and keeping the matches; a rare one by the search index (whose matches are then sorted). So when
 * `query` is the only filter and the page is near the start, the first PROBE_ROWS in order are searched
 * here: when they hold the page it is exactly the first matches in order; otherwise the index answers.
 */
async function organizationIds(db: Db, dialect: DialectName, q: OrganizationListQuery): Promise<string[]> {
  if (q.query && !q.organizationIds?.length && !q.within && q.offset + q.limit <= PROBE_ROWS / 10) {
    const term = q.query.toLowerCase();
    const head = await organizationIdsQuery(db, dialect, q, false).select('organizations.search_text as search_text').limit(PROBE_ROWS).execute();
    const hits = head.filter((r) => r.search_text.includes(term));
    if (hits.length >= q.offset + q.limit || head.length < PROBE_ROWS) return hits.slice(q.offset, q.offset + q.limit).map((r) => r.id);
  }
  const rows = await organizationIdsQuery(db, dialect, q).limit(q.limit).offset(q.offset).execute();
  return rows.map((r) => r.id);
}

/** A page of organizations: ids in order from an index, then those rows. */
export async function listOrganizations(db: Db, dialect: DialectName, q: OrganizationListQuery): Promise<{ rows: OrganizationRow[]; total: number }> {
  const unfiltered = !q.query && !q.organizationIds?.length && !q.within;
  const [ids, total] = await Promise.all([
    organizationIds(db, dialect, q),
    // Every organization: the kept count (migration 0018), not a count of 100,000 index entries.
    unfiltered ? storedCount(db, ['organizations']) : countOrganizationsQuery(db, dialect, q).executeTakeFirstOrThrow().then((r) => Number(r.n)),
  ]);
  if (!ids.length) return { rows: [], total };
  const byId = await organizationsByIds(db, ids);
  return { rows: ids.flatMap((id) => byId.get(id) ?? []), total };
}

/** One more member (and admin, when `admin`), unless the organization is full; false when it is. */
export async function takeSeat(tx: Tx, orgId: string, admin: boolean): Promise<boolean> {
  const r = await tx
    .updateTable('organizations')
    .set((eb) => ({ members_count: eb('members_count', '+', 1), admins_count: eb('admins_count', '+', admin ? 1 : 0) }))
    .where('id', '=', orgId)
    .where((eb) => eb.or([eb('max_allowed_memberships', '=', 0), eb('members_count', '<', eb.ref('max_allowed_memberships'))]))
    .executeTakeFirst();
  return Number(r.numUpdatedRows) === 1;
}

/**
 * One member (and admin, when `admin`) fewer. With `keepAnAdmin`, an admin's seat is freed only while
 * another admin remains; false when it was refused.
 */
export async function freeSeat(tx: Tx, orgId: string, admin: boolean, keepAnAdmin: boolean): Promise<boolean> {
  const r = await tx
    .updateTable('organizations')
    .set((eb) => ({ members_count: eb('members_count', '-', 1), admins_count: eb('admins_count', '-', admin ? 1 : 0) }))
    .where('id', '=', orgId)
    .where((eb) => (admin && keepAnAdmin ? eb('admins_count', '>', 1) : sql<boolean>`1 = 1`))
    .executeTakeFirst();
  return Number(r.numUpdatedRows) === 1;
}

/** Shifts the admins counter by `delta`; a decrease with `keepAnAdmin` is refused (false) at the last admin. */
export async function shiftAdmins(tx: Tx, orgId: string, delta: number, keepAnAdmin: boolean): Promise<boolean> {
  const r = await tx
    .updateTable('organizations')
    .set((eb) => ({ admins_count: eb('admins_count', '+', delta) }))
    .where('id', '=', orgId)
    .where((eb) => (delta < 0 && keepAnAdmin ? eb('admins_count', '>', 1) : sql<boolean>`1 = 1`))
    .executeTakeFirst();
  return Number(r.numUpdatedRows) === 1;
}

/**
 * What limits a user's creating organizations, locked until the transaction ends (so concurrent creates
 * by one user are counted one after the other); null when there is no such user.
 */
export async function lockCreator(tx: Tx, userId: string): Promise<{ create_organization_enabled: number; create_organizations_limit: number | null } | null> {
  return (
    (await tx
      .selectFrom('users')
      .select(['create_organization_enabled', 'create_organizations_limit'])
      .where('id', '=', userId)
      .$call(forUpdate(tx))
      .executeTakeFirst()) ?? null
  );
}

/** How many existing organizations the user created. */
export async function countCreatedBy(ex: Executor, userId: string): Promise<number> {
  const r = await ex.selectFrom('organizations').select((eb) => eb.fn.countAll<number>().as('n')).where('created_by', '=', userId).executeTakeFirstOrThrow();
  return Number(r.n);
}
