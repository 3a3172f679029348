/**
 * Errors this SDK throws: a coded Backend API error (the server's envelope, as the official SDK's
 * `ClerkAPIResponseError` exposes it), a session-token verification failure with a reason, and a
 * configuration error naming the variable at fault.
 */

/** One entry of an error envelope, camelCased. */
export interface LatchAPIError {
  code: string;
  message: string;
  longMessage?: string;
  meta?: { paramName?: string; sessionId?: string; emailAddresses?: string[]; identifiers?: string[]; [key: string]: unknown };
}

/**
 * A non-2xx answer of the Backend API (or a transport failure, with `status` 0 and code `network_error`).
 *
 * @example
 * try { await latch.users.getUser(id) } catch (err) {
 *   if (isLatchAPIResponseError(err) && err.errors[0]?.code === 'resource_not_found') return null;
 *   throw err;
 * }
 */
export class LatchAPIResponseError extends Error {
  override readonly name = 'LatchAPIResponseError';
  /** Always `api_response_error`, as the official SDK's error; the server's codes are in `errors`. */
  readonly code = 'api_response_error';
  readonly status: number;
  readonly errors: LatchAPIError[];
  /** The server's trace id for this request (`clerk_trace_id` in the body, or the `X-Latch-Trace-Id` header). */
  readonly clerkTraceId: string;
  /** Seconds the server asked to wait before trying again (`Retry-After`), when it said so. */
  readonly retryAfter: number | undefined;

  constructor(init: { status: number; statusText: string; errors: LatchAPIError[]; traceId: string; retryAfter?: number | undefined }) {
    const first = init.errors[0];
    super(first ? `${init.status} ${first.code}: ${first.longMessage ?? first.message}` : `${init.status} ${init.statusText}`.trim());
    this.status = init.status;
    this.errors = init.errors;
    this.clerkTraceId = init.traceId;
    this.retryAfter = init.retryAfter;
  }

  /** Same as `clerkTraceId`. */
  get traceId(): string {
    return this.clerkTraceId;
  }
}

export function isLatchAPIResponseError(err: unknown): err is LatchAPIResponseError {
  return err instanceof LatchAPIResponseError;
}

/** Why a session token was refused, spelled as the official SDK spells it. */
export const TokenVerificationErrorReason = {
  TokenExpired: 'token-expired',
  TokenInvalid: 'token-invalid',
  TokenInvalidAlgorithm: 'token-invalid-algorithm',
  TokenInvalidAuthorizedParties: 'token-invalid-authorized-parties',
  TokenInvalidIssuer: 'token-invalid-issuer',
  TokenInvalidSignature: 'token-invalid-signature',
  TokenNotActiveYet: 'token-not-active-yet',
  TokenIatInTheFuture: 'token-iat-in-the-future',
  TokenVerificationFailed: 'token-verification-failed',
  InvalidSecretKey: 'secret-key-invalid',
  LocalJWKMissing: 'jwk-local-missing',
  RemoteJWKFailedToLoad: 'jwk-remote-failed-to-load',
  RemoteJWKInvalid: 'jwk-remote-invalid',
  JWKFailedToResolve: 'jwk-failed-to-resolve',
  JWKKidMismatch: 'jwk-kid-mismatch',
} as const;
export type TokenVerificationErrorReason = (typeof TokenVerificationErrorReason)[keyof typeof TokenVerificationErrorReason];

export class TokenVerificationError extends Error {
  override readonly name = 'TokenVerificationError';
  constructor(
    readonly reason: TokenVerificationErrorReason,
    message: string,
  ) {
    super(message);
  }
}

/** A configuration value is missing or malformed; the message names the variable (or option). */
export class LatchConfigError extends Error {
  override readonly name = 'LatchConfigError';
  constructor(
    readonly variable: string,
    message: string,
  ) {
    super(message);
  }
}
