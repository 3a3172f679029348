/**
 * Sessions Backend API: `/sessions` (list, create, get, revoke, verify, tokens).
 */
import { z } from 'zod';
import type { BapiRouter } from '../../http/bapi/surface.js';
import { qBool, qInt } from '../../http/validation.js';
import { ERROR_RESPONSES } from '../../http/wire-schemas.js';
import { paginatedJSON } from '../users/serialize.js';
import { backendSessionJSON, SessionSchema, TokenSchema } from './serialize.js';
import type { SessionsService } from './service.js';

const STATUSES = ['active', 'pending', 'revoked', 'ended', 'expired', 'removed', 'abandoned'] as const;

const ListQuery = z.object({
  client_id: z.string().min(1).max(128).optional(),
  user_id: z.string().min(1).max(128).optional(),
  status: z.enum(STATUSES).optional(),
  paginated: qBool().optional(),
  limit: qInt(1, 500).optional(),
  offset: qInt(0, 1e9).optional(),
});

const IdParams = z.object({ session_id: z.string().min(1).max(128) });
const TokenBody = z.object({ expires_in_seconds: z.number().int().min(30).max(315_360_000).nullable().optional() }).strict();

export function registerSessionBackendRoutes(router: BapiRouter, sessions: SessionsService): void {
  const TAGS = ['Sessions'];
  const one = { 200: { description: 'The session', schema: SessionSchema }, ...ERROR_RESPONSES };
  const token = { 200: { description: '`{ object: "token", jwt }`', schema: TokenSchema }, ...ERROR_RESPONSES };

  router.add(
    {
      method: 'get',
      path: '/sessions',
      operationId: 'GetSessionList',
      summary: 'List all sessions',
      description: 'Newest first, filtered by `client_id`, `user_id` and `status`. A plain array, or `{data,total_count}` with `paginated=true` (as the official SDK asks).',
      tags: TAGS,
      query: ListQuery,
      responses: {
        200: { description: 'Sessions', schema: z.union([z.array(SessionSchema), z.object({ data: z.array(SessionSchema), total_count: z.number().int() })]) },
        ...ERROR_RESPONSES,
      },
    },
    async ({ query }) => {
      const { rows, total } = await sessions.list({ clientId: query.client_id, userId: query.user_id, status: query.status }, query.limit ?? 10, query.offset ?? 0);
      const data = rows.map(backendSessionJSON);
      return query.paginated ? paginatedJSON(data, total) : data;
    },
  );
  router.add(
    {
      method: 'post',
      path: '/sessions',
      operationId: 'createSession',
      summary: 'Create a new active session',
      description: 'Signs the user in on a new client of its own (whose cookie nobody holds), for testing and server-side flows. `active_organization_id` is not supported yet.',
      tags: TAGS,
      body: z.object({ user_id: z.string().min(1).max(128) }).strict(),
      responses: one,
    },
    async ({ body }) => backendSessionJSON(await sessions.createForUser(body.user_id)),
  );
  router.add({ method: 'get', path: '/sessions/{session_id}', operationId: 'GetSession', summary: 'Retrieve a session', tags: TAGS, params: IdParams, responses: one }, async ({ params }) =>
    backendSessionJSON(await sessions.get(params.session_id)),
  );
  router.add(
    {
      method: 'post',
      path: '/sessions/{session_id}/revoke',
      operationId: 'RevokeSession',
      summary: 'Revoke a session',
      description: 'The session becomes `revoked`: it signs nobody in and mints no tokens from the moment this returns; tokens already issued die within their lifetime.',
      tags: TAGS,
      params: IdParams,
      responses: one,
    },
    async ({ params }) => backendSessionJSON(await sessions.revoke(params.session_id)),
  );
  router.add(
    {
      method: 'post',
      path: '/sessions/{session_id}/verify',
      operationId: 'VerifySession',
      summary: 'Verify a session',
      description: 'Deprecated by Clerk (absent from the 2025-11-10 specification) but called by the SDK\'s verifySession: checks that `token` is a valid session token of this live session.',
      tags: TAGS,
      params: IdParams,
      body: z.object({ token: z.string().min(1).max(16_384) }).strict(),
      responses: one,
    },
    async ({ params, body }) => backendSessionJSON(await sessions.verify(params.session_id, body.token)),
  );
  router.add(
    {
      method: 'post',
      path: '/sessions/{session_id}/tokens',
      operationId: 'CreateSessionToken',
      summary: 'Create a session token',
      description: 'A session token for a live session, as the browser would get it (the instance\'s session-token claims included). `expires_in_seconds` overrides the 60-second lifetime.',
      tags: TAGS,
      params: IdParams,
      body: TokenBody.optional(),
      responses: token,
    },
    async ({ params, body }) => ({ object: 'token' as const, jwt: await sessions.token(params.session_id, null, { ttlSeconds: body?.expires_in_seconds ?? undefined }) }),
  );
  router.add(
    {
      method: 'post',
      path: '/sessions/{session_id}/tokens/{template_name}',
      operationId: 'CreateSessionTokenFromTemplate',
      summary: 'Create a session token from a JWT template',
      description: 'A token with the named template\'s claims, lifetime and clock skew; `expires_in_seconds` overrides the lifetime.',
      tags: TAGS,
      params: IdParams.extend({ template_name: z.string().min(1).max(256) }),
      body: TokenBody.optional(),
      responses: token,
    },
    async ({ params, body }) => ({
      object: 'token' as const,
      jwt: await sessions.token(params.session_id, null, { template: params.template_name, ttlSeconds: body?.expires_in_seconds ?? undefined }),
    }),
  );
}
