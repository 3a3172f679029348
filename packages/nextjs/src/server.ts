/**
 * `@latch/nextjs/server`: Latch for the Next.js server (App Router and Pages Router).
 *
 * - `latchMiddleware()` in `proxy.ts` authenticates every matched request with `@latch/backend`'s
 *   `authenticateRequest` (the official cookie contract), sends document requests with missing or stale
 *   cookies through the handshake once, never redirects anything else (Server Actions, RSC fetches, API
 *   calls are signed out with the reason instead), and hands the result to the page in request headers.
 * - `auth()` (Server Components, Server Actions, Route Handlers) and `getAuth(req)` (Pages API routes,
 *   `getServerSideProps`, `NextRequest` handlers) read those headers: no network call.
 * - `currentUser()` is `auth()` plus one `users.getUser`.
 * - `latchClient` is the Backend API client, both as `latchClient.users…` and `latchClient().users…`.
 */
import type { NextFetchEvent, NextRequest } from 'next/server.js';
import type { Auth, HasParams, LatchClient, SignedInAuth, SignedOutAuth } from '@latch/backend';
import { AUTH_HEADERS, authFromHeaders, H, latchClientInstance, latchConfig, setSignInUrl, signInUrl, signToken, type HeaderSource } from './state.js';

export type { Auth, SignedInAuth, SignedOutAuth, HasParams, LatchClient, User } from '@latch/backend';
export { MiddlewareMissingError } from './state.js';

// ---------------------------------------------------------------------------------------------------
// latchClient

/**
 * The Backend API client, configured from `LATCH_SECRET_KEY` and `LATCH_API_URL` on first use. Works as
 * an object (`latchClient.users.updateUser(…)`) and as a function (`latchClient().organizations.…`, no
 * `await` needed; `await latchClient()` works too).
 */
export const latchClient: LatchClient & (() => LatchClient) = new Proxy(function latchClient() {} as unknown as LatchClient & (() => LatchClient), {
  apply: () => latchClientInstance(),
  get: (_target, prop) => {
    const c = latchClientInstance();
    const value: unknown = Reflect.get(c, prop);
    return typeof value === 'function' ? (value as (...a: unknown[]) => unknown).bind(c) : value;
  },
  has: (_target, prop) => prop in latchClientInstance(),
});

// ---------------------------------------------------------------------------------------------------
// auth() and friends

export interface RedirectToSignInOptions {
  /** Where to come back to after signing in; default the current URL. */
  returnBackUrl?: string | URL | null;
}

export interface ProtectOptions {
  /** Where to send signed-out visitors; default `NEXT_PUBLIC_LATCH_SIGN_IN_URL` or `/sign-in`. */
  unauthenticatedUrl?: string;
  /** Where to send signed-in visitors who fail the check; default a 404. */
  unauthorizedUrl?: string;
}

export type AuthResult = (SignedInAuth | SignedOutAuth) & {
  /** Redirects to the sign-in page (throws Next.js' redirect). */
  redirectToSignIn(options?: RedirectToSignInOptions): never;
  /**
   * Signed-out visitors go to the sign-in page; signed-in ones that fail `params` (a role, a permission,
   * or a predicate over `has`) get a 404 (or `unauthorizedUrl`). Returns the signed-in Auth otherwise.
   */
  protect(params?: HasParams | ((has: (p: HasParams) => boolean) => boolean), options?: ProtectOptions): Promise<SignedInAuth>;
};

function signInTarget(base: string, returnBackUrl: string | URL | null | undefined): string {
  if (returnBackUrl === null) return base;
  if (returnBackUrl === undefined) return base;
  const sep = base.includes('?') ? '&' : '?';
  return `${base}${sep}redirect_url=${encodeURIComponent(String(returnBackUrl))}`;
}

