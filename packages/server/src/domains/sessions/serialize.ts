/**
 * Sessions and clients → Backend API JSON, and the schemas the OpenAPI document gives for them. (The
 * frontend forms, with the embedded user, are in `clients/serialize.ts`.)
 */
import type { BackendClientJSON, BackendSessionJSON } from '@latch/core';
import { z } from 'zod';
import { wireSchemas } from '../../http/router.js';
import { readJson } from '../../storage/schema.js';
import { sessionActivityJSON } from '../clients/serialize.js';
import type { ClientRow } from '../clients/repository.js';
import type { SessionRow } from './repository.js';

const STATUSES = ['active', 'pending', 'revoked', 'ended', 'expired', 'removed', 'abandoned'] as const;

export const SessionActivitySchema = z
  .object({
    object: z.literal('session_activity'),
    id: z.string(),
    browser_name: z.string().nullable(),
    browser_version: z.string().nullable(),
    device_type: z.string().nullable(),
    is_mobile: z.boolean(),
    ip_address: z.string().nullable(),
    city: z.string().nullable(),
    country: z.string().nullable(),
  })
  .strict()
  .register(wireSchemas, { id: 'SessionActivity' });

export const SessionSchema = z
  .object({
    object: z.literal('session'),
    id: z.string(),
    user_id: z.string(),
    client_id: z.string(),
    actor: z.record(z.string(), z.unknown()).nullable(),
    status: z.enum(STATUSES),
    last_active_organization_id: z.string().nullable(),
    last_active_at: z.number().int(),
    latest_activity: SessionActivitySchema.nullable(),
    expire_at: z.number().int(),
    abandon_at: z.number().int(),
    tasks: z.array(z.unknown()).nullable(),
    created_at: z.number().int(),
    updated_at: z.number().int(),
  })
  .strict()
  .register(wireSchemas, { id: 'Session' });

export const ClientSchema = z
  .object({
    object: z.literal('client'),
    id: z.string(),
    session_ids: z.array(z.string()),
    sessions: z.array(SessionSchema),
    sign_in_id: z.string().nullable(),
    sign_up_id: z.string().nullable(),
    last_active_session_id: z.string().nullable(),
    last_authentication_strategy: z.string().nullable(),
    created_at: z.number().int(),
    updated_at: z.number().int(),
  })
  .strict()
  .register(wireSchemas, { id: 'Client' });

export const TokenSchema = z.object({ object: z.literal('token'), jwt: z.string() }).strict().register(wireSchemas, { id: 'Token' });

export function backendSessionJSON(s: SessionRow): BackendSessionJSON {
  return {
    object: 'session',
    id: s.id,
    user_id: s.user_id,
    client_id: s.client_id,
    actor: s.actor === null ? null : readJson<Record<string, unknown>>(s.actor),
    status: s.status,
    last_active_organization_id: s.last_active_organization_id,
    last_active_at: s.last_active_at,
    latest_activity: sessionActivityJSON(s),
    expire_at: s.expire_at,
    abandon_at: s.abandon_at,
    tasks: null,
    created_at: s.created_at,
    updated_at: s.updated_at,
  };
}

export function backendClientJSON(c: ClientRow, sessions: SessionRow[]): BackendClientJSON {
  return {
    object: 'client',
    id: c.id,
    session_ids: sessions.map((s) => s.id),
    sessions: sessions.map(backendSessionJSON),
    sign_in_id: c.sign_in_id,
    sign_up_id: c.sign_up_id,
    last_active_session_id: c.last_active_session_id,
    last_authentication_strategy: c.last_authentication_strategy,
    created_at: c.created_at,
    updated_at: c.updated_at,
  };
}
