/**
 * What the sign-in and sign-up flows ask of the users domain and change on a user (`last_sign_in_at`,
 * `last_active_at`), each one statement.
 */
import { type Db, type Executor, prepared } from '../../storage/database.js';

export async function recordSignIn(db: Executor, userId: string, at: number): Promise<void> {
  await db.updateTable('users').set({ last_sign_in_at: at, last_active_at: at }).where('id', '=', userId).execute();
}

/** Moves `last_active_at` forward (never back: concurrent touches cannot reorder it). */
export async function recordActivity(db: Executor, userId: string, at: number): Promise<void> {
  await db
    .updateTable('users')
    .set({ last_active_at: at })
    .where('id', '=', userId)
    .where((eb) => eb.or([eb('last_active_at', 'is', null), eb('last_active_at', '<', at)]))
    .execute();
}

export type SignInState = 'ok' | 'missing' | 'banned' | 'locked';

function stateOf(row: { banned: number; locked: number } | undefined): SignInState {
  if (!row) return 'missing';
  if (row.banned === 1) return 'banned';
  if (row.locked === 1) return 'locked';
  return 'ok';
}

/** `userMaySignIn`, compiled once (every token refresh asks it). */
export function signInState(db: Db): (userId: string) => Promise<SignInState> {
  const run = prepared(db, (d) => d.selectFrom('users').select(['banned', 'locked']).where('id', '=', ''));
  return async (userId) => stateOf(await run(userId));
}

/** Whether the user may hold a session: exists, not banned, not locked. */
export async function userMaySignIn(db: Executor, userId: string): Promise<SignInState> {
  return stateOf(await db.selectFrom('users').select(['banned', 'locked']).where('id', '=', userId).executeTakeFirst());
}

/** The user whose username is `normalized`, or null. */
export async function ownerOfUsername(db: Executor, normalized: string): Promise<string | null> {
  const row = await db.selectFrom('users').select('id').where('username_normalized', '=', normalized).executeTakeFirst();
  return row?.id ?? null;
}

/** The identification (e-mail, phone) with this normalized value, verified or not. */
export async function findIdentificationByValue(db: Executor, type: 'email_address' | 'phone_number', normalized: string) {
  return db.selectFrom('identifications').select(['id', 'user_id', 'value', 'status']).where('type', '=', type).where('normalized', '=', normalized).executeTakeFirst();
}

/** Whether the user has a second factor sign-in must ask for (an authenticator app or backup codes). */
export async function hasSecondFactor(db: Executor, userId: string): Promise<boolean> {
  const row = await db.selectFrom('users').select(['totp_secret', 'backup_codes']).where('id', '=', userId).executeTakeFirst();
  return !!row && (row.totp_secret !== null || (row.backup_codes !== null && row.backup_codes !== '[]'));
}
