/**
 * Queries over `handshake_nonces`: the digest of a nonce and the cookie directives it stands for.
 */
import type { Executor } from '../../storage/database.js';
import { readJson } from '../../storage/schema.js';

export async function insertNonce(db: Executor, row: { nonce_hash: string; directives: string[]; expires_at: number; created_at: number }): Promise<void> {
  await db.insertInto('handshake_nonces').values({ ...row, directives: JSON.stringify(row.directives) }).execute();
}

/** The directives of an unexpired nonce, or null. */
export async function findNonceDirectives(db: Executor, nonceHash: string, now: number): Promise<string[] | null> {
  const row = await db.selectFrom('handshake_nonces').select('directives').where('nonce_hash', '=', nonceHash).where('expires_at', '>', now).executeTakeFirst();
  return row ? readJson<string[]>(row.directives) : null;
}

/** Forgets nonces that have expired (one statement, by the expiry index). */
export async function deleteExpiredNonces(db: Executor, now: number): Promise<void> {
  await db.deleteFrom('handshake_nonces').where('expires_at', '<=', now).execute();
}
