/**
 * Kysely queries for stored template overrides. A template without a row is the built-in default; the
 * service resolves the two.
 */
import type { Insertable, Kysely, Selectable } from 'kysely';
import type { Tx } from '../../storage/database.js';
import type { Database, TemplateTable } from '../../storage/schema.js';
import type { TemplateType } from './defaults.js';

export type TemplateRow = Selectable<TemplateTable>;

/** `conn` is the caller's transaction when there is one: on SQLite a query outside it would wait forever. */
export async function findOverride(conn: Kysely<Database>, type: TemplateType, slug: string): Promise<TemplateRow | null> {
  return (await conn.selectFrom('templates').selectAll().where('template_type', '=', type).where('slug', '=', slug).executeTakeFirst()) ?? null;
}

export function overridesOf(conn: Kysely<Database>, type: TemplateType): Promise<TemplateRow[]> {
  return conn.selectFrom('templates').selectAll().where('template_type', '=', type).execute();
}

/** Stores the override, replacing every edited column of an existing one (its created_at stays). */
export async function upsertOverride(tx: Tx, row: Insertable<TemplateTable>): Promise<void> {
  await tx
    .insertInto('templates')
    .values(row)
    .onConflict((oc) =>
      oc.columns(['template_type', 'slug']).doUpdateSet({
        name: row.name,
        subject: row.subject,
        markup: row.markup,
        body: row.body,
        from_email_name: row.from_email_name,
        reply_to_email_name: row.reply_to_email_name,
        delivered_by_clerk: row.delivered_by_clerk,
        updated_at: row.updated_at,
      }),
    )
    .execute();
}

export async function deleteOverride(conn: Kysely<Database>, type: TemplateType, slug: string): Promise<void> {
  await conn.deleteFrom('templates').where('template_type', '=', type).where('slug', '=', slug).execute();
}
