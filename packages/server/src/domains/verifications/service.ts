/**
 * One-time codes of the sign-in and sign-up flows: six digits, single use, ten minutes, bound to the
 * attempt and slot they were issued for, at most five guesses. Only a keyed digest is stored and the
 * comparison is constant-time. Development instances accept the fixed code 424242 for test identifiers
 * (e-mail addresses containing `+clerk_test`, phone numbers +1 XXX 555 0100–0199) and send them nothing,
 * so application test suites can sign in without an inbox; production instances never do.
 */
import { createHmac, randomBytes, randomInt } from 'node:crypto';
import { newId } from '@latch/core';
import { digestsEqual } from '../../crypto/tokens.js';
import { ApiError } from '../../errors.js';
import type { Db, Executor, Tx } from '../../storage/database.js';
import { findVerificationById, lockVerification, lockVerificationById, replaceVerification, updateVerification, verificationStatements, type VerificationRow } from './repository.js';

export const CODE_TTL_MS = 10 * 60 * 1000;
export const MAX_CODE_ATTEMPTS = 5;
export const TEST_CODE = '424242';

/** True for the identifiers development instances treat as test identifiers. */
export function isTestIdentifier(value: string): boolean {
  return /\+clerk_test[^@]*@/i.test(value) || /^\+1\d{3}55501\d{2}$/.test(value.replace(/[\s()-]/g, ''));
}

export interface VerificationsDeps {
  /** Key of the code digests (the instance's ticket secret). */
  secret: Buffer;
  /** Whether test identifiers get the fixed code: development instances with test mode on, never production. */
  testMode(): Promise<boolean>;
  /** The database, to compile the slot's replacement once (optional: without it each write is built anew). */
  db?: Db;
  now?: () => number;
}

/** An e-mail link's token: `<verification id>.<secret>`; the id finds the row, the secret proves the link. */
const LINK_TOKEN = /^(ver_[A-Za-z0-9]{1,40})\.([A-Za-z0-9_-]{43})$/;

/** What opening an e-mail link found: the verification it proved, or why it proved nothing. */
export type LinkOutcome = { ok: true; verification: VerificationRow } | { ok: false; status: 'expired' | 'failed'; verification: VerificationRow | null };

/** What an attempt found: success, or the error to answer after the attempt's bookkeeping commits. */
export type AttemptOutcome = { ok: true; verification: VerificationRow } | { ok: false; error: ApiError };

