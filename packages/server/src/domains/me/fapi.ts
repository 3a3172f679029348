/**
 * `/me`: the signed-in user reading and changing their own profile. Only what a user may change about
 * themselves is accepted (names, username, unsafe metadata); public and private metadata are the
 * application's, written through the Backend API only, and private metadata is never shown here.
 */
import { z } from 'zod';
import { ApiError } from '../../errors.js';
import { formJsonObject, formNullableString } from '../../http/fapi/form.js';
import type { FapiCaller, FapiRouter } from '../../http/fapi/surface.js';
import type { SessionRow } from '../sessions/repository.js';
import type { SessionsService } from '../sessions/service.js';
import type { UsersService } from '../users/service.js';

export interface MeRoutesDeps {
  sessions: SessionsService;
  users: Pick<UsersService, 'update' | 'writeMetadata'>;
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

export function registerMeRoutes(router: FapiRouter, { sessions, users, present }: MeRoutesDeps): void {
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
      description: 'Names, username, primary identifiers and `unsafe_metadata` (replaced as a whole). Public and private metadata cannot be set here.',
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
}
