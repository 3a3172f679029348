/**
 * Sign-in attempts: the Frontend API's state machine from an identifier to a session.
 * needs_first_factor → (needs_second_factor →) complete. Each step that changes the attempt locks it, so
 * a code or password accepted twice at once still yields one session; expensive checks (password hashes)
 * run before the lock is taken.
 */
import { newId } from '@latch/core';
import { ApiError } from '../../errors.js';
import { type Db, type Executor, type Tx, transaction } from '../../storage/database.js';
import { type ClientRow, lockClient, updateClient } from '../clients/repository.js';
import { normalizeEmail, normalizePhone, normalizeUsername } from '../identifiers/normalize.js';
import type { AuthSettings } from '../instance/auth-settings.js';
import type { MessagingService } from '../messages/service.js';
import type { SessionRow } from '../sessions/repository.js';
import type { RequestActivity, SessionsService } from '../sessions/service.js';
import { findIdentificationByValue, ownerOfUsername, type SignInState, signInUserStatements, stateOf, userMaySignIn } from '../users/auth-repository.js';
import type { UserAggregate } from '../users/repository.js';
import { findVerification, type VerificationRow } from '../verifications/repository.js';
import { CODE_TTL_MS, type VerificationsService } from '../verifications/service.js';
import type { Guard } from '../../limits/policy.js';
import { deleteSignInsOfClient, findSignIn, insertSignIn, lockSignIn, signInStatements, type SignInRow, updateSignIn } from './repository.js';

/** First factors proven by a code sent by prepare_first_factor. */
const CODE_STRATEGIES = new Set(['email_code', 'phone_code', 'reset_password_email_code', 'reset_password_phone_code']);

/** An attempt is abandoned after a day without completing. */
const ATTEMPT_LIFETIME_MS = 24 * 3600 * 1000;

export interface SignInsServiceDeps {
  db: Db;
  settings(): Promise<AuthSettings>;
  verifications: VerificationsService;
  sessions: SessionsService;
  messaging: MessagingService;
  loadUser(id: string): Promise<UserAggregate | null>;
  /** The users domain's password and second-factor checks (rehashing imported digests on success). */
  verifyPassword(userId: string, password: string, known?: { hasher: string; digest: string }): Promise<boolean>;
  verifySecondFactor(userId: string, code: string): Promise<'totp' | 'backup_code'>;
  /** Sets a new password through the users service (policy, hashing). */
  setPassword(userId: string, password: string): Promise<void>;
  /** Per-identifier limits and the account lockout after repeated failures. */
  guard: Guard;
  /** The address of an e-mail link with this token (the Frontend API's `/verify`). */
  linkUrl(token: string): string;
  /** Redeems a sign-in token inside the transaction (asked of the sign-in-tokens domain): its user, or null. */
  redeemTicket?(tx: Tx, ticket: string): Promise<{ userId: string } | null>;
  now?: () => number;
}

/** A sign-in attempt with what its wire form shows. */
export interface SignInView {
  signIn: SignInRow;
  user: UserAggregate | null;
  firstFactor: VerificationRow | null;
  secondFactor: VerificationRow | null;
}

/** The browser's client as a sign-in needs it. */
export interface SignInClient {
  /** Whether the browser has a client already. */
  readonly exists: boolean;
  /** The client's id, creating the client (its own write) on first need. */
  ensure(): Promise<string>;
  /** Inside `tx`: the browser's client, locked, or a new one inserted by `tx` (`created`). */
  inTx(tx: Tx): Promise<{ client: ClientRow; created: boolean }>;
}

/**
 * A password sign-in finished in the request that started it, with what its response shows, all as
 * written: the attempt's view, the client row after the change and the session it made (null while a
 * second factor is due); `created` when the client is new, so it holds no other session.
 */
export interface PasswordSignIn {
  view: SignInView;
  client: ClientRow;
  session: SessionRow | null;
  created: boolean;
}

export interface CreateSignInInput {
  identifier?: string | undefined;
  strategy?: string | undefined;
  password?: string | undefined;
  ticket?: string | undefined;
}

function notFound(): ApiError {
  return new ApiError({ code: 'resource_not_found', longMessage: 'No sign-in attempt with that id on this client.', paramName: 'sign_in_id' });
}

