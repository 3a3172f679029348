/**
 * Users Backend API, credentials: checking passwords and second factors, removing them, and the
 * compromised-password mark.
 */
import { z } from 'zod';
import type { BapiRouter } from '../../http/bapi/surface.js';
import { ERROR_RESPONSES } from '../../http/wire-schemas.js';
import { SINGLE_USER, USERS, UserIdParams } from './bapi-common.js';
import { passwordVerifiedJSON, secondFactorRemovedJSON, secondFactorVerifiedJSON, userJSON } from './serialize.js';
import type { UsersService } from './service.js';

const VerifyPasswordBody = z.object({ password: z.string().max(1024) }).strict();
const RemovePasswordBody = z.object({ sign_out_of_other_sessions: z.boolean().nullable().optional() }).strict();
export function registerCredentialRoutes(router: BapiRouter, users: UsersService, publicUrl: string): void {
  const json = (a: Parameters<typeof userJSON>[0]) => userJSON(a, publicUrl);

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
    async ({ params, body }) => {
      await users.verifyPassword(params.user_id, body.password);
      return passwordVerifiedJSON();
    },
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
    async ({ params, body }) => secondFactorVerifiedJSON(await users.verifySecondFactor(params.user_id, body.code)),
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
        return secondFactorRemovedJSON(params.user_id);
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
        responses: SINGLE_USER,
      },
      async ({ params }) => json(await users.setPasswordCompromised(params.user_id, value)),
    );
  }
  router.add(
    {
      method: 'post',
      path: '/users/{user_id}/remove_password',
      operationId: 'RemoveUserPassword',
      summary: "Remove a user's password",
      tags: USERS,
      params: UserIdParams,
      body: RemovePasswordBody,
      responses: SINGLE_USER,
    },
    async ({ params }) => json(await users.removePassword(params.user_id)),
  );
}
