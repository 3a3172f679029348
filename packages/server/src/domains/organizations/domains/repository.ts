/**
 * Queries of the organization_domains table and of organization_suggestions (what an
 * automatic-suggestion domain offers its users).
 */
import { newId } from '@latch/core';
import { sql, type Selectable, type Updateable } from 'kysely';
import { containsPattern, forUpdate, type Db, type Executor, type Tx } from '../../../storage/database.js';
import type { EnrollmentMode, OrganizationDomainTable, OrganizationSuggestionTable } from '../../../storage/schema.js';
import type { Page } from '../shared.js';

export type DomainRow = Selectable<OrganizationDomainTable>;

export async function insertDomain(tx: Tx, row: DomainRow): Promise<void> {
  await tx.insertInto('organization_domains').values(row).execute();
}

export async function findDomain(ex: Executor, orgId: string, domainId: string): Promise<DomainRow | null> {
  return (await ex.selectFrom('organization_domains').selectAll().where('id', '=', domainId).where('organization_id', '=', orgId).executeTakeFirst()) ?? null;
}

/** The domain for a read-modify-write (its code attempts, its verification): locked until the transaction ends. */
export async function lockDomain(tx: Tx, orgId: string, domainId: string): Promise<DomainRow | null> {
  return (await tx.selectFrom('organization_domains').selectAll().where('id', '=', domainId).where('organization_id', '=', orgId).$call(forUpdate(tx)).executeTakeFirst()) ?? null;
}

export type DomainPatch = Omit<Updateable<OrganizationDomainTable>, 'id' | 'organization_id' | 'name' | 'created_at'>;

export async function updateDomain(tx: Tx, id: string, patch: DomainPatch): Promise<void> {
  await tx.updateTable('organization_domains').set(patch).where('id', '=', id).execute();
}

/** Records one more wrong code. */
export async function countFailedAttempt(tx: Tx, id: string, t: number): Promise<void> {
  await tx.updateTable('organization_domains').set((eb) => ({ code_attempts: eb('code_attempts', '+', 1), updated_at: t })).where('id', '=', id).execute();
}

export async function deleteDomain(db: Db, id: string): Promise<void> {
  await db.deleteFrom('organization_domains').where('id', '=', id).execute();
}

/** Verified domains with these names that enroll users automatically. */
export async function automaticDomainsNamed(db: Db, names: string[]): Promise<DomainRow[]> {
  return db.selectFrom('organization_domains').selectAll().where('name', 'in', names).where('verified', '=', 1).where('enrollment_mode', '!=', 'manual_invitation').execute();
}

export interface DomainListQuery extends Page {
  organizationId?: string;
  verified?: boolean;
  enrollmentModes?: string[];
  query?: string;
  names?: string[];
  orderBy: 'created_at' | 'name';
  direction: 'asc' | 'desc';
}

export async function listDomains(db: Db, q: DomainListQuery): Promise<{ rows: DomainRow[]; total: number }> {
  let base = db.selectFrom('organization_domains');
  if (q.organizationId) base = base.where('organization_id', '=', q.organizationId);
  if (q.verified !== undefined) base = base.where('verified', '=', q.verified ? 1 : 0);
  if (q.enrollmentModes?.length) base = base.where('enrollment_mode', 'in', q.enrollmentModes as EnrollmentMode[]);
  if (q.names?.length) base = base.where('name', 'in', q.names.map((n) => n.toLowerCase()));
  if (q.query) base = base.where(sql<boolean>`name LIKE ${containsPattern(q.query.toLowerCase())} ESCAPE '\\'`);
  const [rows, count] = await Promise.all([
    base.selectAll().orderBy(q.orderBy, q.direction).orderBy('id', q.direction).limit(q.limit).offset(q.offset).execute(),
    base.select((eb) => eb.fn.countAll<number>().as('n')).executeTakeFirstOrThrow(),
  ]);
  return { rows, total: Number(count.n) };
}

/** Suggests the organization to a user, once (a pending or answered suggestion is kept as it is). */
export async function suggest(tx: Tx, s: { organizationId: string; userId: string; domainId: string }, t: number): Promise<void> {
  await tx
    .insertInto('organization_suggestions')
    .values({ id: newId('orgsugg', t), organization_id: s.organizationId, user_id: s.userId, domain_id: s.domainId, status: 'pending', created_at: t, updated_at: t })
    .onConflict((oc) => oc.columns(['organization_id', 'user_id']).doNothing())
    .execute();
}

/** A user who joined the organization has taken up its suggestion. */
export async function acceptSuggestions(tx: Tx, orgId: string, userId: string, t: number): Promise<void> {
  await tx.updateTable('organization_suggestions').set({ status: 'accepted', updated_at: t }).where('organization_id', '=', orgId).where('user_id', '=', userId).execute();
}

export async function countPendingSuggestions(ex: Executor, domainId: string): Promise<number> {
  const r = await ex
    .selectFrom('organization_suggestions')
    .select((eb) => eb.fn.countAll<number>().as('n'))
    .where('domain_id', '=', domainId)
    .where('status', '=', 'pending')
    .executeTakeFirstOrThrow();
  return Number(r.n);
}

export async function pendingSuggestionsOf(db: Db, userId: string) {
  return db.selectFrom('organization_suggestions').selectAll().where('user_id', '=', userId).where('status', '=', 'pending').orderBy('created_at', 'desc').execute();
}

export type SuggestionRow = Selectable<OrganizationSuggestionTable>;
export type SuggestionStatus = SuggestionRow['status'];

/** A page of a user's suggestions, newest first, leaving out organizations they have joined meanwhile. */
export async function listSuggestionsOf(db: Db, q: Page & { userId: string; statuses?: SuggestionStatus[] }): Promise<{ rows: SuggestionRow[]; total: number }> {
  let base = db
    .selectFrom('organization_suggestions as s')
    .where('s.user_id', '=', q.userId)
    .where(({ not, exists, selectFrom }) =>
      not(exists(selectFrom('organization_memberships as m').select('m.id').whereRef('m.organization_id', '=', 's.organization_id').whereRef('m.user_id', '=', 's.user_id'))),
    );
  if (q.statuses?.length) base = base.where('s.status', 'in', q.statuses);
  const [rows, count] = await Promise.all([
    base.selectAll('s').orderBy('s.created_at', 'desc').orderBy('s.id', 'desc').limit(q.limit).offset(q.offset).execute(),
    base.select((eb) => eb.fn.countAll<number>().as('n')).executeTakeFirstOrThrow(),
  ]);
  return { rows, total: Number(count.n) };
}

/** A suggestion made to this user, locked until the transaction ends; null when there is none. */
export async function lockSuggestionOf(tx: Tx, userId: string, id: string): Promise<SuggestionRow | null> {
  return (await tx.selectFrom('organization_suggestions').selectAll().where('id', '=', id).where('user_id', '=', userId).$call(forUpdate(tx)).executeTakeFirst()) ?? null;
}

/** Takes up a pending suggestion; false when it was not pending any more. */
export async function takeUpSuggestion(tx: Tx, id: string, t: number): Promise<boolean> {
  const r = await tx.updateTable('organization_suggestions').set({ status: 'accepted', updated_at: t }).where('id', '=', id).where('status', '=', 'pending').executeTakeFirst();
  return Number(r.numUpdatedRows) === 1;
}

/** Withdraws the domain's suggestions nobody has taken up yet. */
export async function dropPendingSuggestions(tx: Tx, domainId: string): Promise<void> {
  await tx.deleteFrom('organization_suggestions').where('domain_id', '=', domainId).where('status', '=', 'pending').execute();
}
