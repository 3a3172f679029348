/**
 * `authenticateRequest(request)` for any framework with a fetch `Request` (Hono, Remix / React Router,
 * Bun, Deno, workers, and the Express and Next.js layers built on this): the same cookie contract as the
 * official SDKs, so either browser SDK works with either server SDK.
 *
 * - A token in `Authorization` (`Bearer <jwt>` or the bare JWT) wins; cookies are not read then.
 * - Cookies: `__session` (the session token) and `__client_uat` (seconds of the client's last sign-in
 *   change; 0 = signed out), or their `_<suffix>` names (suffix: 8 characters of base64url SHA-1 of the
 *   publishable key) when the plain `__session` was issued by another instance. Development instances
 *   (`pk_test_`) also need the dev-browser marker `__clerk_db_jwt`.
 * - Missing, inconsistent or expired cookies on a document GET send the browser through the Frontend
 *   API's handshake (`/v1/client/handshake`), which comes back with a nonce (resolved with the Backend API)
 *   or a signed token carrying the cookies to set. Anything else (POST, fetch, RSC) is signed out with the
 *   reason. Three handshakes in a row (`__clerk_redirect_count`) stop the loop.
 *
 * The result is tagged: `signed-in` (with `toAuth()`), `signed-out` (with a `reason`) or `handshake`
 * (answer with `response`, a 307 that carries the cookies). Copy `headers` onto your own response in the
 * other two cases: they may hold cookies from a resolved handshake.
 */
import { createHash } from 'node:crypto';
import { decodePublishableKey, type InstanceType } from '@latch/core';
import { signedInAuth, signedOutAuth, type SignedInAuth, type SignedOutAuth } from './auth-object.js';
import { LatchConfigError, TokenVerificationError, TokenVerificationErrorReason as R } from './errors.js';
import { checkClaims, decodeJwt, verifySignature, verifyToken, type DecodedJwt, type JwtPayload, type VerifyTokenOptions } from './jwt.js';
import { API_VERSION_HEADER } from './request.js';
import type { HandshakePayload } from './resources.js';

export const AuthErrorReason = {
  ClientUATWithoutSessionToken: 'client-uat-but-no-session-token',
  DevBrowserMissing: 'dev-browser-missing',
  DevBrowserSync: 'dev-browser-sync',
  SessionTokenAndUATMissing: 'session-token-and-uat-missing',
  SessionTokenMissing: 'session-token-missing',
  SessionTokenExpired: 'session-token-expired',
  SessionTokenIATBeforeClientUAT: 'session-token-iat-before-client-uat',
  SessionTokenNBF: 'session-token-nbf',
  SessionTokenIatInTheFuture: 'session-token-iat-in-the-future',
  SessionTokenWithoutClientUAT: 'session-token-but-no-client-uat',
  UnexpectedError: 'unexpected-error',
} as const;
export type AuthErrorReason = (typeof AuthErrorReason)[keyof typeof AuthErrorReason];
/** Why a request is not signed in: a rule of the cookie contract, or why its token was refused. */
export type AuthReason = AuthErrorReason | R | `${AuthErrorReason}-refresh-${string}`;

export interface AuthenticateRequestOptions extends VerifyTokenOptions {
  /** The instance's publishable key (`pk_live_…` / `pk_test_…`). */
  publishableKey: string;
  /**
   * The Frontend API base the handshake goes to, e.g. `https://auth.example.com/fapi`. Default:
   * `<apiUrl>/fapi`, else `https://<publishable key host>`.
   */
  frontendApiUrl?: string | undefined;
  /** Resolves a handshake nonce (`GET /v1/clients/handshake_payload`); built from secretKey + apiUrl when absent. */
  getHandshakePayload?: ((params: { nonce: string }) => Promise<HandshakePayload>) | undefined;
  /** Mints a JWT-template token for `toAuth().getToken({ template })`. */
  templateToken?: ((sessionId: string, template: string) => Promise<string>) | undefined;
}

