/**
 * What the sign-in and sign-up flows ask of the users domain and change on a user (`last_sign_in_at`,
 * `last_active_at`), each one statement.
 */
import { type Db, type Executor, type Tx, prepared, statement } from '../../storage/database.js';

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

/** Whether a user row (or its absence) may sign in. */
export function stateOf(row: { banned: number; locked: number } | undefined): SignInState {
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

/** The user statements of a password sign-in, compiled once. */
export function signInUserStatements(db: Db) {
  const factors = statement(db, (d) => d.selectFrom('users').select(['banned', 'locked', 'totp_secret', 'backup_codes']).where('id', '=', ''));
  const signedIn = statement(db, (d) => d.updateTable('users').set({ last_sign_in_at: 0, last_active_at: 0 }).where('id', '=', ''));
  const password = statement(db, (d) => d.selectFrom('passwords').select(['hasher', 'digest', 'updated_at']).where('user_id', '=', ''));
  const user = statement(db, (d) => d.selectFrom('users').selectAll().where('id', '=', ''));
  const identifications = statement(db, (d) => d.selectFrom('identifications').selectAll().where('user_id', '=', '').orderBy('created_at', 'asc').orderBy('id', 'asc'));
  const identification = statement(db, (d) => d.selectFrom('identifications').select(['id', 'user_id', 'value', 'status']).where('type', '=', '' as 'email_address').where('normalized', '=', ''));
  return {
    /** `userMaySignIn` and `hasSecondFactor` in one read. */
    async state(tx: Tx, userId: string): Promise<{ may: SignInState; secondFactor: boolean }> {
      const row = await factors.first(tx, userId);
      return { may: stateOf(row), secondFactor: !!row && (row.totp_secret !== null || (row.backup_codes !== null && row.backup_codes !== '[]')) };
    },
    /** `recordSignIn`. */
    recordSignIn: (tx: Tx, userId: string, at: number) => signedIn.run(tx, at, at, userId),
    /** The user row (as `loadUser` reads it). */
    user: (db: Db, userId: string) => user.first(db, userId),
    /** The user's identifications, oldest first (as `loadUser` reads them). */
    identifications: (db: Db, userId: string) => identifications.all(db, userId),
    /** The stored password digest, or undefined. */
    password: (db: Db, userId: string) => password.first(db, userId),
    /** `findIdentificationByValue`. */
    identification: (db: Db, type: 'email_address' | 'phone_number', normalized: string) => identification.first(db, type, normalized),
  };
}
