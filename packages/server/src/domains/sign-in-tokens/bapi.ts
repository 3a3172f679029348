/**
 * Sign-in tokens Backend API: `/sign_in_tokens` (create, revoke).
 */
import { z } from 'zod';
import { ApiError } from '../../errors.js';
import type { BapiRouter } from '../../http/bapi/surface.js';
import { ERROR_RESPONSES } from '../../http/wire-schemas.js';
import { SignInTokenSchema, signInTokenJSON } from './serialize.js';
import type { SignInTokensService } from './service.js';

export function registerSignInTokenRoutes(router: BapiRouter, tokens: SignInTokensService): void {
  const TAGS = ['Sign-in Tokens'];
  const one = { 200: { description: 'The sign-in token', schema: SignInTokenSchema }, ...ERROR_RESPONSES };
  router.add(
    {
      method: 'post',
      path: '/sign_in_tokens',
      operationId: 'CreateSignInToken',
      summary: 'Create sign-in token',
      description:
        'A one-time token (and a link to the sign-in page carrying it as `__clerk_ticket`) that signs the user in through the Frontend API with `strategy=ticket`. Valid `expires_in_seconds` (default 30 days); shown only in this response. `org_id` is not supported yet.',
      tags: TAGS,
      body: z
        .object({
          user_id: z.string().min(1).max(128),
          expires_in_seconds: z.number().int().min(1).max(315_360_000).nullable().optional(),
          org_id: z.string().max(128).nullable().optional(),
        })
        .strict(),
      responses: one,
    },
    async ({ body }) => {
      if (body.org_id) throw ApiError.of('form_param_value_invalid', 'Activating an organization with a sign-in token is not supported yet.', 'org_id');
      const { row, token, url } = await tokens.create({ userId: body.user_id, expiresInSeconds: body.expires_in_seconds });
      return signInTokenJSON(row, { token, url });
    },
  );
  router.add(
    {
      method: 'post',
      path: '/sign_in_tokens/{sign_in_token_id}/revoke',
      operationId: 'RevokeSignInToken',
      summary: 'Revoke the given sign-in token',
      tags: TAGS,
      params: z.object({ sign_in_token_id: z.string().min(1).max(128) }),
      responses: one,
    },
    async ({ params }) => signInTokenJSON(await tokens.revoke(params.sign_in_token_id)),
  );
}
