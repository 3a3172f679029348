/**
 * Sign-up attempts: collect what the instance requires, verify the e-mail address or phone number, then
 * create the user through the users service (the same path, checks and restrictions as the Backend API)
 * and sign them in. An invitation ticket counts as a verified address and is redeemed exactly once.
 */
import { newId, type Metadata } from '@latch/core';
import { checkPasswordPolicy } from '../../crypto/password-policy.js';
import { hashPassword } from '../../crypto/passwords.js';
import { ApiError } from '../../errors.js';
import { type Db, type Tx, transaction } from '../../storage/database.js';
import { readJson } from '../../storage/schema.js';
import type { AccessService } from '../access/service.js';
import { lockClient, updateClient } from '../clients/repository.js';
import { normalizeEmail, normalizePhone, normalizeUsername } from '../identifiers/normalize.js';
import type { AuthSettings } from '../instance/auth-settings.js';
import type { InvitationsService } from '../invitations/service.js';
import type { MessagingService } from '../messages/service.js';
import type { RequestActivity, SessionsService } from '../sessions/service.js';
import { findIdentificationByValue, ownerOfUsername } from '../users/auth-repository.js';
import type { CreateUserInput } from '../users/service.js';
import { findVerification, type VerificationRow } from '../verifications/repository.js';
import { CODE_TTL_MS, type VerificationsService } from '../verifications/service.js';
import { deleteSignUpsOfClient, findSignUp, insertSignUp, lockSignUp, type SignUpRow, updateSignUp } from './repository.js';
import { requirementsOf } from './requirements.js';

const ATTEMPT_LIFETIME_MS = 24 * 3600 * 1000;

export interface SignUpFields {
  email_address?: string | null | undefined;
  phone_number?: string | null | undefined;
  username?: string | null | undefined;
  first_name?: string | null | undefined;
  last_name?: string | null | undefined;
  password?: string | undefined;
  unsafe_metadata?: Metadata | undefined;
  legal_accepted?: boolean | undefined;
  strategy?: string | undefined;
  ticket?: string | undefined;
}

export interface SignUpView {
  signUp: SignUpRow;
  email: VerificationRow | null;
  phone: VerificationRow | null;
}

export interface SignUpsServiceDeps {
  db: Db;
  settings(): Promise<AuthSettings>;
  access: AccessService;
  invitations: InvitationsService;
  verifications: VerificationsService;
  sessions: SessionsService;
  messaging: MessagingService;
  createUser(input: CreateUserInput): Promise<{ id: string }>;
  deleteUser(id: string): Promise<void>;
  /** The address of an e-mail link with this token (the Frontend API's `/verify`). */
  linkUrl(token: string): string;
  /** Organization invitation tickets (asked of the organizations domain): the new user joins the organization. */
  organizationTickets?: OrganizationTickets;
  now?: () => number;
}

/** What signing up through an organization invitation's ticket needs of the organizations domain. */
export interface OrganizationTickets {
  /** The invited address and whether the invitation is still pending; null for a ticket that is not one. */
  peek(ticket: string): Promise<{ emailAddress: string; pending: boolean } | null>;
  /** The new user joins, inside the sign-up's transaction; throws when the invitation is no longer usable. */
  redeem(tx: Tx, ticket: string, userId: string): Promise<void>;
}

function notFound(): ApiError {
  return new ApiError({ code: 'resource_not_found', longMessage: 'No sign-up attempt with that id on this client.', paramName: 'sign_up_id' });
}

function taken(param: string): ApiError {
  return new ApiError({ code: 'form_identifier_exists', longMessage: 'That identifier is taken. Please try another.', paramName: param });
}

function invalid(param: string, longMessage: string): ApiError {
  return new ApiError({ code: 'form_param_format_invalid', longMessage, paramName: param });
}

