/**
 * The outbound message queue: e-mails and SMS are rows in `messages`, written in the same transaction as
 * whatever caused them (a sign-up, an invitation), then delivered by the worker with retries. A request
 * therefore never waits on SMTP, and a message is never lost when the provider is down or the process
 * dies between the commit and the send.
 */
import type { Kysely } from 'kysely';
import type { Database } from '../storage/schema.js';
import { type Message, insertQueued } from './repository.js';

export { type Message, type ListMessagesOptions, getMessage, listMessages } from './repository.js';

/** An e-mail to send. `html` is required; the text part is derived from it when `text` is absent. */
export interface EmailMessageInput {
  to: string;
  subject: string;
  html: string;
  text?: string | null;
  /** Display name for From; the address is always the configured sender's. */
  fromName?: string | null;
  replyTo?: string | null;
  /** Template the message was rendered from, for the outbox and the logs. */
  slug?: string | null;
  /** Template variables (codes, links), kept for inspection. */
  data?: Record<string, unknown>;
  userId?: string | null;
  emailAddressId?: string | null;
}

/** An SMS to send. */
export interface SmsMessageInput {
  to: string;
  body: string;
  slug?: string | null;
  data?: Record<string, unknown>;
  userId?: string | null;
  phoneNumberId?: string | null;
}

/**
 * Inserts a queued e-mail (status 'queued', due now). Takes a Kysely db OR transaction so callers enqueue
 * in the same transaction as what caused the message. Returns the stored row.
 *
 * Call the worker's `notify()` after the surrounding transaction commits to send it right away;
 * otherwise the next poll picks it up.
 */
export async function enqueueEmail(db: Kysely<Database>, input: EmailMessageInput, now: number = Date.now()): Promise<Message> {
  return insertQueued(
    db,
    {
      kind: 'email',
      to_address: input.to,
      from_name: input.fromName ?? null,
      reply_to: input.replyTo ?? null,
      subject: input.subject,
      body: input.html,
      body_plain: input.text ?? null,
      slug: input.slug ?? null,
      data: input.data,
      user_id: input.userId ?? null,
      email_address_id: input.emailAddressId ?? null,
      phone_number_id: null,
    },
    now,
  );
}

/**
 * Inserts a queued SMS (status 'queued', due now); same transaction rules as `enqueueEmail`. Returns the
 * stored row.
 */
export async function enqueueSms(db: Kysely<Database>, input: SmsMessageInput, now: number = Date.now()): Promise<Message> {
  return insertQueued(
    db,
    {
      kind: 'sms',
      to_address: input.to,
      from_name: null,
      reply_to: null,
      subject: null,
      body: input.body,
      body_plain: null,
      slug: input.slug ?? null,
      data: input.data,
      user_id: input.userId ?? null,
      email_address_id: null,
      phone_number_id: input.phoneNumberId ?? null,
    },
    now,
  );
}
