/**
 * Kysely queries for stored images: users' profile images and organizations' logos. An image belongs
 * to one owner (a user or an organization id) and is served at `/v1/images/{id}`.
 */
import type { Insertable } from 'kysely';
import type { Executor } from '../../storage/database.js';
import type { ImageTable } from '../../storage/schema.js';

export async function insertImage(ex: Executor, row: Insertable<ImageTable>): Promise<void> {
  await ex.insertInto('images').values(row).execute();
}

/** The image's id and owner, to check an id a client names is one of its owner's uploads. */
export async function findImageOwner(ex: Executor, id: string): Promise<{ id: string; owner_id: string } | null> {
  return (await ex.selectFrom('images').select(['id', 'owner_id']).where('id', '=', id).executeTakeFirst()) ?? null;
}

/** What serving an image needs, or undefined when there is no such image. */
export function findImageContent(ex: Executor, id: string) {
  return ex.selectFrom('images').select(['content_type', 'bytes', 'size']).where('id', '=', id).executeTakeFirst();
}

export async function deleteImage(ex: Executor, id: string): Promise<void> {
  await ex.deleteFrom('images').where('id', '=', id).execute();
}

/** Deletes every image an owner uploaded (the owner is being deleted). */
export async function deleteImagesOf(ex: Executor, ownerId: string): Promise<void> {
  await ex.deleteFrom('images').where('owner_id', '=', ownerId).execute();
}
