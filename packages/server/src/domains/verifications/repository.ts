/** Queries over `verifications`: one row per (attempt, slot). */
import type { Selectable } from 'kysely';
import { type Db, type Executor, type Tx, forUpdate, statement } from '../../storage/database.js';
import type { VerificationTable } from '../../storage/schema.js';

export type VerificationRow = Selectable<VerificationTable>;

/** Replaces the verification in a slot (a new code makes the previous one worthless). */
export async function replaceVerification(tx: Tx, row: VerificationRow): Promise<void> {
  await tx.deleteFrom('verifications').where('owner_id', '=', row.owner_id).where('slot', '=', row.slot).execute();
  await tx.insertInto('verifications').values(row).execute();
}

export function findVerification(db: Executor, ownerId: string, slot: string) {
  return db.selectFrom('verifications').selectAll().where('owner_id', '=', ownerId).where('slot', '=', slot).executeTakeFirst();
}

export function verificationsOf(db: Executor, ownerIds: string[]) {
  if (!ownerIds.length) return Promise.resolve([] as VerificationRow[]);
  return db.selectFrom('verifications').selectAll().where('owner_id', 'in', ownerIds).execute();
}

export function lockVerification(tx: Tx, ownerId: string, slot: string) {
  return tx.selectFrom('verifications').selectAll().where('owner_id', '=', ownerId).where('slot', '=', slot).$call(forUpdate(tx)).executeTakeFirst();
}

export function lockVerificationById(tx: Tx, id: string) {
  return tx.selectFrom('verifications').selectAll().where('id', '=', id).$call(forUpdate(tx)).executeTakeFirst();
}

export async function updateVerification(db: Executor, id: string, patch: Partial<Pick<VerificationRow, 'status' | 'attempts' | 'verified_at_client' | 'updated_at'>>): Promise<void> {
  await db.updateTable('verifications').set(patch).where('id', '=', id).execute();
}

/** Forgets every verification of an owner (an identification that was deleted). */
export async function deleteVerificationsOf(db: Executor, ownerId: string): Promise<void> {
  await db.deleteFrom('verifications').where('owner_id', '=', ownerId).execute();
}

export function findVerificationById(db: Executor, id: string) {
  return db.selectFrom('verifications').selectAll().where('id', '=', id).executeTakeFirst();
}

const VERIFICATION_COLUMNS = [
  'id', 'owner_id', 'slot', 'strategy', 'identification_id', 'target', 'code_hash', 'attempts', 'status', 'expires_at', 'redirect_url', 'verified_at_client', 'created_at', 'updated_at',
] as const satisfies readonly (keyof VerificationRow)[];

/** `replaceVerification`, compiled once. */
export function verificationStatements(db: Db) {
  const placeholder = Object.fromEntries(VERIFICATION_COLUMNS.map((c) => [c, ''])) as unknown as VerificationRow;
  const remove = statement(db, (d) => d.deleteFrom('verifications').where('owner_id', '=', '').where('slot', '=', ''));
  const insert = statement(db, (d) => d.insertInto('verifications').values(placeholder));
  return {
    async replace(tx: Tx, row: VerificationRow): Promise<void> {
      await remove.run(tx, row.owner_id, row.slot);
      await insert.run(tx, ...VERIFICATION_COLUMNS.map((c) => row[c]));
    },
  };
}
