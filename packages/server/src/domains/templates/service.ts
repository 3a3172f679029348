/**
 * Templates per instance: a stored override or the built-in default. Rendering for delivery happens
 * here, so every message Latch sends goes through the same escaping.
 */
import type { Kysely } from 'kysely';
import { transaction, type Db, type Tx } from '../../storage/database.js';
import { ApiError, notFound } from '../../errors.js';
import type { Database } from '../../storage/schema.js';
import { lockInstanceRow } from '../instance/repository.js';
import { type TemplateDefault, type TemplateType, defaultsOf } from './defaults.js';
import { type TemplateData, htmlToText, placeholders, render } from './render.js';
import { type TemplateRow, deleteOverride, findOverride, overridesOf, upsertOverride } from './repository.js';

export interface ResolvedTemplate {
  type: TemplateType;
  def: TemplateDefault;
  position: number;
  override: TemplateRow | null;
  name: string;
  subject: string | null;
  body: string;
  fromEmailName: string | null;
  replyToEmailName: string | null;
  deliveredByLatch: boolean;
  createdAt: number;
  updatedAt: number;
}

export interface RenderedMessage {
  subject: string | null;
  /** HTML for e-mail, text for SMS. */
  body: string;
  /** Plain-text alternative (e-mail). */
  bodyPlain: string;
  fromEmailName: string | null;
  replyToEmailName: string | null;
  /** False when the instance delivers this template itself (Latch enqueues nothing). */
  deliver: boolean;
}

export interface TemplateUpdate {
  name?: string;
  subject?: string | null;
  markup?: string;
  body?: string;
  fromEmailName?: string | null;
  replyToEmailName?: string | null;
  deliveredByLatch?: boolean;
}

