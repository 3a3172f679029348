/**
 * Queries of the organization_membership_requests table: a user's request to join an organization (a
 * suggestion they took up), pending until a member manager accepts or rejects it.
 */
import type { Selectable } from 'kysely';
import { forUpdate, type Db, type Tx } from '../../../storage/database.js';
import type { OrganizationMembershipRequestTable } from '../../../storage/schema.js';
import type { Page } from '../shared.js';

export type MembershipRequestRow = Selectable<OrganizationMembershipRequestTable>;
export type MembershipRequestStatus = MembershipRequestRow['status'];

/** Records a request; a user who asked to join this organization before keeps their first request. */
export async function insertRequest(tx: Tx, row: MembershipRequestRow): Promise<void> {
  await tx
    .insertInto('organization_membership_requests')
    .values(row)
    .onConflict((oc) => oc.columns(['organization_id', 'user_id']).doNothing())
    .execute();
}

/** A request to the organization, locked until the transaction ends; null when there is none. */
export async function lockRequest(tx: Tx, orgId: string, id: string): Promise<MembershipRequestRow | null> {
  return (
    (await tx.selectFrom('organization_membership_requests').selectAll().where('id', '=', id).where('organization_id', '=', orgId).$call(forUpdate(tx)).executeTakeFirst()) ?? null
  );
}

/** Answers a pending request; false when it was answered already. */
export async function answerPending(tx: Tx, id: string, status: 'accepted' | 'rejected', t: number): Promise<boolean> {
  const r = await tx.updateTable('organization_membership_requests').set({ status, updated_at: t }).where('id', '=', id).where('status', '=', 'pending').executeTakeFirst();
  return Number(r.numUpdatedRows) === 1;
}

export async function listRequests(db: Db, q: Page & { organizationId: string; statuses?: MembershipRequestStatus[] }): Promise<{ rows: MembershipRequestRow[]; total: number }> {
  let base = db.selectFrom('organization_membership_requests').where('organization_id', '=', q.organizationId);
  if (q.statuses?.length) base = base.where('status', 'in', q.statuses);
  const [rows, count] = await Promise.all([
    base.selectAll().orderBy('created_at', 'desc').orderBy('id', 'desc').limit(q.limit).offset(q.offset).execute(),
    base.select((eb) => eb.fn.countAll<number>().as('n')).executeTakeFirstOrThrow(),
  ]);
  return { rows, total: Number(count.n) };
}
