/**
 * Users Backend API, identifiers and linked accounts: `/email_addresses`, `/phone_numbers`, replacing a
 * user's address or number, web3 wallets, passkeys, external accounts and their OAuth tokens.
 */
import { z } from 'zod';
import { notFound } from '../../errors.js';
import type { BapiRouter } from '../../http/bapi/surface.js';
import { qBool, qInt } from '../../http/validation.js';
import { DeletedObjectSchema, ERROR_RESPONSES } from '../../http/wire-schemas.js';
import { USERS, UserIdParams, idParam } from './bapi-common.js';
import { EmailAddressSchema, PhoneNumberSchema, deletedJSON, emailAddressJSON, paginatedJSON, phoneNumberJSON } from './serialize.js';
import type { UsersService } from './service.js';

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

export function registerIdentifierRoutes(router: BapiRouter, users: UsersService): void {
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
      return query.paginated ? paginatedJSON([], 0) : [];
    },
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
