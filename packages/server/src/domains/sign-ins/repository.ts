/** Queries over `sign_in_attempts`. */
import type { Selectable, Updateable } from 'kysely';
import { type Executor, type Tx, forUpdate } from '../../storage/database.js';
import type { SignInAttemptTable } from '../../storage/schema.js';

export type SignInRow = Selectable<SignInAttemptTable>;

export function insertSignIn(db: Executor, row: SignInRow) {
  return db.insertInto('sign_in_attempts').values(row).execute();
}

export function findSignIn(db: Executor, id: string) {
  return db.selectFrom('sign_in_attempts').selectAll().where('id', '=', id).executeTakeFirst();
}

export function lockSignIn(tx: Tx, id: string) {
  return tx.selectFrom('sign_in_attempts').selectAll().where('id', '=', id).$call(forUpdate(tx)).executeTakeFirst();
}

export function updateSignIn(db: Executor, id: string, patch: Updateable<SignInAttemptTable>) {
  return db.updateTable('sign_in_attempts').set(patch).where('id', '=', id).execute();
}

/** Deletes every sign-in attempt of a client (a client discarded by a refused request). */
export async function deleteSignInsOfClient(db: Executor, clientId: string): Promise<void> {
  await db.deleteFrom('sign_in_attempts').where('client_id', '=', clientId).execute();
}
