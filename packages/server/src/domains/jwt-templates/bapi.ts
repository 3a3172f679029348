/**
 * JWT templates Backend API: `/jwt_templates` CRUD, and Latch's `/session_token_claims` (the claims
 * merged into every default session token).
 */
import { z } from 'zod';
import type { BapiRouter } from '../../http/bapi/surface.js';
import { qBool, qInt } from '../../http/validation.js';
import { DeletedObjectSchema, ERROR_RESPONSES } from '../../http/wire-schemas.js';
import { deletedJSON, paginatedJSON } from '../users/serialize.js';
import { JwtTemplateSchema, jwtTemplateJSON, SessionTokenClaimsSchema, sessionTokenClaimsJSON } from './serialize.js';
import type { JwtTemplateInput, JwtTemplatesService } from './service.js';

const claims = z.record(z.string(), z.unknown());
const Fields = {
  name: z.string().min(1).max(256),
  claims,
  lifetime: z.number().int().min(30).max(315_360_000).nullable().optional(),
  allowed_clock_skew: z.number().int().min(0).max(300).nullable().optional(),
  custom_signing_key: z.boolean().nullable().optional(),
  signing_algorithm: z.string().max(16).nullable().optional(),
  signing_key: z.string().max(16_384).nullable().optional(),
};
const CreateBody = z.object(Fields).strict();
const UpdateBody = z.object({ ...Fields, name: Fields.name.optional(), claims: claims.optional() }).strict();
const IdParams = z.object({ template_id: z.string().min(1).max(128) });

function toInput(b: z.output<typeof UpdateBody>): JwtTemplateInput {
  return {
    name: b.name,
    claims: b.claims,
    lifetime: b.lifetime,
    allowedClockSkew: b.allowed_clock_skew,
    customSigningKey: b.custom_signing_key,
    signingAlgorithm: b.signing_algorithm,
    signingKey: b.signing_key,
  };
}

export function registerJwtTemplateRoutes(router: BapiRouter, templates: JwtTemplatesService): void {
  const TAGS = ['JWT Templates'];
  const one = { 200: { description: 'The JWT template', schema: JwtTemplateSchema }, ...ERROR_RESPONSES };
  const CLAIMS_DOC =
    'Claims are JSON; a string that is exactly `{{user.…}}` becomes that value, shortcodes inside longer strings are interpolated, `||` gives alternatives (`{{user.username || \'anon\'}}`). Shortcodes: `user.id`, `external_id`, `first_name`, `last_name`, `full_name`, `username`, `primary_email_address`, `primary_phone_number`, `image_url`, `has_image`, `created_at`, `updated_at`, `two_factor_enabled`, `public_metadata.*`, `unsafe_metadata.*`. `user.private_metadata` is refused (template tokens also reach the browser), as are the token\'s own claims (`sub`, `exp`, `iss`, …). Custom signing keys are refused: tokens are RS256 with the instance key.';

  router.add(
    {
      method: 'get',
      path: '/jwt_templates',
      operationId: 'ListJWTTemplates',
      summary: 'List all templates',
      description: 'In creation order. `{data,total_count}` with `paginated=true`, else a plain array.',
      tags: TAGS,
      query: z.object({ paginated: qBool().optional(), limit: qInt(1, 500).optional(), offset: qInt(0, 1e9).optional() }),
      responses: {
        200: { description: 'Templates', schema: z.union([z.array(JwtTemplateSchema), z.object({ data: z.array(JwtTemplateSchema), total_count: z.number().int() })]) },
        ...ERROR_RESPONSES,
      },
    },
    async ({ query }) => {
      const { rows, total } = await templates.list(query.limit ?? (query.paginated ? 10 : 500), query.offset ?? 0);
      const data = rows.map(jwtTemplateJSON);
      return query.paginated ? paginatedJSON(data, total) : data;
    },
  );
  router.add(
    { method: 'post', path: '/jwt_templates', operationId: 'CreateJWTTemplate', summary: 'Create a JWT template', description: CLAIMS_DOC, tags: TAGS, body: CreateBody, responses: one },
    async ({ body }) => jwtTemplateJSON(await templates.create(toInput(body))),
  );
  router.add({ method: 'get', path: '/jwt_templates/{template_id}', operationId: 'GetJWTTemplate', summary: 'Retrieve a template', tags: TAGS, params: IdParams, responses: one }, async ({ params }) =>
    jwtTemplateJSON(await templates.get(params.template_id)),
  );
  router.add(
    { method: 'patch', path: '/jwt_templates/{template_id}', operationId: 'UpdateJWTTemplate', summary: 'Update a JWT template', description: CLAIMS_DOC, tags: TAGS, params: IdParams, body: UpdateBody, responses: one },
    async ({ params, body }) => jwtTemplateJSON(await templates.update(params.template_id, toInput(body))),
  );
  router.add(
    {
      method: 'delete',
      path: '/jwt_templates/{template_id}',
      operationId: 'DeleteJWTTemplate',
      summary: 'Delete a template',
      tags: TAGS,
      params: IdParams,
      responses: { 200: { description: 'Deleted', schema: DeletedObjectSchema }, ...ERROR_RESPONSES },
    },
    async ({ params }) => {
      await templates.remove(params.template_id);
      return deletedJSON('jwt_template', params.template_id);
    },
  );

  const claimsResponse = { 200: { description: 'The session-token claims', schema: SessionTokenClaimsSchema }, ...ERROR_RESPONSES };
  router.add(
    {
      method: 'get',
      path: '/session_token_claims',
      operationId: 'GetSessionTokenClaims',
      summary: 'The session-token claims template (Latch extension)',
      description: 'Custom claims merged into every default session token, like "Customize session token" in Clerk\'s dashboard. `{}` when none are set.',
      tags: TAGS,
      responses: claimsResponse,
    },
    async () => sessionTokenClaimsJSON(await templates.sessionClaimsTemplate()),
  );
  router.add(
    {
      method: 'put',
      path: '/session_token_claims',
      operationId: 'SetSessionTokenClaims',
      summary: 'Set the session-token claims template (Latch extension)',
      description: `Replaces the claims merged into every default session token (at most 1200 bytes of JSON; \`{}\` removes them). The standard claims always win. ${CLAIMS_DOC}`,
      tags: TAGS,
      body: z.object({ claims }).strict(),
      responses: claimsResponse,
    },
    async ({ body }) => sessionTokenClaimsJSON(await templates.setSessionClaimsTemplate(body.claims)),
  );
}