function withHelpers(a: Auth, currentUrl: string | null): AuthResult {
  const redirectToSignIn = (options: RedirectToSignInOptions = {}): never => {
    const back = options.returnBackUrl === undefined ? currentUrl : options.returnBackUrl;
    throw new NavigationSignal('redirect', signInTarget(signInUrl(), back));
  };
  const protect: AuthResult['protect'] = async (params, options = {}) => {
    if (!a.isAuthenticated) {
      const target = options.unauthenticatedUrl ?? signInTarget(signInUrl(), currentUrl);
      throw new NavigationSignal('redirect', target);
    }
    const ok = params === undefined ? true : typeof params === 'function' ? params((p) => a.has(p)) : a.has(params);
    if (!ok) throw options.unauthorizedUrl ? new NavigationSignal('redirect', options.unauthorizedUrl) : new NavigationSignal('not-found', '');
    return a;
  };
  return Object.assign(Object.create(null) as object, a, { redirectToSignIn, protect }) as AuthResult;
}

/**
 * A navigation asked for by `protect()` / `redirectToSignIn()`. In the App Router it becomes Next.js'
 * own `redirect()` / `notFound()`; in the middleware a 307 or a 404.
 */
class NavigationSignal extends Error {
  constructor(
    readonly kind: 'redirect' | 'not-found',
    readonly target: string,
  ) {
    super(kind === 'redirect' ? `Redirect to ${target}` : 'Not found');
  }
}

async function requestHeaders(): Promise<HeaderSource> {
  const { headers } = await import('next/headers.js');
  const h = await headers();
  return (name) => h.get(name);
}

/**
 * Who is signed in on this request (Server Components, Server Actions, Route Handlers).
 *
 * @example
 * const { isAuthenticated, userId, orgId } = await auth()
 */
export async function auth(): Promise<AuthResult> {
  const get = await requestHeaders();
  const nav = await import('next/navigation.js');
  const a = authFromHeaders(get, 'auth()');
  const base = withHelpers(a, get(H.url) ?? null);
  const { redirectToSignIn: toSignIn, protect } = base;
  // protect() and redirectToSignIn() become Next.js' own redirect() / notFound() here.
  const translate = (err: unknown): never => {
    if (err instanceof NavigationSignal) {
      if (err.kind === 'redirect') nav.redirect(err.target);
      nav.notFound();
    }
    throw err;
  };
  return Object.assign(base, {
    redirectToSignIn: (options?: RedirectToSignInOptions): never => {
      try {
        return toSignIn(options);
      } catch (err) {
        return translate(err);
      }
    },
    protect: async (params?: Parameters<AuthResult['protect']>[0], options?: ProtectOptions): Promise<SignedInAuth> => {
      try {
        return await protect(params, options);
      } catch (err) {
        return translate(err);
      }
    },
  });
}

/** `(await auth()).protect(…)` in one call. */
auth.protect = async (params?: Parameters<AuthResult['protect']>[0], options?: ProtectOptions): Promise<SignedInAuth> => (await auth()).protect(params, options);

/**
 * Sends the visitor to the sign-in page, coming back to `returnBackUrl` (default the current URL).
 * For Server Components and Server Actions.
 */
export async function redirectToSignIn(options: RedirectToSignInOptions = {}): Promise<never> {
  const get = await requestHeaders();
  const back = options.returnBackUrl === undefined ? (get(H.url) ?? null) : options.returnBackUrl;
  const { redirect } = await import('next/navigation.js');
  return redirect(signInTarget(signInUrl(), back));
}

/** The signed-in user (one Backend API call), or null when nobody is signed in. */
export async function currentUser(): Promise<Awaited<ReturnType<LatchClient['users']['getUser']>> | null> {
  const { userId } = await auth();
  if (!userId) return null;
  return latchClientInstance().users.getUser(userId);
}

/** Anything with request headers: `NextRequest`, `NextApiRequest`, `IncomingMessage`, a fetch `Request`. */
export type RequestLike = { headers: Headers | Record<string, string | string[] | undefined> };

function headerSource(req: RequestLike): HeaderSource {
  const h = req.headers;
  if (typeof (h as Headers).get === 'function') return (name) => (h as Headers).get(name);
  return (name) => {
    const v = (h as Record<string, string | string[] | undefined>)[name];
    return Array.isArray(v) ? v[0] : v;
  };
}

