/**
 * The signed-in user's security: enrolling an authenticator app (`/me/totp`), backup codes
 * (`/me/backup_codes`, shown once, stored hashed) — the second factors sign-in asks for — and the
 * user's sessions on every device (`/me/sessions…`), which they may revoke.
 */
import { z } from 'zod';
import { limitKeyOf } from '../../http/fapi/activity.js';
import { FapiResult, type FapiRouter } from '../../http/fapi/surface.js';
import type { Guard } from '../../limits/policy.js';
import type { SessionRow } from '../sessions/repository.js';
import type { SessionsService } from '../sessions/service.js';
import { deletedJSON } from '../users/serialize.js';
import type { UsersService } from '../users/service.js';
import { signedInSession } from './fapi.js';
import { backupCodesJSON, pendingTotpJSON, verifiedTotpJSON } from './serialize.js';
import type { AccountService } from './service.js';

export interface MeSecurityRoutesDeps {
  sessions: SessionsService;
  users: Pick<UsersService, 'get' | 'startTotp' | 'confirmTotp' | 'removeTotp' | 'regenerateBackupCodes'>;
  account: AccountService;
  guard: Guard;
  /** The issuer authenticator apps show beside the code (the application's name). */
  issuer: string;
  /** Sessions' wire forms (`active`: with their latest activity, as the active-sessions list shows them). */
  presentSessions(sessions: SessionRow[], active: boolean): Promise<unknown[]>;
}

export function registerMeSecurityRoutes(router: FapiRouter, { sessions, users, account, guard, issuer, presentSessions }: MeSecurityRoutesDeps): void {
  const tags = ['TOTP'];
  router.add(
    {
      method: 'post',
      path: '/me/totp',
      operationId: 'postTOTP',
      summary: 'Start enrolling an authenticator app',
      description: 'A new secret and its `otpauth://` URI, shown this once; it counts only after `attempt_verification`. Calling again replaces an unconfirmed secret; refused (`totp_already_enabled`) while an app is enrolled.',
      tags,
      responses: { 200: { description: 'The TOTP enrolment, in `response`' } },
    },
    async ({ principal }) => {
      const { user_id } = await signedInSession(principal, sessions);
      const { secret, at } = await users.startTotp(user_id);
      const me = await users.get(user_id);
      // The label the app shows: the primary e-mail address, else the username.
      const label = me.identifications.find((i) => i.id === me.user.primary_email_address_id)?.value ?? me.user.username ?? user_id;
      return pendingTotpJSON(user_id, secret, issuer, label, at);
    },
  );

  router.add(
    {
      method: 'post',
      path: '/me/totp/attempt_verification',
      operationId: 'verifyTOTP',
      summary: 'Confirm the authenticator app with a code',
      description: 'A code from the app proves it holds the secret: it becomes the second factor. A user without backup codes gets a set in `backup_codes`, shown this once.',
      tags,
      body: z.object({ code: z.string().max(64) }).strict(),
      responses: { 200: { description: 'The TOTP, verified, in `response`' } },
    },
    async ({ principal, body, c }) => {
      const { user_id } = await signedInSession(principal, sessions);
      await guard.check('attemptPerIp', limitKeyOf(c));
      const { backupCodes, at } = await users.confirmTotp(user_id, body.code);
      return verifiedTotpJSON(user_id, backupCodes, at);
    },
  );

  router.add(
    {
      method: 'delete',
      path: '/me/totp',
      operationId: 'deleteTOTP',
      summary: 'Remove the authenticator app',
      description: 'The backup codes go with it.',
      tags,
      responses: { 200: { description: '`{object: "totp", id, deleted: true}`, in `response`' } },
    },
    async ({ principal }) => {
      const { user_id } = await signedInSession(principal, sessions);
      await users.removeTotp(user_id);
      return deletedJSON('totp', `totp_${user_id.slice(user_id.indexOf('_') + 1)}`);
    },
  );

  router.add(
    {
      method: 'post',
      path: '/me/backup_codes',
      operationId: 'createBackupCodes',
      summary: 'New backup codes',
      description: 'Ten single-use codes replacing any earlier set, shown this once (only digests are kept). Needs an enrolled authenticator app.',
      tags: ['Backup Codes'],
      responses: { 200: { description: 'The codes, in `response`' } },
    },
    async ({ principal }) => {
      const { user_id } = await signedInSession(principal, sessions);
      const { codes, at } = await users.regenerateBackupCodes(user_id);
      return backupCodesJSON(user_id, codes, at);
    },
  );

  const sessionTags = ['Active Sessions'];
  router.add(
    { method: 'get', path: '/me/sessions', operationId: 'getUsersSessions', summary: 'All your sessions', description: 'Newest first, ended ones included: a bare array.', tags: sessionTags, responses: { 200: { description: 'A bare array' } } },
    async ({ principal }) => {
      const { user_id } = await signedInSession(principal, sessions);
      return FapiResult.bare(await presentSessions(await account.sessionsOf(user_id, false), false));
    },
  );

  router.add(
    {
      method: 'get',
      path: '/me/sessions/active',
      operationId: 'getSessions',
      summary: 'Your signed-in sessions on every device',
      description: 'With `latest_activity` (browser, device, address): a bare array.',
      tags: sessionTags,
      responses: { 200: { description: 'A bare array' } },
    },
    async ({ principal }) => {
      const { user_id } = await signedInSession(principal, sessions);
      return FapiResult.bare(await presentSessions(await account.sessionsOf(user_id, true), true));
    },
  );

  router.add(
    {
      method: 'post',
      path: '/me/sessions/{session_id}/revoke',
      operationId: 'revokeSession',
      summary: 'Revoke one of your sessions',
      description: 'It signs nobody in from now on, on whichever device it was.',
      tags: sessionTags,
      params: z.object({ session_id: z.string().max(64) }),
      responses: { 200: { description: 'The session, in `response`' } },
    },
    async ({ principal, params }) => {
      const current = await signedInSession(principal, sessions);
      const revoked = await account.revokeSession(current.user_id, params.session_id);
      if (revoked.client_id === current.client_id) principal.authChanged = true;
      return (await presentSessions([revoked], false))[0];
    },
  );
}
