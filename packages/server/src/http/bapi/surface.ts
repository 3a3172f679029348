/**
 * The Backend API surface: callers authenticate with a secret key, bodies are JSON, results are written
 * as they are (no envelope around a success).
 */
import type { Context } from 'hono';
import { ApiError } from '../../errors.js';
import type { KeyService } from '../../domains/keys/service.js';
import { createRouter, readJsonBody, type Router, type Surface } from '../router.js';

/** `secret` (the default): a valid secret key is required. `none`: anyone (the JWKS). */
export type BapiAuth = 'secret' | 'none';

/** Who calls the Backend API: the instance's operator, through one of its secret keys, or nobody in particular. */
export type BapiPrincipal = { kind: 'instance'; keyId: string } | { kind: 'anonymous' };

export type BapiRouter = Router<BapiPrincipal, BapiAuth>;

/** An empty Backend API router; domains add their routes, the app mounts it under `/v1`. */
export function createBapiRouter(): BapiRouter {
  return createRouter<BapiPrincipal, BapiAuth>();
}

/** Secret key → the instance principal, or a coded 401. */
export async function secretKeyGuard(keys: KeyService, c: Context): Promise<BapiPrincipal> {
  const header = c.req.header('authorization');
  if (!header) {
    throw new ApiError({ code: 'authentication_invalid', longMessage: 'Send your secret key as "Authorization: Bearer sk_…".' });
  }
  const match = /^Bearer\s+(\S+)$/i.exec(header.trim());
  const presented = match ? match[1] : header.trim();
  const result = await keys.check(presented ?? '');
  if (result.status === 'valid') return { kind: 'instance', keyId: result.keyId };
  if (result.status === 'malformed') {
    throw new ApiError({ code: 'authentication_invalid', longMessage: 'The Authorization header does not carry a secret key.' });
  }
  throw new ApiError({
    code: 'clerk_key_invalid',
    message: 'Secret key invalid',
    longMessage:
      result.status === 'revoked' ? 'The secret key has been revoked.' : 'The provided secret key is invalid. Make sure that your secret key is correct.',
  });
}

const ANONYMOUS: BapiPrincipal = { kind: 'anonymous' };

export function bapiSurface(keys: KeyService): Surface<BapiPrincipal, BapiAuth> {
  return {
    guard: (c, auth) => (auth === 'none' ? ANONYMOUS : secretKeyGuard(keys, c)),
    decode: readJsonBody,
    respond: (c, result) => c.json(result as object),
    openapiSecurity: (auth) => (auth === 'none' ? [] : undefined),
  };
}
