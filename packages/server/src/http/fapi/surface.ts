/**
 * The Frontend API surface: the caller is a browser (its client, from the `__client` cookie or a dev
 * browser id) rather than a secret key; bodies are forms; results travel in `{ response, client }` so the
 * SDK can replace its whole client state after every change.
 */
import type { ClientJSON } from '@latch/core';
import type { Context } from 'hono';
import { getCookie } from 'hono/cookie';
import { ApiError } from '../../errors.js';
import type { ClientRow } from '../../domains/clients/repository.js';
import type { ClientsService, ClientView } from '../../domains/clients/service.js';
import type { SignInClient } from '../../domains/sign-ins/service.js';
import type { Tx } from '../../storage/database.js';
import { createRouter, type Router, type Surface } from '../router.js';
import { CLIENT_COOKIE } from './cookies.js';
import { readFormBody } from './transport.js';

/**
 * `client` (the default): any browser, with or without a client yet. `session`: the request must name
 * a live session of its client (`_clerk_session_id`, or the client's last active one).
 */
export type FapiAuth = 'client' | 'session';

/** Who is calling the Frontend API, and what the response must tell the browser. */
export class FapiCaller {
  /** A token minted during this request, to be written as the client cookie (or `Clerk-Db-Jwt`). */
  issuedToken: string | null = null;
  /** The client's sign-in state changed: the response refreshes `__client_uat`. */
  authChanged = false;
  /** The client was destroyed: the response clears the cookie. */
  destroyed = false;
  /** The client was created by this request (undone if the request is refused). */
  createdClient = false;
  /**
   * The client exactly as this request wrote it, when the request knows it whole (a sign-in on a client
   * it created): the response shows it without reading it back.
   */
  shownFromWrites: ClientView | null = null;
  /** The client as this request's response showed it (so the cookies need not load it again). */
  shownClient: ClientJSON | null = null;
  /**
   * Writes the cookies this request's changes call for (set by the app). Called before a successful
   * response's body is built, so the response is made once with all its headers: a header added to a
   * finished response makes Hono copy it into a stream-backed one, which costs more than the handler.
   */
  writeHeaders: ((c: Context) => Promise<void>) | null = null;

  constructor(
    public client: ClientRow | null,
    /** How the client was identified: its cookie, a dev browser id in the URL, or not at all. */
    readonly via: 'cookie' | 'dev_browser' | null,
    /** The session the request names (`_clerk_session_id`), if any. */
    readonly requestedSessionId: string | null,
    private readonly clients: ClientsService,
  ) {}

  /** The caller's client, created on first need (sign-in, sign-up, `POST /client`). */
  async ensureClient(): Promise<ClientRow> {
    if (this.client) return this.client;
    const { client, token } = await this.clients.create();
    this.client = client;
    this.issuedToken = token;
    this.createdClient = true;
    return client;
  }

  /**
   * The client for a sign-in: the caller's, locked inside the sign-in's transaction, or a new one
   * inserted by it (so the client, the attempt and the session commit together).
   */
  signInClient(): SignInClient {
    return {
      exists: this.client !== null,
      ensure: async () => (await this.ensureClient()).id,
      inTx: async (tx: Tx) => {
        if (this.client) {
          const locked = await this.clients.lockInTx(tx, this.client.id);
          if (!locked) throw new ApiError({ code: 'signed_out', longMessage: 'The client is gone.' });
          return { client: locked, created: false };
        }
        const { client, token } = this.clients.draft();
        await this.clients.insertInTx(tx, client);
        // Set before the commit: if the transaction fails, the refused request discards the client (a no-op).
        this.client = client;
        this.issuedToken = token;
        this.createdClient = true;
        return { client, created: true };
      },
    };
  }

  /**
   * Marks a change of who is signed in: the response refreshes `__client_uat`, and the client gets a new
   * token so one planted before sign-in (session fixation) is worthless after it.
   */
  async signedIn(): Promise<void> {
    this.authChanged = true;
    // A client made by this very request already has a token nobody else has seen.
    if (this.client && !this.createdClient) this.issuedToken = await this.clients.rotateToken(this.client.id);
  }

