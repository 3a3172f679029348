/**
 * `POST /v1/emails` and `POST /v1/sms_messages` (and reading them back): messages to a user's address or
 * phone number, delivered by the queue. The answer carries the delivery status at that moment.
 */
import { z } from 'zod';
import type { BapiRouter } from '../../http/bapi/surface.js';
import { ERROR_RESPONSES } from '../../http/wire-schemas.js';
import { EmailSchema, SmsMessageSchema, emailJSON, smsJSON } from './serialize.js';
import type { MessagingService } from './service.js';

const idParam = z.string().min(1).max(128);
const CreateEmailBody = z
  .object({
    from_email_name: z.string().max(64).regex(/^[^\r\n<>"]*$/, 'must not contain line breaks, angle brackets or quotes').nullable().optional(),
    subject: z.string().min(1).max(998).regex(/^[^\r\n]*$/, 'must be one line'),
    body: z.string().min(1).max(500_000),
    email_address_id: idParam,
  })
  .strict();
const CreateSmsBody = z.object({ message: z.string().min(1).max(1600), phone_number_id: idParam }).strict();

export function registerMessageRoutes(router: BapiRouter, messaging: MessagingService, smsFrom: string | null): void {
  router.add(
    {
      method: 'post',
      path: '/emails',
      operationId: 'CreateEmail',
      summary: 'Send an e-mail to one of a user\'s e-mail addresses',
      description: 'Queued for delivery at once; `status` tells where it is (queued, delivered, failed, or outbox when no SMTP server is configured).',
      tags: ['Emails'],
      body: CreateEmailBody,
      responses: { 200: { description: 'The queued e-mail', schema: EmailSchema }, ...ERROR_RESPONSES },
    },
    async ({ body }) =>
      emailJSON(await messaging.sendEmail({ emailAddressId: body.email_address_id, subject: body.subject, body: body.body, fromEmailName: body.from_email_name ?? null })),
  );
  router.add(
    {
      method: 'get',
      path: '/emails/{email_id}',
      operationId: 'GetEmail',
      summary: 'Retrieve an e-mail and its delivery status',
      tags: ['Emails'],
      params: z.object({ email_id: idParam }),
      responses: { 200: { description: 'The e-mail', schema: EmailSchema }, ...ERROR_RESPONSES },
    },
    async ({ params }) => emailJSON(await messaging.get(params.email_id, 'email')),
  );
  router.add(
    {
      method: 'post',
      path: '/sms_messages',
      operationId: 'CreateSMSMessage',
      summary: 'Send an SMS to one of a user\'s phone numbers',
      tags: ['SMS Messages'],
      body: CreateSmsBody,
      responses: { 200: { description: 'The queued SMS', schema: SmsMessageSchema }, ...ERROR_RESPONSES },
    },
    async ({ body }) => smsJSON(await messaging.sendSms({ phoneNumberId: body.phone_number_id, message: body.message }), smsFrom),
  );
  router.add(
    {
      method: 'get',
      path: '/sms_messages/{sms_message_id}',
      operationId: 'GetSMSMessage',
      summary: 'Retrieve an SMS and its delivery status',
      tags: ['SMS Messages'],
      params: z.object({ sms_message_id: idParam }),
      responses: { 200: { description: 'The SMS', schema: SmsMessageSchema }, ...ERROR_RESPONSES },
    },
    async ({ params }) => smsJSON(await messaging.get(params.sms_message_id, 'sms'), smsFrom),
  );
}
