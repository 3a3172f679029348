/**
 * Queries of the organizations table (logo images are stored through the images repository). The members and
 * admins counters live on the organization row; the memberships aggregate changes them only through the
 * conditional updates below, which is how the membership limit and the last-admin rule hold under
 * concurrency.
 */
import { deleteImage, deleteImagesOf, insertImage } from '../../images/repository.js';
import { sql, type Selectable, type SelectQueryBuilder, type Updateable } from 'kysely';
import { containsPattern, forUpdate, type Db, type Executor, type Tx } from '../../../storage/database.js';
import type { Database, OrganizationTable } from '../../../storage/schema.js';
import type { Page } from '../shared.js';

export type OrganizationRow = Selectable<OrganizationTable>;

/** An organization by id or slug, or null. */
export async function findOrganization(ex: Executor, idOrSlug: string): Promise<OrganizationRow | null> {
  return (await ex.selectFrom('organizations').selectAll().where((eb) => eb.or([eb('id', '=', idOrSlug), eb('slug', '=', idOrSlug)])).executeTakeFirst()) ?? null;
}

export async function organizationsByIds(ex: Executor, ids: string[]): Promise<Map<string, OrganizationRow>> {
  const unique = [...new Set(ids)];
  if (!unique.length) return new Map();
  const rows = await ex.selectFrom('organizations').selectAll().where('id', 'in', unique).execute();
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
}

/** The counters are not in a patch: they change only through the seat functions below. */
export type OrganizationPatch = Omit<Updateable<OrganizationTable>, 'id' | 'members_count' | 'admins_count'>;

export async function updateOrganization(tx: Tx, id: string, patch: OrganizationPatch): Promise<void> {
  if (!Object.keys(patch).length) return;
  await tx.updateTable('organizations').set(patch).where('id', '=', id).execute();
}

/** Deletes the organization and the images it owns (its memberships, invitations and domains cascade). */
export async function deleteOrganization(tx: Tx, id: string): Promise<void> {
  await tx.deleteFrom('organizations').where('id', '=', id).execute();
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

export async function listOrganizations(db: Db, q: OrganizationListQuery): Promise<{ rows: OrganizationRow[]; total: number }> {
  let base = db.selectFrom('organizations');
  if (q.query) base = base.where(sql<boolean>`search_text LIKE ${containsPattern(q.query.toLowerCase())} ESCAPE '\\'`);
  if (q.organizationIds?.length) base = base.where('id', 'in', q.organizationIds);
  if (q.within) base = base.where('id', 'in', q.within);
  const [rows, count] = await Promise.all([
    base.selectAll().orderBy(q.orderBy, q.direction).orderBy('id', q.direction).limit(q.limit).offset(q.offset).execute(),
    base.select((eb) => eb.fn.countAll<number>().as('n')).executeTakeFirstOrThrow(),
  ]);
  return { rows, total: Number(count.n) };
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