interface StateBase {
  /** Headers for the response: Set-Cookie from a resolved handshake, the redirect of a handshake. */
  headers: Headers;
}

export interface SignedInState extends StateBase {
  status: 'signed-in';
  reason: null;
  message: null;
  isAuthenticated: true;
  token: string;
  claims: JwtPayload;
  toAuth(): SignedInAuth;
}

export interface SignedOutState extends StateBase {
  status: 'signed-out';
  reason: AuthReason;
  message: string;
  isAuthenticated: false;
  token: null;
  claims: null;
  toAuth(): SignedOutAuth;
}

export interface HandshakeState extends StateBase {
  status: 'handshake';
  reason: AuthReason;
  message: string;
  isAuthenticated: false;
  token: null;
  claims: null;
  /** The 307 to answer with (to the Frontend API, or back to the page once cookies are set). */
  readonly response: Response;
  toAuth(): null;
}

export type RequestState = SignedInState | SignedOutState | HandshakeState;

export const Cookies = {
  Session: '__session',
  ClientUat: '__client_uat',
  DevBrowser: '__clerk_db_jwt',
  Handshake: '__clerk_handshake',
  HandshakeNonce: '__clerk_handshake_nonce',
  RedirectCount: '__clerk_redirect_count',
} as const;

const suffixes = new Map<string, string>();

/** The cookie-name suffix of a publishable key: 8 characters of base64url SHA-1 of the key. */
export function cookieSuffix(publishableKey: string): string {
  let s = suffixes.get(publishableKey);
  if (!s) {
    s = createHash('sha1').update(publishableKey).digest('base64url').slice(0, 8);
    suffixes.set(publishableKey, s);
  }
  return s;
}

/** The cookies of a `Cookie` header by name (the first of a repeated name wins; `%xx` decoded when present). */
export function parseCookies(header: string | null): Map<string, string> {
  const out = new Map<string, string>();
  if (!header) return out;
  let i = 0;
  const n = header.length;
  while (i < n) {
    let end = header.indexOf(';', i);
    if (end < 0) end = n;
    const eq = header.indexOf('=', i);
    if (eq > i && eq < end) {
      const name = header.slice(i, eq).trim();
      if (name && !out.has(name)) {
        let value = header.slice(eq + 1, end).trim();
        if (value.length > 1 && value.charCodeAt(0) === 34 && value.charCodeAt(value.length - 1) === 34) value = value.slice(1, -1);
        if (value.includes('%')) {
          try {
            value = decodeURIComponent(value);
          } catch {
            // Not percent-encoding after all: kept as it is.
          }
        }
        out.set(name, value);
      }
    }
    i = end + 1;
  }
  return out;
}

interface Decoded {
  instanceType: InstanceType;
  frontendApi: string;
}
const decodedKeys = new Map<string, Decoded>();

function decodeKey(publishableKey: string): Decoded {
  let d = decodedKeys.get(publishableKey);
  if (!d) {
    const decoded = publishableKey ? decodePublishableKey(publishableKey) : null;
    if (!decoded) throw new LatchConfigError('publishableKey', `The publishable key ${publishableKey ? `"${publishableKey}" ` : ''}is missing or malformed (expected pk_test_… or pk_live_…; LATCH_PUBLISHABLE_KEY).`);
    d = decoded;
    decodedKeys.set(publishableKey, d);
  }
  return d;
}

/** Decodes without checking; null when it is not a JWT. */
function tryDecode(token: string): DecodedJwt | null {
  if (!token) return null;
  try {
    return decodeJwt(token);
  } catch {
    return null;
  }
}

const TO_HANDSHAKE: Partial<Record<string, AuthErrorReason>> = {
  [R.TokenExpired]: AuthErrorReason.SessionTokenExpired,
  [R.TokenNotActiveYet]: AuthErrorReason.SessionTokenNBF,
  [R.TokenIatInTheFuture]: AuthErrorReason.SessionTokenIatInTheFuture,
};

