/**
 * Queries over `clients`: a browser or device, found by the digest of its token.
 */
import type { Insertable, Selectable, Updateable } from 'kysely';
import { type Db, type Executor, type Tx, forUpdate, prepared } from '../../storage/database.js';
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
