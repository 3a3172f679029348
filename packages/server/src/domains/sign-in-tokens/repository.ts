/**
 * Queries over `sign_in_tokens`.
 */
import type { Insertable, Selectable } from 'kysely';
import type { Executor } from '../../storage/database.js';
import type { SignInTokenTable } from '../../storage/schema.js';

export type SignInTokenRow = Selectable<SignInTokenTable>;

export function insertSignInToken(db: Executor, row: Insertable<SignInTokenTable>) {
  return db.insertInto('sign_in_tokens').values(row).execute();
}

export function findSignInToken(db: Executor, id: string) {
  return db.selectFrom('sign_in_tokens').selectAll().where('id', '=', id).executeTakeFirst();
}

/**
 * Redeems the pending, unexpired token with this digest: one conditional update, so of two concurrent
 * redemptions exactly one gets the row back.
 */
export function redeemSignInToken(db: Executor, tokenHash: string, now: number) {
  return db
    .updateTable('sign_in_tokens')
    .set({ status: 'accepted', updated_at: now })
    .where('token_hash', '=', tokenHash)
    .where('status', '=', 'pending')
    .where('expires_at', '>', now)
    .returning(['id', 'user_id'])
    .executeTakeFirst();
}

/** Revokes a pending token; true when this call revoked it. */
export async function revokeSignInToken(db: Executor, id: string, now: number): Promise<boolean> {
  const r = await db.updateTable('sign_in_tokens').set({ status: 'revoked', updated_at: now }).where('id', '=', id).where('status', '=', 'pending').executeTakeFirst();
  return Number(r.numUpdatedRows) > 0;
}