/** Authenticates a fetch `Request`; see the module comment for the rules. */
export async function authenticateRequest(request: Request, opts: AuthenticateRequestOptions): Promise<RequestState> {
  const { instanceType, frontendApi } = decodeKey(opts.publishableKey);
  // Most requests carry no query: the URL is parsed only when there is one (or a redirect is built).
  const query = request.url.includes('?') ? new URL(request.url).searchParams : null;
  const h = request.headers;
  const cookies = parseCookies(h.get('cookie'));
  const suffix = cookieSuffix(opts.publishableKey);
  const suffixed = (name: string) => cookies.get(`${name}_${suffix}`);
  const method = request.method.toUpperCase();
  const secFetchDest = h.get('sec-fetch-dest');
  const accept = h.get('accept');
  const eligible = method === 'GET' && (secFetchDest === 'document' || secFetchDest === 'iframe' || (!secFetchDest && (accept?.startsWith('text/html') ?? false)));
  const redirectCount = Number.parseInt(cookies.get(Cookies.RedirectCount) ?? '0', 10) || 0;
  const devBrowser = query?.get(Cookies.DevBrowser) || suffixed(Cookies.DevBrowser) || cookies.get(Cookies.DevBrowser) || '';

  // Which cookies: plain, or suffixed when the plain session token belongs to another instance.
  const plainSession = cookies.get(Cookies.Session) ?? '';
  const suffixedSession = suffixed(Cookies.Session) ?? '';
  const plainUat = cookies.get(Cookies.ClientUat);
  const suffixedUat = suffixed(Cookies.ClientUat);
  // Decoded once here, for the choice of cookies and for the checks below.
  const plainDecoded = tryDecode(plainSession);
  const suffixedDecoded = tryDecode(suffixedSession);
  const useSuffixed = usesSuffixedCookies({ plainSession, suffixedSession, plain: plainDecoded?.payload ?? null, sfx: suffixedDecoded?.payload ?? null, plainUat, suffixedUat, frontendApi, instanceType });
  const sessionCookie = (useSuffixed ? suffixedSession : plainSession) || undefined;
  const clientUat = Number.parseInt((useSuffixed ? suffixedUat : plainUat) ?? '0', 10) || 0;

  const auth = authHeader(h.get('authorization'));

  function signedOut(reason: AuthReason, message = '', headers = new Headers()): SignedOutState {
    headers.set('x-clerk-auth-status', 'signed-out');
    headers.set('x-clerk-auth-reason', reason);
    return { status: 'signed-out', reason, message, isAuthenticated: false, token: null, claims: null, headers, toAuth: signedOutAuth };
  }
  function signedIn(token: string, claims: JwtPayload, given?: Headers): SignedInState {
    let memo: SignedInAuth | null = null;
    // Most signed-in requests have no headers to add: the Headers object is made on first use.
    let headers = given;
    return {
      status: 'signed-in',
      reason: null,
      message: null,
      isAuthenticated: true,
      token,
      claims,
      get headers() {
        return (headers ??= new Headers());
      },
      toAuth: () => (memo ??= signedInAuth(claims, token, opts.templateToken)),
    };
  }
  function handshakeState(reason: AuthReason, message: string, headers: Headers): HandshakeState {
    headers.set('x-clerk-auth-status', 'handshake');
    headers.set('x-clerk-auth-reason', reason);
    headers.set('Cache-Control', 'no-store');
    let res: Response | null = null;
    return {
      status: 'handshake',
      reason,
      message,
      isAuthenticated: false,
      token: null,
      claims: null,
      headers,
      get response() {
        return (res ??= new Response(null, { status: 307, headers }));
      },
      toAuth: () => null,
    };
  }
  function maybeHandshake(reason: AuthReason, message = ''): RequestState {
    if (!eligible) return signedOut(reason, message);
    if (redirectCount >= 3) return signedOut(reason, `${message ? `${message} ` : ''}Three handshakes in a row: check that the publishable and secret keys belong to the same instance.`.trim());
    const headers = new Headers();
    headers.set('Location', handshakeUrl(reason));
    headers.append('Set-Cookie', `${Cookies.RedirectCount}=${redirectCount + 1}; SameSite=Lax; HttpOnly; Max-Age=2`);
    return handshakeState(reason, message, headers);
  }
  function handshakeUrl(reason: AuthReason): string {
    const back = new URL(request.url);
    back.searchParams.delete(Cookies.DevBrowser);
    const base = (opts.frontendApiUrl ?? (opts.apiUrl ? `${opts.apiUrl.replace(/\/+$/, '')}/fapi` : frontendApi.startsWith('http') ? frontendApi : `https://${frontendApi}`)).replace(/\/+$/, '');
    const target = new URL(`${base}/v1/client/handshake`);
    target.searchParams.set('redirect_url', back.href);
    target.searchParams.set('__clerk_api_version', API_VERSION_HEADER);
    target.searchParams.set('suffixed_cookies', String(useSuffixed));
    target.searchParams.set('__clerk_hs_reason', reason);
    target.searchParams.set('format', 'nonce');
    const current = sessionCookie ?? auth;
    if (current) target.searchParams.set(Cookies.Session, current);
    if (instanceType === 'development' && devBrowser) target.searchParams.set(Cookies.DevBrowser, devBrowser);
    return target.href;
  }
  function tokenError(err: unknown): RequestState {
    if (!(err instanceof TokenVerificationError)) return signedOut(AuthErrorReason.UnexpectedError, (err as Error)?.message ?? '');
    const base = TO_HANDSHAKE[err.reason];
    if (base) return maybeHandshake(`${base}-refresh-${method !== 'GET' ? 'non-eligible-non-get' : 'non-eligible-no-refresh-cookie'}`, err.message);
    return signedOut(err.reason, err.message);
  }

  // 1. A token in the Authorization header.
  if (auth) {
    try {
      return signedIn(auth, await verifyToken(auth, opts));
    } catch (err) {
      return tokenError(err);
    }
  }

  // 2. A handshake coming back: the nonce or the token carries the cookies to set.
  const nonce = query?.get(Cookies.HandshakeNonce) || cookies.get(Cookies.HandshakeNonce);
  const hsToken = query?.get(Cookies.Handshake) || cookies.get(Cookies.Handshake);
  if (nonce || hsToken) {
    const resolved = await resolveHandshake(nonce, hsToken).catch(() => null);
    if (resolved) return resolved;
    // An unusable handshake (an old nonce, say) falls back to the cookies.
  }

  // 3. Development instances need the dev-browser marker.
  if (instanceType === 'development' && query?.has(Cookies.DevBrowser)) return maybeHandshake(AuthErrorReason.DevBrowserSync);
  if (instanceType === 'development' && !devBrowser) return maybeHandshake(AuthErrorReason.DevBrowserMissing);

  // 4. The cookies must agree with each other.
  if (!clientUat && !sessionCookie) return signedOut(AuthErrorReason.SessionTokenAndUATMissing);
  if (!clientUat && sessionCookie) return maybeHandshake(AuthErrorReason.SessionTokenWithoutClientUAT);
  if (clientUat && !sessionCookie) return maybeHandshake(AuthErrorReason.ClientUATWithoutSessionToken);
  const token = sessionCookie as string;
  let decoded = useSuffixed ? suffixedDecoded : plainDecoded;
  if (!decoded) {
    try {
      decoded = decodeJwt(token);
    } catch (err) {
      return tokenError(err);
    }
  }
  if (typeof decoded.payload.iat === 'number' && decoded.payload.iat < clientUat) return maybeHandshake(AuthErrorReason.SessionTokenIATBeforeClientUAT);
  try {
    await verifySignature(decoded, opts);
    checkClaims(decoded.payload, opts);
    return signedIn(token, decoded.payload);
  } catch (err) {
    return tokenError(err);
  }

  async function resolveHandshake(nonceValue: string | undefined | null, tokenValue: string | undefined | null): Promise<RequestState> {
    let directives: string[];
    if (nonceValue) {
      const get = opts.getHandshakePayload ?? defaultPayloadGetter(opts);
      directives = (await get({ nonce: nonceValue })).directives;
    } else {
      const d = decodeJwt(tokenValue as string);
      await verifySignature(d, opts);
      const list = (d.payload as { handshake?: unknown }).handshake;
      if (!Array.isArray(list)) throw new TokenVerificationError(R.TokenInvalid, 'The handshake token carries no cookies.');
      directives = list.filter((x): x is string => typeof x === 'string');
    }
    const headers = new Headers();
    let session = '';
    for (const directive of directives) {
      headers.append('Set-Cookie', directive);
      const eq = directive.indexOf('=');
      const name = directive.slice(0, eq).trim();
      if (name.startsWith(Cookies.Session) && !session) session = directive.slice(eq + 1).split(';')[0]?.trim() ?? '';
    }
    if (instanceType === 'development') {
      // Development: once the cookies are set, back to the page without the handshake parameters.
      const clean = new URL(request.url);
      for (const p of [Cookies.Handshake, Cookies.HandshakeNonce, Cookies.DevBrowser, '__clerk_help']) clean.searchParams.delete(p);
      headers.set('Location', clean.href);
      return handshakeState(session ? AuthErrorReason.DevBrowserSync : AuthErrorReason.SessionTokenMissing, '', headers);
    }
    if (!session) return signedOut(AuthErrorReason.SessionTokenMissing, 'The handshake signed this browser out.', headers);
    return signedIn(session, await verifyToken(session, opts), headers);
  }
}

