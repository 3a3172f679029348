/**
 * Wire types of the Frontend API's own resources: the client (a browser or device), its sessions, the
 * session token, the dev browser and the environment. These only ever travel to a browser, so each is
 * built on the frontend types (no private data).
 */
import type { PublicUserDataJSON } from './organizations.js';
import type { FrontendUserJSON } from './users.js';

/** A session token, as `/tokens` and `last_active_token` carry it. */
export interface TokenJSON {
  object: 'token';
  jwt: string;
}

export type SessionStatus = 'active' | 'pending' | 'revoked' | 'ended' | 'expired' | 'removed' | 'abandoned';

/** The most recent request seen on a session (sign-in or touch). */
export interface SessionActivityJSON {
  object: 'session_activity';
  id: string;
  browser_name: string | null;
  browser_version: string | null;
  device_type: string | null;
  is_mobile: boolean;
  ip_address: string | null;
  city: string | null;
  country: string | null;
}

/** A session as a browser sees it, with its user. */
export interface FrontendSessionJSON {
  object: 'session';
  id: string;
  status: SessionStatus;
  expire_at: number;
  abandon_at: number;
  last_active_at: number;
  last_active_organization_id: string | null;
  last_active_token: TokenJSON | null;
  actor: Record<string, unknown> | null;
  user: FrontendUserJSON | null;
  public_user_data: PublicUserDataJSON | null;
  factor_verification_age: number[] | null;
  tasks: unknown[] | null;
  created_at: number;
  updated_at: number;
}

/** A client: one browser or device and the sessions signed in on it. */
export interface ClientJSON {
  object: 'client';
  id: string;
  sessions: FrontendSessionJSON[];
  sign_in: Record<string, unknown> | null;
  sign_up: Record<string, unknown> | null;
  last_active_session_id: string | null;
  last_authentication_strategy: string | null;
  cookie_expires_at: number | null;
  captcha_bypass: boolean;
  created_at: number;
  updated_at: number;
}

/** Every mutating Frontend API response: the resource and the whole client after the change. */
export interface ClientEnvelopeJSON<T> {
  response: T;
  client: ClientJSON | null;
}

/** `POST /dev_browser`: the identity a development browser sends back as `__clerk_db_jwt`. */
export interface DevBrowserJSON {
  object: 'dev_browser';
  id: string;
  created_at: number;
  updated_at: number;
}

/** A session as the Backend API shows it: ids instead of the embedded user. */
export interface BackendSessionJSON {
  object: 'session';
  id: string;
  user_id: string;
  client_id: string;
  actor: Record<string, unknown> | null;
  status: SessionStatus;
  last_active_organization_id: string | null;
  last_active_at: number;
  latest_activity: SessionActivityJSON | null;
  expire_at: number;
  abandon_at: number;
  tasks: unknown[] | null;
  created_at: number;
  updated_at: number;
}

/** A client as the Backend API shows it, with its live sessions. */
export interface BackendClientJSON {
  object: 'client';
  id: string;
  session_ids: string[];
  sessions: BackendSessionJSON[];
  sign_in_id: string | null;
  sign_up_id: string | null;
  last_active_session_id: string | null;
  last_authentication_strategy: string | null;
  created_at: number;
  updated_at: number;
}
