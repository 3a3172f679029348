/** Sign-in tokens → wire JSON and its schema. */
import type { SignInTokenJSON } from '@latch/core';
import { z } from 'zod';
import { wireSchemas } from '../../http/router.js';
import type { SignInTokenRow } from './repository.js';

export const SignInTokenSchema = z
  .object({
    object: z.literal('sign_in_token'),
    id: z.string(),
    user_id: z.string(),
    status: z.enum(['pending', 'accepted', 'revoked']),
    token: z.string().optional(),
    url: z.string().nullable().optional(),
    created_at: z.number().int(),
    updated_at: z.number().int(),
  })
  .strict()
  .register(wireSchemas, { id: 'SignInToken' });

/** `secret`: the token and its link, shown once, when the token is created. */
export function signInTokenJSON(row: SignInTokenRow, secret?: { token: string; url: string }): SignInTokenJSON {
  return {
    object: 'sign_in_token',
    id: row.id,
    user_id: row.user_id,
    status: row.status === 'pending' && row.expires_at <= Date.now() ? 'revoked' : row.status,
    ...(secret ? { token: secret.token, url: secret.url } : {}),
    created_at: row.created_at,
    updated_at: row.updated_at,
  };
}
