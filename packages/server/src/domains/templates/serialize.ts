/**
 * Resolved templates → wire JSON, and the schemas the OpenAPI document gives for them: the one place
 * template field names are spelled.
 */
import type { TemplateJSON, TemplatePreviewJSON } from '@latch/core';
import { z } from 'zod';
import { wireSchemas } from '../../http/router.js';
import type { RenderedMessage, ResolvedTemplate } from './service.js';

export const TemplateSchema = z
  .object({
    id: z.string(),
    object: z.literal('template'),
    instance_id: z.string().nullable(),
    resource_type: z.enum(['system', 'user']),
    template_type: z.enum(['email', 'sms']),
    name: z.string(),
    slug: z.string(),
    position: z.number().int(),
    can_revert: z.boolean(),
    can_delete: z.boolean(),
    can_edit_body: z.boolean(),
    can_toggle: z.boolean(),
    subject: z.string().nullable(),
    markup: z.string(),
    body: z.string(),
    available_variables: z.array(z.string()),
    required_variables: z.array(z.string()),
    from_email_name: z.string().nullable(),
    reply_to_email_name: z.string().nullable(),
    delivered_by_clerk: z.boolean(),
    enabled: z.boolean(),
    flagged_as_suspicious: z.boolean(),
    updated_at: z.number().int(),
    created_at: z.number().int(),
  })
  .strict()
  .register(wireSchemas, { id: 'Template' });

export const PreviewSchema = z
  .object({ object: z.literal('template_preview'), subject: z.string().nullable(), body: z.string(), from_email_name: z.string().nullable() })
  .register(wireSchemas, { id: 'TemplatePreview' });

export function templateJSON(t: ResolvedTemplate, instanceId: string | null): TemplateJSON {
  return {
    id: `tmpl_${t.type}_${t.def.slug}`,
    object: 'template',
    instance_id: instanceId,
    resource_type: t.override ? 'user' : 'system',
    template_type: t.type,
    name: t.name,
    slug: t.def.slug,
    position: t.position,
    can_revert: t.override !== null,
    can_delete: false,
    can_edit_body: true,
    can_toggle: true,
    subject: t.subject,
    markup: t.override?.markup ?? t.body,
    body: t.body,
    available_variables: t.def.availableVariables,
    required_variables: t.def.requiredVariables,
    from_email_name: t.fromEmailName,
    reply_to_email_name: t.replyToEmailName,
    delivered_by_clerk: t.deliveredByLatch,
    enabled: true,
    flagged_as_suspicious: false,
    updated_at: t.updatedAt,
    created_at: t.createdAt,
  };
}

export function templatePreviewJSON(r: RenderedMessage): TemplatePreviewJSON {
  return { object: 'template_preview', subject: r.subject, body: r.body, from_email_name: r.fromEmailName };
}
