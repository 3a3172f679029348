/**
 * `createLatchClient`: the Backend API's sub-APIs plus `verifyToken` and `authenticateRequest` bound to
 * the same configuration, so a framework layer (Express, Next.js, a fetch handler) is a few lines over it.
 */
import { createBackendApi, type BackendApi } from './api.js';
import { authenticateRequest, type AuthenticateRequestOptions, type RequestState } from './authenticate.js';
import { loadLatchConfig } from './config.js';
import { LatchConfigError } from './errors.js';
import { verifyToken, type JwtPayload, type VerifyTokenOptions } from './jwt.js';
import { buildRequester, type RequestOptions } from './request.js';

export interface LatchClientOptions extends Partial<RequestOptions> {
  secretKey: string;
  /** The Latch server, e.g. `https://auth.example.com` (the Backend API is at `<apiUrl>/v1`). */
  apiUrl: string;
  /** Needed by `authenticateRequest`. */
  publishableKey?: string;
  /** Where the handshake goes; default `<apiUrl>/fapi`. */
  frontendApiUrl?: string;
  /** PEM of the signing key: verification without any JWKS call. */
  jwtKey?: string;
  /** Accepted `azp` values for every verification (your app's origins). */
  authorizedParties?: string[];
  clockSkewInMs?: number;
  jwksCacheTtlMs?: number;
  jwksRefetchIntervalMs?: number;
}

export type LatchClient = BackendApi & {
  /** Verifies a session token offline (jwtKey, else the cached JWKS); throws TokenVerificationError. */
  verifyToken(token: string, options?: Partial<VerifyTokenOptions>): Promise<JwtPayload>;
  /** Authenticates a fetch Request by the cookie contract; see `authenticateRequest`. */
  authenticateRequest(request: Request, options?: Partial<AuthenticateRequestOptions>): Promise<RequestState>;
  /** The options this client was made with (the secret key included: keep it on the server). */
  readonly options: Readonly<LatchClientOptions>;
};

/**
 * @example
 * const latch = createLatchClient({ secretKey: process.env.LATCH_SECRET_KEY!, apiUrl: 'https://auth.example.com' });
 * const user = await latch.users.updateUser(userId, { firstName: 'John', lastName: 'Wick' });
 */
export function createLatchClient(options: LatchClientOptions): LatchClient {
  if (!options || typeof options.secretKey !== 'string' || options.secretKey === '') throw new LatchConfigError('secretKey', 'createLatchClient needs a secretKey (LATCH_SECRET_KEY).');
  if (typeof options.apiUrl !== 'string' || !/^https?:\/\//.test(options.apiUrl)) throw new LatchConfigError('apiUrl', `createLatchClient needs an http(s) apiUrl (LATCH_API_URL), got ${JSON.stringify(options.apiUrl)}.`);
  const api = createBackendApi(buildRequester(options));
  const verifyDefaults: VerifyTokenOptions = {
    secretKey: options.secretKey,
    apiUrl: options.apiUrl,
    apiVersion: options.apiVersion,
    jwtKey: options.jwtKey,
    authorizedParties: options.authorizedParties,
    clockSkewInMs: options.clockSkewInMs,
    jwksCacheTtlMs: options.jwksCacheTtlMs,
    jwksRefetchIntervalMs: options.jwksRefetchIntervalMs,
    fetch: options.fetch,
  };
  const templateToken = async (sessionId: string, template: string) => (await api.sessions.getToken(sessionId, template)).jwt;
  return {
    ...api,
    options,
    verifyToken: (token, overrides = {}) => verifyToken(token, { ...verifyDefaults, ...overrides }),
    authenticateRequest: (request, overrides = {}) =>
      authenticateRequest(request, {
        ...verifyDefaults,
        publishableKey: options.publishableKey ?? '',
        frontendApiUrl: options.frontendApiUrl ?? `${options.apiUrl.replace(/\/+$/, '')}/fapi`,
        getHandshakePayload: api.clients.getHandshakePayload,
        templateToken,
        ...overrides,
      }),
  };
}

/** A client configured from the environment (`LATCH_SECRET_KEY`, `LATCH_API_URL`, …), read once. */
export function createLatchClientFromEnv(overrides: Partial<LatchClientOptions> = {}): LatchClient {
  const c = loadLatchConfig();
  return createLatchClient({
    secretKey: c.secretKey,
    apiUrl: c.apiUrl,
    publishableKey: c.publishableKey,
    frontendApiUrl: c.frontendApiUrl,
    ...(c.jwtKey ? { jwtKey: c.jwtKey } : {}),
    ...overrides,
  });
}
