/**
 * `GET /v1/clients/handshake_payload?nonce=`: what a handshake nonce stands for, to the application's
 * server that holds the secret key.
 */
import { z } from 'zod';
import { ApiError } from '../../errors.js';
import type { BapiRouter } from '../../http/bapi/surface.js';
import { ERROR_RESPONSES } from '../../http/wire-schemas.js';
import type { HandshakeService } from './service.js';

export function registerHandshakeBackendRoutes(router: BapiRouter, handshake: HandshakeService): void {
  router.add(
    {
      method: 'get',
      path: '/clients/handshake_payload',
      operationId: 'GetHandshakePayload',
      summary: 'The cookies of a handshake nonce',
      description:
        'The Set-Cookie directives the Frontend API\'s handshake stored under `nonce`, for the application to set on its response. A nonce can be exchanged for two minutes after the handshake.',
      tags: ['Clients'],
      query: z.object({ nonce: z.string().min(1).max(256) }),
      responses: { 200: { description: 'The directives', schema: z.object({ directives: z.array(z.string()) }) }, ...ERROR_RESPONSES },
    },
    async ({ query }) => {
      const directives = await handshake.payload(query.nonce);
      if (!directives) throw new ApiError({ code: 'resource_not_found', longMessage: 'No handshake with that nonce, or it has expired.', paramName: 'nonce' });
      return { directives };
    },
  );
}