/**
 * Who is signed in on a request: Pages Router API routes and `getServerSideProps` (`req`), and App Router
 * Route Handlers with a `NextRequest`. Synchronous, no network call.
 */
export function getAuth(req: RequestLike): SignedInAuth | SignedOutAuth {
  return authFromHeaders(headerSource(req), 'getAuth(req)');
}

// ---------------------------------------------------------------------------------------------------
// createRouteMatcher

export type RouteMatcherParam = string | RegExp | ((req: NextRequest) => boolean) | Array<string | RegExp>;

function patternToRegExp(pattern: string): RegExp {
  // Path patterns as the official SDK writes them: '/dashboard(.*)', '/orgs/:slug', '/api/(.*)'.
  const source = pattern
    .split(/(\(.*?\)|:[A-Za-z_][A-Za-z0-9_]*)/)
    .map((part) => {
      if (part.startsWith('(')) return part;
      if (part.startsWith(':')) return '[^/]+';
      return part.replace(/[.*+?^${}|[\]\\]/g, '\\$&');
    })
    .join('');
  return new RegExp(`^${source}/?$`);
}

/**
 * A predicate over requests by path, for the middleware.
 *
 * @example
 * const isProtected = createRouteMatcher(['/dashboard(.*)', '/orgs/:slug/settings'])
 * export default latchMiddleware(async (auth, req) => { if (isProtected(req)) await auth.protect() })
 */
export function createRouteMatcher(routes: RouteMatcherParam): (req: NextRequest | Request) => boolean {
  if (typeof routes === 'function') return (req) => routes(req as NextRequest);
  const list = (Array.isArray(routes) ? routes : [routes]).map((r) => (typeof r === 'string' ? patternToRegExp(r) : r));
  return (req) => {
    const path = (req as NextRequest).nextUrl?.pathname ?? new URL(req.url).pathname;
    return list.some((re) => re.test(path));
  };
}

// ---------------------------------------------------------------------------------------------------
// latchMiddleware

/** `auth` as the middleware handler gets it: `await auth()` and `await auth.protect()`. */
export interface MiddlewareAuth {
  (): Promise<AuthResult>;
  protect(params?: Parameters<AuthResult['protect']>[0], options?: ProtectOptions): Promise<SignedInAuth>;
}

export type LatchMiddlewareHandler = (auth: MiddlewareAuth, request: NextRequest, event: NextFetchEvent) => Response | void | undefined | null | Promise<Response | void | undefined | null>;

export interface LatchMiddlewareOptions {
  /** Accepted `azp` values (your app's origins). */
  authorizedParties?: string[];
  /** PEM of the signing key, instead of `LATCH_JWT_KEY`. */
  jwtKey?: string;
  /** Where `protect()` / `redirectToSignIn()` go; instead of `NEXT_PUBLIC_LATCH_SIGN_IN_URL`. */
  signInUrl?: string;
}

function firstValue(v: string | null): string | undefined {
  return v?.split(',')[0]?.trim() || undefined;
}

/** The request's URL with the scheme and host the browser used (`X-Forwarded-Proto/-Host`, else `Host`). */
function publicUrl(request: NextRequest): string {
  const u = new URL(request.url);
  const host = firstValue(request.headers.get('x-forwarded-host')) ?? firstValue(request.headers.get('host'));
  const given = firstValue(request.headers.get('x-forwarded-proto'));
  const proto = given === 'http' || given === 'https' ? given : u.protocol.slice(0, -1);
  if (!host) return u.href;
  try {
    return new URL(`${u.pathname}${u.search}`, `${proto}://${host}`).href;
  } catch {
    return u.href; // a Host header that is no host: keep Next.js' own URL
  }
}

function isOptions(x: unknown): x is LatchMiddlewareOptions {
  return typeof x === 'object' && x !== null;
}

