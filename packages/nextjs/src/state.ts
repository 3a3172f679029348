/**
 * How the middleware hands a request's authentication to `auth()` and `getAuth(req)`: request headers
 * that only `latchMiddleware()` writes (it drops any that arrive from outside), the session token signed
 * with an HMAC of the secret key so that a request which never passed through the middleware cannot claim
 * to be signed in. Reading them costs no network call and no signature check of the token itself: the
 * middleware verified it.
 */
import { createHmac, timingSafeEqual } from 'node:crypto';
import { decodeJwt, latchConfigFromEnv, signedInAuth, signedOutAuth, createLatchClient, type Auth, type LatchClient, type LatchConfig } from '@latch/backend';

export const H = {
  status: 'x-latch-auth-status',
  reason: 'x-latch-auth-reason',
  token: 'x-latch-auth-token',
  signature: 'x-latch-auth-signature',
  url: 'x-latch-auth-url',
} as const;

export const AUTH_HEADERS: readonly string[] = Object.values(H);

let config: LatchConfig | null = null;
let client: LatchClient | null = null;

/** The configuration from the environment, read once (a missing or malformed variable throws, naming it). */
export function latchConfig(): LatchConfig {
  return (config ??= latchConfigFromEnv(process.env));
}

/** The Backend API client of this app, made on first use from the configuration. */
export function latchClientInstance(): LatchClient {
  if (!client) {
    const c = latchConfig();
    client = createLatchClient({ secretKey: c.secretKey, apiUrl: c.apiUrl, publishableKey: c.publishableKey, frontendApiUrl: c.frontendApiUrl, ...(c.jwtKey ? { jwtKey: c.jwtKey } : {}) });
  }
  return client;
}

let configuredSignInUrl: string | null = null;

/** `latchMiddleware(…, { signInUrl })`: wins over the environment for this process. */
export function setSignInUrl(url: string): void {
  configuredSignInUrl = url;
}

/**
 * Where signed-out visitors are sent: the middleware's `signInUrl` option, else
 * `NEXT_PUBLIC_LATCH_SIGN_IN_URL` / `LATCH_SIGN_IN_URL`, default `/sign-in`.
 */
export function signInUrl(): string {
  return configuredSignInUrl || process.env.NEXT_PUBLIC_LATCH_SIGN_IN_URL || process.env.LATCH_SIGN_IN_URL || '/sign-in';
}

export function signToken(token: string, secretKey: string): string {
  return createHmac('sha256', secretKey).update(`latch-auth\n${token}`).digest('base64url');
}

function signatureValid(token: string, signature: string, secretKey: string): boolean {
  const want = Buffer.from(signToken(token, secretKey));
  const got = Buffer.from(signature);
  return want.length === got.length && timingSafeEqual(want, got);
}

export type HeaderSource = (name: string) => string | null | undefined;

export class MiddlewareMissingError extends Error {
  override readonly name = 'LatchMiddlewareMissingError';
  constructor(helper: string) {
    super(
      `${helper} was called on a request that latchMiddleware() did not see. Export it from proxy.ts (or middleware.ts) at the root of the app, ` +
        `with a matcher that covers this route, e.g. export default latchMiddleware(); export const config = { matcher: ['/((?!_next|.*\\\\..*).*)', '/(api|trpc)(.*)'] }.`,
    );
  }
}

/** The Auth of a request from the middleware's headers; throws when the middleware did not run. */
export function authFromHeaders(get: HeaderSource, helper: string): Auth {
  const status = get(H.status);
  if (!status) throw new MiddlewareMissingError(helper);
  if (status !== 'signed-in') return signedOutAuth();
  const token = get(H.token) ?? '';
  const signature = get(H.signature) ?? '';
  if (!token || !signature || !signatureValid(token, signature, latchConfig().secretKey)) return signedOutAuth();
  const client = latchClientInstance();
  return signedInAuth(decodeJwt(token).payload, token, async (sessionId, template) => (await client.sessions.getToken(sessionId, template)).jwt);
}