export function createTemplatesService(db: Db, appInfo: () => TemplateData, now: () => number = Date.now) {
  function findDefault(type: TemplateType, slug: string): { def: TemplateDefault; position: number } {
    const list = defaultsOf(type);
    const position = list.findIndex((d) => d.slug === slug);
    if (position < 0) throw notFound('Template');
    return { def: list[position] as TemplateDefault, position };
  }

  function resolve(type: TemplateType, def: TemplateDefault, position: number, o: TemplateRow | null): ResolvedTemplate {
    return {
      type,
      def,
      position,
      override: o,
      name: o?.name ?? def.name,
      subject: o ? o.subject : def.subject,
      body: o?.body ?? def.body,
      fromEmailName: o ? o.from_email_name : def.fromEmailName,
      replyToEmailName: o?.reply_to_email_name ?? null,
      deliveredByLatch: o ? o.delivered_by_clerk === 1 : true,
      createdAt: o?.created_at ?? 0,
      updatedAt: o?.updated_at ?? 0,
    };
  }

  /** `conn` is the caller's transaction when there is one: on SQLite a query outside it would wait forever. */
  async function get(type: TemplateType, slug: string, conn: Kysely<Database> = db): Promise<ResolvedTemplate> {
    const { def, position } = findDefault(type, slug);
    return resolve(type, def, position, await findOverride(conn, type, slug));
  }

  /**
   * Serialises template edits. Fields an edit does not give keep their stored values, so concurrent edits
   * of different fields must not interleave; a template may have no row yet (the built-in default), so the
   * lock is the instance row, which always exists. Template edits are rare.
   */
  async function lockTemplateEdits(trx: Tx): Promise<void> {
    await lockInstanceRow(trx);
  }

  /** The edit itself, under `lockTemplateEdits`. */
  async function updateLocked(trx: Tx, type: TemplateType, slug: string, input: TemplateUpdate): Promise<ResolvedTemplate> {
    const current = await get(type, slug, trx);
    const body = input.body ?? input.markup ?? current.body;
    const used = placeholders(body);
    const missing = current.def.requiredVariables.filter((v) => !used.has(v));
    if (missing.length) {
      throw new ApiError({
        code: 'form_param_template_variable_missing',
        longMessage: `The body must use the variable${missing.length > 1 ? 's' : ''} ${missing.map((m) => `{{${m}}}`).join(', ')}.`,
        paramName: 'body',
      });
    }
    if (type === 'email' && input.subject !== undefined && (input.subject === null || input.subject.trim() === '')) {
      throw new ApiError({ code: 'form_param_missing', longMessage: 'An e-mail template needs a subject.', paramName: 'subject' });
    }
    const t = now();
    const row = {
      template_type: type,
      slug,
      name: input.name ?? current.name,
      subject: input.subject !== undefined ? input.subject : current.subject,
      markup: input.markup ?? body,
      body,
      from_email_name: input.fromEmailName !== undefined ? input.fromEmailName : current.fromEmailName,
      reply_to_email_name: input.replyToEmailName !== undefined ? input.replyToEmailName : current.replyToEmailName,
      delivered_by_clerk: (input.deliveredByLatch ?? current.deliveredByLatch) ? 1 : 0,
      created_at: current.override?.created_at ?? t,
      updated_at: t,
    };
    await upsertOverride(trx, row);
    return get(type, slug, trx);
  }

  function renderWith(t: ResolvedTemplate, data: TemplateData): RenderedMessage {
    const all = { app: appInfo(), ...data };
    if (t.type === 'email') {
      const html = render(t.body, all, 'html');
      return {
        subject: t.subject === null ? null : render(t.subject, all, 'header'),
        body: html,
        bodyPlain: htmlToText(html),
        fromEmailName: t.fromEmailName === null ? null : render(t.fromEmailName, all, 'header'),
        replyToEmailName: t.replyToEmailName,
        deliver: t.deliveredByLatch,
      };
    }
    const sms = render(t.body, all, 'text');
    return { subject: null, body: sms, bodyPlain: sms, fromEmailName: null, replyToEmailName: null, deliver: t.deliveredByLatch };
  }

  return {
    get,

    async list(type: TemplateType): Promise<ResolvedTemplate[]> {
      const overrides = await overridesOf(db, type);
      const bySlug = new Map(overrides.map((o) => [o.slug, o]));
      return defaultsOf(type).map((def, i) => resolve(type, def, i, bySlug.get(def.slug) ?? null));
    },

    async update(type: TemplateType, slug: string, input: TemplateUpdate): Promise<ResolvedTemplate> {
      return transaction(db, async (trx) => {
        await lockTemplateEdits(trx);
        return updateLocked(trx, type, slug, input);
      });
    },

    /** Sets whether Latch delivers the template, or flips it when `value` is not given (under the same lock as `update`). */
    async toggleDelivery(type: TemplateType, slug: string, value: boolean | null | undefined): Promise<ResolvedTemplate> {
      return transaction(db, async (trx) => {
        await lockTemplateEdits(trx);
        const current = await get(type, slug, trx);
        return updateLocked(trx, type, slug, { deliveredByLatch: value ?? !current.deliveredByLatch });
      });
    },

    async revert(type: TemplateType, slug: string): Promise<ResolvedTemplate> {
      findDefault(type, slug);
      await deleteOverride(db, type, slug);
      return get(type, slug);
    },

    /** Renders the stored template, or the given draft subject/body, with sample data. */
    async preview(type: TemplateType, slug: string, draft: { subject?: string; body?: string; fromEmailName?: string }): Promise<RenderedMessage> {
      const t = await get(type, slug);
      const sample: TemplateData = {
        otp_code: '123456',
        ttl_minutes: 10,
        magic_link: `${String(appInfo().url ?? '')}/magic-link-preview`,
        action_url: `${String(appInfo().url ?? '')}/invitation-preview`,
        expires_at: new Date(now() + 30 * 86_400_000).toUTCString(),
        inviter_name: 'Ada Lovelace',
        identifier: 'ada@example.com',
        new_email_address: 'ada@example.com',
        org: { name: 'Analytical Engines Ltd' },
        user: { first_name: 'Ada', last_name: 'Lovelace', email_address: 'ada@example.com', phone_number: '+15555550100' },
        requested_from: 'Firefox, London',
        requested_at: new Date(now()).toUTCString(),
      };
      return renderWith(
        { ...t, subject: draft.subject ?? t.subject, body: draft.body ?? t.body, fromEmailName: draft.fromEmailName ?? t.fromEmailName },
        sample,
      );
    },

    /** Renders a template for sending, reading it through `conn` (the caller's transaction). */
    async renderFor(type: TemplateType, slug: string, data: TemplateData, conn: Kysely<Database> = db): Promise<RenderedMessage> {
      return renderWith(await get(type, slug, conn), data);
    },
  };
}

export type TemplatesService = ReturnType<typeof createTemplatesService>;
