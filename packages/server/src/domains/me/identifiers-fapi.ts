/**
 * `/me/email_addresses` and `/me/phone_numbers`: the signed-in user's own identifiers. Added unverified,
 * verified with a code sent to them (bound to that identifier, five guesses), removed unless that would
 * leave no way to sign in. Making one primary is `PATCH /me` (`primary_email_address_id`, verified only).
 * Lists answer with a bare array, as the spec has them; everything else in `{response, client}`.
 */
import { z } from 'zod';
import { ApiError } from '../../errors.js';
import { limitKeyOf } from '../../http/fapi/activity.js';
import { formBool } from '../../http/fapi/form.js';
import { FapiResult, type FapiRouter } from '../../http/fapi/surface.js';
import type { Guard } from '../../limits/policy.js';
import type { SessionsService } from '../sessions/service.js';
import type { IdentificationRow } from '../users/repository.js';
import { deletedJSON } from '../users/serialize.js';
import type { UsersService } from '../users/service.js';
import { signedInSession } from './fapi.js';
import type { AccountService, IdentifierType } from './service.js';

export interface MeIdentifierRoutesDeps {
  sessions: SessionsService;
  users: Pick<UsersService, 'get' | 'getOwnIdentification'>;
  account: AccountService;
  guard: Guard;
  /** The wire form of identifications (with their verification in progress). */
  present(rows: IdentificationRow[]): Promise<unknown[]>;
  /** Checks an e-mail link's `redirect_url` against the allowed origins (throws the coded error). */
  checkRedirect(url: string | undefined): Promise<string | undefined>;
}

const KINDS = [
  {
    type: 'email_address',
    path: 'email_addresses',
    param: 'email_id',
    tag: 'Email Addresses',
    noun: 'e-mail address',
    plural: 'e-mail addresses',
    strategies: ['email_code', 'email_link', 'enterprise_sso'],
    ops: { list: 'getEmailAddresses', create: 'createEmailAddresses', get: 'getEmailAddress', prepare: 'sendVerificationEmail', attempt: 'verifyEmailAddress', delete: 'DeleteEmailAddress' },
  },
  {
    type: 'phone_number',
    path: 'phone_numbers',
    param: 'phone_number_id',
    tag: 'Phone Numbers',
    noun: 'phone number',
    plural: 'phone numbers',
    strategies: ['phone_code'],
    ops: { list: 'getPhoneNumbers', create: 'postPhoneNumbers', get: 'ReadPhoneNumber', prepare: 'sendVerificationSMS', attempt: 'verifyPhoneNumber', delete: 'DeletePhoneNumber' },
  },
] as const;

