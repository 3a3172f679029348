/**
 * Users Backend API: `/users`, `/email_addresses`, `/phone_numbers`. Each route parses its input with a
 * zod schema, calls the service and serializes; the same schemas make the OpenAPI document.
 */
import type { Context } from 'hono';
import { z } from 'zod';
import { PASSWORD_HASHERS } from '../../crypto/passwords.js';
import { ApiError, notFound } from '../../errors.js';
import type { BapiRouter } from '../../http/bapi/surface.js';
import { metadataObject, parseOrderBy, qBool, qInt, rfc3339 } from '../../http/validation.js';
import {
  DeletedObjectSchema,
  EmailAddressSchema,
  ERROR_RESPONSES,
  PhoneNumberSchema,
  TotalCountSchema,
  UserSchema,
} from '../../http/wire-schemas.js';
import { ORDER_FIELDS, type OrderField } from './repository.js';
import { userFilterFields, userFilterFromQuery } from './filter-query.js';
import { deletedJSON, emailAddressJSON, phoneNumberJSON, userJSON } from './serialize.js';
import type { UsersService } from './service.js';

const shortText = (max: number) => z.string().max(max);
const idParam = z.string().min(1).max(128);
const hasher = z.enum(PASSWORD_HASHERS);

const UserIdParams = z.object({ user_id: idParam });

const CountQuery = z.object(userFilterFields);
const ListQuery = z.object({
  ...userFilterFields,
  limit: qInt(1, 500).optional(),
  offset: qInt(0, 1e9).optional(),
  starting_after: idParam.optional(),
  order_by: shortText(64).optional(),
});

function parseOrder(orderBy: string | undefined): { field: OrderField; direction: 'asc' | 'desc' } {
  return parseOrderBy(orderBy, ORDER_FIELDS, '-created_at');
}

const passwordFields = {
  password: z.string().max(1024).nullable().optional(),
  password_digest: z.string().max(1024).nullable().optional(),
  password_hasher: hasher.nullable().optional(),
  skip_password_checks: z.boolean().nullable().optional(),
};

/** Fields that creating and updating a user share, with the same rules. */
const sharedUserFields = {
  external_id: shortText(256).nullable().optional(),
  first_name: shortText(256).nullable().optional(),
  last_name: shortText(256).nullable().optional(),
  locale: shortText(32).nullable().optional(),
  timezone: shortText(64).nullable().optional(),
  username: shortText(256).nullable().optional(),
  ...passwordFields,
  totp_secret: shortText(256).nullable().optional(),
  backup_codes: z.array(shortText(256)).max(100).optional(),
  delete_self_enabled: z.boolean().nullable().optional(),
  create_organization_enabled: z.boolean().nullable().optional(),
  legal_accepted_at: rfc3339.nullable().optional(),
  skip_legal_checks: z.boolean().nullable().optional(),
  create_organizations_limit: z.number().int().min(0).max(1e6).nullable().optional(),
  created_at: rfc3339.nullable().optional(),
  bypass_client_trust: z.boolean().nullable().optional(),
};

export const CreateUserBody = z
  .object({
    ...sharedUserFields,
    email_address: z.array(z.string().max(320)).max(100).optional(),
    email_address_identification_status: z.array(z.enum(['verified', 'reserved'])).max(100).optional(),
    phone_number: z.array(z.string().max(64)).max(100).optional(),
    phone_number_identification_status: z.array(z.enum(['verified', 'reserved'])).max(100).optional(),
    web3_wallet: z.array(z.string().max(128)).max(100).optional(),
    skip_password_requirement: z.boolean().nullable().optional(),
    public_metadata: metadataObject.optional(),
    private_metadata: metadataObject.optional(),
    unsafe_metadata: metadataObject.optional(),
    skip_user_requirement: z.boolean().nullable().optional(),
    banned: z.boolean().nullable().optional(),
    locked: z.boolean().nullable().optional(),
    bypass_restrictions: z
      .boolean()
      .nullable()
      .optional()
      .describe('Latch extension: create the user even if the allowlist or blocklist would refuse the sign-up.'),
  })
  .strict();

