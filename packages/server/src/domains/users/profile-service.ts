/**
 * What a user shows and carries besides identifiers: the profile image and the three kinds of metadata
 * (public, private, unsafe). No HTTP here.
 */
import { type Metadata, newId } from '@latch/core';
import type { Updateable } from 'kysely';
import { ApiError, notFound } from '../../errors.js';
import { transaction } from '../../storage/database.js';
import { type UserTable, readJson } from '../../storage/schema.js';
import { deleteImage, findImageContent, insertImage } from '../images/repository.js';
import { nextMetadata } from '../metadata/metadata.js';
import { type UserAggregate, lockUser, updateUser } from './repository.js';
import type { UsersContext } from './rules.js';

export interface MetadataInput {
  /** `null` clears the kind. */
  publicMetadata?: Metadata | null;
  privateMetadata?: Metadata | null;
  unsafeMetadata?: Metadata | null;
}

export interface ImageInput {
  bytes: Uint8Array;
  contentType: string;
}

export function createProfileService({ db, now, load }: UsersContext, maxImageBytes: number) {
  return {
    /** PATCH /metadata: deep merge, `null` deletes a key. PUT (replace=true): each given kind replaces. */
    async writeMetadata(id: string, input: MetadataInput, replace: boolean): Promise<UserAggregate> {
      await transaction(db, async (trx) => {
        const user = await lockUser(trx, id);
        if (!user) throw notFound('User');
        const patch: Updateable<UserTable> = { updated_at: now() };
        for (const [param, column, value] of [
          ['public_metadata', 'public_metadata', input.publicMetadata],
          ['private_metadata', 'private_metadata', input.privateMetadata],
          ['unsafe_metadata', 'unsafe_metadata', input.unsafeMetadata],
        ] as const) {
          if (value === undefined) continue;
          const next = nextMetadata(param, readJson<Metadata>(user[column]), value, replace ? 'replace' : 'merge');
          patch[column] = JSON.stringify(next);
        }
        await updateUser(trx, id, patch);
      });
      return load(id);
    },

    async setProfileImage(id: string, image: ImageInput): Promise<UserAggregate> {
      if (image.bytes.byteLength > maxImageBytes) {
        throw new ApiError({ code: 'file_too_large', longMessage: `The image must be at most ${maxImageBytes} bytes.`, paramName: 'file' });
      }
      const t = now();
      await transaction(db, async (trx) => {
        const user = await lockUser(trx, id);
        if (!user) throw notFound('User');
        const imageId = newId('img', t);
        await insertImage(trx, { id: imageId, owner_id: id, content_type: image.contentType, bytes: image.bytes, size: image.bytes.byteLength, created_at: t });
        await updateUser(trx, id, { image_id: imageId, updated_at: t });
        if (user.image_id) await deleteImage(trx, user.image_id);
      });
      return load(id);
    },

    async deleteProfileImage(id: string): Promise<UserAggregate> {
      await transaction(db, async (trx) => {
        const user = await lockUser(trx, id);
        if (!user) throw notFound('User');
        if (!user.image_id) return;
        await updateUser(trx, id, { image_id: null, updated_at: now() });
        await deleteImage(trx, user.image_id);
      });
      return load(id);
    },

    /** A stored image (any owner's), for serving it; undefined when there is none. */
    async image(imageId: string) {
      return findImageContent(db, imageId);
    },
  };
}
