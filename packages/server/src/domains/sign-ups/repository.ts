/** Queries over `sign_up_attempts`. */
import type { Selectable, Updateable } from 'kysely';
import { type Executor, type Tx, forUpdate } from '../../storage/database.js';
import type { SignUpAttemptTable } from '../../storage/schema.js';

export type SignUpRow = Selectable<SignUpAttemptTable>;

export function insertSignUp(db: Executor, row: SignUpRow) {
  return db.insertInto('sign_up_attempts').values(row).execute();
}

export function findSignUp(db: Executor, id: string) {
  return db.selectFrom('sign_up_attempts').selectAll().where('id', '=', id).executeTakeFirst();
}

export function lockSignUp(tx: Tx, id: string) {
  return tx.selectFrom('sign_up_attempts').selectAll().where('id', '=', id).$call(forUpdate(tx)).executeTakeFirst();
}

export function updateSignUp(db: Executor, id: string, patch: Updateable<SignUpAttemptTable>) {
  return db.updateTable('sign_up_attempts').set(patch).where('id', '=', id).execute();
}

/** Deletes every sign-up attempt of a client (a client discarded by a refused request). */
export async function deleteSignUpsOfClient(db: Executor, clientId: string): Promise<void> {
  await db.deleteFrom('sign_up_attempts').where('client_id', '=', clientId).execute();
}
