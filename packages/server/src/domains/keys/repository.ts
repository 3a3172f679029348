import type { Insertable, Kysely } from 'kysely';
import { executePrepared } from '../../storage/database.js';
import type { ApiKeyTable, Database, SigningKeyTable } from '../../storage/schema.js';

export function insertApiKey(db: Kysely<Database>, row: ApiKeyTable) {
  return db.insertInto('api_keys').values(row).execute();
}

/** The key with this hash: on every Backend API request whose key is not cached, so kept prepared. */
export async function findApiKeyByHash(db: Kysely<Database>, hash: string) {
  const [row] = await executePrepared(db, db.selectFrom('api_keys').selectAll().where('secret_hash', '=', hash));
  return row;
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

/** Whether a signing key is active (the instance signs its tokens with it). */
export async function hasActiveSigningKey(db: Kysely<Database>): Promise<boolean> {
  const row = await db.selectFrom('signing_keys').select('kid').where('status', '=', 'active').executeTakeFirst();
  return row !== undefined;
}

export function insertSigningKey(db: Kysely<Database>, row: Insertable<SigningKeyTable>) {
  return db.insertInto('signing_keys').values(row).execute();
}

/** Public JWKs (as stored) of every signing key, active and retired, newest first. */
export async function signingKeyJwks(db: Kysely<Database>): Promise<unknown[]> {
  const rows = await db.selectFrom('signing_keys').select(['public_jwk']).orderBy('created_at', 'desc').execute();
  return rows.map((r) => r.public_jwk);
}

/** The private key session tokens are minted with (the newest active one). */
export function findActiveSigningKey(db: Kysely<Database>) {
  return db.selectFrom('signing_keys').select(['kid', 'private_pem']).where('status', '=', 'active').orderBy('created_at', 'desc').executeTakeFirst();
}
