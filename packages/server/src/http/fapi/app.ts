/**
 * The Frontend API as its own Hono app, mounted by the main app under `/fapi`. Browsers reach it through
 * the official SDK's `proxyUrl` (`<public url>/fapi`), so every path is `/fapi/v1/…`. Around the routes:
 * method tunnelling, CORS with credentials for allowed origins (errors included, or the SDK cannot show
 * them), the Origin check on cookie-authenticated mutations, and the cookies a response must carry.
 */
import { Hono, type Context } from 'hono';
import type { Logger } from 'pino';
import { errorEnvelope, errorResponse, notFoundError } from '../error-response.js';
import { newTraceId } from '../trace.js';
import { resolveClientIp } from './activity.js';
import { hasBody } from '../router.js';
import { bodyConsumed } from '../body.js';
import { clearClientCookie, clientUatOf, cookieSuffix, writeClientCookie, writeClientUat, type CookieOptions } from './cookies.js';
import { callerOf, type FapiCaller, type FapiRouter, type FapiAuth } from './surface.js';
import type { Surface } from '../router.js';
import { installedBundleResolver, mountBundles, type BundleResolver } from './bundles.js';
import { checkOrigin, originAllowed, untunnel, type OriginPolicy } from './transport.js';

type Env = { Variables: { traceId: string } };

export interface FapiAppDeps {
  router: FapiRouter;
  surface: Surface<FapiCaller, FapiAuth>;
  logger: Logger;
  /** Origins allowed to call with credentials (read per request: settings can change at run time). */
  originPolicy(): Promise<OriginPolicy>;
  publishableKey: string;
  cookies: CookieOptions;
  /** Seconds of the client's `updated_at` for `__client_uat`, or 0 when nobody is signed in on it. */
  clientUat(clientId: string): Promise<number>;
  /** The instance's public signing keys. */
  jwks(): Promise<unknown>;
  /** Take the caller's address from `X-Forwarded-For`. */
  trustProxy: boolean;
  /** Forgets a client created by a request that was then refused. */
  discardClient(clientId: string): Promise<void>;
  /** `GET /fapi/v1/client/handshake` (a redirect, outside the router's envelopes). */
  handshake(c: Context): Promise<Response>;
  /** Where the official browser bundles are found; default: the packages installed beside the server. */
  bundles?: BundleResolver;
}

const ALLOWED_HEADERS = 'Content-Type, Authorization, X-Requested-With';
const ALLOWED_METHODS = 'GET, POST, PATCH, PUT, DELETE, OPTIONS';
/** The response headers a page's script may read (`Access-Control-Expose-Headers`). */
export const EXPOSED_HEADERS = 'Clerk-Db-Jwt, X-Latch-Trace-Id';

function corsHeaders(c: Context, origin: string): void {
  c.header('Access-Control-Allow-Origin', origin);
  c.header('Access-Control-Allow-Credentials', 'true');
  c.header('Access-Control-Expose-Headers', EXPOSED_HEADERS);
  c.header('Vary', 'Origin', { append: true });
}

export function createFapiApp(deps: FapiAppDeps): { fetch(request: Request, env?: unknown): Response | Promise<Response> } {
  const { router, surface, logger, originPolicy, publishableKey, cookies, clientUat, jwks, trustProxy, discardClient, handshake, bundles = installedBundleResolver() } = deps;
  const suffix = cookieSuffix(publishableKey);
  const app = new Hono<Env>();
  const written = new WeakSet<FapiCaller>();

  /** The client cookie, `Clerk-Db-Jwt` and `__client_uat` that the caller's changes call for; once per request. */
  async function writeCallerHeaders(c: Context, caller: FapiCaller): Promise<void> {
    if (written.has(caller)) return;
    written.add(caller);
    if (caller.destroyed) {
      clearClientCookie(c, cookies);
      writeClientUat(c, 0, suffix, cookies);
      return;
    }
    if (caller.issuedToken) {
      if (caller.via === 'dev_browser') c.header('Clerk-Db-Jwt', caller.issuedToken);
      else writeClientCookie(c, caller.issuedToken, cookies);
    }
    if (caller.authChanged && caller.client) {
      const shown = caller.shownClient;
      // From the client the response already holds, when it has it.
      const uat = shown && shown.id === caller.client.id ? clientUatOf(shown.sessions.length, shown.updated_at) : await clientUat(caller.client.id);
      writeClientUat(c, uat, suffix, cookies);
    }
  }

  app.use('*', async (c, next) => {
    const traceId = newTraceId();
    c.set('traceId', traceId);
    resolveClientIp(c, trustProxy);
    c.header('x-latch-trace-id', traceId);
    c.header('Cache-Control', 'no-store');
    const origin = c.req.header('origin');
    const policy = await originPolicy();
    const allowed = origin !== undefined && originAllowed(policy, origin);
    if (c.req.method === 'OPTIONS') {
      if (!allowed) return c.body(null, 403);
      corsHeaders(c, origin);
      c.header('Access-Control-Allow-Methods', ALLOWED_METHODS);
      c.header('Access-Control-Allow-Headers', c.req.header('access-control-request-headers') ?? ALLOWED_HEADERS);
      c.header('Access-Control-Max-Age', '600');
      return c.body(null, 204);
    }
    if (allowed) corsHeaders(c, origin);
    await next();
    const caller = callerOf(c);
    if (caller?.createdClient && caller.client && c.res.status >= 400) {
      // A refused request leaves nothing behind, not even the client it started.
      await discardClient(caller.client.id);
      caller.client = null;
      caller.issuedToken = null;
      caller.authChanged = false;
    }
    // Normally written by the surface before the body; here for responses it did not write.
    if (caller) await writeCallerHeaders(c, caller);
    if (hasBody(c) && !bodyConsumed(c)) c.res.headers.set('Connection', 'close');
  });


  app.onError((err, c) => errorResponse(c, err, c.get('traceId'), logger));
  app.notFound((c) => errorEnvelope(c, notFoundError(c), c.get('traceId')));

  const guarded: Surface<FapiCaller, FapiAuth> = {
    ...surface,
    async guard(c, auth) {
      const caller = await surface.guard(c, auth);
      caller.writeHeaders = (ctx) => writeCallerHeaders(ctx, caller);
      checkOrigin(c, await originPolicy(), caller.via === 'cookie');
      return caller;
    },
  };
  app.get('/fapi/v1/client/handshake', (c) => handshake(c));
  // The official browser bundles, from the packages installed beside the server (optional).
  mountBundles(app, bundles);
  router.mount(app as never, '/fapi/v1', guarded);
  // The public keys at the Frontend API's well-known address too (what a JWKS-by-issuer lookup finds).
  app.get('/fapi/.well-known/jwks.json', async (c) => {
    c.header('Cache-Control', 'public, max-age=300');
    return c.json(await jwks());
  });

  // `env` carries the Node adapter's bindings (the connection), so the caller's address is known.
  return { fetch: (request: Request, env?: unknown) => app.fetch(untunnel(request), env) };
}
