/**
 * Users Backend API, the profile: `/users/{user_id}/metadata` and `/users/{user_id}/profile_image`.
 */
import { z } from 'zod';
import type { BapiRouter } from '../../http/bapi/surface.js';
import { readImageUpload } from '../../http/image-upload.js';
import { metadataObject } from '../../http/validation.js';
import { SINGLE_USER, USERS, UserIdParams } from './bapi-common.js';
import { userJSON } from './serialize.js';
import type { UsersService } from './service.js';

const MetadataBody = z
  .object({
    public_metadata: metadataObject.nullable().optional(),
    private_metadata: metadataObject.nullable().optional(),
    unsafe_metadata: metadataObject.nullable().optional(),
  })
  .strict();

const ImageBody = z.object({ file: z.string().meta({ format: 'binary' }) });

/** `uploadLimit`: the largest profile-image request body, in bytes (the image plus multipart framing). */
export function registerProfileRoutes(router: BapiRouter, users: UsersService, publicUrl: string, uploadLimit: number): void {
  const json = (a: Parameters<typeof userJSON>[0]) => userJSON(a, publicUrl);

  for (const replace of [false, true]) {
    router.add(
      {
        method: replace ? 'put' : 'patch',
        path: '/users/{user_id}/metadata',
        operationId: replace ? 'ReplaceUserMetadata' : 'UpdateUserMetadata',
        summary: replace ? "Replace a user's metadata" : "Merge and update a user's metadata",
        description: replace
          ? 'Each given kind of metadata replaces the stored one; kinds not given are kept.'
          : 'Deep merge into the stored metadata; a null value removes its key at any level. Each kind is limited to 8 KB.',
        tags: USERS,
        params: UserIdParams,
        body: MetadataBody,
        responses: SINGLE_USER,
      },
      async ({ params, body }) =>
        json(
          await users.writeMetadata(
            params.user_id,
            { publicMetadata: body.public_metadata, privateMetadata: body.private_metadata, unsafeMetadata: body.unsafe_metadata },
            replace,
          ),
        ),
    );
  }

  router.add(
    {
      method: 'post',
      path: '/users/{user_id}/profile_image',
      operationId: 'SetUserProfileImage',
      summary: "Set a user's profile image",
      description: 'multipart/form-data with a `file` field: PNG, JPEG, GIF or WebP, recognized by content.',
      tags: USERS,
      params: UserIdParams,
      body: ImageBody,
      bodyKind: 'multipart',
      bodyLimit: uploadLimit,
      responses: SINGLE_USER,
    },
    async ({ c, params }) => json(await users.setProfileImage(params.user_id, await readImageUpload(c))),
  );

  router.add(
    {
      method: 'delete',
      path: '/users/{user_id}/profile_image',
      operationId: 'DeleteUserProfileImage',
      summary: "Delete a user's profile image",
      tags: USERS,
      params: UserIdParams,
      responses: SINGLE_USER,
    },
    async ({ params }) => json(await users.deleteProfileImage(params.user_id)),
  );
}
