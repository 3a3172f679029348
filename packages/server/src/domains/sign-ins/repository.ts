/** Queries over `sign_in_attempts`. */
import type { Selectable, Updateable } from 'kysely';
import { type Db, type Executor, type Tx, forUpdate, forUpdateWhenRun, statement } from '../../storage/database.js';
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

const ATTEMPT_COLUMNS = ['id', 'client_id', 'status', 'identifier', 'user_id', 'identification_id', 'first_factor_strategy', 'second_factor_strategy', 'created_session_id', 'abandon_at', 'created_at', 'updated_at'] as const satisfies readonly (keyof SignInRow)[];

/** The statements of a password sign-in, compiled once. */
export function signInStatements(db: Db) {
  const placeholder = Object.fromEntries(ATTEMPT_COLUMNS.map((c) => [c, ''])) as unknown as SignInRow;
  const insert = statement(db, (d) => d.insertInto('sign_in_attempts').values(placeholder));
  const find = statement(db, (d) => d.selectFrom('sign_in_attempts').selectAll().where('id', '=', ''));
  const lock = statement(db, (d) => d.selectFrom('sign_in_attempts').selectAll().where('id', '=', '').$call(forUpdateWhenRun(d)));
  return {
    insert: (ex: Executor, row: SignInRow) => insert.run(ex, ...ATTEMPT_COLUMNS.map((c) => row[c])),
    /** `findSignIn`. */
    find: (ex: Executor, id: string) => find.first(ex, id),
    /** `lockSignIn`. */
    lock: (tx: Tx, id: string) => lock.first(tx, id),
  };
}
