/**
 * `/me`: the signed-in user reading and changing their own profile. Only what a user may change about
 * themselves is accepted (names, username, primary identifiers, unsafe metadata, image, password);
 * public and private metadata are the application's, written through the Backend API only, and private
 * metadata is never shown here. Identifiers and second factors have their own route files beside this.
 */
import { z } from 'zod';
import { ApiError } from '../../errors.js';
import { limitKeyOf } from '../../http/fapi/activity.js';
import { formBool, formJsonObject, formNullableString } from '../../http/fapi/form.js';
import type { FapiCaller, FapiRouter } from '../../http/fapi/surface.js';
import { readImageUpload } from '../../http/image-upload.js';
import type { Guard } from '../../limits/policy.js';
import type { SessionRow } from '../sessions/repository.js';
import type { SessionsService } from '../sessions/service.js';
import { deletedJSON } from '../users/serialize.js';
import type { UsersService } from '../users/service.js';
import { imageJSON } from './serialize.js';
import type { AccountService } from './service.js';

export interface MeRoutesDeps {
  sessions: SessionsService;
  users: Pick<UsersService, 'update' | 'writeMetadata' | 'setProfileImage' | 'deleteProfileImage' | 'get'>;
  account: AccountService;
  guard: Guard;
  publicUrl: string;
  /** The largest profile-image request body, in bytes (the image plus multipart framing). */
  uploadLimit: number;
  present(userId: string): Promise<unknown>;
}

/** The session a request acts in: the one it names (`_clerk_session_id`) or the client's active one. */
export async function signedInSession(principal: FapiCaller, sessions: SessionsService): Promise<SessionRow> {
  const client = principal.requireClient();
  const id = principal.requestedSessionId ?? client.last_active_session_id;
  const signedOut = () => new ApiError({ code: 'signed_out', longMessage: 'Sign in to do this.' });
  if (!id) throw signedOut();
  try {
    return await sessions.getLive(id, client.id);
  } catch {
    throw signedOut();
  }
}

const profile = z
  .object({
    first_name: formNullableString(256).optional(),
    last_name: formNullableString(256).optional(),
    username: formNullableString(64).optional(),
    unsafe_metadata: formJsonObject.optional(),
    primary_email_address_id: z.string().max(64).optional(),
    primary_phone_number_id: z.string().max(64).optional(),
  })
  .strict();