export function createSignUpsService(deps: SignUpsServiceDeps) {
  const { db, settings, access, invitations, verifications, sessions, messaging, now = Date.now } = deps;

  /** Validates the given fields and turns them into column values (a password is hashed here, once). */
  async function columns(input: SignUpFields, auth: AuthSettings, current: SignUpRow | null): Promise<Partial<SignUpRow>> {
    const out: Partial<SignUpRow> = {};
    if (input.email_address !== undefined && input.email_address !== null) {
      if (!auth.email_address.enabled) throw new ApiError({ code: 'form_param_unknown', longMessage: 'E-mail addresses are not used on this instance.', paramName: 'email_address' });
      const email = normalizeEmail(input.email_address);
      if (!email) throw invalid('email_address', 'Enter a valid e-mail address.');
      if (await findIdentificationByValue(db, 'email_address', email)) throw taken('email_address');
      out.email_address = email;
      if (email !== current?.email_address) out.email_verified_at = null;
    }
    if (input.phone_number !== undefined && input.phone_number !== null) {
      if (!auth.phone_number.enabled) throw new ApiError({ code: 'form_param_unknown', longMessage: 'Phone numbers are not used on this instance.', paramName: 'phone_number' });
      const phone = normalizePhone(input.phone_number);
      if (!phone) throw invalid('phone_number', 'Enter a phone number in international format, such as +15555550100.');
      if (await findIdentificationByValue(db, 'phone_number', phone)) throw taken('phone_number');
      out.phone_number = phone;
      if (phone !== current?.phone_number) out.phone_verified_at = null;
    }
    if (input.username !== undefined && input.username !== null) {
      const username = normalizeUsername(input.username);
      if (!username) throw invalid('username', 'Usernames are 4 to 64 letters, digits, dashes and underscores.');
      if (await ownerOfUsername(db, username)) throw taken('username');
      out.username = input.username.trim();
    }
    if (input.first_name !== undefined) out.first_name = input.first_name || null;
    if (input.last_name !== undefined) out.last_name = input.last_name || null;
    if (input.unsafe_metadata !== undefined) out.unsafe_metadata = JSON.stringify(input.unsafe_metadata);
    if (input.legal_accepted !== undefined) out.legal_accepted_at = input.legal_accepted ? now() : null;
    if (input.password !== undefined) {
      if (!auth.password.enabled) throw new ApiError({ code: 'form_param_unknown', longMessage: 'Passwords are not used on this instance.', paramName: 'password' });
      const identifiers = [out.email_address ?? current?.email_address, out.username ?? current?.username, out.phone_number ?? current?.phone_number].filter((v): v is string => !!v);
      const violation = checkPasswordPolicy(input.password, { identifiers });
      if (violation) throw new ApiError({ code: violation.code, longMessage: violation.longMessage, paramName: 'password' });
      out.password_digest = await hashPassword(input.password);
    }
    return out;
  }

  /** Creates the user and signs them in once nothing is missing or unverified; returns the attempt. */
  async function completeIfReady(row: SignUpRow, auth: AuthSettings, activity?: RequestActivity, emailStrategy?: string): Promise<SignUpRow> {
    const req = requirementsOf(row, auth);
    if (row.status !== 'missing_requirements' || req.missing.length || req.unverified.length) return row;
    if (!row.email_address && !row.phone_number && !row.username) return row;
    const invitation = row.ticket ? await invitations.peek(row.ticket) : null;
    const orgInvitation = row.ticket && !invitation ? await deps.organizationTickets?.peek(row.ticket) : null;
    const emails = row.email_address ? [row.email_address] : [];
    const phones = row.phone_number ? [row.phone_number] : [];
    // The instance's restrictions, decided by the access service exactly as for the Backend API.
    await access.assertSignUpAllowed({ emails, phones }, { invited: invitation !== null || !!orgInvitation });
    const user = await deps.createUser({
      emailAddresses: emails,
      phoneNumbers: phones,
      username: row.username,
      firstName: row.first_name,
      lastName: row.last_name,
      ...(row.password_digest ? { passwordDigest: row.password_digest, passwordHasher: 'argon2id' as const, skipPasswordChecks: true } : {}),
      unsafeMetadata: row.unsafe_metadata ? readJson<Metadata>(row.unsafe_metadata) : {},
      ...(invitation?.public_metadata ? { publicMetadata: readJson<Metadata>(invitation.public_metadata) } : {}),
      legalAcceptedAt: row.legal_accepted_at,
      bypassRestrictions: true,
    });
    try {
      return await transaction(db, async (tx) => {
        const locked = await lockSignUp(tx, row.id);
        if (!locked || locked.status !== 'missing_requirements') throw new ApiError({ code: 'verification_already_verified', longMessage: 'This sign-up is already complete.' });
        if (row.ticket && invitation) await invitations.redeem(row.ticket, user.id, tx);
        else if (row.ticket && orgInvitation && deps.organizationTickets) await deps.organizationTickets.redeem(tx, row.ticket, user.id);
        else if (row.ticket) throw new ApiError({ code: 'invitation_not_pending', longMessage: 'The invitation ticket is not valid.', paramName: 'ticket' });
        const strategy = row.ticket ? 'ticket' : row.email_address ? (emailStrategy ?? 'email_code') : 'phone_code';
        const session = await sessions.createInTx(tx, auth, { clientId: row.client_id, userId: user.id, strategy, secondFactor: false, ...(activity ? { activity } : {}) });
        const t = now();
        await updateSignUp(tx, row.id, { status: 'complete', created_user_id: user.id, created_session_id: session.id, password_digest: null, updated_at: t });
        await updateClient(tx, row.client_id, { sign_up_id: null, updated_at: t });
        return { ...locked, status: 'complete' as const, created_user_id: user.id, created_session_id: session.id, password_digest: null, updated_at: t };
      });
    } catch (err) {
      // The user was made for this sign-up only: without the session it is undone.
      await deps.deleteUser(user.id).catch(() => undefined);
      throw err;
    }
  }

  async function get(clientId: string, id: string): Promise<SignUpRow> {
    const row = await findSignUp(db, id);
    if (!row || row.client_id !== clientId) throw notFound();
    return row;
  }

  return {
    /** Forgets the attempts of a client that a refused request created. */
    async discardOfClient(clientId: string): Promise<void> {
      await deleteSignUpsOfClient(db, clientId);
    },

    async view(id: string): Promise<SignUpView | null> {
      const signUp = await findSignUp(db, id);
      if (!signUp) return null;
      const [email, phone] = await Promise.all([findVerification(db, id, 'email_address'), findVerification(db, id, 'phone_number')]);
      return { signUp, email: email ?? null, phone: phone ?? null };
    },

    get,

    /** Starts a sign-up; `client` gives (or creates) the browser's client once the input has passed every check. */
    async create(client: () => Promise<string>, input: SignUpFields, activity?: RequestActivity): Promise<SignUpRow> {
      const auth = await settings();
      const t = now();
      let ticket: string | null = null;
      let invitedEmail: string | null = null;
      if (input.ticket || input.strategy === 'ticket') {
        const invitation = input.ticket ? await invitations.peek(input.ticket) : null;
        // Not the instance's invitation: perhaps an organization's.
        const orgInvitation = input.ticket && !invitation ? await deps.organizationTickets?.peek(input.ticket) : null;
        const invited = invitation && invitations.statusOf(invitation) === 'pending' ? invitation.email_address : orgInvitation?.pending ? orgInvitation.emailAddress : null;
        if (!invited) {
          throw new ApiError({ code: 'invitation_not_pending', longMessage: 'The invitation has expired, was revoked, or was already used.', paramName: 'ticket' });
        }
        ticket = input.ticket ?? null;
        invitedEmail = invited;
      } else if (auth.sign_up_mode === 'invitation') {
        throw new ApiError({ code: 'not_allowed_access', longMessage: 'Sign-ups on this application need an invitation.', paramName: 'email_address' });
      }
      const fields = await columns({ ...input, ...(invitedEmail ? { email_address: invitedEmail } : {}) }, auth, null);
      const emails = fields.email_address ? [fields.email_address] : [];
      const phones = fields.phone_number ? [fields.phone_number] : [];
      if (emails.length || phones.length) await access.assertSignUpAllowed({ emails, phones }, { invited: ticket !== null });
      const clientId = await client();
      const row: SignUpRow = {
        id: newId('sua', t),
        client_id: clientId,
        status: 'missing_requirements',
        email_address: null,
        phone_number: null,
        username: null,
        first_name: null,
        last_name: null,
        password_digest: null,
        unsafe_metadata: null,
        legal_accepted_at: null,
        email_verified_at: null,
        phone_verified_at: null,
        ticket,
        created_user_id: null,
        created_session_id: null,
        abandon_at: t + ATTEMPT_LIFETIME_MS,
        created_at: t,
        updated_at: t,
        ...fields,
        // The invitation went to this address: following its link proves the address.
        ...(invitedEmail ? { email_verified_at: t } : {}),
      };
      await transaction(db, async (tx) => {
        await lockClient(tx, clientId);
        await insertSignUp(tx, row);
        await updateClient(tx, clientId, { sign_up_id: row.id, updated_at: t });
      });
      return completeIfReady(row, auth, activity);
    },

    async update(clientId: string, id: string, input: SignUpFields, activity?: RequestActivity): Promise<SignUpRow> {
      const auth = await settings();
      const current = await get(clientId, id);
      if (current.status !== 'missing_requirements') throw new ApiError({ code: 'verification_already_verified', longMessage: 'This sign-up is already complete.' });
      const fields = await columns(input, auth, current);
      if (current.ticket && fields.email_address !== undefined && fields.email_address !== current.email_address) {
        throw new ApiError({ code: 'form_param_value_invalid', longMessage: 'An invited sign-up keeps the invited address.', paramName: 'email_address' });
      }
      const row = await transaction(db, async (tx) => {
        const locked = await lockSignUp(tx, id);
        if (!locked || locked.status !== 'missing_requirements') throw notFound();
        const patch = { ...fields, updated_at: now() };
        await updateSignUp(tx, id, patch);
        return { ...locked, ...patch };
      });
      return completeIfReady(row, auth, activity);
    },

    /**
     * Sends the code that proves the address (`email_code`) or number (`phone_code`), or an e-mail link
     * (`email_link`, whose landing page sends the browser to `redirectUrl`, already checked by the caller).
     */
    async prepareVerification(clientId: string, id: string, strategy: string, redirectUrl: string | null = null): Promise<SignUpRow> {
      const row = await get(clientId, id);
      const slot = strategy === 'email_code' || strategy === 'email_link' ? 'email_address' : strategy === 'phone_code' ? 'phone_number' : null;
      if (!slot) throw new ApiError({ code: 'form_param_value_invalid', longMessage: 'strategy must be email_code, email_link or phone_code.', paramName: 'strategy' });
      if (slot === 'email_address' && !(await settings()).email_address.verification.includes(strategy as 'email_code' | 'email_link')) {
        throw new ApiError({ code: 'form_param_value_invalid', longMessage: `This application does not verify e-mail addresses with ${strategy === 'email_link' ? 'links' : 'codes'}.`, paramName: 'strategy' });
      }
      const target = slot === 'email_address' ? row.email_address : row.phone_number;
      if (!target) throw new ApiError({ code: 'form_param_missing', longMessage: `Give the ${slot.replace('_', ' ')} first.`, paramName: slot });
      let sent = false;
      await transaction(db, async (tx) => {
        const locked = await lockSignUp(tx, id);
        if (!locked || locked.status !== 'missing_requirements') throw new ApiError({ code: 'verification_already_verified', longMessage: 'This sign-up is already complete.' });
        if (strategy === 'email_link') {
          const token = await verifications.issueLink(tx, { ownerId: id, slot, strategy, identificationId: null, target, redirectUrl });
          sent = true;
          await messaging.enqueueTemplated(tx, {
            type: 'email',
            slug: 'magic_link_sign_up',
            to: target,
            data: { magic_link: deps.linkUrl(token), ttl_minutes: CODE_TTL_MS / 60_000, user: { first_name: row.first_name, last_name: row.last_name } },
          });
          return;
        }
        const code = await verifications.issue(tx, { ownerId: id, slot, strategy, identificationId: null, target });
        if (code !== null) {
          sent = true;
          await messaging.enqueueTemplated(tx, {
            type: slot === 'email_address' ? 'email' : 'sms',
            slug: 'verification_code',
            to: target,
            data: { otp_code: code, ttl_minutes: CODE_TTL_MS / 60_000, user: { first_name: row.first_name, last_name: row.last_name } },
          });
        }
      });
      if (sent) messaging.wake();
      return get(clientId, id);
    },

    /**
     * An e-mail link of this attempt was opened (the verification is already marked, in `tx`): the
     * address counts as verified. Null when the attempt is no longer collecting (the caller rolls back).
     */
    async verifiedByLink(tx: Tx, id: string): Promise<SignUpRow | null> {
      const locked = await lockSignUp(tx, id);
      if (!locked || locked.status !== 'missing_requirements' || locked.abandon_at <= now()) return null;
      const patch = { email_verified_at: now(), updated_at: now() };
      await updateSignUp(tx, id, patch);
      return { ...locked, ...patch };
    },

    /** After `verifiedByLink` committed: creates the user and the session if nothing else is missing. */
    async completeAfterLink(id: string): Promise<SignUpRow | null> {
      const row = await findSignUp(db, id);
      return row ? completeIfReady(row, await settings(), undefined, 'email_link') : null;
    },

    async attemptVerification(clientId: string, id: string, input: { strategy: string; code?: string | undefined }, activity?: RequestActivity): Promise<SignUpRow> {
      const auth = await settings();
      const slot = input.strategy === 'email_code' ? 'email_address' : input.strategy === 'phone_code' ? 'phone_number' : null;
      if (!slot) throw new ApiError({ code: 'form_param_value_invalid', longMessage: 'strategy must be email_code or phone_code.', paramName: 'strategy' });
      await get(clientId, id);
      const result = await transaction(db, async (tx) => {
        const locked = await lockSignUp(tx, id);
        if (!locked || locked.status !== 'missing_requirements') return { error: new ApiError({ code: 'verification_already_verified', longMessage: 'This sign-up is already complete.' }) };
        const outcome = await verifications.attempt(tx, { ownerId: id, slot, strategy: input.strategy, code: input.code ?? '' });
        if (!outcome.ok) return { error: outcome.error };
        const patch = { ...(slot === 'email_address' ? { email_verified_at: now() } : { phone_verified_at: now() }), updated_at: now() };
        await updateSignUp(tx, id, patch);
        return { row: { ...locked, ...patch } };
      });
      if ('error' in result) throw result.error;
      return completeIfReady(result.row, auth, activity);
    },
  };
}

export type SignUpsService = ReturnType<typeof createSignUpsService>;