function authHeader(value: string | null): string | undefined {
  if (!value) return undefined;
  const v = value.trim();
  if (v.startsWith('Bearer ')) return v.slice(7).trim() || undefined;
  return v.split('.').length === 3 && !v.includes(' ') ? v : undefined;
}

function usesSuffixedCookies(c: {
  plainSession: string;
  suffixedSession: string;
  plain: JwtPayload | null;
  sfx: JwtPayload | null;
  plainUat: string | undefined;
  suffixedUat: string | undefined;
  frontendApi: string;
  instanceType: InstanceType;
}): boolean {
  const { plain, sfx } = c;
  if (c.plainSession && !plain?.iss) return false;
  if (c.plainSession && typeof plain?.iss === 'string' && plain.iss.replace(/^https?:\/\//i, '') !== c.frontendApi) return true;
  if (!c.suffixedUat && !c.suffixedSession) return false;
  if (c.suffixedUat !== '0' && c.plainUat !== '0' && (plain?.iat ?? 0) > (sfx?.iat ?? 0)) return false;
  if (c.suffixedUat === '0' && c.plainUat !== '0') return false;
  if (c.instanceType !== 'production' && c.suffixedUat !== '0' && c.plainUat === '0' && sfx && sfx.exp <= Math.floor(Date.now() / 1000)) return false;
  if (!c.suffixedUat && c.suffixedSession) return false;
  return true;
}

function defaultPayloadGetter(opts: AuthenticateRequestOptions): (p: { nonce: string }) => Promise<HandshakePayload> {
  return async ({ nonce }) => {
    if (!opts.secretKey || !opts.apiUrl) throw new LatchConfigError('secretKey', 'Resolving a handshake nonce needs secretKey and apiUrl (LATCH_SECRET_KEY, LATCH_API_URL).');
    const res = await (opts.fetch ?? globalThis.fetch)(`${opts.apiUrl.replace(/\/+$/, '')}/${opts.apiVersion ?? 'v1'}/clients/handshake_payload?nonce=${encodeURIComponent(nonce)}`, {
      headers: { Authorization: `Bearer ${opts.secretKey}` },
    });
    if (!res.ok) throw new Error(`handshake_payload answered ${res.status}`);
    return (await res.json()) as HandshakePayload;
  };
}
