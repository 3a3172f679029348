/**
 * Sessions: a user signed in on a client. Created by a completed sign-in or sign-up, kept alive by
 * touches, ended by sign-out, revocation, its lifetime or its inactivity timeout. A live session can mint
 * session tokens; one that is not (or whose user is banned) cannot, from the moment the change commits.
 */
import { newId, randomToken } from '@latch/core';
import { type TokenSigner, verifySessionToken } from '../../crypto/session-tokens.js';
import { hashSecret } from '../../crypto/tokens.js';
import { ApiError } from '../../errors.js';
import { type Db, type Tx, transaction } from '../../storage/database.js';
import { type ClientRow, clientStatements, insertClient, lockClient, updateClient } from '../clients/repository.js';
import type { AuthSettings } from '../instance/auth-settings.js';
import { recordActivity, signInState, signInUserStatements, userMaySignIn } from '../users/auth-repository.js';
import {
  endSessionIfLive,
  endLiveSessions,
  expireSessions,
  findSession,
  isLiveAt,
  listSessions,
  LIVE_STATUSES,
  type SessionFilter,
  type SessionRow,
  updateSession,
  sessionById,
  sessionStatements,
} from './repository.js';

/** How long a client made by the Backend API (`POST /sessions`) lives: as long as a browser's. */
const BAPI_CLIENT_LIFETIME_MS = 365 * 24 * 3600 * 1000;

/** Custom claims for a token: a named template's, or (name null) the instance's session-token template. */
export type CustomClaims = (userId: string, templateName: string | null) => Promise<{ claims: Record<string, unknown>; lifetime: number; skew: number } | null>;


/** Where a request came from, recorded on the session at sign-in and touch. */
export interface RequestActivity {
  ipAddress: string | null;
  userAgent: string | null;
  /** Where the address is, when a trusted proxy in front of Latch says so (Latch has no GeoIP database). */
  city?: string | null;
  country?: string | null;
}

/**
 * The claims a token carries about the active organization, asked of the organizations domain (in the
 * naming the instance chose); null when the user is not a member.
 */
export type OrganizationClaims = (userId: string, organizationId: string, naming: 'v2' | 'v1') => Promise<Record<string, unknown> | null>;

export interface SessionsServiceDeps {
  db: Db;
  settings(): Promise<AuthSettings>;
  signer: TokenSigner;
  /** `iss` of every token: the Frontend API's origin as the publishable key names it. */
  issuer: string;
  organizationClaims?: OrganizationClaims;
  /** Template claims (asked of the JWT-templates domain). */
  customClaims?: CustomClaims;
  /** The instance's public keys, to check tokens presented to the Backend API. */
  publicKeys?: () => Promise<readonly object[]>;
  now?: () => number;
}

function notFound(): ApiError {
  return new ApiError({ code: 'resource_not_found', longMessage: 'No session with that id on this client.', paramName: 'session_id' });
}

function browserOf(ua: string | null): { browser_name: string | null; browser_version: string | null; device_type: string | null; is_mobile: boolean } {
  if (!ua) return { browser_name: null, browser_version: null, device_type: null, is_mobile: false };
  const found = /(Edg|OPR|Firefox|Chrome|Safari)\/(\d+(?:\.\d+)?)/.exec(ua);
  const names: Record<string, string> = { Edg: 'Edge', OPR: 'Opera', Firefox: 'Firefox', Chrome: 'Chrome', Safari: 'Safari' };
  const mobile = /Mobi|Android|iPhone|iPad/.test(ua);
  return {
    browser_name: found ? (names[found[1] as string] ?? null) : null,
    browser_version: found ? (found[2] as string) : null,
    device_type: /iPad|Tablet/.test(ua) ? 'tablet' : mobile ? 'mobile' : 'desktop',
    is_mobile: mobile,
  };
}

function activityJSON(a: RequestActivity | undefined): string | null {
  if (!a) return null;
  return JSON.stringify({ ...browserOf(a.userAgent), ip_address: a.ipAddress, city: a.city ?? null, country: a.country ?? null });
}

