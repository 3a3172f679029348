/**
 * Queries over `jwt_templates` and `session_token_claims`.
 */
import type { Insertable, Selectable, Updateable } from 'kysely';
import type { Executor } from '../../storage/database.js';
import type { JwtTemplateTable } from '../../storage/schema.js';

export type JwtTemplateRow = Selectable<JwtTemplateTable>;

/** The id of the one row of `session_token_claims`. */
const SESSION_ROW = 'session';

export function insertJwtTemplate(db: Executor, row: Insertable<JwtTemplateTable>) {
  return db.insertInto('jwt_templates').values(row).execute();
}

export function findJwtTemplate(db: Executor, id: string) {
  return db.selectFrom('jwt_templates').selectAll().where('id', '=', id).executeTakeFirst();
}

export function findJwtTemplateByName(db: Executor, name: string) {
  return db.selectFrom('jwt_templates').selectAll().where('name', '=', name).executeTakeFirst();
}

/** Templates in creation order, one page, and how many there are. */
export async function listJwtTemplates(db: Executor, limit: number, offset: number): Promise<{ rows: JwtTemplateRow[]; total: number }> {
  const [rows, count] = await Promise.all([
    db.selectFrom('jwt_templates').selectAll().orderBy('created_at', 'asc').orderBy('id', 'asc').limit(limit).offset(offset).execute(),
    db.selectFrom('jwt_templates').select((eb) => eb.fn.countAll<string | number>().as('n')).executeTakeFirstOrThrow(),
  ]);
  return { rows, total: Number(count.n) };
}

export async function updateJwtTemplate(db: Executor, id: string, patch: Updateable<JwtTemplateTable>): Promise<boolean> {
  const r = await db.updateTable('jwt_templates').set(patch).where('id', '=', id).executeTakeFirst();
  return Number(r.numUpdatedRows) > 0;
}

export async function deleteJwtTemplate(db: Executor, id: string): Promise<boolean> {
  const r = await db.deleteFrom('jwt_templates').where('id', '=', id).executeTakeFirst();
  return Number(r.numDeletedRows) > 0;
}

/** The instance's session-token claims template, or undefined when none is set. */
export function findSessionTokenClaims(db: Executor) {
  return db.selectFrom('session_token_claims').selectAll().where('id', '=', SESSION_ROW).executeTakeFirst();
}

/** Sets the session-token claims template (one statement: insert or replace). */
export function upsertSessionTokenClaims(db: Executor, claims: string, now: number) {
  return db
    .insertInto('session_token_claims')
    .values({ id: SESSION_ROW, claims, updated_at: now })
    .onConflict((oc) => oc.column('id').doUpdateSet({ claims, updated_at: now }))
    .execute();
}
