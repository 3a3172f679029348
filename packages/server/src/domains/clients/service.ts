/**
 * Clients: a browser or device that signs people in. A client is identified by a random token (the
 * HttpOnly `__client` cookie, or on development instances a dev browser's id) of which only a SHA-256
 * digest is stored. A client holds the sessions signed in on it; the Frontend API returns the whole client
 * after every change so the browser SDK can replace its state.
 */
import { newId, randomToken } from '@latch/core';
import { hashSecret } from '../../crypto/tokens.js';
import { type Db, type Tx, transaction } from '../../storage/database.js';
import type { UserAggregate } from '../users/repository.js';
import { clientByTokenHash, clientStatements, deleteClient, findClient, insertClient, listClients, lockClient, updateClient, type ClientRow } from './repository.js';
import { endLiveSessions, expireSessions, isLiveAt, liveSessionsOfClient, liveSessionsOfClients, type SessionRow } from '../sessions/repository.js';

/** How long a client (its cookie) lives: a year, renewed at every sign-in. */
export const CLIENT_LIFETIME_MS = 365 * 24 * 3600 * 1000;

/** Length of a client token: 48 base62 characters, about 285 bits. */
const TOKEN_LENGTH = 48;

/** The `__client_uat` value of a client: its last change in seconds, or 0 with nobody signed in on it. */
export function clientUatOf(sessionCount: number, updatedAt: number): number {
  return sessionCount > 0 ? Math.floor(updatedAt / 1000) : 0;
}

/** A client with everything its wire form shows. */
export interface ClientView {
  client: ClientRow;
  sessions: { session: SessionRow; user: UserAggregate | null }[];
}

export interface ClientsServiceDeps {
  db: Db;
  /** Users by id with their identifiers (asked of the users domain). */
  loadUsers(ids: string[]): Promise<UserAggregate[]>;
  now?: () => number;
}

export function createClientsService({ db, loadUsers, now = Date.now }: ClientsServiceDeps) {
  const byTokenHash = clientByTokenHash(db);
  const sql = clientStatements(db);
  const service = {
    /** The client a presented token belongs to, or null (unknown, expired, or no token). */
    async identify(token: string | null | undefined): Promise<ClientRow | null> {
      if (!token || token.length > 256) return null;
      return (await byTokenHash(hashSecret(token), now())) ?? null;
    },

    /** A new, empty client and the token that identifies it (shown once, only its digest is stored). */
    async create(): Promise<{ client: ClientRow; token: string }> {
      const made = service.draft();
      await insertClient(db, made.client);
      return made;
    },

    /** A new client's row and token, not yet stored (`insertInTx` stores it with the caller's other writes). */
    draft(): { client: ClientRow; token: string } {
      const t = now();
      const token = randomToken(TOKEN_LENGTH);
      const row: ClientRow = {
        id: newId('client', t),
        token_hash: hashSecret(token),
        last_active_session_id: null,
        last_authentication_strategy: null,
        sign_in_id: null,
        sign_up_id: null,
        expires_at: t + CLIENT_LIFETIME_MS,
        created_at: t,
        updated_at: t,
      };
      return { client: row, token };
    },

    /** Stores a drafted client inside the caller's transaction. */
    async insertInTx(tx: Tx, row: ClientRow): Promise<void> {
      await sql.insert(tx, row);
    },

    /** The client row, locked until the transaction ends (`lockClient`). */
    lockInTx(tx: Tx, clientId: string): Promise<ClientRow | undefined> {
      return sql.lock(tx, clientId);
    },

    /**
     * Gives the client a new token and invalidates the old one (on sign-in, so a token planted before
     * sign-in — session fixation — is worth nothing after it).
     */
    async rotateToken(clientId: string): Promise<string> {
      const token = randomToken(TOKEN_LENGTH);
      const t = now();
      await updateClient(db, clientId, { token_hash: hashSecret(token), expires_at: t + CLIENT_LIFETIME_MS, updated_at: t });
      return token;
    },

    /** The client and its live sessions with their users; null when the client is gone. */
    async view(clientId: string): Promise<ClientView | null> {
      const found = await service.withSessions(clientId);
      if (!found) return null;
      const users = new Map((await loadUsers([...new Set(found.sessions.map((s) => s.user_id))])).map((u) => [u.user.id, u]));
      return { client: found.client, sessions: found.sessions.map((session) => ({ session, user: users.get(session.user_id) ?? null })) };
    },

    /** Clients, newest first, each with its live sessions (Backend API). */
    async list(limit: number, offset: number): Promise<{ rows: { client: ClientRow; sessions: SessionRow[] }[]; total: number }> {
      const { rows, total } = await listClients(db, limit, offset);
      const t = now();
      const sessions = (await liveSessionsOfClients(db, rows.map((r) => r.id))).filter((s) => isLiveAt(s, t));
      return { rows: rows.map((client) => ({ client, sessions: sessions.filter((s) => s.client_id === client.id) })), total };
    },

    /** One client with its live sessions, or null. */
    async withSessions(clientId: string): Promise<{ client: ClientRow; sessions: SessionRow[] } | null> {
      const client = await findClient(db, clientId);
      if (!client) return null;
      const t = now();
      const sessions = await liveSessionsOfClient(db, clientId);
      const live = sessions.filter((s) => isLiveAt(s, t));
      // Sessions past their lifetime or inactivity window are marked so only when there are any: most
      // reads find none and write nothing.
      if (live.length < sessions.length) await expireSessions(db, { clientId }, t);
      return { client, sessions: live };
    },

    /** The users behind sessions, for their wire forms. */
    usersOf(ids: string[]): Promise<UserAggregate[]> {
      return loadUsers(ids);
    },

    /** Ends every session on the client and forgets the client (`DELETE /client`). */
    async destroy(clientId: string): Promise<void> {
      await transaction(db, async (tx) => {
        const client = await lockClient(tx, clientId);
        if (!client) return;
        await endLiveSessions(tx, { clientId }, 'ended', now());
        await deleteClient(tx, clientId);
      });
    },

    /** Signs every session on the client out; the client stays (`DELETE /client/sessions`). */
    async signOutAll(clientId: string): Promise<void> {
      await transaction(db, async (tx) => {
        const client = await lockClient(tx, clientId);
        if (!client) return;
        const t = now();
        await endLiveSessions(tx, { clientId }, 'ended', t);
        await updateClient(tx, clientId, { last_active_session_id: null, updated_at: t });
      });
    },
  };
  return service;
}

export type ClientsService = ReturnType<typeof createClientsService>;
