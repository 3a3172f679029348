/**
 * Templates Backend API: `/templates/{template_type}[/{slug}[/revert|/preview|/toggle_delivery]]`.
 */
import { z } from 'zod';
import type { BapiRouter } from '../../http/bapi/surface.js';
import { qBool, qInt } from '../../http/validation.js';
import { ERROR_RESPONSES } from '../../http/wire-schemas.js';
import { paginatedJSON } from '../users/serialize.js';
import { PreviewSchema, TemplateSchema, templateJSON, templatePreviewJSON } from './serialize.js';
import type { ResolvedTemplate, TemplatesService } from './service.js';

const TypeParams = z.object({ template_type: z.enum(['email', 'sms']) });
const SlugParams = z.object({ template_type: z.enum(['email', 'sms']), slug: z.string().min(1).max(64) });
const ListQuery = z.object({ paginated: qBool().optional(), limit: qInt(1, 500).optional(), offset: qInt(0, 1e9).optional() });
const UpsertBody = z
  .object({
    name: z.string().min(1).max(256).optional(),
    subject: z.string().max(998).nullable().optional(),
    markup: z.string().max(100_000).optional(),
    body: z.string().max(100_000).optional(),
    delivered_by_clerk: z.boolean().optional(),
    from_email_name: z.string().max(256).nullable().optional(),
    reply_to_email_name: z.string().max(256).nullable().optional(),
  })
  .strict();
const PreviewBody = z
  .object({
    subject: z.string().max(998).optional(),
    body: z.string().max(100_000).optional(),
    from_email_name: z.string().max(256).optional(),
    reply_to_email_name: z.string().max(256).optional(),
  })
  .strict();
const ToggleBody = z.object({ delivered_by_clerk: z.boolean().optional() }).strict();

export function registerTemplateRoutes(router: BapiRouter, templates: TemplatesService, instanceId: () => string | null): void {
  const TAGS = ['Email & SMS Templates'];
  const one = { 200: { description: 'The template', schema: TemplateSchema }, ...ERROR_RESPONSES };
  const json = (t: ResolvedTemplate) => templateJSON(t, instanceId());

  router.add(
    {
      method: 'get',
      path: '/templates/{template_type}',
      operationId: 'GetTemplateList',
      summary: 'List all templates',
      description: 'A plain array, or `{data,total_count}` with `paginated=true`.',
      tags: TAGS,
      params: TypeParams,
      query: ListQuery,
      responses: { 200: { description: 'Templates', schema: z.union([z.array(TemplateSchema), z.object({ data: z.array(TemplateSchema), total_count: z.number() })]) }, ...ERROR_RESPONSES },
    },
    async ({ params, query }) => {
      const all = (await templates.list(params.template_type)).map(json);
      const offset = query.offset ?? 0;
      const page = query.limit !== undefined || offset ? all.slice(offset, offset + (query.limit ?? 10)) : all;
      return query.paginated ? paginatedJSON(page, all.length) : page;
    },
  );
  router.add(
    { method: 'get', path: '/templates/{template_type}/{slug}', operationId: 'GetTemplate', summary: 'Retrieve a template', tags: TAGS, params: SlugParams, responses: one },
    async ({ params }) => json(await templates.get(params.template_type, params.slug)),
  );
  router.add(
    {
      method: 'put',
      path: '/templates/{template_type}/{slug}',
      operationId: 'UpsertTemplate',
      summary: 'Update a template for a given type and slug',
      description: 'The body must keep the template\'s required variables (e.g. `{{action_url}}` for invitations).',
      tags: TAGS,
      params: SlugParams,
      body: UpsertBody,
      responses: one,
    },
    async ({ params, body }) =>
      json(
        await templates.update(params.template_type, params.slug, {
          name: body.name,
          subject: body.subject,
          markup: body.markup,
          body: body.body,
          fromEmailName: body.from_email_name,
          replyToEmailName: body.reply_to_email_name,
          deliveredByLatch: body.delivered_by_clerk,
        }),
      ),
  );
  router.add(
    { method: 'post', path: '/templates/{template_type}/{slug}/revert', operationId: 'RevertTemplate', summary: 'Revert a template', tags: TAGS, params: SlugParams, responses: one },
    async ({ params }) => json(await templates.revert(params.template_type, params.slug)),
  );
  router.add(
    {
      method: 'post',
      path: '/templates/{template_type}/{slug}/preview',
      operationId: 'PreviewTemplate',
      summary: 'Preview changes to a template',
      description: 'Renders the stored template, or the given draft subject and body, with sample data.',
      tags: TAGS,
      params: SlugParams,
      body: PreviewBody,
      responses: { 200: { description: 'The rendered preview', schema: PreviewSchema }, ...ERROR_RESPONSES },
    },
    async ({ params, body }) => {
      return templatePreviewJSON(await templates.preview(params.template_type, params.slug, { subject: body.subject, body: body.body, fromEmailName: body.from_email_name }));
    },
  );
  router.add(
    {
      method: 'post',
      path: '/templates/{template_type}/{slug}/toggle_delivery',
      operationId: 'ToggleTemplateDelivery',
      summary: 'Toggle whether Latch delivers this template',
      description: 'With delivery off, Latch sends nothing for this template; the application delivers it.',
      tags: TAGS,
      params: SlugParams,
      body: ToggleBody,
      responses: one,
    },
    async ({ params, body }) => json(await templates.toggleDelivery(params.template_type, params.slug, body.delivered_by_clerk)),
  );
}