export function registerMeIdentifierRoutes(router: FapiRouter, { sessions, users, account, guard, present, checkRedirect }: MeIdentifierRoutesDeps): void {
  const one = async (row: IdentificationRow) => (await present([row]))[0];

  for (const kind of KINDS) {
    const type: IdentifierType = kind.type;
    const tags = [kind.tag];
    const params = z.object({ [kind.param]: z.string().max(64) }) as z.ZodObject<Record<string, z.ZodString>>;
    const idOf = (p: Record<string, string>) => p[kind.param] as string;
    const base = `/me/${kind.path}`;
    const item = `${base}/{${kind.param}}`;

    router.add(
      { method: 'get', path: base, operationId: kind.ops.list, summary: `Your ${kind.plural}`, tags, responses: { 200: { description: 'A bare array' } } },
      async ({ principal }) => {
        const { user_id } = await signedInSession(principal, sessions);
        const user = await users.get(user_id);
        return FapiResult.bare(await present(user.identifications.filter((i) => i.type === type)));
      },
    );

    router.add(
      {
        method: 'post',
        path: base,
        operationId: kind.ops.create,
        summary: `Add a ${kind.noun}`,
        description: `Added unverified; verify it with \`prepare_verification\` and \`attempt_verification\`. A verified ${kind.noun} becomes primary when there is no verified primary one.`,
        tags,
        body:
          type === 'email_address'
            ? z.object({ email_address: z.string().max(320) }).strict()
            : z.object({ phone_number: z.string().max(64), reserved_for_second_factor: formBool.optional() }).strict(),
        responses: { 200: { description: `The ${kind.noun}, in \`response\`` } },
      },
      async ({ principal, body }) => {
        const { user_id } = await signedInSession(principal, sessions);
        const b = body as { email_address?: string; phone_number?: string; reserved_for_second_factor?: boolean };
        if (b.reserved_for_second_factor) {
          // Sign-in asks for an authenticator app or a backup code only: a number reserved for SMS codes would be a second factor that is never asked for.
          throw new ApiError({ code: 'form_param_value_invalid', longMessage: 'SMS codes are not offered as a second factor.', paramName: 'reserved_for_second_factor' });
        }
        const row = await account.addIdentifier(user_id, type, (type === 'email_address' ? b.email_address : b.phone_number) ?? '');
        return one(row);
      },
    );

    router.add(
      { method: 'get', path: item, operationId: kind.ops.get, summary: `One of your ${kind.noun}s`, tags, params, responses: { 200: { description: `The ${kind.noun}, in \`response\`` } } },
      async ({ principal, params: p }) => {
        const { user_id } = await signedInSession(principal, sessions);
        return one(await users.getOwnIdentification(user_id, idOf(p), type));
      },
    );

    router.add(
      {
        method: 'post',
        path: `${item}/prepare_verification`,
        operationId: kind.ops.prepare,
        summary: `Send a code to a ${kind.noun}`,
        description: `Sends a six-digit code (ten minutes, five guesses) to the ${kind.noun}; a new one replaces the earlier. ${type === 'email_address' ? 'With `email_link` (where the instance verifies by link) a one-use link goes instead, whose landing page verifies the address and redirects to `redirect_url` (an allowed origin).' : 'Only `phone_code` is offered.'}`,
        tags,
        params,
        body: z
          .object({
            strategy: z.enum(kind.strategies),
            redirect_url: z.string().max(2048).optional(),
            action_complete_redirect_url: z.string().max(2048).optional(),
            proof_token: z.string().max(4096).optional(),
          })
          .strict(),
        responses: { 200: { description: `The ${kind.noun} with its verification, in \`response\`` } },
      },
      async ({ principal, params: p, body }) => {
        const { user_id } = await signedInSession(principal, sessions);
        const redirectUrl = body.strategy === 'email_link' ? ((await checkRedirect(body.redirect_url)) ?? null) : null;
        return one(await account.prepareVerification(user_id, idOf(p), type, body.strategy, redirectUrl));
      },
    );

    router.add(
      {
        method: 'post',
        path: `${item}/attempt_verification`,
        operationId: kind.ops.attempt,
        summary: `Verify a ${kind.noun} with its code`,
        tags,
        params,
        body: z.object({ code: z.string().max(64) }).strict(),
        responses: { 200: { description: `The ${kind.noun}, in \`response\`` } },
      },
      async ({ principal, params: p, body, c }) => {
        const { user_id } = await signedInSession(principal, sessions);
        await guard.check('attemptPerIp', limitKeyOf(c));
        return one(await account.attemptVerification(user_id, idOf(p), type, body.code));
      },
    );

    router.add(
      {
        method: 'delete',
        path: item,
        operationId: kind.ops.delete,
        summary: `Remove a ${kind.noun}`,
        description: 'Refused with `identification_deletion_failed` when it is the last way the user can sign in (or the last verified one of a kind the instance requires).',
        tags,
        params,
        responses: { 200: { description: `\`{object: "${type}", id, deleted: true}\`, in \`response\`` } },
      },
      async ({ principal, params: p }) => {
        const { user_id } = await signedInSession(principal, sessions);
        await account.deleteIdentifier(user_id, idOf(p), type);
        return deletedJSON(type, idOf(p));
      },
    );
  }
}
