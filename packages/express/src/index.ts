/**
 * @latch/express — Latch for Express 4 and 5, a thin layer over `@latch/backend`:
 *
 * - `latchMiddleware(options?)` authenticates every request by the official cookie contract (or a Bearer
 *   token), sends document requests with stale cookies through the Frontend API's handshake (a 307), and
 *   sets `req.auth`: `userId`, `sessionId`, `orgId`, `orgRole`, `orgSlug`, `orgPermissions`, `claims`,
 *   `has()`, `getToken()`;
 * - `requireAuth(options?)` lets signed-in requests through; a signed-out API request gets a 401 with the
 *   error envelope, a signed-out page request a redirect to the sign-in page when one is configured;
 * - `getAuth(req)` reads `req.auth` (and says plainly when no middleware ran);
 * - `latchClient`, the Backend API client configured from the environment on first use, usable as
 *   `latchClient.users.updateUser(…)` and `latchClient().users.updateUser(…)`.
 */
import type { Request, RequestHandler, Response } from 'express';
import { ERROR_CODE_INFO } from '@latch/core';
import {
  applyHeaders,
  createLatchClient,
  latchConfigFromEnv,
  requestFromNode,
  type Auth,
  type AuthReason,
  type LatchClient,
  type LatchClientOptions,
  type RequestState,
} from '@latch/backend';

export type { Auth, SignedInAuth, SignedOutAuth, HasParams, LatchClient, RequestState } from '@latch/backend';

declare global {
  // eslint-disable-next-line @typescript-eslint/no-namespace
  namespace Express {
    interface Request {
      /** Set by `latchMiddleware()` / `requireAuth()`: who is signed in (every field null when nobody is). */
      auth?: Auth;
    }
  }
}

/** An Express request after `latchMiddleware()` or `requireAuth()`. */
export type RequestWithAuth = Request & { auth: Auth };

export interface LatchMiddlewareOptions extends Partial<LatchClientOptions> {
  /** The client to authenticate with; default: one built from these options over the environment. */
  latchClient?: LatchClient;
  /** Take the scheme and host from `X-Forwarded-Proto` / `X-Forwarded-Host` (behind a proxy you trust). */
  trustProxy?: boolean;
}

export interface RequireAuthOptions extends LatchMiddlewareOptions {
  /**
   * Where a signed-out page request (a GET for HTML) is sent, with `redirect_url` set to the page.
   * Default: `LATCH_SIGN_IN_URL`; with neither, pages get the 401 too.
   */
  signInUrl?: string;
  /** Decides which requests are pages (redirected) rather than API calls (401). Default: a GET/HEAD asking for HTML. */
  isPageRequest?: (req: Request) => boolean;
}

const STATE = Symbol.for('@latch/express.state');
type Decorated = Request & { [STATE]?: RequestState };

let defaultClient: LatchClient | null = null;

function optionsFromEnv(publishable: boolean): LatchClientOptions {
  const c = latchConfigFromEnv(process.env, { publishable });
  return { secretKey: c.secretKey, apiUrl: c.apiUrl, publishableKey: c.publishableKey, frontendApiUrl: c.frontendApiUrl, ...(c.jwtKey ? { jwtKey: c.jwtKey } : {}) };
}

function envClient(): LatchClient {
  defaultClient ??= createLatchClient(optionsFromEnv(true));
  return defaultClient;
}

/** The client a middleware uses: the one given, the environment's, or the options over the environment (made on first use). */
function clientFor(options: RequireAuthOptions): () => LatchClient {
  const { latchClient: given, trustProxy: _trustProxy, signInUrl: _signInUrl, isPageRequest: _isPage, ...overrides } = options;
  if (given) return () => given;
  const set = Object.fromEntries(Object.entries(overrides).filter(([, v]) => v !== undefined)) as Partial<LatchClientOptions>;
  if (Object.keys(set).length === 0) return envClient;
  let made: LatchClient | null = null;
  return () => {
    made ??= createLatchClient(set.secretKey && set.apiUrl ? (set as LatchClientOptions) : { ...optionsFromEnv(!set.publishableKey), ...set });
    return made;
  };
}

/** Authenticates `req` once (later calls reuse the result); `null` when the response was already sent (a handshake). */
async function authenticate(req: Decorated, res: Response, client: () => LatchClient, trustProxy: boolean): Promise<Auth | null> {
  const known = req[STATE];
  if (known && req.auth) return req.auth;
  const state = await client().authenticateRequest(requestFromNode(req, { trustProxy }));
  applyHeaders(res, state.headers);
  if (state.status === 'handshake') {
    // The headers carry the Location (the Frontend API, or the page once the cookies are set) and cookies.
    res.status(307).end();
    return null;
  }
  req[STATE] = state;
  const auth = state.toAuth();
  req.auth = auth;
  return auth;
}

