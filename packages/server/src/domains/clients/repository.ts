/**
 * Queries over `clients`: a browser or device, found by the digest of its token.
 */
import type { Insertable, Selectable, Updateable } from 'kysely';
import { type Db, type Executor, type Tx, forUpdate, forUpdateWhenRun, prepared, statement } from '../../storage/database.js';
import type { ClientTable } from '../../storage/schema.js';

export type ClientRow = Selectable<ClientTable>;

export function insertClient(db: Executor, row: Insertable<ClientTable>) {
  return db.insertInto('clients').values(row).execute();
}

/** The unexpired client whose token has this digest; compiled once (every Frontend API request asks). */
export function clientByTokenHash(db: Db): (tokenHash: string, now: number) => Promise<ClientRow | undefined> {
  const run = prepared(db, (d) => d.selectFrom('clients').selectAll().where('token_hash', '=', '').where('expires_at', '>', 0));
  return (tokenHash, now) => run(tokenHash, now);
}

export function findClient(db: Executor, id: string) {
  return db.selectFrom('clients').selectAll().where('id', '=', id).executeTakeFirst();
}

/** The client row, locked until the transaction ends: sign-in state changes one at a time per client. */
export function lockClient(tx: Tx, id: string) {
  return tx.selectFrom('clients').selectAll().where('id', '=', id).$call(forUpdate(tx)).executeTakeFirst();
}

export function updateClient(db: Executor, id: string, patch: Updateable<ClientTable>) {
  return db.updateTable('clients').set(patch).where('id', '=', id).execute();
}

export function deleteClient(db: Executor, id: string) {
  return db.deleteFrom('clients').where('id', '=', id).execute();
}

/** One page of clients, newest first, and how many there are. */
export async function listClients(db: Executor, limit: number, offset: number): Promise<{ rows: ClientRow[]; total: number }> {
  const [rows, count] = await Promise.all([
    db.selectFrom('clients').selectAll().orderBy('created_at', 'desc').orderBy('id', 'desc').limit(limit).offset(offset).execute(),
    db.selectFrom('clients').select((eb) => eb.fn.countAll<string | number>().as('n')).executeTakeFirstOrThrow(),
  ]);
  return { rows, total: Number(count.n) };
}

const CLIENT_COLUMNS = ['id', 'token_hash', 'last_active_session_id', 'last_authentication_strategy', 'sign_in_id', 'sign_up_id', 'expires_at', 'created_at', 'updated_at'] as const satisfies readonly (keyof ClientRow)[];

/** The client statements of a password sign-in, compiled once. */
export function clientStatements(db: Db) {
  const placeholder = Object.fromEntries(CLIENT_COLUMNS.map((c) => [c, ''])) as unknown as ClientRow;
  const insert = statement(db, (d) => d.insertInto('clients').values(placeholder));
  const lock = statement(db, (d) => d.selectFrom('clients').selectAll().where('id', '=', '').$call(forUpdateWhenRun(d)));
  const signedIn = statement(db, (d) => d.updateTable('clients').set({ last_active_session_id: '', last_authentication_strategy: '', sign_in_id: '', updated_at: 0 }).where('id', '=', ''));
  return {
    insert: (ex: Executor, row: ClientRow) => insert.run(ex, ...CLIENT_COLUMNS.map((c) => row[c])),
    /** `lockClient`. */
    lock: (tx: Tx, id: string) => lock.first(tx, id),
    /** After a sign-in: the new session is the active one; the sign-in in progress is `signInId` (null once complete). */
    signedIn: (tx: Tx, id: string, patch: { last_active_session_id: string | null; last_authentication_strategy: string | null; sign_in_id: string | null; updated_at: number }) =>
      signedIn.run(tx, patch.last_active_session_id, patch.last_authentication_strategy, patch.sign_in_id, patch.updated_at, id),
  };
}
