/**
 * Users Backend API: `/users` — the user itself (list, count, create, read, update, delete, ban, lock).
 * Each route parses its input with a zod schema, calls the service and serializes; the same schemas make
 * the OpenAPI document. The user's profile, credentials and identifiers have their route files beside
 * this one; `registerUserRoutes` registers them all.
 */
import { z } from 'zod';
import { PASSWORD_HASHERS } from '../../crypto/passwords.js';
import { ApiError } from '../../errors.js';
import type { BapiRouter } from '../../http/bapi/surface.js';
import { metadataObject, parseOrderBy, qInt, rfc3339 } from '../../http/validation.js';
import { DeletedObjectSchema, ERROR_RESPONSES, TotalCountSchema } from '../../http/wire-schemas.js';
import { SINGLE_USER, USERS, UserIdParams, idParam } from './bapi-common.js';
import { registerCredentialRoutes } from './credentials-bapi.js';
import { userFilterFields, userFilterFromQuery } from './filter-query.js';
import { registerIdentifierRoutes } from './identifiers-bapi.js';
import { registerProfileRoutes } from './profile-bapi.js';
import { ORDER_FIELDS, type OrderField } from './repository.js';
import { UserSchema, deletedJSON, totalCountJSON, userJSON } from './serialize.js';
import type { UsersService } from './service.js';

/** Organizations read logo uploads the same way; kept importable from here. */
export { readImageUpload } from '../../http/image-upload.js';

const shortText = (max: number) => z.string().max(max);
const hasher = z.enum(PASSWORD_HASHERS);

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

const CreateUserBody = z
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

const UserIdsBody = z.object({ user_ids: z.array(idParam).min(1).max(100) }).strict();
/** `uploadLimit`: the largest profile-image request body, in bytes (the image plus multipart framing). */
export function registerUserRoutes(router: BapiRouter, users: UsersService, publicUrl: string, uploadLimit: number): void {
  const json = (a: Parameters<typeof userJSON>[0]) => userJSON(a, publicUrl);

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
    async ({ query }) => totalCountJSON(await users.count(userFilterFromQuery(query))),
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
      responses: SINGLE_USER,
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
    { method: 'get', path: '/users/{user_id}', operationId: 'GetUser', summary: 'Retrieve a user', tags: USERS, params: UserIdParams, responses: SINGLE_USER },
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
      responses: SINGLE_USER,
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
        responses: SINGLE_USER,
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

  registerProfileRoutes(router, users, publicUrl, uploadLimit);
  registerCredentialRoutes(router, users, publicUrl);
  registerIdentifierRoutes(router, users);
}
