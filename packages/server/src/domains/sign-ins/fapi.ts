/** Frontend API routes of sign-in attempts (`/client/sign_ins…`). */
import { z } from 'zod';
import { activityOf, limitKeyOf } from '../../http/fapi/activity.js';
import { formBool } from '../../http/fapi/form.js';
import type { Guard } from '../../limits/policy.js';
import type { FapiRouter } from '../../http/fapi/surface.js';
import type { ClientView } from '../clients/service.js';
import type { PasswordSignIn, SignInsService, SignInView } from './service.js';

const id = z.object({ sign_in_id: z.string().max(64) });
const text = (max = 256) => z.string().max(max).optional();

export interface SignInRoutesDeps {
  signIns: SignInsService;
  guard: Guard;
  /** The wire form of an attempt after the change. */
  present(id: string): Promise<unknown>;
  /** The wire form of an attempt from what the request has just written (no reads). */
  presentView(view: SignInView): Promise<unknown>;
  /** Checks an e-mail link's `redirect_url` against the allowed origins (throws the coded error). */
  checkRedirect(url: string | undefined): Promise<string | undefined>;
}

export function registerSignInRoutes(router: FapiRouter, { signIns, guard, present, presentView, checkRedirect }: SignInRoutesDeps): void {
  const tags = ['Sign Ins'];
  router.add(
    {
      method: 'post',
      path: '/client/sign_ins',
      operationId: 'createSignIn',
      summary: 'Start a sign-in',
      description: 'Starts signing in with an identifier (e-mail address, phone number or username); with `strategy=password` and `password` it also checks the password at once. With `strategy=ticket` and `ticket`, a sign-in token from the Backend API signs its user in (once).',
      tags,
      body: z.object({ identifier: text(320), strategy: text(64), password: text(1024), ticket: text(256), locale: text(32), timezone: text(64) }).loose(),
      responses: { 200: { description: 'The sign-in attempt, in `response`' } },
    },
    async ({ body, principal, c }) => {
      await guard.check('createPerIp', limitKeyOf(c));
      const { row, done } = await signIns.create(principal.signInClient(), { identifier: body.identifier, strategy: body.strategy, password: body.password, ticket: body.ticket }, activityOf(c));
      if (row.status === 'complete') await principal.signedIn();
      if (done) {
        showWritten(principal, done);
        return presentView(done.view);
      }
      return present(row.id);
    },
  );

  router.add(
    { method: 'get', path: '/client/sign_ins/{sign_in_id}', operationId: 'getSignIn', summary: 'A sign-in attempt', tags, params: id, responses: { 200: { description: 'The sign-in attempt' } } },
    async ({ params, principal }) => {
      const row = await signIns.get(principal.requireClient().id, params.sign_in_id);
      return present(row.id);
    },
  );

  router.add(
    {
      method: 'post',
      path: '/client/sign_ins/{sign_in_id}/prepare_first_factor',
      operationId: 'prepareSignInFactorOne',
      summary: 'Send a first-factor code',
      tags,
      params: id,
      body: z.object({ strategy: z.string().max(64), email_address_id: text(64), phone_number_id: text(64), redirect_url: text(2048) }).loose(),
      responses: { 200: { description: 'The sign-in attempt' } },
    },
    async ({ params, body, principal }) => {
      const redirect_url = await checkRedirect(body.redirect_url);
      const row = await signIns.prepareFirstFactor(principal.requireClient().id, params.sign_in_id, { ...body, redirect_url });
      return present(row.id);
    },
  );

  router.add(
    {
      method: 'post',
      path: '/client/sign_ins/{sign_in_id}/attempt_first_factor',
      operationId: 'attemptSignInFactorOne',
      summary: 'Check the first factor',
      tags,
      params: id,
      body: z.object({ strategy: z.string().max(64), password: text(1024), code: text(64) }).loose(),
      responses: { 200: { description: 'The sign-in attempt' } },
    },
    async ({ params, body, principal, c }) => {
      await guard.check('attemptPerIp', limitKeyOf(c));
      const row = await signIns.attemptFirstFactor(principal.requireClient().id, params.sign_in_id, body, activityOf(c));
      if (row.status === 'complete') await principal.signedIn();
      return present(row.id);
    },
  );

  router.add(
    {
      method: 'post',
      path: '/client/sign_ins/{sign_in_id}/reset_password',
      operationId: 'resetPassword',
      summary: 'Choose a new password',
      description: 'After a `reset_password_email_code` (or phone) first factor: sets the new password, optionally signs the user out of every other session, and finishes the sign-in.',
      tags,
      params: id,
      body: z.object({ password: z.string().max(1024), sign_out_of_other_sessions: formBool.optional() }).loose(),
      responses: { 200: { description: 'The sign-in attempt' } },
    },
    async ({ params, body, principal, c }) => {
      await guard.check('attemptPerIp', limitKeyOf(c));
      const row = await signIns.resetPassword(principal.requireClient().id, params.sign_in_id, { password: body.password, signOutOfOtherSessions: body.sign_out_of_other_sessions ?? false }, activityOf(c));
      if (row.status === 'complete') await principal.signedIn();
      return present(row.id);
    },
  );

  router.add(
    {
      method: 'post',
      path: '/client/sign_ins/{sign_in_id}/prepare_second_factor',
      operationId: 'prepareSignInFactorTwo',
      summary: 'Prepare the second factor',
      description: 'Authenticator-app and backup codes need no preparation; the attempt is returned as it is.',
      tags,
      params: id,
      body: z.object({ strategy: z.string().max(64) }).loose(),
      responses: { 200: { description: 'The sign-in attempt' } },
    },
    async ({ params, principal }) => {
      const row = await signIns.get(principal.requireClient().id, params.sign_in_id);
      return present(row.id);
    },
  );

  router.add(
    {
      method: 'post',
      path: '/client/sign_ins/{sign_in_id}/attempt_second_factor',
      operationId: 'attemptSignInFactorTwo',
      summary: 'Check the second factor',
      tags,
      params: id,
      body: z.object({ strategy: z.string().max(64), code: text(64) }).loose(),
      responses: { 200: { description: 'The sign-in attempt' } },
    },
    async ({ params, body, principal, c }) => {
      await guard.check('attemptPerIp', limitKeyOf(c));
      const row = await signIns.attemptSecondFactor(principal.requireClient().id, params.sign_in_id, body, activityOf(c));
      if (row.status === 'complete') await principal.signedIn();
      return present(row.id);
    },
  );
}

/**
 * A password sign-in on a client this request created: the client the response shows is exactly what the
 * sign-in wrote (one session, its user as just read), so the response is built from it without reading
 * it back. A client the browser already had may hold other sessions, and is read as usual.
 */
function showWritten(principal: { shownFromWrites: ClientView | null }, done: PasswordSignIn): void {
  if (done.created && done.session && done.view.user) principal.shownFromWrites = { client: done.client, sessions: [{ session: done.session, user: done.view.user }] };
}