const UpdateUserBody = z
  .object({
    ...sharedUserFields,
    primary_email_address_id: idParam.nullable().optional(),
    notify_primary_email_address_changed: z.boolean().nullable().optional(),
    primary_phone_number_id: idParam.nullable().optional(),
    primary_web3_wallet_id: idParam.nullable().optional(),
    profile_image_id: idParam.nullable().optional(),
    sign_out_of_other_sessions: z.boolean().nullable().optional(),
    public_metadata: metadataObject.nullable().optional(),
    private_metadata: metadataObject.nullable().optional(),
    unsafe_metadata: metadataObject.nullable().optional(),
  })
  .strict();

/** The shared fields of a create or update body, as the service takes them. */
function sharedUserInput(body: z.output<typeof CreateUserBody> | z.output<typeof UpdateUserBody>) {
  return {
    externalId: body.external_id,
    firstName: body.first_name,
    lastName: body.last_name,
    locale: body.locale,
    timezone: body.timezone,
    username: body.username,
    password: body.password,
    passwordDigest: body.password_digest,
    passwordHasher: body.password_hasher,
    skipPasswordChecks: body.skip_password_checks,
    totpSecret: body.totp_secret,
    backupCodes: body.backup_codes,
    deleteSelfEnabled: body.delete_self_enabled,
    createOrganizationEnabled: body.create_organization_enabled,
    createOrganizationsLimit: body.create_organizations_limit,
    legalAcceptedAt: body.legal_accepted_at,
    createdAt: body.created_at,
    bypassClientTrust: body.bypass_client_trust,
    publicMetadata: body.public_metadata,
    privateMetadata: body.private_metadata,
    unsafeMetadata: body.unsafe_metadata,
  };
}

const MetadataBody = z
  .object({
    public_metadata: metadataObject.nullable().optional(),
    private_metadata: metadataObject.nullable().optional(),
    unsafe_metadata: metadataObject.nullable().optional(),
  })
  .strict();

const UserIdsBody = z.object({ user_ids: z.array(idParam).min(1).max(100) }).strict();
const VerifyPasswordBody = z.object({ password: z.string().max(1024) }).strict();
const RemovePasswordBody = z.object({ sign_out_of_other_sessions: z.boolean().nullable().optional() }).strict();
const ImageBody = z.object({ file: z.string().meta({ format: 'binary' }) });

const EmailIdParams = z.object({ email_address_id: idParam });
const PhoneIdParams = z.object({ phone_number_id: idParam });

const CreateEmailBody = z
  .object({
    user_id: idParam,
    email_address: z.string().max(320),
    verified: z.boolean().nullable().optional(),
    primary: z.boolean().nullable().optional(),
    notify_primary_email_address_changed: z.boolean().nullable().optional(),
  })
  .strict();
const UpdateEmailBody = z
  .object({
    verified: z.boolean().nullable().optional(),
    primary: z.boolean().nullable().optional(),
    notify_primary_email_address_changed: z.boolean().nullable().optional(),
  })
  .strict();
const CreatePhoneBody = z
  .object({
    user_id: idParam,
    phone_number: z.string().max(64),
    verified: z.boolean().nullable().optional(),
    primary: z.boolean().nullable().optional(),
    reserved_for_second_factor: z.boolean().nullable().optional(),
  })
  .strict();
const UpdatePhoneBody = z
  .object({
    verified: z.boolean().nullable().optional(),
    primary: z.boolean().nullable().optional(),
    reserved_for_second_factor: z.boolean().nullable().optional(),
  })
  .strict();
const ReplaceEmailBody = z
  .object({
    email_address: z.string().max(320),
    identification_status: z.enum(['verified', 'reserved', 'unverified']).optional(),
    notify_primary_email_address_changed: z.boolean().nullable().optional(),
  })
  .strict();
