/**
 * What other domains may ask about users and their identifiers (organizations, invitations, messaging).
 * They ask through these functions instead of querying the users domain's tables themselves, so the
 * users tables can change without touching them. Each takes either handle, so it composes into the
 * caller's transaction.
 */
import { type Executor, executePrepared, keyIn } from '../../storage/database.js';
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

/** Every verified e-mail address at `domain` (a lowercase domain name) and the user who holds it. */
export async function verifiedEmailsAtDomain(ex: Executor, domain: string): Promise<{ user_id: string; normalized: string }[]> {
  const rows = await ex
    .selectFrom('identifications')
    .select(['user_id', 'normalized'])
    .where('type', '=', 'email_address')
    .where('status', '=', 'verified')
    .where('normalized', 'like', `%@${domain}`)
    .execute();
  return rows.filter((r) => r.normalized.endsWith(`@${domain}`));
}

/** What other users may see of a user: names, image, username, ban, and the primary e-mail address and phone number. */
export interface PublicProfile {
  id: string;
  first_name: string | null;
  last_name: string | null;
  image_id: string | null;
  username: string | null;
  banned: boolean;
  email: string | null;
  phone: string | null;
}

/** The public profile of each of these users that exists. */
export async function publicProfiles(ex: Executor, userIds: string[]): Promise<PublicProfile[]> {
  const unique = [...new Set(userIds)];
  if (!unique.length) return [];
  const rows = await ex
    .selectFrom('users as u')
    .leftJoin('identifications as pe', 'pe.id', 'u.primary_email_address_id')
    .leftJoin('identifications as pp', 'pp.id', 'u.primary_phone_number_id')
    .select(['u.id', 'u.first_name', 'u.last_name', 'u.image_id', 'u.username', 'u.banned', 'pe.value as email', 'pp.value as phone'])
    .where(keyIn(ex, 'u.id', unique))
    .$call((q) => executePrepared(ex, q));
  return rows.map((r) => ({ ...r, banned: r.banned === 1 }));
}

/**
 * A subquery other domains join to order their rows by a user's fields: the user's id, names, username
 * and primary e-mail address and phone number (normalized, null when there is none).
 */
export function userSortKeys(ex: Executor) {
  return ex
    .selectFrom('users as u')
    .leftJoin('identifications as pe', 'pe.id', 'u.primary_email_address_id')
    .leftJoin('identifications as pp', 'pp.id', 'u.primary_phone_number_id')
    .select(['u.id', 'u.first_name', 'u.last_name', 'u.username_normalized as username', 'pe.normalized as email_address', 'pp.normalized as phone_number']);
}