/** A new attempt's row, made at `t`: waiting for its first factor and naming nobody unless `fields` say so. */
function newAttemptRow(id: string, t: number, fields: Pick<SignInRow, 'client_id'> & Partial<SignInRow>): SignInRow {
  return {
    id,
    status: 'needs_first_factor',
    identifier: null,
    user_id: null,
    identification_id: null,
    first_factor_strategy: null,
    second_factor_strategy: null,
    created_session_id: null,
    abandon_at: t + ATTEMPT_LIFETIME_MS,
    created_at: t,
    updated_at: t,
    ...fields,
  };
}

export function createSignInsService(deps: SignInsServiceDeps) {
  const { db, settings, verifications, sessions, messaging, loadUser, guard, now = Date.now } = deps;
  // The reads and writes of a password sign-in, compiled once.
  const userSql = signInUserStatements(db);
  const signInSql = signInStatements(db);

  /** Runs a factor check; a failure counts toward the user's lockout, a success clears the count. */
  async function counted<T>(userId: string | null, check: () => Promise<T>): Promise<T> {
    if (userId) await guard.assertNotLockedOut(userId);
    try {
      const result = await check();
      if (userId) await guard.clearFailures(userId);
      return result;
    } catch (err) {
      if (userId && err instanceof ApiError && ['form_password_incorrect', 'form_code_incorrect', 'verification_failed'].includes(err.details[0]?.code ?? '')) {
        const remaining = await guard.recordFailure(userId);
        const first = err.details[0];
        if (first) first.meta = { ...(first.meta ?? {}), verification_attempts_remaining: remaining };
      }
      throw err;
    }
  }

  async function refuseUnusable(ex: Executor, userId: string): Promise<void> {
    refuseState(await userMaySignIn(ex, userId));
  }

  function refuseState(may: SignInState): void {
    if (may === 'banned') throw ApiError.of('user_banned', 'This account is banned.', 'identifier');
    if (may === 'locked') throw ApiError.of('user_locked', 'This account is locked.', 'identifier');
    if (may === 'missing') throw ApiError.of('form_identifier_not_found', "Couldn't find your account.", 'identifier');
  }

  /**
   * Resolves what was typed on the first screen to a user and the identification it matched. Only
   * verified addresses and numbers sign in: one a user merely added to their account (and never proved)
   * could be someone else's.
   */
  async function resolve(auth: AuthSettings, identifier: string): Promise<{ userId: string; identificationId: string | null } | null> {
    const email = auth.email_address.enabled ? normalizeEmail(identifier) : null;
    if (email) {
      const found = await userSql.identification(db, 'email_address', email);
      return found && found.status === 'verified' ? { userId: found.user_id, identificationId: found.id } : null;
    }
    const phone = auth.phone_number.enabled ? normalizePhone(identifier) : null;
    if (phone && /^\+?[\d\s().-]+$/.test(identifier)) {
      const found = await findIdentificationByValue(db, 'phone_number', phone);
      return found && found.status === 'verified' ? { userId: found.user_id, identificationId: found.id } : null;
    }
    const username = auth.username.enabled ? normalizeUsername(identifier) : null;
    if (username) {
      const id = await ownerOfUsername(db, username);
      return id ? { userId: id, identificationId: null } : null;
    }
    return null;
  }

  /**
   * Completes the attempt inside `tx` (locked by the caller): asks for the second factor when the user
   * has one, otherwise signs the user in on the client.
   */
  async function advance(tx: Tx, auth: AuthSettings, attempt: SignInRow, strategy: string, step: 'first' | 'second', activity?: RequestActivity): Promise<void> {
    const t = now();
    if (!attempt.user_id) throw ApiError.of('form_identifier_not_found', "Couldn't find your account.", 'identifier');
    // Read under the transaction: a ban that committed first stops the sign-in here.
    const state = await userSql.state(tx, attempt.user_id);
    refuseState(state.may);
    if (step === 'first' && state.secondFactor) {
      await updateSignIn(tx, attempt.id, { status: 'needs_second_factor', first_factor_strategy: strategy, updated_at: t });
      return;
    }
    // The client's sign-in in progress is cleared in the same write that makes the session its active one.
    const session = await sessions.createInTx(tx, auth, { clientId: attempt.client_id, userId: attempt.user_id, strategy, secondFactor: step === 'second', signInId: null, ...(activity ? { activity } : {}) });
    await updateSignIn(tx, attempt.id, {
      status: 'complete',
      ...(step === 'first' ? { first_factor_strategy: strategy } : { second_factor_strategy: strategy }),
      created_session_id: session.id,
      updated_at: t,
    });
  }

  /** Locks the attempt and checks it belongs to the client and is in `status`. */
  async function lockFor(tx: Tx, clientId: string, id: string, status: SignInRow['status']): Promise<SignInRow> {
    const attempt = await signInSql.lock(tx, id);
    if (!attempt || attempt.client_id !== clientId) throw notFound();
    if (attempt.abandon_at <= now()) throw new ApiError({ code: 'resource_not_found', longMessage: 'The sign-in attempt has expired; start again.', paramName: 'sign_in_id' });
    if (attempt.status !== status) {
      throw new ApiError({ code: 'verification_already_verified', longMessage: `The sign-in is ${attempt.status}, not ${status}.`, paramName: 'strategy' });
    }
    return attempt;
  }

  /** Records a new attempt on the client, in `needs_first_factor`, as the client's sign-in in progress. */
  async function start(clientId: string, identifier: string, found: { userId: string; identificationId: string | null } | null): Promise<SignInRow> {
    const t = now();
    const row = newAttemptRow(newId('sia', t), t, { client_id: clientId, identifier, user_id: found?.userId ?? null, identification_id: found?.identificationId ?? null });
    await transaction(db, async (tx) => {
      await lockClient(tx, clientId);
      await insertSignIn(tx, row);
      await updateClient(tx, clientId, { sign_in_id: row.id, updated_at: t });
    });
    return row;
  }

  /**
   * Identifier and password in one request (`create` with `strategy=password`), for an identifier that
   * names a user. The same checks as `create` followed by `attempt_first_factor`, in the same order
   * (refusal, lockout, the counted password check before any lock), but what the two requests write in
   * three commits is written in one: the client when it is new, the attempt already past its first
   * factor, its verification and the session. A wrong password leaves what `create` would have left: an
   * attempt waiting for its first factor on a client the browser already had, nothing otherwise (the new
   * client a refused request would make is discarded anyway).
   */
  async function passwordAtOnce(src: SignInClient, auth: AuthSettings, identifier: string, found: { userId: string; identificationId: string | null }, password: string, activity: RequestActivity | undefined): Promise<PasswordSignIn> {
    const userId = found.userId;
    const [user, identifications, stored] = await Promise.all([userSql.user(db, userId), userSql.identifications(db, userId), userSql.password(db, userId)]);
    if (!user) throw ApiError.of('form_identifier_not_found', "Couldn't find your account.", 'identifier');
    refuseState(stateOf(user));
    await guard.assertNotLockedOut(userId);
    try {
      // The hash comparison is the slow part: done before any lock is held.
      await counted(userId, () => deps.verifyPassword(userId, password, stored));
    } catch (err) {
      if (src.exists) await start(await src.ensure(), identifier, found);
      throw err;
    }
    const t = now();
    const id = newId('sia', t);
    const result = await transaction(db, async (tx) => {
      const { client, created } = await src.inTx(tx);
      // Read under the transaction: a ban that committed first stops the sign-in here.
      const state = await userSql.state(tx, userId);
      refuseState(state.may);
      const session = state.secondFactor ? null : await sessions.createInTx(tx, auth, { clientId: client.id, userId, strategy: 'password', secondFactor: false, client, fresh: created, signInId: null, ...(activity ? { activity } : {}) });
      const row = newAttemptRow(id, t, {
        client_id: client.id,
        status: session ? 'complete' : 'needs_second_factor',
        identifier,
        user_id: userId,
        identification_id: found.identificationId,
        first_factor_strategy: 'password',
        created_session_id: session?.id ?? null,
      });
      await signInSql.insert(tx, row);
      const firstFactor = await verifications.recordVerified(tx, { ownerId: id, slot: 'first_factor', strategy: 'password', identificationId: null, target: null });
      if (!session) await updateClient(tx, client.id, { sign_in_id: id, updated_at: t });
      const after: ClientRow = session
        ? { ...client, last_active_session_id: session.id, last_authentication_strategy: 'password', sign_in_id: null, updated_at: session.updated_at }
        : { ...client, sign_in_id: id, updated_at: t };
      return { row, firstFactor, session, client: after, created };
    });
    const shownUser = result.session ? { ...user, last_sign_in_at: result.session.created_at, last_active_at: result.session.created_at } : user;
    const aggregate: UserAggregate = { user: shownUser, identifications, password: stored ? { hasher: stored.hasher, updated_at: stored.updated_at } : null };
    return { view: { signIn: result.row, user: aggregate, firstFactor: result.firstFactor, secondFactor: null }, client: result.client, session: result.session, created: result.created };
  }

  const service = {
    /** Forgets the attempts of a client that a refused request created. */
    async discardOfClient(clientId: string): Promise<void> {
      await deleteSignInsOfClient(db, clientId);
    },

    async view(id: string): Promise<SignInView | null> {
      const signIn = await signInSql.find(db, id);
      if (!signIn) return null;
      const [user, firstFactor, secondFactor] = await Promise.all([
        signIn.user_id ? loadUser(signIn.user_id) : null,
        findVerification(db, id, 'first_factor'),
        findVerification(db, id, 'second_factor'),
      ]);
      return { signIn, user, firstFactor: firstFactor ?? null, secondFactor: secondFactor ?? null };
    },

    async get(clientId: string, id: string): Promise<SignInRow> {
      const row = await signInSql.find(db, id);
      if (!row || row.client_id !== clientId) throw notFound();
      return row;
    },

    /**
     * Starts a sign-in for what the person typed (and their password, if typed with it). `client` gives
     * the browser's client, creating it on first need: only once the input has passed every check, so a
     * refused request leaves nothing behind.
     */
    async create(src: SignInClient, input: CreateSignInInput, activity?: RequestActivity): Promise<{ row: SignInRow; done?: PasswordSignIn }> {
      const auth = await settings();
      if (input.strategy === 'ticket') return { row: await service.redeemTicket(await src.ensure(), auth, input.ticket, activity) };
      const identifier = input.identifier?.trim();
      if (!identifier) throw new ApiError({ code: 'form_param_missing', longMessage: 'Enter your e-mail address, phone number or username.', paramName: 'identifier' });
      await guard.check('createPerIdentifier', identifier.toLowerCase());
      const found = await resolve(auth, identifier);
      if (!found && !auth.enumeration_protection) throw ApiError.of('form_identifier_not_found', "Couldn't find your account.", 'identifier');
      if (found && input.strategy === 'password' && input.password !== undefined) {
        const done = await passwordAtOnce(src, auth, identifier, found, input.password, activity);
        return { row: done.view.signIn, done };
      }
      if (found) {
        await refuseUnusable(db, found.userId);
        await guard.assertNotLockedOut(found.userId);
      }
      const clientId = await src.ensure();
      const row = await start(clientId, identifier, found);
      if (input.strategy === 'password' && input.password !== undefined) {
        return { row: await service.attemptFirstFactor(clientId, row.id, { strategy: 'password', password: input.password }, activity) };
      }
      return { row };
    },

    /**
     * `strategy=ticket`: a sign-in token from the Backend API is the first factor. The token is redeemed,
     * the attempt recorded and the session created in one transaction, so a token signs in once; a second
     * factor is still asked for when the user has one.
     */
    async redeemTicket(clientId: string, auth: AuthSettings, ticket: string | undefined, activity?: RequestActivity): Promise<SignInRow> {
      if (!ticket) throw new ApiError({ code: 'form_param_missing', longMessage: 'Send the sign-in token as `ticket`.', paramName: 'ticket' });
      if (!deps.redeemTicket) throw new ApiError({ code: 'strategy_for_user_invalid', longMessage: 'Sign-in tokens are not available.', paramName: 'strategy' });
      const redeem = deps.redeemTicket;
      const t = now();
      const id = newId('sia', t);
      await transaction(db, async (tx) => {
        await lockClient(tx, clientId);
        const found = await redeem(tx, ticket);
        if (!found) throw new ApiError({ code: 'form_param_value_invalid', longMessage: 'The sign-in token is invalid, used, revoked or expired.', paramName: 'ticket' });
        const row = newAttemptRow(id, t, { client_id: clientId, user_id: found.userId });
        await insertSignIn(tx, row);
        await updateClient(tx, clientId, { sign_in_id: row.id, updated_at: t });
        await verifications.recordVerified(tx, { ownerId: id, slot: 'first_factor', strategy: 'ticket', identificationId: null, target: null });
        await advance(tx, auth, row, 'ticket', 'first', activity);
      });
      return service.get(clientId, id);
    },

    /**
     * Sends a code for the first factor (`email_code` to one of the user's addresses, `phone_code` by SMS),
     * or an e-mail link (`email_link`, whose landing page sends the browser to `redirect_url`, already
     * checked against the allowed origins by the caller).
     */
    async prepareFirstFactor(clientId: string, id: string, input: { strategy: string; email_address_id?: string | undefined; phone_number_id?: string | undefined; redirect_url?: string | undefined }): Promise<SignInRow> {
      const link = input.strategy === 'email_link';
      if (!CODE_STRATEGIES.has(input.strategy) && !link) {
        throw new ApiError({ code: 'strategy_for_user_invalid', longMessage: `${input.strategy} needs no preparation here.`, paramName: 'strategy' });
      }
      if (input.strategy === 'email_code' || link) {
        const auth = await settings();
        if (!auth.email_address.verification.includes(input.strategy as 'email_code' | 'email_link')) {
          throw new ApiError({ code: 'strategy_for_user_invalid', longMessage: `This application does not sign in with ${link ? 'e-mail links' : 'e-mail codes'}.`, paramName: 'strategy' });
        }
      }
      const byEmail = input.strategy === 'email_code' || input.strategy === 'reset_password_email_code' || link;
      const reset = input.strategy.startsWith('reset_password_');
      const attempt = await service.get(clientId, id);
      const user = attempt.user_id ? await loadUser(attempt.user_id) : null;
      const type = byEmail ? 'email_address' : 'phone_number';
      const wanted = byEmail ? input.email_address_id : input.phone_number_id;
      // Codes go to verified addresses and numbers only (the ones sign-in offers).
      const target = user?.identifications.find((i) => i.type === type && i.status === 'verified' && (wanted ? i.id === wanted : i.id === attempt.identification_id || i.id === user.user.primary_email_address_id));
      let sent = false;
      await transaction(db, async (tx) => {
        const locked = await lockFor(tx, clientId, id, 'needs_first_factor');
        if (!target || !user) {
          // Enumeration protection: an unknown identifier gets a verification that no code will ever pass.
          if (!locked.user_id && wanted === undefined) {
            const slot = { ownerId: id, slot: 'first_factor', strategy: input.strategy, identificationId: null, target: locked.identifier ?? '' };
            if (link) await verifications.issueLink(tx, { ...slot, redirectUrl: input.redirect_url ?? null });
            else await verifications.issue(tx, slot);
            return;
          }
          throw new ApiError({ code: 'strategy_for_user_invalid', longMessage: `No ${type.replace('_', ' ')} of this account matches.`, paramName: byEmail ? 'email_address_id' : 'phone_number_id' });
        }
        if (link) {
          const token = await verifications.issueLink(tx, { ownerId: id, slot: 'first_factor', strategy: 'email_link', identificationId: target.id, target: target.value, redirectUrl: input.redirect_url ?? null });
          sent = true;
          await messaging.enqueueTemplated(tx, {
            type: 'email',
            slug: 'magic_link_sign_in',
            to: target.value,
            data: { magic_link: deps.linkUrl(token), ttl_minutes: CODE_TTL_MS / 60_000, user: { first_name: user.user.first_name, last_name: user.user.last_name } },
            userId: user.user.id,
            emailAddressId: target.id,
          });
          await updateSignIn(tx, id, { updated_at: now() });
          return;
        }
        const code = await verifications.issue(tx, { ownerId: id, slot: 'first_factor', strategy: input.strategy, identificationId: target.id, target: target.value });
        if (code !== null) {
          sent = true;
          await messaging.enqueueTemplated(tx, {
            type: type === 'email_address' ? 'email' : 'sms',
            slug: reset ? 'reset_password_code' : 'verification_code',
            to: target.value,
            data: { otp_code: code, ttl_minutes: CODE_TTL_MS / 60_000, user: { first_name: user.user.first_name, last_name: user.user.last_name } },
            userId: user.user.id,
            ...(type === 'email_address' ? { emailAddressId: target.id } : { phoneNumberId: target.id }),
          });
        }
        await updateSignIn(tx, id, { updated_at: now() });
      });
      if (sent) messaging.wake();
      return service.get(clientId, id);
    },

    /** Checks the first factor (a password, or the code sent by prepare) and moves the attempt on. */
    async attemptFirstFactor(clientId: string, id: string, input: { strategy: string; password?: string | undefined; code?: string | undefined }, activity?: RequestActivity): Promise<SignInRow> {
      const auth = await settings();
      if (input.strategy === 'password') {
        const attempt = await service.get(clientId, id);
        if (!attempt.user_id) throw ApiError.of('form_password_incorrect', 'Password is incorrect. Try again, or use another method.', 'password');
        // The hash comparison is the slow part: done before any lock is held.
        const userId = attempt.user_id;
        await counted(userId, () => deps.verifyPassword(userId, input.password ?? ''));
        await transaction(db, async (tx) => {
          const locked = await lockFor(tx, clientId, id, 'needs_first_factor');
          await verifications.recordVerified(tx, { ownerId: id, slot: 'first_factor', strategy: 'password', identificationId: null, target: null });
          await advance(tx, auth, locked, 'password', 'first', activity);
        });
        return service.get(clientId, id);
      }
      if (!CODE_STRATEGIES.has(input.strategy)) {
        throw new ApiError({ code: 'strategy_for_user_invalid', longMessage: `${input.strategy} is not a first factor here.`, paramName: 'strategy' });
      }
      const reset = input.strategy.startsWith('reset_password_');
      const current = await service.get(clientId, id);
      await counted(current.user_id, async () => {
        const failure = await transaction(db, async (tx) => {
          const locked = await lockFor(tx, clientId, id, 'needs_first_factor');
          const outcome = await verifications.attempt(tx, { ownerId: id, slot: 'first_factor', strategy: input.strategy, code: input.code ?? '' });
          if (!outcome.ok) return outcome.error;
          // A reset code proves the address; the new password is chosen next (reset_password).
          if (reset) await updateSignIn(tx, id, { status: 'needs_new_password', first_factor_strategy: input.strategy, updated_at: now() });
          else await advance(tx, auth, locked, input.strategy, 'first', activity);
          return null;
        });
        // Thrown after the commit, so the counted guess stays counted.
        if (failure) throw failure;
      });
      return service.get(clientId, id);
    },

    /**
     * Sets the new password of a sign-in that proved its address with a reset code, optionally signs the
     * user out everywhere else, then finishes the sign-in (asking for the second factor if there is one).
     */
    async resetPassword(clientId: string, id: string, input: { password: string; signOutOfOtherSessions: boolean }, activity?: RequestActivity): Promise<SignInRow> {
      const auth = await settings();
      const attempt = await service.get(clientId, id);
      if (attempt.status !== 'needs_new_password' || !attempt.user_id) {
        throw new ApiError({ code: 'verification_missing', longMessage: 'Verify a password reset code first.', paramName: 'password' });
      }
      // The users service checks the password policy and hashes it, as for any password change.
      await deps.setPassword(attempt.user_id, input.password);
      if (input.signOutOfOtherSessions) await sessions.endAllOfUser(attempt.user_id, 'revoked');
      await guard.clearFailures(attempt.user_id);
      await transaction(db, async (tx) => {
        const locked = await lockFor(tx, clientId, id, 'needs_new_password');
        await advance(tx, auth, locked, locked.first_factor_strategy ?? 'reset_password_email_code', 'first', activity);
      });
      return service.get(clientId, id);
    },

    /**
     * An e-mail link of this attempt was opened (the verification is already marked, in `tx`): the
     * attempt moves on as after any first factor, on the client that asked for the link. Null when the
     * attempt is no longer waiting for its first factor (the caller then rolls the opening back).
     */
    async completeByLink(tx: Tx, id: string): Promise<SignInRow | null> {
      const auth = await settings();
      const attempt = await lockSignIn(tx, id);
      if (!attempt || attempt.status !== 'needs_first_factor' || attempt.abandon_at <= now()) return null;
      await advance(tx, auth, attempt, 'email_link', 'first');
      return (await findSignIn(tx, id)) ?? null;
    },

    /** Checks the second factor (an authenticator code or a backup code). */
    async attemptSecondFactor(clientId: string, id: string, input: { strategy: string; code?: string | undefined }, activity?: RequestActivity): Promise<SignInRow> {
      const auth = await settings();
      if (input.strategy !== 'totp' && input.strategy !== 'backup_code') {
        throw new ApiError({ code: 'strategy_for_user_invalid', longMessage: `${input.strategy} is not a second factor here.`, paramName: 'strategy' });
      }
      const attempt = await service.get(clientId, id);
      if (attempt.status !== 'needs_second_factor' || !attempt.user_id) {
        throw new ApiError({ code: 'verification_already_verified', longMessage: `The sign-in is ${attempt.status}.`, paramName: 'strategy' });
      }
      const userId = attempt.user_id;
      const used = await counted(userId, () => deps.verifySecondFactor(userId, input.code ?? ''));
      await transaction(db, async (tx) => {
        const locked = await lockFor(tx, clientId, id, 'needs_second_factor');
        await verifications.recordVerified(tx, { ownerId: id, slot: 'second_factor', strategy: used, identificationId: null, target: null });
        await advance(tx, auth, locked, used, 'second', activity);
      });
      return service.get(clientId, id);
    },
  };
  return service;
}

export type SignInsService = ReturnType<typeof createSignInsService>;
