/**
 * Sign-in tokens: the Backend API mints a one-time link that signs a user in (`strategy=ticket` on the
 * Frontend API). The token is random and shown once; only its SHA-256 digest is stored, and redeeming it
 * is one conditional update, so it signs in at most once however many times it is presented at once.
 */
import { newId, randomToken } from '@latch/core';
import { hashSecret } from '../../crypto/tokens.js';
import { ApiError, notFound } from '../../errors.js';
import type { Db, Tx } from '../../storage/database.js';
import { findSignInToken, insertSignInToken, redeemSignInToken, revokeSignInToken, type SignInTokenRow } from './repository.js';

/** Clerk's default lifetime of a sign-in token: 30 days. */
export const DEFAULT_SIGN_IN_TOKEN_SECONDS = 30 * 24 * 3600;

/** 48 base62 characters, about 285 bits. */
const TOKEN_LENGTH = 48;

export interface SignInTokensServiceDeps {
  db: Db;
  /** Whether a user exists (asked of the users domain). */
  userExists(id: string): Promise<boolean>;
  /** The application's sign-in page; the link carries the token as `__clerk_ticket`. */
  signInUrl: string;
  now?: () => number;
}

export function createSignInTokensService({ db, userExists, signInUrl, now = Date.now }: SignInTokensServiceDeps) {
  return {
    async create(input: { userId: string; expiresInSeconds?: number | null | undefined }): Promise<{ row: SignInTokenRow; token: string; url: string }> {
      if (!(await userExists(input.userId))) throw new ApiError({ code: 'resource_not_found', longMessage: 'No user with that id.', paramName: 'user_id' });
      const t = now();
      const token = randomToken(TOKEN_LENGTH);
      const row: SignInTokenRow = {
        id: newId('sit', t),
        user_id: input.userId,
        token_hash: hashSecret(token),
        status: 'pending',
        expires_at: t + (input.expiresInSeconds ?? DEFAULT_SIGN_IN_TOKEN_SECONDS) * 1000,
        created_at: t,
        updated_at: t,
      };
      await insertSignInToken(db, row);
      const url = new URL(signInUrl);
      url.searchParams.set('__clerk_ticket', token);
      return { row, token, url: url.toString() };
    },

    /** Revokes a pending token; one already used or revoked is returned as it is. */
    async revoke(id: string): Promise<SignInTokenRow> {
      const row = await findSignInToken(db, id);
      if (!row) throw notFound('Sign-in token');
      if (row.status !== 'pending') return row;
      await revokeSignInToken(db, id, now());
      return (await findSignInToken(db, id)) ?? row;
    },

    /**
     * Redeems a presented token inside the caller's transaction: the user it signs in, or null when it is
     * unknown, used, revoked or expired. Rolled back with the transaction if the sign-in fails.
     */
    async redeemInTx(tx: Tx, token: string): Promise<{ id: string; userId: string } | null> {
      if (!token || token.length > 256) return null;
      const row = await redeemSignInToken(tx, hashSecret(token), now());
      return row ? { id: row.id, userId: row.user_id } : null;
    },
  };
}

export type SignInTokensService = ReturnType<typeof createSignInTokensService>;