export function createSessionsService({ db, settings, signer, issuer, organizationClaims, customClaims, publicKeys, now = Date.now }: SessionsServiceDeps) {
  // The reads of every token refresh, compiled once.
  const sessionOf = sessionById(db);
  const signInStateOf = signInState(db);
  // The writes of every sign-in, compiled once.
  const sessionSql = sessionStatements(db);
  const clientSql = clientStatements(db);
  const userSql = signInUserStatements(db);
  function live(s: SessionRow | undefined, clientId: string | null, t: number): s is SessionRow {
    return s !== undefined && (clientId === null || s.client_id === clientId) && isLiveAt(s, t);
  }

  /** Signs a session token (session claims) for a live session. */
  async function mint(s: SessionRow, t: number, auth: AuthSettings, input: { organizationId?: string | null; azp?: string | null; ttlSeconds?: number | undefined }): Promise<string> {
    const ttl = input.ttlSeconds ?? auth.session_token_lifetime_seconds;
    const iat = Math.floor(t / 1000);
    const orgId = input.organizationId === undefined ? s.last_active_organization_id : input.organizationId || null;
    const org = orgId && organizationClaims ? await organizationClaims(s.user_id, orgId, auth.session_token_claims) : null;
    const custom = customClaims ? await customClaims(s.user_id, null) : null;
    const minutes = (at: number | null) => (at === null ? -1 : Math.floor((t - at) / 60_000));
    return signer.sign({
      ...(custom?.claims ?? {}),
      ...(input.azp ? { azp: input.azp } : {}),
      exp: iat + ttl,
      fva: [minutes(s.first_factor_verified_at), minutes(s.second_factor_verified_at)],
      iat,
      iss: issuer,
      nbf: iat - 10,
      ...(org ?? {}),
      sid: s.id,
      sts: s.status,
      sub: s.user_id,
      v: 2,
    });
  }

  return {
    /**
     * Signs `userId` in on the client: a new active session that becomes the client's last active one.
     * In single-session mode the client's other sessions end; a session of the same user always does.
     * Runs inside the caller's transaction so the flow that completed and the session commit together
     * (`auth` is read by the caller before it opens the transaction).
     */
    async createInTx(
      tx: Tx,
      auth: AuthSettings,
      input: {
        clientId: string;
        userId: string;
        strategy: string;
        secondFactor: boolean;
        activity?: RequestActivity;
        /** The client row, already locked (or inserted) by the caller's transaction: not read again. */
        client?: ClientRow;
        /** The client was inserted by this transaction, so it has no sessions to end. */
        fresh?: boolean;
        /** Also sets the client's sign-in in progress (null: the sign-in is done), in the same write. */
        signInId?: string | null;
      },
    ): Promise<SessionRow> {
      const t = now();
      const client = input.client ?? (await clientSql.lock(tx, input.clientId));
      if (!client) throw new ApiError({ code: 'signed_out', longMessage: 'The client is gone.' });
      // One session per client in single-session mode; otherwise signing in again replaces only the user's own.
      if (!input.fresh) await sessionSql.endLive(tx, auth.single_session_mode ? { clientId: input.clientId } : { clientId: input.clientId, userId: input.userId }, 'ended', t);
      const expire = t + auth.session_lifetime_seconds * 1000;
      const row: SessionRow = {
        id: newId('sess', t),
        client_id: input.clientId,
        user_id: input.userId,
        status: 'active',
        last_active_organization_id: null,
        actor: null,
        expire_at: expire,
        abandon_at: auth.session_inactivity_timeout_seconds > 0 ? Math.min(expire, t + auth.session_inactivity_timeout_seconds * 1000) : expire,
        last_active_at: t,
        first_factor_verified_at: t,
        second_factor_verified_at: input.secondFactor ? t : null,
        latest_activity: activityJSON(input.activity),
        created_at: t,
        updated_at: t,
      };
      await sessionSql.insert(tx, row);
      if (input.signInId !== undefined) {
        await clientSql.signedIn(tx, input.clientId, { last_active_session_id: row.id, last_authentication_strategy: input.strategy, sign_in_id: input.signInId, updated_at: t });
      } else {
        await updateClient(tx, input.clientId, { last_active_session_id: row.id, last_authentication_strategy: input.strategy, updated_at: t });
      }
      await userSql.recordSignIn(tx, input.userId, t);
      return row;
    },

    /** A live session of this client, or 404. */
    async getLive(sessionId: string, clientId: string): Promise<SessionRow> {
      const s = await findSession(db, sessionId);
      if (!live(s, clientId, now())) throw notFound();
      return s;
    },

    /**
     * Marks activity on a session and makes it the client's active one; sets (or clears, with null) the
     * active organization, which must be one the user belongs to.
     */
    async touch(sessionId: string, clientId: string, input: { activeOrganizationId?: string | null; activity?: RequestActivity }): Promise<SessionRow> {
      const t = now();
      const auth = await settings();
      const current = await findSession(db, sessionId);
      if (!live(current, clientId, t)) throw notFound();
      const wanted = input.activeOrganizationId;
      if (wanted && organizationClaims && !(await organizationClaims(current.user_id, wanted, 'v2'))) {
        throw new ApiError({ code: 'resource_not_found', longMessage: 'You are not a member of that organization.', paramName: 'active_organization_id' });
      }
      return transaction(db, async (tx) => {
        await lockClient(tx, clientId);
        const s = await findSession(tx, sessionId);
        if (!live(s, clientId, t)) throw notFound();
        const org = wanted === undefined ? s.last_active_organization_id : wanted;
        const abandon = auth.session_inactivity_timeout_seconds > 0 ? Math.min(s.expire_at, t + auth.session_inactivity_timeout_seconds * 1000) : s.abandon_at;
        const patch = { last_active_at: t, abandon_at: abandon, last_active_organization_id: org, updated_at: t, ...(input.activity ? { latest_activity: activityJSON(input.activity) } : {}) };
        await updateSession(tx, s.id, patch);
        await updateClient(tx, clientId, { last_active_session_id: s.id, updated_at: t });
        await recordActivity(tx, s.user_id, t);
        return { ...s, ...patch };
      });
    },

    /** Signs out of one session (`end`: signed out; `remove`: taken off the client's list). */
    async end(sessionId: string, clientId: string, status: 'ended' | 'removed'): Promise<SessionRow> {
      const t = now();
      return transaction(db, async (tx) => {
        const client = await lockClient(tx, clientId);
        const s = await findSession(tx, sessionId);
        if (!client || !s || s.client_id !== clientId) throw notFound();
        await endSessionIfLive(tx, sessionId, status, t);
        if (client.last_active_session_id === sessionId) await updateClient(tx, clientId, { last_active_session_id: null, updated_at: t });
        else await updateClient(tx, clientId, { updated_at: t });
        return { ...s, status: LIVE_STATUSES.includes(s.status) ? status : s.status, updated_at: t };
      });
    },

    /**
     * A session token for a live session whose user may still sign in. `organizationId` (undefined: the
     * session's active one; null or '': none) selects the organization in the claims. With `template`,
     * a token from that JWT template instead (its claims, lifetime and skew; no session claims).
     * `ttlSeconds` overrides the lifetime.
     */
    async token(sessionId: string, clientId: string | null, input: { organizationId?: string | null; azp?: string | null; ttlSeconds?: number | undefined; template?: string | undefined }): Promise<string> {
      const t = now();
      const s = await sessionOf(sessionId);
      const found: SessionRow | undefined = s;
      if (!live(s, clientId, t)) {
        // A browser whose session has ended (revoked, signed out elsewhere, expired) gets a 401, which
        // makes the SDK fetch its client again and show the user signed out.
        if (found && clientId !== null && found.client_id === clientId) {
          throw new ApiError({ code: 'signed_out', longMessage: `The session is ${found.status === 'active' ? 'expired' : found.status}.` });
        }
        // Gone altogether (its user was deleted, on this device or elsewhere): the browser is signed out too.
        if (!found && clientId !== null) throw new ApiError({ code: 'signed_out', longMessage: 'The session no longer exists.' });
        throw notFound();
      }
      const auth = await settings();
      const may = await signInStateOf(s.user_id);
      if (may !== 'ok') throw new ApiError({ code: 'signed_out', longMessage: may === 'missing' ? 'The user no longer exists.' : `The user is ${may}.` });
      const iat = Math.floor(t / 1000);
      if (input.template !== undefined) {
        if (!customClaims) throw new ApiError({ code: 'resource_not_found', longMessage: 'JWT templates are not available.', paramName: 'template_name' });
        const tpl = await customClaims(s.user_id, input.template);
        if (!tpl) throw new ApiError({ code: 'resource_not_found', longMessage: `No JWT template named "${input.template}".`, paramName: 'template_name' });
        // Registered claims last: a template can never override them.
        return signer.sign({
          ...tpl.claims,
          ...(input.azp ? { azp: input.azp } : {}),
          exp: iat + (input.ttlSeconds ?? tpl.lifetime),
          iat,
          iss: issuer,
          jti: randomToken(20),
          nbf: iat - tpl.skew,
          sub: s.user_id,
        });
      }
      return mint(s, t, auth, input);
    },

    /**
     * The token of a session this request has just created and committed, its user checked under the
     * same transaction: signed from the row, without reading it back.
     */
    async tokenOfNew(s: SessionRow, input: { azp?: string | null }): Promise<string> {
      return mint(s, now(), await settings(), input);
    },

    /** Any session by id (Backend API), its status brought up to date with the clock; 404 when unknown. */
    async get(sessionId: string): Promise<SessionRow> {
      const s = await findSession(db, sessionId);
      if (!s) throw notFound();
      if (LIVE_STATUSES.includes(s.status) && (s.expire_at <= now() || s.abandon_at <= now())) {
        await expireSessions(db, { clientId: s.client_id }, now());
        return (await findSession(db, sessionId)) ?? s;
      }
      return s;
    },

    /** Sessions, newest first, filtered by client, user and status. */
    async list(filter: SessionFilter, limit: number, offset: number): Promise<{ rows: SessionRow[]; total: number }> {
      await expireSessions(db, filter, now());
      return listSessions(db, filter, limit, offset);
    },

    /**
     * Signs a user in from the Backend API: a new client (whose token nobody holds) with one active
     * session. The user must exist and may sign in.
     */
    async createForUser(userId: string): Promise<SessionRow> {
      const auth = await settings();
      const t = now();
      return transaction(db, async (tx) => {
        const may = await userMaySignIn(tx, userId);
        if (may === 'missing') throw new ApiError({ code: 'resource_not_found', longMessage: 'No user with that id.', paramName: 'user_id' });
        if (may === 'banned') throw ApiError.of('user_banned', 'This account is banned.', 'user_id');
        if (may === 'locked') throw ApiError.of('user_locked', 'This account is locked.', 'user_id');
        const clientId = newId('client', t);
        await insertClient(tx, {
          id: clientId,
          token_hash: hashSecret(randomToken(48)),
          last_active_session_id: null,
          last_authentication_strategy: null,
          sign_in_id: null,
          sign_up_id: null,
          expires_at: t + BAPI_CLIENT_LIFETIME_MS,
          created_at: t,
          updated_at: t,
        });
        return this.createInTx(tx, auth, { clientId, userId, strategy: 'backend', secondFactor: false });
      });
    },

    /**
     * Revokes a session: it signs nobody in from the moment this commits, and mints no further tokens.
     * A session that is no longer live is returned as it is.
     */
    /**
     * Signs the user out of every session on every client (after a password reset, on request), or of
     * every one but `exceptId` (the session asking, after a password change).
     */
    async endAllOfUser(userId: string, status: 'revoked' | 'ended', exceptId?: string): Promise<void> {
      await endLiveSessions(db, { userId, ...(exceptId ? { exceptId } : {}) }, status, now());
    },

    async revoke(sessionId: string): Promise<SessionRow> {
      const t = now();
      const current = await findSession(db, sessionId);
      if (!current) throw notFound();
      return transaction(db, async (tx) => {
        const client = await lockClient(tx, current.client_id);
        const s = await findSession(tx, sessionId);
        if (!s) throw notFound();
        if (!(await endSessionIfLive(tx, sessionId, 'revoked', t))) return s;
        if (client) await updateClient(tx, client.id, { ...(client.last_active_session_id === sessionId ? { last_active_session_id: null } : {}), updated_at: t });
        return { ...s, status: 'revoked' as const, updated_at: t };
      });
    },

    /** The claims of a session token this instance signed that is still valid, or null. */
    async verifyToken(token: string): Promise<Record<string, unknown> | null> {
      if (!publicKeys) return null;
      return verifySessionToken(token, await publicKeys(), Math.floor(now() / 1000));
    },

    /** Checks that `token` is a valid token of this live session (`POST /sessions/{id}/verify`). */
    async verify(sessionId: string, token: string): Promise<SessionRow> {
      const s = await this.get(sessionId);
      const claims = await this.verifyToken(token);
      if (!claims || claims.sid !== s.id) throw ApiError.of('form_param_value_invalid', 'The token is not a valid token of this session.', 'token');
      if (!live(s, null, now())) throw ApiError.of('form_param_value_invalid', `The session is ${(s as SessionRow).status}.`, 'token');
      return s;
    },
  };
}

export type SessionsService = ReturnType<typeof createSessionsService>;