  /** The caller's client, or a 401 that makes the SDK fetch a fresh client. */
  requireClient(): ClientRow {
    if (!this.client) throw new ApiError({ code: 'signed_out', longMessage: 'This browser has no client; sign in first.' });
    return this.client;
  }
}

export type FapiRouter = Router<FapiCaller, FapiAuth>;

export function createFapiRouter(): FapiRouter {
  return createRouter<FapiCaller, FapiAuth>();
}

/** How a handler's result is written. */
export class FapiResult {
  private constructor(
    readonly value: unknown,
    readonly mode: 'envelope' | 'bare' | 'client' | 'redirect' | 'page',
    readonly status: number,
  ) {}

  /** `{ response: value, client }`: the default for a plain return value. */
  static enveloped(value: unknown, status = 200): FapiResult {
    return new FapiResult(value, 'envelope', status);
  }

  /** The value itself (environment, tokens, dev browser). */
  static bare(value: unknown, status = 200): FapiResult {
    return new FapiResult(value, 'bare', status);
  }

  /** A 303 to `url` (a link's landing page sending the browser on). */
  static redirect(url: string): FapiResult {
    return new FapiResult(url, 'redirect', 303);
  }

  /** A small HTML page, for a person who opened a link with nowhere to be sent. */
  static page(html: string, status = 200): FapiResult {
    return new FapiResult(html, 'page', status);
  }

  /** `{ response: <the client>, client: null }` (`/client` itself). */
  static client(): FapiResult {
    return new FapiResult(null, 'client', 200);
  }
}

export interface FapiSurfaceDeps {
  clients: ClientsService;
  /** The wire form of a client after this request's changes (`known`: as the request wrote it, not read back). */
  clientJSON(clientId: string, c: Context, known: ClientView | null): Promise<ClientJSON | null>;
}

const CALLER = 'fapiCaller';

/** The caller the guard identified for this request (for the app's cookie writer), if any. */
export function callerOf(c: Context): FapiCaller | undefined {
  return c.get(CALLER as never) as FapiCaller | undefined;
}

export function fapiSurface({ clients, clientJSON }: FapiSurfaceDeps): Surface<FapiCaller, FapiAuth> {
  return {
    async guard(c) {
      const devBrowser = c.req.query('__clerk_db_jwt');
      const cookie = getCookie(c, CLIENT_COOKIE);
      let client: ClientRow | null = null;
      let via: FapiCaller['via'] = null;
      if (devBrowser) {
        client = await clients.identify(devBrowser);
        if (!client) throw new ApiError({ code: 'dev_browser_unauthenticated', longMessage: 'The dev browser is unknown or expired; create a new one.' });
        via = 'dev_browser';
      } else if (cookie) {
        client = await clients.identify(cookie);
        via = 'cookie';
      }
      const caller = new FapiCaller(client, via, c.req.query('_clerk_session_id') || null, clients);
      c.set(CALLER as never, caller as never);
      return caller;
    },
    decode: readFormBody,
    async respond(c, result, caller) {
      const r = result instanceof FapiResult ? result : FapiResult.enveloped(result);
      if (r.mode === 'bare' || r.mode === 'redirect' || r.mode === 'page') {
        if (r.status < 400) await caller.writeHeaders?.(c);
        if (r.mode === 'bare') return c.json(r.value as object, r.status as 200);
        if (r.mode === 'redirect') return c.redirect(r.value as string, 303);
        return c.html(r.value as string, r.status as 200);
      }
      const known = caller.shownFromWrites && caller.client && caller.shownFromWrites.client.id === caller.client.id ? caller.shownFromWrites : null;
      const client = caller.client && !caller.destroyed ? await clientJSON(caller.client.id, c, known) : null;
      caller.shownClient = client;
      if (r.status < 400) await caller.writeHeaders?.(c);
      if (r.mode === 'client') return c.json({ response: client, client: null });
      return c.json({ response: r.value ?? null, client }, r.status as 200);
    },
    openapiSecurity: () => [],
  };
}
