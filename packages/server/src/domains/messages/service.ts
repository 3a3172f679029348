/**
 * Outbound messages: templated notifications (invitations, allowlist access, codes) and the ad-hoc
 * e-mails and SMS of `/v1/emails` and `/v1/sms_messages`. Messages are enqueued in the caller's
 * transaction, so a message exists exactly when what caused it was committed; the delivery worker is
 * woken after the commit.
 */
import { findIdentifierOfType } from '../users/directory-repository.js';
import { transaction, type Db, type Tx } from '../../storage/database.js';
import type { Selectable } from 'kysely';
import { enqueueEmail, enqueueSms, getMessage, listMessages } from '../../delivery/queue.js';
import { notFound } from '../../errors.js';
import type { MessageTable } from '../../storage/schema.js';
import type { TemplateType } from '../templates/defaults.js';
import type { TemplateData } from '../templates/render.js';
import type { TemplatesService } from '../templates/service.js';

export type MessageRow = Selectable<MessageTable>;

export interface TemplatedMessage {
  type: TemplateType;
  slug: string;
  to: string;
  data: TemplateData;
  userId?: string | null;
  emailAddressId?: string | null;
  phoneNumberId?: string | null;
}

export interface MessagingDeps {
  db: Db;
  templates: TemplatesService;
  /** Wakes the delivery worker; called after a message is committed. */
  wake: () => void;
  now?: () => number;
}

export function createMessagingService({ db, templates, wake, now = Date.now }: MessagingDeps) {
  return {
    /**
     * Renders a template and enqueues it inside `trx`. Returns null when the template's delivery is
     * switched off for this instance (the application sends it itself). Call `wake()` after commit.
     */
    async enqueueTemplated(trx: Tx, m: TemplatedMessage): Promise<MessageRow | null> {
      const r = await templates.renderFor(m.type, m.slug, m.data, trx);
      if (!r.deliver) return null;
      if (m.type === 'email') {
        return enqueueEmail(
          trx,
          {
            to: m.to,
            subject: r.subject ?? '',
            html: r.body,
            text: r.bodyPlain,
            fromName: r.fromEmailName,
            replyTo: r.replyToEmailName,
            slug: m.slug,
            data: m.data,
            userId: m.userId ?? null,
            emailAddressId: m.emailAddressId ?? null,
          },
          now(),
        );
      }
      return enqueueSms(trx, { to: m.to, body: r.body, slug: m.slug, data: m.data, userId: m.userId ?? null, phoneNumberId: m.phoneNumberId ?? null }, now());
    },

    wake,

    /** `POST /v1/emails`: an e-mail to one of a user's addresses. */
    async sendEmail(input: { emailAddressId: string; subject: string; body: string; fromEmailName: string | null }): Promise<MessageRow> {
      const msg = await transaction(db, async (trx) => {
        const address = await findIdentifierOfType(trx, input.emailAddressId, 'email_address');
        if (!address) throw notFound('Email address');
        return enqueueEmail(
          trx,
          { to: address.value, subject: input.subject, html: input.body, text: null, fromName: input.fromEmailName, userId: address.user_id, emailAddressId: address.id },
          now(),
        );
      });
      wake();
      return msg;
    },

    /** `POST /v1/sms_messages`: an SMS to one of a user's phone numbers. */
    async sendSms(input: { phoneNumberId: string; message: string }): Promise<MessageRow> {
      const msg = await transaction(db, async (trx) => {
        const phone = await findIdentifierOfType(trx, input.phoneNumberId, 'phone_number');
        if (!phone) throw notFound('Phone number');
        return enqueueSms(trx, { to: phone.value, body: input.message, userId: phone.user_id, phoneNumberId: phone.id }, now());
      });
      wake();
      return msg;
    },

    async get(id: string, kind: 'email' | 'sms'): Promise<MessageRow> {
      const m = await getMessage(db, id);
      if (!m || m.kind !== kind) throw notFound(kind === 'email' ? 'Email' : 'SMS message');
      return m;
    },

    /** The newest messages of every kind, for the dev outbox. */
    async recent(limit: number): Promise<MessageRow[]> {
      return listMessages(db, { limit });
    },
  };
}

export type MessagingService = ReturnType<typeof createMessagingService>;
