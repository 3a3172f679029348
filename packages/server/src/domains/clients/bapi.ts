/**
 * Clients Backend API: `/clients` (list, get, verify).
 */
import { z } from 'zod';
import { ApiError, notFound } from '../../errors.js';
import type { BapiRouter } from '../../http/bapi/surface.js';
import { qBool, qInt } from '../../http/validation.js';
import { ERROR_RESPONSES } from '../../http/wire-schemas.js';
import { backendClientJSON, ClientSchema } from '../sessions/serialize.js';
import type { SessionsService } from '../sessions/service.js';
import { paginatedJSON } from '../users/serialize.js';
import type { ClientsService } from './service.js';

const ListQuery = z.object({ paginated: qBool().optional(), limit: qInt(1, 500).optional(), offset: qInt(0, 1e9).optional() });

export function registerClientBackendRoutes(router: BapiRouter, clients: ClientsService, sessions: SessionsService): void {
  const TAGS = ['Clients'];
  const one = { 200: { description: 'The client', schema: ClientSchema }, ...ERROR_RESPONSES };

  async function show(clientId: string) {
    const found = await clients.withSessions(clientId);
    if (!found) throw notFound('Client');
    return backendClientJSON(found.client, found.sessions);
  }

  router.add(
    {
      method: 'get',
      path: '/clients',
      operationId: 'GetClientList',
      summary: 'List all clients',
      description: 'Deprecated by Clerk, still called by the SDK\'s getClientList. Newest first, each with its live sessions; `{data,total_count}` with `paginated=true`, else a plain array.',
      tags: TAGS,
      query: ListQuery,
      responses: {
        200: { description: 'Clients', schema: z.union([z.array(ClientSchema), z.object({ data: z.array(ClientSchema), total_count: z.number().int() })]) },
        ...ERROR_RESPONSES,
      },
    },
    async ({ query }) => {
      const { rows, total } = await clients.list(query.limit ?? 10, query.offset ?? 0);
      const data = rows.map((r) => backendClientJSON(r.client, r.sessions));
      return query.paginated ? paginatedJSON(data, total) : data;
    },
  );
  router.add(
    {
      method: 'post',
      path: '/clients/verify',
      operationId: 'VerifyClient',
      summary: 'Verify a client',
      description:
        'The client a token belongs to: a valid session token of a live session (its `sid`), or the client token itself (the `__client` cookie; Latch\'s client tokens are opaque, not JWTs).',
      tags: TAGS,
      body: z.object({ token: z.string().min(1).max(16_384) }).strict(),
      responses: one,
    },
    async ({ body }) => {
      const claims = await sessions.verifyToken(body.token);
      if (claims && typeof claims.sid === 'string') {
        const session = await sessions.get(claims.sid).catch(() => null);
        if (session && (session.status === 'active' || session.status === 'pending')) return show(session.client_id);
      } else if (!claims) {
        const client = await clients.identify(body.token);
        if (client) return show(client.id);
      }
      throw ApiError.of('form_param_value_invalid', 'The token belongs to no active client.', 'token');
    },
  );
  router.add({ method: 'get', path: '/clients/{client_id}', operationId: 'GetClient', summary: 'Get a client', tags: TAGS, params: z.object({ client_id: z.string().min(1).max(128) }), responses: one }, async ({ params }) =>
    show(params.client_id),
  );
}
