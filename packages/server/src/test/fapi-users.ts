/**
 * Signed-in browsers for Frontend API tests of the user's own routes (`/me…`): a user made through the
 * Backend API and signed in through the Frontend API, and the codes Latch queued for an address.
 */
import { expect } from 'vitest';
import { FapiBrowser } from './fapi-browser.js';
import type { TestServer } from './harness.js';

export const PASSWORD = 'correct horse battery staple';

export type Json = Record<string, unknown>;
/** `{response, client}` as the Frontend API answers a change. */
export type Envelope<T = Json> = { response: T; client: Json & { sessions: (Json & { id: string; user: Json })[]; last_active_session_id: string | null } };
export type Err = { errors: { code: string; meta?: { param_name?: string } }[] };

export interface SignedIn {
  browser: FapiBrowser;
  userId: string;
  email: string;
  sessionId: string;
}

let seq = 0;

/** A new user (e-mail and password, plus `extra` BAPI fields) signed in on a fresh browser. */
export async function signedInUser(t: TestServer, tag: string, extra: Json = {}): Promise<SignedIn> {
  const email = `${tag}-${++seq}-${Date.now()}@example.com`;
  const res = await t.api('/users', { method: 'POST', json: { email_address: [email], password: PASSWORD, ...extra } });
  expect(res.status, await res.clone().text()).toBe(200);
  const userId = ((await res.json()) as { id: string }).id;
  const browser = new FapiBrowser(t.url);
  return { browser, userId, email, sessionId: await signIn(t, browser, email) };
}

/** Signs `identifier` in with the test password on `browser`; the new session's id. */
export async function signIn(t: TestServer, browser: FapiBrowser, identifier: string): Promise<string> {
  const done = await browser.post<{ response: { status: string; created_session_id: string } }>('/client/sign_ins', { identifier, strategy: 'password', password: PASSWORD });
  expect(done.body.response.status).toBe('complete');
  return done.body.response.created_session_id;
}

/** The last verification code Latch queued for `to` (an e-mail address or phone number). */
export async function lastCodeTo(t: TestServer, to: string): Promise<string> {
  const row = await t.server.services.storage.db
    .selectFrom('messages')
    .select(['data'])
    .where('to_address', '=', to)
    .where('slug', '=', 'verification_code')
    .orderBy('created_at', 'desc')
    .orderBy('id', 'desc')
    .executeTakeFirstOrThrow();
  const data = (typeof row.data === 'string' ? JSON.parse(row.data) : row.data) as { otp_code?: string };
  if (!data.otp_code) throw new Error(`no code queued for ${to}`);
  return data.otp_code;
}

/** A six-digit code that is not `code`. */
export function wrongCode(code: string): string {
  return code === '000000' ? '111111' : '000000';
}

/** The signed-in user as the client in an envelope shows it. */
export function userIn(env: Envelope<unknown>): Json {
  const active = env.client.sessions.find((s) => s.id === env.client.last_active_session_id);
  return (active?.user ?? {}) as Json;
}
