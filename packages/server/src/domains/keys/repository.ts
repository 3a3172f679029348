import type { Kysely } from 'kysely';
import type { ApiKeyTable, Database } from '../../storage/schema.js';

export function insertApiKey(db: Kysely<Database>, row: ApiKeyTable) {
  return db.insertInto('api_keys').values(row).execute();
}

export function findApiKeyByHash(db: Kysely<Database>, hash: string) {
  return db.selectFrom('api_keys').selectAll().where('secret_hash', '=', hash).executeTakeFirst();
}

export function listApiKeys(db: Kysely<Database>) {
  return db.selectFrom('api_keys').selectAll().orderBy('created_at', 'asc').orderBy('id', 'asc').execute();
}

export function revokeApiKey(db: Kysely<Database>, id: string, now: number) {
  return db
    .updateTable('api_keys')
    .set({ revoked_at: now })
    .where('id', '=', id)
    .where('revoked_at', 'is', null)
    .executeTakeFirst();
}