const ReplacePhoneBody = z
  .object({
    phone_number: z.string().max(64),
    identification_status: z.enum(['verified', 'reserved', 'unverified']).optional(),
  })
  .strict();

const IMAGE_TYPES: Record<string, (b: Uint8Array) => boolean> = {
  'image/png': (b) => b[0] === 0x89 && b[1] === 0x50 && b[2] === 0x4e && b[3] === 0x47,
  'image/jpeg': (b) => b[0] === 0xff && b[1] === 0xd8 && b[2] === 0xff,
  'image/gif': (b) => b[0] === 0x47 && b[1] === 0x49 && b[2] === 0x46,
  'image/webp': (b) => b[0] === 0x52 && b[1] === 0x49 && b[2] === 0x46 && b[3] === 0x46 && b[8] === 0x57 && b[9] === 0x45,
};

/** The image's real type from its first bytes; the declared type is not trusted (no SVG, no HTML). */
function sniffImage(bytes: Uint8Array): string | null {
  for (const [type, test] of Object.entries(IMAGE_TYPES)) if (test(bytes)) return type;
  return null;
}

/** Reads a multipart image upload (`file` field), recognizing its type by content; throws coded errors. */
export async function readImageUpload(c: Context): Promise<{ bytes: Uint8Array; contentType: string }> {
  const type = c.req.header('content-type') ?? '';
  if (!/^multipart\/form-data/i.test(type)) {
    throw ApiError.of('unsupported_content_type', 'Upload the image as multipart/form-data with a "file" field.');
  }
  let form: FormData;
  try {
    form = await c.req.formData();
  } catch {
    throw ApiError.of('request_body_invalid', 'The multipart body could not be parsed.');
  }
  const file = form.get('file');
  if (!(file instanceof Blob)) {
    throw new ApiError({ code: 'form_param_missing', longMessage: 'file must be included.', paramName: 'file' });
  }
  const bytes = new Uint8Array(await file.arrayBuffer());
  const contentType = sniffImage(bytes);
  if (!contentType) {
    throw new ApiError({ code: 'form_param_format_invalid', longMessage: 'file must be a PNG, JPEG, GIF or WebP image.', paramName: 'file' });
  }
  return { bytes, contentType };
}

const USERS = ['Users'];

