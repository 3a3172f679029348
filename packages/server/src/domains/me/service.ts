/**
 * The signed-in user managing their own account: adding and verifying e-mail addresses and phone
 * numbers, removing them, their password, their account. The rules are the users domain's (what may be
 * primary, what leaves a user able to sign in, password policy); this module adds what only a user's own
 * request needs: codes sent to the new address and bound to it, the instance's settings, rate limits
 * and the lockout on wrong current passwords. No HTTP and no SQL here.
 */
import { ApiError } from '../../errors.js';
import type { Guard } from '../../limits/policy.js';
import type { Db } from '../../storage/database.js';
import type { AuthSettings } from '../instance/auth-settings.js';
import { normalizeEmail, normalizePhone } from '../identifiers/normalize.js';
import type { MessagingService } from '../messages/service.js';
import type { SessionRow } from '../sessions/repository.js';
import type { SessionsService } from '../sessions/service.js';
import type { IdentificationRow, UserAggregate } from '../users/repository.js';
import type { PendingVerifications } from '../users/serialize.js';
import type { UsersService } from '../users/service.js';
import { deleteVerificationsOf, verificationsOf } from '../verifications/repository.js';
import { verificationStubJSON } from '../verifications/serialize.js';
import { CODE_TTL_MS, type VerificationsService } from '../verifications/service.js';

/** The verification slot of an identification's own code (its owner is the identification). */
const SLOT = 'identification';

export type IdentifierType = 'email_address' | 'phone_number';

/** The code strategy that verifies each kind of identifier. */
const CODE_STRATEGY: Record<IdentifierType, 'email_code' | 'phone_code'> = { email_address: 'email_code', phone_number: 'phone_code' };

/** The errors a wrong current password answers with, which count toward the user's lockout. */
const COUNTED = new Set(['form_password_incorrect']);

export interface AccountServiceDeps {
  db: Db;
  settings(): Promise<AuthSettings>;
  users: UsersService;
  verifications: VerificationsService;
  messaging: MessagingService;
  sessions: SessionsService;
  guard: Guard;
  /** The instance's restrictions (allowlist, blocklist, disposable domains…) on identifiers. */
  admit?: (ids: { emails: string[]; phones: string[]; wallets: string[] }) => Promise<void>;
  /** The address of an e-mail link with this token (the Frontend API's `/verify`). */
  linkUrl?: (token: string) => string;
  now?: () => number;
}

function notAllowed(longMessage: string, paramName?: string): ApiError {
  return new ApiError({ code: 'not_allowed_access', longMessage, ...(paramName ? { paramName } : {}) });
}

