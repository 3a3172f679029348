/**
 * Stored messages → wire JSON (an e-mail or an SMS with its delivery status), and the schemas the OpenAPI
 * document gives for them: the one place message field names are spelled.
 */
import type { EmailJSON, SmsMessageJSON } from '@latch/core';
import { z } from 'zod';
import { wireSchemas } from '../../http/router.js';
import { readJson } from '../../storage/schema.js';
import type { MessageRow } from './service.js';

export const EmailSchema = z
  .object({
    id: z.string(),
    object: z.literal('email'),
    from_email_name: z.string().nullable(),
    email_address_id: z.string().nullable(),
    to_email_address: z.string(),
    subject: z.string().nullable(),
    body: z.string(),
    body_plain: z.string().nullable(),
    status: z.string(),
    slug: z.string().nullable(),
    data: z.record(z.string(), z.unknown()),
    delivered_by_clerk: z.boolean(),
    user_id: z.string().nullable(),
    created_at: z.number().int(),
    updated_at: z.number().int(),
  })
  .register(wireSchemas, { id: 'Email' });

export const SmsMessageSchema = z
  .object({
    id: z.string(),
    object: z.literal('sms_message'),
    from_phone_number: z.string().nullable(),
    to_phone_number: z.string(),
    message: z.string(),
    status: z.string(),
    phone_number_id: z.string().nullable(),
    user_id: z.string().nullable(),
    slug: z.string().nullable(),
    data: z.record(z.string(), z.unknown()),
    created_at: z.number().int(),
    updated_at: z.number().int(),
  })
  .register(wireSchemas, { id: 'SMSMessage' });

export function emailJSON(m: MessageRow): EmailJSON {
  return {
    id: m.id,
    object: 'email',
    from_email_name: m.from_name,
    email_address_id: m.email_address_id,
    to_email_address: m.to_address,
    subject: m.subject,
    body: m.body,
    body_plain: m.body_plain,
    status: m.status,
    slug: m.slug,
    data: readJson<Record<string, unknown>>(m.data),
    delivered_by_clerk: true,
    user_id: m.user_id,
    created_at: m.created_at,
    updated_at: m.updated_at,
  };
}

/** `from`: the number SMS are sent from (the configured provider's), null when there is none. */
export function smsJSON(m: MessageRow, from: string | null): SmsMessageJSON {
  return {
    id: m.id,
    object: 'sms_message',
    from_phone_number: from,
    to_phone_number: m.to_address,
    message: m.body,
    status: m.status,
    phone_number_id: m.phone_number_id,
    user_id: m.user_id,
    slug: m.slug,
    data: readJson<Record<string, unknown>>(m.data),
    created_at: m.created_at,
    updated_at: m.updated_at,
  };
}