/** `uploadLimit`: the largest profile-image request body, in bytes (the image plus multipart framing). */
export function registerUserRoutes(router: BapiRouter, users: UsersService, publicUrl: string, uploadLimit: number): void {
  const json = (a: Parameters<typeof userJSON>[0]) => userJSON(a, publicUrl);
  const single = { 200: { description: 'The user', schema: UserSchema }, ...ERROR_RESPONSES };

  router.add(
    {
      method: 'get',
      path: '/users',
      operationId: 'GetUserList',
      summary: 'List all users',
      description: 'Users matching every given filter, newest first unless `order_by` says otherwise. A plain array.',
      tags: USERS,
      query: ListQuery,
      responses: { 200: { description: 'Users', schema: z.array(UserSchema) }, ...ERROR_RESPONSES },
    },
    async ({ query }) => {
      const order = parseOrder(query.order_by);
      let startingAfter: { id: string; createdAt: number } | undefined;
      if (query.starting_after) {
        if (order.field !== 'created_at') {
          throw new ApiError({ code: 'form_param_value_invalid', longMessage: 'starting_after requires ordering by created_at.', paramName: 'starting_after' });
        }
        if (query.offset) {
          throw new ApiError({ code: 'form_param_value_invalid', longMessage: 'starting_after cannot be combined with a non-zero offset.', paramName: 'offset' });
        }
        const createdAt = await users.createdAtOf(query.starting_after);
        if (createdAt === null) {
          throw new ApiError({ code: 'form_param_value_invalid', longMessage: 'starting_after must be the id of an existing user.', paramName: 'starting_after' });
        }
        startingAfter = { id: query.starting_after, createdAt };
      }
      const list = await users.list(userFilterFromQuery(query), {
        orderBy: order.field,
        direction: order.direction,
        limit: query.limit ?? 10,
        offset: query.offset ?? 0,
        ...(startingAfter ? { startingAfter } : {}),
      });
      return list.map(json);
    },
  );

  router.add(
    {
      method: 'get',
      path: '/users/count',
      operationId: 'GetUsersCount',
      summary: 'Count users',
      tags: USERS,
      query: CountQuery,
      responses: { 200: { description: 'How many users match', schema: TotalCountSchema }, ...ERROR_RESPONSES },
    },
    async ({ query }) => ({ object: 'total_count', total_count: await users.count(userFilterFromQuery(query)) }),
  );

  router.add(
    {
      method: 'post',
      path: '/users',
      operationId: 'CreateUser',
      summary: 'Create a new user',
      description: 'E-mail addresses and phone numbers are created verified unless their identification status says reserved; the first of each kind is primary.',
      tags: USERS,
      body: CreateUserBody,
      responses: single,
    },
    async ({ body }) =>
      json(
        await users.create({
          ...sharedUserInput(body),
          publicMetadata: body.public_metadata,
          privateMetadata: body.private_metadata,
          unsafeMetadata: body.unsafe_metadata,
          emailAddresses: body.email_address,
          emailAddressStatuses: body.email_address_identification_status,
          phoneNumbers: body.phone_number,
          phoneNumberStatuses: body.phone_number_identification_status,
          web3Wallets: body.web3_wallet,
          banned: body.banned,
          locked: body.locked,
          bypassRestrictions: body.bypass_restrictions,
        }),
      ),
  );

  router.add(
    { method: 'get', path: '/users/{user_id}', operationId: 'GetUser', summary: 'Retrieve a user', tags: USERS, params: UserIdParams, responses: single },
    async ({ params }) => json(await users.get(params.user_id)),
  );

  router.add(
    {
      method: 'patch',
      path: '/users/{user_id}',
      operationId: 'UpdateUser',
      summary: 'Update a user',
      description: 'Given metadata kinds replace the stored ones; use PATCH /users/{user_id}/metadata to merge.',
      tags: USERS,
      params: UserIdParams,
      body: UpdateUserBody,
      responses: single,
    },
    async ({ params, body }) =>
      json(
        await users.update(params.user_id, {
          ...sharedUserInput(body),
          primaryEmailAddressId: body.primary_email_address_id,
          primaryPhoneNumberId: body.primary_phone_number_id,
          primaryWeb3WalletId: body.primary_web3_wallet_id,
          profileImageId: body.profile_image_id,
        }),
      ),
  );

  router.add(
    {
      method: 'delete',
      path: '/users/{user_id}',
      operationId: 'DeleteUser',
      summary: 'Delete a user',
      tags: USERS,
      params: UserIdParams,
      responses: { 200: { description: 'Deleted', schema: DeletedObjectSchema }, ...ERROR_RESPONSES },
    },
    async ({ params }) => {
      await users.delete(params.user_id);
      return deletedJSON('user', params.user_id);
    },
  );

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
        responses: single,
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

  for (const [action, flag, value] of [
    ['ban', 'banned', true],
    ['unban', 'banned', false],
    ['lock', 'locked', true],
    ['unlock', 'locked', false],
  ] as const) {
    router.add(
      {
        method: 'post',
        path: `/users/{user_id}/${action}`,
        operationId: `${action[0]?.toUpperCase()}${action.slice(1)}User`,
        summary: `${action[0]?.toUpperCase()}${action.slice(1)} a user`,
        tags: USERS,
        params: UserIdParams,
        responses: single,
      },
      async ({ params }) => json(await users.setFlag(params.user_id, flag, value)),
    );
  }

  for (const [action, value] of [
    ['ban', true],
    ['unban', false],
  ] as const) {
    router.add(
      {
        method: 'post',
        path: `/users/${action}`,
        operationId: `Users${action[0]?.toUpperCase()}${action.slice(1)}`,
        summary: `${action[0]?.toUpperCase()}${action.slice(1)} several users`,
        tags: USERS,
        body: UserIdsBody,
        responses: { 200: { description: 'The users', schema: z.array(UserSchema) }, ...ERROR_RESPONSES },
      },
      async ({ body }) => (await users.setBannedMany(body.user_ids, value)).map(json),
    );
  }

  router.add(
    {
      method: 'post',
      path: '/users/{user_id}/verify_password',
      operationId: 'VerifyPassword',
      summary: 'Verify the password of a user',
      description: '200 `{verified:true}` when correct; 422 form_password_incorrect when not; 400 when the user has no password. A correct imported digest is rehashed to argon2id.',
      tags: USERS,
      params: UserIdParams,
      body: VerifyPasswordBody,
      responses: { 200: { description: 'Correct', schema: z.object({ verified: z.literal(true) }) }, ...ERROR_RESPONSES },
    },
    async ({ params, body }) => ({ verified: await users.verifyPassword(params.user_id, body.password) }),
  );

  router.add(
    {
      method: 'post',
      path: '/users/{user_id}/verify_totp',
      operationId: 'VerifyTOTP',
      summary: 'Verify a TOTP or backup code for a user',
      description: '200 `{verified, code_type}`; 422 form_code_incorrect; 400 when the user has neither TOTP nor backup codes. A backup code works once.',
      tags: USERS,
      params: UserIdParams,
      body: z.object({ code: z.string().min(1).max(64) }).strict(),
      responses: { 200: { description: 'Correct', schema: z.object({ verified: z.literal(true), code_type: z.enum(['totp', 'backup_code']) }) }, ...ERROR_RESPONSES },
    },
    async ({ params, body }) => ({ verified: true, code_type: await users.verifySecondFactor(params.user_id, body.code) }),
  );
  for (const [path, which, opId, summary] of [
    ['mfa', 'mfa', 'DisableMFA', "Disable a user's MFA methods"],
    ['totp', 'totp', 'DeleteTOTP', "Delete a user's TOTP"],
    ['backup_code', 'backup_code', 'DeleteBackupCode', "Delete a user's backup codes"],
  ] as const) {
    router.add(
      {
        method: 'delete',
        path: `/users/{user_id}/${path}`,
        operationId: opId,
        summary,
        tags: USERS,
        params: UserIdParams,
        responses: { 200: { description: 'Done', schema: z.object({ user_id: z.string() }) }, ...ERROR_RESPONSES },
      },
      async ({ params }) => {
        await users.disableSecondFactor(params.user_id, which);
        return { user_id: params.user_id };
      },
    );
  }
  for (const [action, value] of [
    ['set_compromised', true],
    ['unset_compromised', false],
  ] as const) {
    router.add(
      {
        method: 'post',
        path: `/users/{user_id}/password/${action}`,
        operationId: value ? 'SetUserPasswordCompromised' : 'UnsetUserPasswordCompromised',
        summary: value ? "Mark a user's password as compromised" : "Clear a user's compromised-password mark",
        description: 'The mark is cleared when the user gets a new password.',
        tags: USERS,
        params: UserIdParams,
        body: z.object({ revoke_all_sessions: z.boolean().nullable().optional() }).strict(),
        responses: single,
      },
      async ({ params }) => json(await users.setPasswordCompromised(params.user_id, value)),
    );
  }
  router.add(
    {
      method: 'delete',
      path: '/users/{user_id}/web3_wallets/{web3_wallet_identification_id}',
      operationId: 'DeleteWeb3Wallet',
      summary: "Delete a user's web3 wallet",
      tags: USERS,
      params: z.object({ user_id: idParam, web3_wallet_identification_id: idParam }),
      responses: { 200: { description: 'Deleted', schema: DeletedObjectSchema }, ...ERROR_RESPONSES },
    },
    async ({ params }) => {
      await users.deleteOwnIdentification(params.user_id, params.web3_wallet_identification_id, 'web3_wallet');
      return deletedJSON('web3_wallet', params.web3_wallet_identification_id);
    },
  );
  // Passkeys and external (OAuth) accounts cannot be registered with this server yet: a user has none,
  // so deleting one is a well-formed 404 and the OAuth token list is empty.
  for (const [segment, param, what, opId] of [
    ['passkeys', 'passkey_identification_id', 'Passkey', 'UserPasskeyDelete'],
    ['external_accounts', 'external_account_id', 'External account', 'DeleteExternalAccount'],
  ] as const) {
    router.add(
      {
        method: 'delete',
        path: `/users/{user_id}/${segment}/{${param}}`,
        operationId: opId,
        summary: `Delete a user's ${what.toLowerCase()}`,
        tags: USERS,
        params: z.object({ user_id: idParam, [param]: idParam }),
        responses: { 200: { description: 'Deleted', schema: DeletedObjectSchema }, ...ERROR_RESPONSES },
      },
      async ({ params }) => {
        await users.get(String(params.user_id));
        throw notFound(what);
      },
    );
  }
  router.add(
    {
      method: 'get',
      path: '/users/{user_id}/oauth_access_tokens/{provider}',
      operationId: 'GetOAuthAccessToken',
      summary: 'Retrieve the OAuth access tokens of a user for a provider',
      tags: USERS,
      params: z.object({ user_id: idParam, provider: z.string().regex(/^oauth_[a-z0-9_]+$/, 'must look like oauth_<provider>').max(64) }),
      query: z.object({ paginated: qBool().optional(), limit: qInt(1, 500).optional(), offset: qInt(0, 1e9).optional() }),
      responses: { 200: { description: 'Tokens', schema: z.union([z.array(z.unknown()), z.object({ data: z.array(z.unknown()), total_count: z.number().int() })]) }, ...ERROR_RESPONSES },
    },
    async ({ params, query }) => {
      await users.get(params.user_id);
      return query.paginated ? { data: [], total_count: 0 } : [];
    },
  );

  router.add(
    {
      method: 'post',
      path: '/users/{user_id}/remove_password',
      operationId: 'RemoveUserPassword',
      summary: "Remove a user's password",
      tags: USERS,
      params: UserIdParams,
      body: RemovePasswordBody,
      responses: single,
    },
    async ({ params }) => json(await users.removePassword(params.user_id)),
  );

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
      responses: single,
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
      responses: single,
    },
    async ({ params }) => json(await users.deleteProfileImage(params.user_id)),
  );

  // ---- e-mail addresses ----
  const EMAILS = ['Email Addresses'];
  const email = { 200: { description: 'The e-mail address', schema: EmailAddressSchema }, ...ERROR_RESPONSES };
  router.add(
    { method: 'post', path: '/email_addresses', operationId: 'CreateEmailAddress', summary: 'Create an email address', tags: EMAILS, body: CreateEmailBody, responses: email },
    async ({ body }) =>
      emailAddressJSON(
        await users.addIdentification('email_address', { userId: body.user_id, value: body.email_address, verified: body.verified, primary: body.primary }),
      ),
  );
  router.add(
    { method: 'get', path: '/email_addresses/{email_address_id}', operationId: 'GetEmailAddress', summary: 'Retrieve an email address', tags: EMAILS, params: EmailIdParams, responses: email },
    async ({ params }) => emailAddressJSON(await users.getIdentification(params.email_address_id, 'email_address')),
  );
  router.add(
    {
      method: 'patch',
      path: '/email_addresses/{email_address_id}',
      operationId: 'UpdateEmailAddress',
      summary: 'Update an email address',
      tags: EMAILS,
      params: EmailIdParams,
      body: UpdateEmailBody,
      responses: email,
    },
    async ({ params, body }) =>
      emailAddressJSON(await users.updateIdentification(params.email_address_id, 'email_address', { verified: body.verified, primary: body.primary })),
  );
  router.add(
    {
      method: 'delete',
      path: '/email_addresses/{email_address_id}',
      operationId: 'DeleteEmailAddress',
      summary: 'Delete an email address',
      tags: EMAILS,
      params: EmailIdParams,
      responses: { 200: { description: 'Deleted', schema: DeletedObjectSchema }, ...ERROR_RESPONSES },
    },
    async ({ params }) => {
      await users.deleteIdentification(params.email_address_id, 'email_address');
      return deletedJSON('email_address', params.email_address_id);
    },
  );
  router.add(
    {
      method: 'put',
      path: '/users/{user_id}/email_address',
      operationId: 'ReplaceUserEmailAddress',
      summary: "Replace a user's email address",
      description: "Replaces all of the user's e-mail addresses with one primary address.",
      tags: EMAILS,
      params: UserIdParams,
      body: ReplaceEmailBody,
      responses: email,
    },
    async ({ params, body }) =>
      emailAddressJSON(await users.replaceIdentification(params.user_id, 'email_address', body.email_address, body.identification_status ?? 'verified')),
  );

  // ---- phone numbers ----
  const PHONES = ['Phone Numbers'];
  const phone = { 200: { description: 'The phone number', schema: PhoneNumberSchema }, ...ERROR_RESPONSES };
  router.add(
    { method: 'post', path: '/phone_numbers', operationId: 'CreatePhoneNumber', summary: 'Create a phone number', tags: PHONES, body: CreatePhoneBody, responses: phone },
    async ({ body }) =>
      phoneNumberJSON(
        await users.addIdentification('phone_number', {
          userId: body.user_id,
          value: body.phone_number,
          verified: body.verified,
          primary: body.primary,
          reservedForSecondFactor: body.reserved_for_second_factor,
        }),
      ),
  );
  router.add(
    { method: 'get', path: '/phone_numbers/{phone_number_id}', operationId: 'GetPhoneNumber', summary: 'Retrieve a phone number', tags: PHONES, params: PhoneIdParams, responses: phone },
    async ({ params }) => phoneNumberJSON(await users.getIdentification(params.phone_number_id, 'phone_number')),
  );
  router.add(
    {
      method: 'patch',
      path: '/phone_numbers/{phone_number_id}',
      operationId: 'UpdatePhoneNumber',
      summary: 'Update a phone number',
      tags: PHONES,
      params: PhoneIdParams,
      body: UpdatePhoneBody,
      responses: phone,
    },
    async ({ params, body }) =>
      phoneNumberJSON(
        await users.updateIdentification(params.phone_number_id, 'phone_number', {
          verified: body.verified,
          primary: body.primary,
          reservedForSecondFactor: body.reserved_for_second_factor,
        }),
      ),
  );
  router.add(
    {
      method: 'delete',
      path: '/phone_numbers/{phone_number_id}',
      operationId: 'DeletePhoneNumber',
      summary: 'Delete a phone number',
      tags: PHONES,
      params: PhoneIdParams,
      responses: { 200: { description: 'Deleted', schema: DeletedObjectSchema }, ...ERROR_RESPONSES },
    },
    async ({ params }) => {
      await users.deleteIdentification(params.phone_number_id, 'phone_number');
      return deletedJSON('phone_number', params.phone_number_id);
    },
  );
  router.add(
    {
      method: 'put',
      path: '/users/{user_id}/phone_number',
      operationId: 'ReplaceUserPhoneNumber',
      summary: "Replace a user's phone number",
      description: "Replaces all of the user's phone numbers with one primary number.",
      tags: PHONES,
      params: UserIdParams,
      body: ReplacePhoneBody,
      responses: phone,
    },
    async ({ params, body }) =>
      phoneNumberJSON(await users.replaceIdentification(params.user_id, 'phone_number', body.phone_number, body.identification_status ?? 'verified')),
  );
}
