/** The signing key that session tokens are minted with. */
import type { Executor } from '../../storage/database.js';

export function findActiveSigningKey(db: Executor) {
  return db.selectFrom('signing_keys').select(['kid', 'private_pem']).where('status', '=', 'active').orderBy('created_at', 'desc').executeTakeFirst();
}
