/**
 * What other domains may ask about users and their identifiers (organizations, invitations, messaging).
 * They ask through these functions instead of querying the users domain's tables themselves, so the
 * users tables can change without touching them. Each takes either handle, so it composes into the
 * caller's transaction.
 */
import type { Executor } from '../../storage/database.js';
import type { IdentificationType } from '../../storage/schema.js';

/** The user's id and names, or null when there is no such user. */
export async function findUserSummary(ex: Executor, userId: string): Promise<{ id: string; first_name: string | null; last_name: string | null } | null> {
  return (await ex.selectFrom('users').select(['id', 'first_name', 'last_name']).where('id', '=', userId).executeTakeFirst()) ?? null;
}

/** The user that holds an identifier (normalized value), verified or not, or null. */
export async function ownerOfIdentifier(ex: Executor, type: IdentificationType, normalized: string): Promise<string | null> {
  const row = await ex.selectFrom('identifications').select('user_id').where('type', '=', type).where('normalized', '=', normalized).executeTakeFirst();
  return row?.user_id ?? null;
}

/** Whether `userId` holds the e-mail address `normalized` and has verified it. */
export async function hasVerifiedEmail(ex: Executor, userId: string, normalized: string): Promise<boolean> {
  const row = await ex
    .selectFrom('identifications')
    .select('id')
    .where('user_id', '=', userId)
    .where('type', '=', 'email_address')
    .where('normalized', '=', normalized)
    .where('status', '=', 'verified')
    .executeTakeFirst();
  return row !== undefined;
}

/** The user's e-mail addresses (normalized), all or only the verified ones. */
export async function emailAddressesOf(ex: Executor, userId: string, only: 'all' | 'verified'): Promise<string[]> {
  let q = ex.selectFrom('identifications').select('normalized').where('user_id', '=', userId).where('type', '=', 'email_address');
  if (only === 'verified') q = q.where('status', '=', 'verified');
  return (await q.orderBy('id').execute()).map((r) => r.normalized);
}

/** An identifier by id, when it is of the given type: where to send a message and whose it is. */
export async function findIdentifierOfType(ex: Executor, id: string, type: IdentificationType): Promise<{ id: string; user_id: string; value: string } | null> {
  return (await ex.selectFrom('identifications').select(['id', 'user_id', 'value']).where('id', '=', id).where('type', '=', type).executeTakeFirst()) ?? null;
}