/** Puts `overrides` into the request headers Next.js gives the page (what `NextResponse.next({ request })` does). */
function overrideRequestHeaders(res: Response, request: Request, overrides: Headers): Response {
  const h = res.headers;
  const existing = h.get('x-middleware-override-headers');
  const names = new Set(existing ? existing.split(',').filter(Boolean) : []);
  if (!existing) {
    // The override replaces the whole header set: carry the request's own headers over.
    request.headers.forEach((value, name) => {
      if (AUTH_HEADERS.includes(name)) return;
      h.set(`x-middleware-request-${name}`, value);
      names.add(name);
    });
  }
  for (const name of AUTH_HEADERS) {
    h.delete(`x-middleware-request-${name}`);
    names.delete(name);
  }
  overrides.forEach((value, name) => {
    h.set(`x-middleware-request-${name}`, value);
    names.add(name);
  });
  h.set('x-middleware-override-headers', [...names].join(','));
  return res;
}

/**
 * The middleware: export it from `proxy.ts` (Next.js 16, Node runtime) or `middleware.ts` with the
 * Node.js runtime.
 *
 * @example
 * // proxy.ts
 * import { latchMiddleware } from '@latch/nextjs/server'
 * export default latchMiddleware()
 * export const config = { matcher: ['/((?!_next|.*\\..*).*)', '/(api|trpc)(.*)'] }
 */
export function latchMiddleware(handlerOrOptions?: LatchMiddlewareHandler | LatchMiddlewareOptions, maybeOptions?: LatchMiddlewareOptions): (request: NextRequest, event: NextFetchEvent) => Promise<Response> {
  const handler = typeof handlerOrOptions === 'function' ? handlerOrOptions : undefined;
  const options: LatchMiddlewareOptions = (isOptions(handlerOrOptions) && typeof handlerOrOptions !== 'function' ? handlerOrOptions : maybeOptions) ?? {};
  // Read the environment once, at start, so a missing variable fails loudly (not while `next build` loads it).
  if (process.env.NEXT_PHASE !== 'phase-production-build') latchConfig();
  if (options.signInUrl) setSignInUrl(options.signInUrl);

  return async (request, event) => {
    const config = latchConfig();
    const client = latchClientInstance();
    // The URL the browser asked for (Next.js reports its own bind address in request.url): where a
    // handshake comes back to and what redirect_url names.
    const url = publicUrl(request);
    const authRequest = url === request.url ? request : new Request(url, { method: request.method, headers: request.headers });
    const state = await client.authenticateRequest(authRequest, {
      ...(options.authorizedParties ? { authorizedParties: options.authorizedParties } : {}),
      ...(options.jwtKey ? { jwtKey: options.jwtKey } : {}),
    });
    if (state.status === 'handshake') return state.response;

    const a = state.toAuth();
    const helpers = withHelpers(a, url);
    const mwAuth = Object.assign(async () => helpers, { protect: helpers.protect }) as MiddlewareAuth;

    let res: Response | null;
    try {
      res = (handler ? await handler(mwAuth, request, event) : null) ?? null;
    } catch (err) {
      if (!(err instanceof NavigationSignal)) throw err;
      const isDocument = request.method === 'GET' && (request.headers.get('sec-fetch-dest') === 'document' || (request.headers.get('accept') ?? '').includes('text/html'));
      if (err.kind === 'redirect' && isDocument) res = new Response(null, { status: 307, headers: { Location: new URL(err.target, url).href } });
      else if (err.kind === 'redirect') res = Response.json({ errors: [{ code: 'authentication_invalid', message: 'Unauthorized', long_message: 'You must be signed in.' }] }, { status: 401 });
      else res = new Response('Not found', { status: 404 });
    }
    if (!res) {
      res = new Response(null, { headers: { 'x-middleware-next': '1' } });
    }

    const pass = new Headers();
    pass.set(H.status, state.status);
    if (state.reason) pass.set(H.reason, state.reason);
    pass.set(H.url, url);
    if (state.status === 'signed-in') {
      pass.set(H.token, state.token);
      pass.set(H.signature, signToken(state.token, config.secretKey));
    }
    overrideRequestHeaders(res, request, pass);
    for (const cookie of state.headers.getSetCookie()) res.headers.append('Set-Cookie', cookie);
    if (state.status === 'signed-out') {
      res.headers.set('x-latch-auth-status', 'signed-out');
      res.headers.set('x-latch-auth-reason', state.reason);
    }
    return res;
  };
}