export function createVerificationsService({ secret, testMode, db, now = Date.now }: VerificationsDeps) {
  const replace = db ? verificationStatements(db).replace : replaceVerification;
  const digest = (id: string, code: string) => createHmac('sha256', secret).update(`${id}:${code}`).digest('hex');

  type Slot = { ownerId: string; slot: string; strategy: string; identificationId: string | null; target: string | null };
  type Fields = Pick<VerificationRow, 'code_hash' | 'attempts' | 'status' | 'expires_at'> & Partial<Pick<VerificationRow, 'redirect_url'>>;
  /** A verification row for a slot, replacing the slot's earlier one. */
  async function write(tx: Tx, input: Slot, fields: (id: string) => Fields): Promise<VerificationRow> {
    const t = now();
    const id = newId('ver', t);
    const row: VerificationRow = {
      id,
      owner_id: input.ownerId,
      slot: input.slot,
      strategy: input.strategy,
      identification_id: input.identificationId,
      target: input.target,
      redirect_url: null,
      verified_at_client: null,
      ...fields(id),
      created_at: t,
      updated_at: t,
    };
    await replace(tx, row);
    return row;
  }

  return {
    /**
     * Issues a fresh code in `slot` of the attempt `ownerId` (replacing any earlier one) and returns it,
     * or null when the target is a development test identifier (the code is then 424242 and nothing is sent).
     */
    async issue(tx: Tx, input: Slot & { target: string }): Promise<string | null> {
      const test = isTestIdentifier(input.target) && (await testMode());
      const code = test ? TEST_CODE : String(randomInt(0, 1_000_000)).padStart(6, '0');
      await write(tx, input, (id) => ({ code_hash: digest(id, code), attempts: 0, status: 'unverified', expires_at: now() + CODE_TTL_MS }));
      return test ? null : code;
    },

    /**
     * Issues an e-mail link in `slot` (replacing any earlier code or link) and returns its token, which
     * goes into the link and nowhere else: only its keyed digest is stored. The link is good for ten
     * minutes and one use; `redirectUrl` is where its landing page sends the browser.
     */
    async issueLink(tx: Tx, input: Slot & { target: string; redirectUrl: string | null }): Promise<string> {
      const secret = randomBytes(32).toString('base64url');
      const row = await write(tx, input, (id) => ({ code_hash: digest(id, secret), attempts: 0, status: 'unverified', expires_at: now() + CODE_TTL_MS, redirect_url: input.redirectUrl }));
      return `${row.id}.${secret}`;
    },

    /**
     * What an e-mail link's token is for (its attempt or identification) and where its landing page
     * goes, without redeeming it (nor checking its secret); null if it names nothing.
     */
    async linkOwner(db: Executor, token: string): Promise<{ ownerId: string; redirectUrl: string | null } | null> {
      const m = LINK_TOKEN.exec(token);
      if (!m) return null;
      const v = await findVerificationById(db, m[1] ?? '');
      return v && v.strategy === 'email_link' ? { ownerId: v.owner_id, redirectUrl: v.redirect_url } : null;
    },

    /**
     * Opens an e-mail link under the verification's row lock, so of concurrent openings exactly one
     * proves it. `clientId` is the client of the browser that opened it (null when it has none). An
     * unknown or forged token finds nothing (`failed`), without telling which part was wrong.
     */
    async redeemLink(tx: Tx, token: string, clientId: string | null): Promise<LinkOutcome> {
      const t = now();
      const m = LINK_TOKEN.exec(token);
      if (!m) return { ok: false, status: 'failed', verification: null };
      const [, id = '', secret = ''] = m;
      const v = await lockVerificationById(tx, id);
      if (!v || v.strategy !== 'email_link' || v.code_hash === null || !digestsEqual(digest(v.id, secret), v.code_hash)) return { ok: false, status: 'failed', verification: null };
      if (v.status === 'verified' || v.status === 'failed') return { ok: false, status: 'failed', verification: v };
      if (v.status === 'expired' || (v.expires_at !== null && v.expires_at <= t)) {
        if (v.status !== 'expired') await updateVerification(tx, v.id, { status: 'expired', updated_at: t });
        return { ok: false, status: 'expired', verification: v };
      }
      const patch = { status: 'verified' as const, attempts: v.attempts + 1, verified_at_client: clientId, updated_at: t };
      await updateVerification(tx, v.id, patch);
      return { ok: true, verification: { ...v, ...patch } };
    },

    /** Records a verification that needs no code (a correct password, a redeemed ticket). */
    async recordVerified(tx: Tx, input: Slot): Promise<VerificationRow> {
      return write(tx, input, () => ({ code_hash: null, attempts: 1, status: 'verified', expires_at: null }));
    },

    /**
     * Checks a code under the verification's row lock, so of concurrent attempts exactly one can succeed.
     * A wrong guess is counted (and stays counted: the outcome is returned, not thrown, so the caller's
     * transaction commits the count before answering with the error).
     */
    async attempt(tx: Tx, input: { ownerId: string; slot: string; strategy: string; code: string }): Promise<AttemptOutcome> {
      const t = now();
      const v = await lockVerification(tx, input.ownerId, input.slot);
      if (!v || v.strategy !== input.strategy || v.code_hash === null) {
        return { ok: false, error: new ApiError({ code: 'verification_missing', longMessage: `Prepare the ${input.strategy} verification first.`, paramName: 'strategy' }) };
      }
      if (v.status === 'verified') {
        return { ok: false, error: new ApiError({ code: 'verification_already_verified', longMessage: 'This verification has already been completed.', paramName: 'code' }) };
      }
      if (v.status === 'failed' || v.attempts >= MAX_CODE_ATTEMPTS) {
        return { ok: false, error: new ApiError({ code: 'verification_failed', longMessage: 'Too many failed attempts. Request a new code.', paramName: 'code' }) };
      }
      if (v.status === 'expired' || (v.expires_at !== null && v.expires_at <= t)) {
        if (v.status !== 'expired') await updateVerification(tx, v.id, { status: 'expired', updated_at: t });
        return { ok: false, error: new ApiError({ code: 'verification_expired', longMessage: 'The code has expired. Request a new one.', paramName: 'code' }) };
      }
      const given = input.code.trim();
      const match = /^\d{6}$/.test(given) && digestsEqual(digest(v.id, given), v.code_hash);
      const attempts = v.attempts + 1;
      if (match) {
        await updateVerification(tx, v.id, { status: 'verified', attempts, updated_at: t });
        return { ok: true, verification: { ...v, status: 'verified', attempts, updated_at: t } };
      }
      const failed = attempts >= MAX_CODE_ATTEMPTS;
      await updateVerification(tx, v.id, { attempts, status: failed ? 'failed' : 'unverified', updated_at: t });
      return failed
        ? { ok: false, error: new ApiError({ code: 'verification_failed', longMessage: 'Too many failed attempts. Request a new code.', paramName: 'code' }) }
        : { ok: false, error: new ApiError({ code: 'form_code_incorrect', longMessage: 'The code is incorrect.', paramName: 'code' }) };
    },
  };
}

export type VerificationsService = ReturnType<typeof createVerificationsService>;
