/** Frontend API routes of one session: read, touch, end, remove, and its tokens. */
import { z } from 'zod';
import { activityOf, azpOf } from '../../http/fapi/activity.js';
import { formNullableString } from '../../http/fapi/form.js';
import { FapiResult, type FapiRouter } from '../../http/fapi/surface.js';
import type { SessionRow } from './repository.js';
import type { SessionsService } from './service.js';

const id = z.object({ session_id: z.string().max(64) });

/** The body of `POST /client/sessions/{id}/tokens` (also read by the token refresh's direct path, http/fapi/token-refresh.ts). */
export const TokenRequestBody = z.object({ organization_id: formNullableString(64).optional(), tab_state: z.string().max(32).optional() }).loose();

export interface SessionRoutesDeps {
  sessions: SessionsService;
  present(session: SessionRow): Promise<unknown>;
}

export function registerSessionRoutes(router: FapiRouter, { sessions, present }: SessionRoutesDeps): void {
  const tags = ['Sessions'];
  router.add(
    { method: 'get', path: '/client/sessions/{session_id}', operationId: 'getSession', summary: 'A session of this client', tags, params: id, responses: { 200: { description: 'The session' } } },
    async ({ params, principal }) => present(await sessions.getLive(params.session_id, principal.requireClient().id)),
  );

  router.add(
    {
      method: 'post',
      path: '/client/sessions/{session_id}/touch',
      operationId: 'touchSession',
      summary: 'Mark activity and choose the active organization',
      description: 'Makes the session the client\'s active one. `active_organization_id` sets the active organization (empty: the personal account).',
      tags,
      params: id,
      body: z.object({ active_organization_id: formNullableString(64).optional(), intent: z.string().max(32).optional() }).loose(),
      responses: { 200: { description: 'The session' } },
    },
    async ({ params, body, principal, c }) => {
      const session = await sessions.touch(params.session_id, principal.requireClient().id, {
        ...(body.active_organization_id !== undefined ? { activeOrganizationId: body.active_organization_id } : {}),
        activity: activityOf(c),
      });
      principal.authChanged = true;
      return present(session);
    },
  );

  for (const [action, status] of [
    ['end', 'ended'],
    ['remove', 'removed'],
  ] as const) {
    router.add(
      {
        method: 'post',
        path: `/client/sessions/{session_id}/${action}`,
        operationId: `${action}Session`,
        summary: action === 'end' ? 'Sign out of this session' : 'Sign out of this session and take it off the client',
        tags,
        params: id,
        responses: { 200: { description: 'The session' } },
      },
      async ({ params, principal }) => {
        const session = await sessions.end(params.session_id, principal.requireClient().id, status);
        principal.authChanged = true;
        return present(session);
      },
    );
  }

  router.add(
    {
      method: 'post',
      path: '/client/sessions/{session_id}/tokens',
      operationId: 'createSessionToken',
      summary: 'A session token',
      description: 'A fresh RS256 session token (60 seconds). `organization_id` selects the organization in its claims (empty: none; absent: the active one).',
      tags,
      params: id,
      body: TokenRequestBody,
      responses: { 200: { description: '`{ object: "token", jwt }`' } },
    },
    async ({ params, body, principal, c }) => {
      const jwt = await sessions.token(params.session_id, principal.requireClient().id, {
        ...(body.organization_id !== undefined ? { organizationId: body.organization_id } : {}),
        azp: azpOf(c),
      });
      return FapiResult.bare({ object: 'token', jwt });
    },
  );

  router.add(
    {
      method: 'post',
      path: '/client/sessions/{session_id}/tokens/{template_name}',
      operationId: 'createSessionTokenWithTemplate',
      summary: 'A token from a JWT template',
      description: 'A token with the named JWT template\'s claims and lifetime (`getToken({ template })`).',
      tags,
      params: id.extend({ template_name: z.string().min(1).max(256) }),
      responses: { 200: { description: '`{ object: "token", jwt }`' } },
    },
    async ({ params, principal, c }) => {
      const jwt = await sessions.token(params.session_id, principal.requireClient().id, { template: params.template_name, azp: azpOf(c) });
      return FapiResult.bare({ object: 'token', jwt });
    },
  );
}