export function createAccountService({ db, settings, users, verifications, messaging, sessions, guard, admit, linkUrl, now = Date.now }: AccountServiceDeps) {
  /** Runs a check of the user's current password; a wrong one counts toward the lockout. */
  async function counted<T>(userId: string, check: () => Promise<T>): Promise<T> {
    await guard.assertNotLockedOut(userId);
    try {
      return await check();
    } catch (err) {
      if (err instanceof ApiError && COUNTED.has(err.details[0]?.code ?? '')) {
        const remaining = await guard.recordFailure(userId);
        const first = err.details[0];
        if (first) first.meta = { ...(first.meta ?? {}), verification_attempts_remaining: remaining };
      }
      throw err;
    }
  }

  return {
    /** Adds an address or number to the user, unverified (it becomes primary only once verified). */
    async addIdentifier(userId: string, type: IdentifierType, value: string): Promise<IdentificationRow> {
      const auth = await settings();
      if (!auth[type].enabled) throw notAllowed(`This application does not use ${type.replace('_', ' ')}s.`, type);
      if (admit) {
        const normalized = type === 'email_address' ? normalizeEmail(value) : normalizePhone(value);
        // A malformed value is the users service's to refuse, with its own error.
        if (normalized) await admit({ emails: type === 'email_address' ? [normalized] : [], phones: type === 'phone_number' ? [normalized] : [], wallets: [] });
      }
      return users.addIdentification(type, { userId, value, verified: false, primaryOnceVerified: true });
    },

    /**
     * Sends a fresh code to one of the user's unverified identifiers (replacing an earlier one). The
     * code belongs to that identification: it verifies nothing else.
     */
    async prepareVerification(userId: string, id: string, type: IdentifierType, strategy: string, redirectUrl: string | null = null): Promise<IdentificationRow> {
      const link = type === 'email_address' && strategy === 'email_link';
      if (link) {
        if (!linkUrl || !(await settings()).email_address.verification.includes('email_link')) {
          throw new ApiError({ code: 'strategy_for_user_invalid', longMessage: 'This application does not verify e-mail addresses with links.', paramName: 'strategy' });
        }
      } else if (strategy !== CODE_STRATEGY[type]) {
        const offered = CODE_STRATEGY[type];
        throw new ApiError({ code: 'strategy_for_user_invalid', longMessage: `Verify this ${type.replace('_', ' ')} with ${offered}.`, paramName: 'strategy' });
      }
      await users.getOwnIdentification(userId, id, type);
      await guard.check('sendPerUser', userId);
      let sent = false;
      const row = await users.withOwnIdentification(userId, id, type, async (tx, row) => {
        if (row.status === 'verified') throw new ApiError({ code: 'verification_already_verified', longMessage: `${row.value} is verified already.`, paramName: 'strategy' });
        if (link && linkUrl) {
          const token = await verifications.issueLink(tx, { ownerId: row.id, slot: SLOT, strategy, identificationId: row.id, target: row.value, redirectUrl });
          sent = true;
          await messaging.enqueueTemplated(tx, {
            type: 'email',
            slug: 'magic_link_sign_in',
            to: row.value,
            data: { magic_link: linkUrl(token), ttl_minutes: CODE_TTL_MS / 60_000 },
            userId,
            emailAddressId: row.id,
          });
          return row;
        }
        const code = await verifications.issue(tx, { ownerId: row.id, slot: SLOT, strategy, identificationId: row.id, target: row.value });
        if (code !== null) {
          sent = true;
          await messaging.enqueueTemplated(tx, {
            type: type === 'email_address' ? 'email' : 'sms',
            slug: 'verification_code',
            to: row.value,
            data: { otp_code: code, ttl_minutes: CODE_TTL_MS / 60_000 },
            userId,
            ...(type === 'email_address' ? { emailAddressId: row.id } : { phoneNumberId: row.id }),
          });
        }
        return row;
      });
      if (sent) messaging.wake();
      return row;
    },

    /**
     * An e-mail link sent by `prepareVerification` was opened: under the user's and the address's locks,
     * the link is redeemed and the address verified (and made primary if there is no verified primary).
     * The outcome as the landing page reports it.
     */
    async verifyByLink(identificationId: string, token: string, clientId: string | null): Promise<{ status: 'verified' | 'expired' | 'failed'; redirectUrl: string | null }> {
      const owner = await users.ownerOfIdentification(identificationId);
      if (!owner) return { status: 'failed', redirectUrl: null };
      let redirectUrl: string | null = null;
      let status: 'expired' | 'failed' = 'failed';
      try {
        await users.verifyOwnIdentification(owner, identificationId, 'email_address', 'email_link', async (tx) => {
          const outcome = await verifications.redeemLink(tx, token, clientId);
          redirectUrl = outcome.verification?.redirect_url ?? null;
          if (outcome.ok) return null;
          status = outcome.status;
          return new ApiError({ code: outcome.status === 'expired' ? 'verification_expired' : 'verification_failed', longMessage: 'The link proves nothing.' });
        });
        return { status: 'verified', redirectUrl };
      } catch (err) {
        if (err instanceof ApiError && err.status < 500) return { status, redirectUrl };
        throw err;
      }
    },

    /**
     * Checks a code sent by `prepareVerification`. A wrong guess is counted (five, then the code is
     * spent); of concurrent attempts with the right code exactly one verifies.
     */
    async attemptVerification(userId: string, id: string, type: IdentifierType, code: string): Promise<IdentificationRow> {
      const strategy = CODE_STRATEGY[type];
      return users.verifyOwnIdentification(userId, id, type, strategy, async (tx, row) => {
        const outcome = await verifications.attempt(tx, { ownerId: row.id, slot: SLOT, strategy, code });
        if (!outcome.ok) return outcome.error;
        // Bound to what it was sent to: the identification's value never changes, but say so anyway.
        if (outcome.verification.target !== row.value) return new ApiError({ code: 'verification_missing', longMessage: 'Request a new code.', paramName: 'code' });
        return null;
      });
    },

    /** Removes one of the user's identifiers, never their last way to sign in. */
    async deleteIdentifier(userId: string, id: string, type: IdentifierType): Promise<void> {
      await users.deleteIdentification(id, type, { ownerId: userId, keepSignIn: await settings() });
      await deleteVerificationsOf(db, id);
    },

    /** Verifications in progress of the unverified identifiers of these users (one query, none when there are none). */
    async pendingVerifications(list: readonly (UserAggregate | null)[]): Promise<PendingVerifications> {
      return this.pendingVerificationsOf(list.flatMap((u) => u?.identifications ?? []));
    },

    /** Verifications in progress of these identifications (the unverified ones). */
    async pendingVerificationsOf(identifications: readonly IdentificationRow[]): Promise<PendingVerifications> {
      const ids = identifications.filter((i) => i.status === 'unverified').map((i) => i.id);
      if (!ids.length) return new Map();
      const t = now();
      const rows = await verificationsOf(db, ids);
      return new Map(rows.filter((v) => v.slot === SLOT).flatMap((v) => {
        const stub = verificationStubJSON(v, t);
        return stub ? [[v.owner_id, stub] as const] : [];
      }));
    },

    /**
     * Changes the password after checking the current one (a wrong one counts toward the lockout);
     * optionally signs the user out of every other session.
     */
    async changePassword(userId: string, session: SessionRow, input: { current: string | null; next: string; signOutOfOtherSessions: boolean }): Promise<UserAggregate> {
      const auth = await settings();
      if (!auth.password.enabled) throw notAllowed('This application does not use passwords.', 'new_password');
      const user = await counted(userId, () => users.changePassword(userId, { current: input.current, next: input.next }));
      await guard.clearFailures(userId);
      if (input.signOutOfOtherSessions) await sessions.endAllOfUser(userId, 'revoked', session.id);
      return user;
    },

    /** Removes the password where the instance does not require one and the user can still sign in without it. */
    async removePassword(userId: string, current: string): Promise<UserAggregate> {
      const auth = await settings();
      if (auth.password.enabled && auth.password.required) throw notAllowed('This application requires a password.', 'current_password');
      const user = await counted(userId, () => users.removePassword(userId, { current, keepSignIn: auth }));
      await guard.clearFailures(userId);
      return user;
    },

    /** Deletes the user's own account where the instance and the user's settings allow it; the session asking ends. */
    async deleteSelf(userId: string, session: SessionRow): Promise<void> {
      const auth = await settings();
      const user = await users.get(userId);
      if (!auth.delete_self_enabled || user.user.delete_self_enabled !== 1) throw notAllowed('Deleting your own account is not allowed here.');
      await sessions.end(session.id, session.client_id, 'ended');
      await users.delete(userId);
    },

    /** The user's sessions on every client, newest first (`live`: only the signed-in ones). */
    async sessionsOf(userId: string, live: boolean): Promise<SessionRow[]> {
      const { rows } = await sessions.list({ userId, ...(live ? { status: 'active' as const } : {}) }, 100, 0);
      return rows;
    },

    /** Revokes one of the user's sessions (on this or another device). */
    async revokeSession(userId: string, sessionId: string): Promise<SessionRow> {
      const s = await sessions.get(sessionId).catch(() => null);
      if (!s || s.user_id !== userId) throw new ApiError({ code: 'resource_not_found', longMessage: 'No session of yours with that id.', paramName: 'session_id' });
      return sessions.revoke(sessionId);
    },
  };
}

export type AccountService = ReturnType<typeof createAccountService>;