/**
 * Authenticates every request and sets `req.auth`. Signed-out requests go on (with every field null);
 * a document GET whose cookies are missing, inconsistent or expired is answered with the handshake redirect.
 *
 * @example
 * app.use(latchMiddleware());
 * app.get('/me', (req, res) => res.json({ userId: req.auth.userId }));
 */
export function latchMiddleware(options: LatchMiddlewareOptions = {}): RequestHandler {
  const client = clientFor(options);
  const trustProxy = options.trustProxy ?? false;
  return (req, res, next) => {
    authenticate(req, res, client, trustProxy).then((auth) => {
      if (auth) next();
    }, next);
  };
}

function prefersHtml(req: Request): boolean {
  if (req.method !== 'GET' && req.method !== 'HEAD') return false;
  const dest = req.headers['sec-fetch-dest'];
  if (dest) return dest === 'document';
  const accept = String(req.headers.accept ?? '');
  return /\btext\/html\b/.test(accept);
}

/** The 401 body: the Backend API's error envelope, with why the request is signed out. */
export function unauthorizedBody(reason: AuthReason | null): { errors: { code: string; message: string; long_message: string; meta: { reason: string | null } }[] } {
  const code = 'authentication_invalid';
  const message = ERROR_CODE_INFO[code].message;
  return {
    errors: [{ code, message, long_message: `Sign in to continue${reason ? ` (${reason})` : ''}: this request carries no valid session.`, meta: { reason } }],
  };
}

/**
 * Lets signed-in requests through (authenticating them when `latchMiddleware()` did not run before).
 * A signed-out API request gets `401` with the error envelope; a signed-out page request is redirected to
 * `signInUrl` (or `LATCH_SIGN_IN_URL`) with `redirect_url` set to the page, when one is configured.
 *
 * @example
 * app.post('/api/update-user', requireAuth(), async (req, res) => { … req.auth.userId … });
 * app.get('/account', requireAuth({ signInUrl: '/sign-in' }), renderAccount);
 */
export function requireAuth(options: RequireAuthOptions = {}): RequestHandler {
  const client = clientFor(options);
  const trustProxy = options.trustProxy ?? false;
  const isPage = options.isPageRequest ?? prefersHtml;
  return (req, res, next) => {
    authenticate(req, res, client, trustProxy).then((auth) => {
      if (!auth) return;
      if (auth.userId) return next();
      const signInUrl = options.signInUrl ?? process.env.LATCH_SIGN_IN_URL?.trim();
      if (signInUrl && isPage(req)) {
        const here = requestFromNode(req, { trustProxy }).url;
        const target = new URL(signInUrl, here);
        target.searchParams.set('redirect_url', here);
        // Relative sign-in URLs stay relative (same origin); absolute ones are used as given.
        const location = /^https?:\/\//i.test(signInUrl) ? target.toString() : `${target.pathname}${target.search}`;
        res.setHeader('Cache-Control', 'no-store');
        return res.redirect(307, location);
      }
      const state = (req as Decorated)[STATE];
      res.status(401).json(unauthorizedBody(state && state.status === 'signed-out' ? state.reason : null));
    }, next);
  };
}

/**
 * The Auth object of a request that went through `latchMiddleware()` or `requireAuth()`.
 *
 * @example
 * const { userId, orgId } = getAuth(req);
 */
export function getAuth(req: Request): Auth {
  if (!req.auth || !(req as Decorated)[STATE]) {
    throw new Error('getAuth(req): no Latch middleware ran on this request. Add app.use(latchMiddleware()) (or requireAuth()) before this route.');
  }
  return req.auth;
}

/** The request's full authentication result (`signed-in` / `signed-out` with its reason), for logging or diagnostics. */
export function getRequestState(req: Request): RequestState | null {
  return (req as Decorated)[STATE] ?? null;
}

/**
 * The Backend API client from the environment (`LATCH_SECRET_KEY`, `LATCH_API_URL`, …), made on first use.
 * Both forms work: `latchClient.users.getUser(id)` and `latchClient().users.getUser(id)`.
 */
export const latchClient: LatchClient & (() => LatchClient) = new Proxy(function latchClient() {} as unknown as LatchClient & (() => LatchClient), {
  apply: () => envClient(),
  get: (_target, prop) => {
    const c = envClient() as unknown as Record<string | symbol, unknown>;
    return c[prop];
  },
  has: (_target, prop) => prop in envClient(),
});

/** Forgets the client made from the environment (tests, or after changing `process.env`). */
export function resetLatchClient(): void {
  defaultClient = null;
}

export default latchClient;
