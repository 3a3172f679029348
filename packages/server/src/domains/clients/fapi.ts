/**
 * Frontend API routes of the client itself: read it, start one, forget it, sign everyone out of it, and
 * the development-instance dev browser.
 */
import type { DevBrowserJSON } from '@latch/core';
import { FapiResult, type FapiRouter } from '../../http/fapi/surface.js';
import type { ClientsService } from './service.js';

export function registerClientRoutes(router: FapiRouter, clients: ClientsService, opts: { development: boolean }): void {
  const tags = ['Client'];
  router.add(
    {
      method: 'get',
      path: '/client',
      operationId: 'getClient',
      summary: 'The current client',
      description: 'The browser\'s client with its sessions, or `response: null` when it has none.',
      tags,
      responses: { 200: { description: 'The client, in `response`' } },
    },
    () => FapiResult.client(),
  );

  router.add(
    {
      method: 'post',
      path: '/client',
      operationId: 'postClient',
      summary: 'Start a client',
      description: 'Creates a client for this browser when it has none and sets the client cookie.',
      tags,
      responses: { 200: { description: 'The client, in `response`' } },
    },
    async ({ principal }) => {
      await principal.ensureClient();
      return FapiResult.client();
    },
  );

  router.add(
    {
      method: 'delete',
      path: '/client',
      operationId: 'deleteClient',
      summary: 'Forget the client',
      description: 'Ends every session on the client, deletes it and clears the client cookie.',
      tags,
      responses: { 200: { description: '`response: null`' } },
    },
    async ({ principal }) => {
      if (principal.client) {
        await clients.destroy(principal.client.id);
        principal.destroyed = true;
        principal.authChanged = true;
      }
      return FapiResult.client();
    },
  );

  router.add(
    {
      method: 'delete',
      path: '/client/sessions',
      operationId: 'removeClientSessionsAndRetainClient',
      summary: 'Sign out of every session',
      description: 'Ends every session on the client; the client itself stays.',
      tags: ['Sessions'],
      responses: { 200: { description: 'The client, in `response`' } },
    },
    async ({ principal }) => {
      const client = principal.requireClient();
      await clients.signOutAll(client.id);
      principal.authChanged = true;
      return FapiResult.client();
    },
  );

  if (opts.development) {
    router.add(
      {
        method: 'post',
        path: '/dev_browser',
        operationId: 'createDevBrowser',
        summary: 'Create a dev browser',
        description:
          'Development instances only. The returned id identifies the browser\'s client when it is sent as `__clerk_db_jwt`, for set-ups where the page and Latch are not on the same site and the client cookie cannot be used.',
        tags: ['Dev Browser'],
        responses: { 200: { description: 'The dev browser' } },
      },
      async () => {
        const { client, token } = await clients.create();
        const body: DevBrowserJSON = { object: 'dev_browser', id: token, created_at: client.created_at, updated_at: client.updated_at };
        return FapiResult.bare(body);
      },
    );
  }
}
