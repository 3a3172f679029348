/** Frontend API routes of sign-up attempts (`/client/sign_ups…`). */
import { z } from 'zod';
import { activityOf, limitKeyOf } from '../../http/fapi/activity.js';
import type { Guard } from '../../limits/policy.js';
import { formBool, formJsonObject, formNullableString } from '../../http/fapi/form.js';
import type { FapiRouter } from '../../http/fapi/surface.js';
import type { SignUpFields, SignUpsService } from './service.js';

const id = z.object({ sign_up_id: z.string().max(64) });

const fields = z
  .object({
    email_address: formNullableString(320).optional(),
    phone_number: formNullableString(64).optional(),
    username: formNullableString(64).optional(),
    first_name: formNullableString(256).optional(),
    last_name: formNullableString(256).optional(),
    password: z.string().max(1024).optional(),
    unsafe_metadata: formJsonObject.optional(),
    legal_accepted: formBool.optional(),
    strategy: z.string().max(64).optional(),
    ticket: z.string().max(4096).optional(),
    locale: z.string().max(32).optional(),
    timezone: z.string().max(64).optional(),
  })
  .loose();

type Fields = z.output<typeof fields>;

function input(body: Fields): SignUpFields {
  return {
    email_address: body.email_address,
    phone_number: body.phone_number,
    username: body.username,
    first_name: body.first_name,
    last_name: body.last_name,
    password: body.password,
    unsafe_metadata: body.unsafe_metadata,
    legal_accepted: body.legal_accepted,
    strategy: body.strategy,
    ticket: body.ticket,
  };
}

export interface SignUpRoutesDeps {
  signUps: SignUpsService;
  guard: Guard;
  present(id: string): Promise<unknown>;
  /** Checks an e-mail link's `redirect_url` against the allowed origins (throws the coded error). */
  checkRedirect(url: string | undefined): Promise<string | undefined>;
}

export function registerSignUpRoutes(router: FapiRouter, { signUps, guard, present, checkRedirect }: SignUpRoutesDeps): void {
  const tags = ['Sign Ups'];
  router.add(
    {
      method: 'post',
      path: '/client/sign_ups',
      operationId: 'createSignUp',
      summary: 'Start a sign-up',
      description: 'Starts a sign-up with what the person entered; with an invitation `ticket` the invited address counts as verified.',
      tags,
      body: fields,
      responses: { 200: { description: 'The sign-up attempt, in `response`' } },
    },
    async ({ body, principal, c }) => {
      await guard.check('createPerIp', limitKeyOf(c));
      const row = await signUps.create(async () => (await principal.ensureClient()).id, input(body), activityOf(c));
      if (row.status === 'complete') await principal.signedIn();
      return present(row.id);
    },
  );

  router.add(
    { method: 'get', path: '/client/sign_ups/{sign_up_id}', operationId: 'getSignUp', summary: 'A sign-up attempt', tags, params: id, responses: { 200: { description: 'The sign-up attempt' } } },
    async ({ params, principal }) => present((await signUps.get(principal.requireClient().id, params.sign_up_id)).id),
  );

  router.add(
    { method: 'patch', path: '/client/sign_ups/{sign_up_id}', operationId: 'updateSignUp', summary: 'Add to a sign-up', tags, params: id, body: fields, responses: { 200: { description: 'The sign-up attempt' } } },
    async ({ params, body, principal, c }) => {
      const row = await signUps.update(principal.requireClient().id, params.sign_up_id, input(body), activityOf(c));
      if (row.status === 'complete') await principal.signedIn();
      return present(row.id);
    },
  );

  router.add(
    {
      method: 'post',
      path: '/client/sign_ups/{sign_up_id}/prepare_verification',
      operationId: 'prepareSignUpVerification',
      summary: 'Send a verification code',
      tags,
      params: id,
      body: z.object({ strategy: z.string().max(64), redirect_url: z.string().max(2048).optional() }).loose(),
      responses: { 200: { description: 'The sign-up attempt' } },
    },
    async ({ params, body, principal }) => {
      const redirectUrl = (await checkRedirect(body.redirect_url)) ?? null;
      return present((await signUps.prepareVerification(principal.requireClient().id, params.sign_up_id, body.strategy, redirectUrl)).id);
    },
  );

  router.add(
    {
      method: 'post',
      path: '/client/sign_ups/{sign_up_id}/attempt_verification',
      operationId: 'attemptSignUpVerification',
      summary: 'Check a verification code',
      tags,
      params: id,
      body: z.object({ strategy: z.string().max(64), code: z.string().max(64).optional() }).loose(),
      responses: { 200: { description: 'The sign-up attempt' } },
    },
    async ({ params, body, principal, c }) => {
      await guard.check('attemptPerIp', limitKeyOf(c));
      const row = await signUps.attemptVerification(principal.requireClient().id, params.sign_up_id, body, activityOf(c));
      if (row.status === 'complete') await principal.signedIn();
      return present(row.id);
    },
  );
}
