/**
 * `@latch/nextjs/api`: Pages Router API-route helpers in the older SDK's shape, thin wrappers over
 * `getAuth(req)`. `requireAuth(handler)` answers 401 (the error envelope) when nobody is signed in and
 * otherwise calls `handler` with `req.auth` set (`userId`, `sessionId`, `orgId`, …, and `claims`, every
 * claim of the session token with the version-1 organization names `org_id`, `org_role`, `org_slug`
 * filled in). `withAuth(handler)` sets `req.auth` without refusing anyone. The Backend API's sub-APIs
 * (`users`, `organizations`, …) are exported by name, as that SDK did.
 */
import type { IncomingMessage, ServerResponse } from 'node:http';
import type { NextApiRequest, NextApiResponse } from 'next';
import type { JwtPayload, SignedInAuth, SignedOutAuth } from '@latch/backend';
import { getAuth, latchClient } from './server.js';

/** Session-token claims with the version-1 organization names (`org_role` without the `org:` prefix). */
export type LegacyClaims = JwtPayload & { org_id?: string; org_role?: string; org_slug?: string; [claim: string]: unknown };

export type LegacyAuth = (Omit<SignedInAuth, 'claims'> & { claims: LegacyClaims }) | (Omit<SignedOutAuth, 'claims'> & { claims: Partial<LegacyClaims> });

/** The claims with `org_id` / `org_role` / `org_slug` filled in from a version-2 token's `o` claim. */
export function legacyClaims(claims: JwtPayload | null): LegacyClaims | Partial<LegacyClaims> {
  if (!claims) return {};
  const out: LegacyClaims = { ...claims };
  const o = claims.o;
  if (o && typeof o === 'object') {
    out.org_id ??= o.id;
    out.org_role ??= o.rol;
    out.org_slug ??= o.slg;
  }
  if (typeof out.org_role === 'string') out.org_role = out.org_role.replace(/^org:/, '');
  return out;
}

export function legacyAuth(req: { headers: IncomingMessage['headers'] | Headers }): LegacyAuth {
  const a = getAuth(req);
  return { ...a, claims: legacyClaims(a.claims) } as LegacyAuth;
}

export type WithAuthProp<T> = T & { auth: LegacyAuth };
export type RequireAuthProp<T> = T & { auth: Extract<LegacyAuth, { isAuthenticated: true }> };

type Req = IncomingMessage & { headers: IncomingMessage['headers'] };

/** Calls `handler` with `req.auth` for signed-in requests; others get 401 with the error envelope. */
export function requireAuth<Q extends Req = NextApiRequest, S extends ServerResponse = NextApiResponse>(handler: (req: RequireAuthProp<Q>, res: S) => unknown): (req: Q, res: S) => Promise<void> {
  return async (req, res) => {
    const a = legacyAuth(req);
    if (!a.isAuthenticated) {
      res.statusCode = 401;
      res.setHeader('content-type', 'application/json');
      res.end(JSON.stringify({ errors: [{ code: 'authentication_invalid', message: 'Unauthenticated', long_message: 'You must be signed in to call this route.' }] }));
      return;
    }
    (req as RequireAuthProp<Q>).auth = a;
    await handler(req as RequireAuthProp<Q>, res);
  };
}

/** Calls `handler` with `req.auth`, signed in or not. */
export function withAuth<Q extends Req = NextApiRequest, S extends ServerResponse = NextApiResponse>(handler: (req: WithAuthProp<Q>, res: S) => unknown): (req: Q, res: S) => Promise<void> {
  return async (req, res) => {
    (req as WithAuthProp<Q>).auth = legacyAuth(req);
    await handler(req as WithAuthProp<Q>, res);
  };
}

type Client = ReturnType<typeof latchClient>;

function subApi<K extends keyof Client>(name: K): Client[K] {
  return new Proxy({} as Client[K] & object, {
    get: (_t, prop) => {
      const api = latchClient()[name] as Record<PropertyKey, unknown>;
      const v = api[prop];
      return typeof v === 'function' ? (v as (...a: unknown[]) => unknown).bind(api) : v;
    },
  });
}

export const users = subApi('users');
export const organizations = subApi('organizations');
export const sessions = subApi('sessions');
export const clients = subApi('clients');
export const invitations = subApi('invitations');
export const emailAddresses = subApi('emailAddresses');
export const phoneNumbers = subApi('phoneNumbers');
export const allowlistIdentifiers = subApi('allowlistIdentifiers');
export { latchClient, getAuth };