export function registerMeRoutes(router: FapiRouter, { sessions, users, account, guard, publicUrl, uploadLimit, present }: MeRoutesDeps): void {
  const tags = ['User'];
  router.add(
    { method: 'get', path: '/me', operationId: 'getUser', summary: 'The signed-in user', tags, responses: { 200: { description: 'The user, in `response`' } } },
    async ({ principal }) => present((await signedInSession(principal, sessions)).user_id),
  );

  router.add(
    {
      method: 'patch',
      path: '/me',
      operationId: 'patchUser',
      summary: 'Update your profile',
      description: 'Names, username, primary identifiers (verified ones only) and `unsafe_metadata` (replaced as a whole). Public and private metadata cannot be set here.',
      tags,
      body: profile,
      responses: { 200: { description: 'The user, in `response`' } },
    },
    async ({ principal, body }) => {
      const { user_id } = await signedInSession(principal, sessions);
      await users.update(user_id, {
        ...(body.first_name !== undefined ? { firstName: body.first_name } : {}),
        ...(body.last_name !== undefined ? { lastName: body.last_name } : {}),
        ...(body.username !== undefined ? { username: body.username } : {}),
        ...(body.unsafe_metadata !== undefined ? { unsafeMetadata: body.unsafe_metadata } : {}),
        ...(body.primary_email_address_id !== undefined ? { primaryEmailAddressId: body.primary_email_address_id } : {}),
        ...(body.primary_phone_number_id !== undefined ? { primaryPhoneNumberId: body.primary_phone_number_id } : {}),
        verifiedPrimaryOnly: true,
      });
      return present(user_id);
    },
  );

  router.add(
    {
      method: 'patch',
      path: '/me/metadata',
      operationId: 'patchUserMetadata',
      summary: 'Merge into your unsafe metadata',
      description: 'An RFC 7396 merge patch of `unsafe_metadata`: objects merge deeply, `null` deletes a key.',
      tags,
      body: z.object({ unsafe_metadata: formJsonObject }).strict(),
      responses: { 200: { description: 'The user, in `response`' } },
    },
    async ({ principal, body }) => {
      const { user_id } = await signedInSession(principal, sessions);
      await users.writeMetadata(user_id, { unsafeMetadata: body.unsafe_metadata }, false);
      return present(user_id);
    },
  );

  router.add(
    {
      method: 'delete',
      path: '/me',
      operationId: 'deleteUser',
      summary: 'Delete your account',
      description: 'Only where the instance allows users to delete themselves (`delete_self_enabled`) and the user\'s own `delete_self_enabled` is on; the session asking ends with it.',
      tags,
      responses: { 200: { description: '`{object: "user", id, deleted: true}`, in `response`' } },
    },
    async ({ principal }) => {
      const session = await signedInSession(principal, sessions);
      await account.deleteSelf(session.user_id, session);
      principal.authChanged = true;
      return deletedJSON('user', session.user_id);
    },
  );

  router.add(
    {
      method: 'post',
      path: '/me/change_password',
      operationId: 'changePassword',
      summary: 'Change your password',
      description: '`current_password` must be the password (when there is one; a wrong one counts toward the lockout); `new_password` passes the policy. `sign_out_of_other_sessions` ends every other session of the user.',
      tags,
      body: z
        .object({ current_password: formNullableString(1024).optional(), new_password: z.string().max(1024), sign_out_of_other_sessions: formBool.optional() })
        .strict(),
      responses: { 200: { description: 'The user, in `response`' } },
    },
    async ({ principal, body, c }) => {
      const session = await signedInSession(principal, sessions);
      await guard.check('attemptPerIp', limitKeyOf(c));
      await account.changePassword(session.user_id, session, {
        current: body.current_password ?? null,
        next: body.new_password,
        signOutOfOtherSessions: body.sign_out_of_other_sessions ?? false,
      });
      if (body.sign_out_of_other_sessions) principal.authChanged = true;
      return present(session.user_id);
    },
  );

  router.add(
    {
      method: 'post',
      path: '/me/remove_password',
      operationId: 'removePassword',
      summary: 'Remove your password',
      description: 'Only where the instance does not require a password, with the current one, and never when the user would be left with no way to sign in (`identification_deletion_failed`).',
      tags,
      body: z.object({ current_password: z.string().max(1024) }).strict(),
      responses: { 200: { description: 'The user, in `response`' } },
    },
    async ({ principal, body, c }) => {
      const session = await signedInSession(principal, sessions);
      await guard.check('attemptPerIp', limitKeyOf(c));
      await account.removePassword(session.user_id, body.current_password);
      return present(session.user_id);
    },
  );

  router.add(
    {
      method: 'post',
      path: '/me/profile_image',
      operationId: 'updateProfileImage',
      summary: 'Upload your profile image',
      description: 'multipart/form-data with a `file` field, or an application/octet-stream body (the image, or its base64 or `data:` URL, as `setProfileImage({ file: string })` sends it): PNG, JPEG, GIF or WebP, recognized by content.',
      tags,
      body: z.object({ file: z.string().meta({ format: 'binary' }) }),
      bodyKind: 'multipart',
      bodyLimit: uploadLimit,
      responses: { 200: { description: 'The image, in `response`' } },
    },
    async ({ principal, c }) => {
      const { user_id } = await signedInSession(principal, sessions);
      const updated = await users.setProfileImage(user_id, await readImageUpload(c, { octetStream: true }));
      // Null only if a concurrent request removed it again at once.
      if (!updated.user.image_id) throw new ApiError({ code: 'resource_not_found', longMessage: 'The image was removed meanwhile.' });
      return imageJSON(updated.user.image_id, publicUrl);
    },
  );

  router.add(
    {
      method: 'delete',
      path: '/me/profile_image',
      operationId: 'deleteProfileImage',
      summary: 'Remove your profile image',
      tags,
      responses: { 200: { description: '`{object: "image", id, deleted: true}`, in `response`' } },
    },
    async ({ principal }) => {
      const { user_id } = await signedInSession(principal, sessions);
      const before = await users.get(user_id);
      if (!before.user.image_id) throw new ApiError({ code: 'resource_not_found', longMessage: 'You have no profile image.' });
      await users.deleteProfileImage(user_id);
      return deletedJSON('image', before.user.image_id);
    },
  );
}
