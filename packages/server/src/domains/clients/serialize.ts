/**
 * Clients and sessions → wire JSON. Only the Frontend API shows a client, so these build on the frontend
 * user (no private metadata can reach a browser through here).
 */
import type { ClientJSON, FrontendOrganizationMembershipJSON, FrontendSessionJSON, FrontendUserJSON, PublicUserDataJSON, SessionActivityJSON, TokenJSON } from '@latch/core';
import { readJson } from '../../storage/schema.js';
import type { SessionRow } from '../sessions/repository.js';
import type { UserAggregate } from '../users/repository.js';
import { type PendingVerifications, frontendUserJSON, imageUrl } from '../users/serialize.js';
import type { ClientView } from './service.js';

/** What may be shown of a user next to a session: name, avatar and the identifier they are known by. */
export function publicUserDataJSON(a: UserAggregate, publicUrl: string): PublicUserDataJSON {
  const u = a.user;
  const primary = a.identifications.find((i) => i.id === u.primary_email_address_id) ?? a.identifications.find((i) => i.id === u.primary_phone_number_id);
  const image = imageUrl(publicUrl, u.image_id);
  return {
    user_id: u.id,
    first_name: u.first_name,
    last_name: u.last_name,
    profile_image_url: image,
    image_url: image,
    has_image: u.image_id !== null,
    identifier: primary?.value ?? u.username ?? '',
    username: u.username,
    banned: u.banned === 1,
  };
}

/** Minutes since the last first- and second-factor verification, as the SDK's reverification reads them. */
function factorAges(s: SessionRow, now: number): number[] {
  const ages: number[] = [];
  for (const at of [s.first_factor_verified_at, s.second_factor_verified_at]) {
    ages.push(at === null ? -1 : Math.floor((now - at) / 60_000));
  }
  return ages;
}

export function sessionActivityJSON(s: SessionRow): SessionActivityJSON | null {
  if (!s.latest_activity) return null;
  const a = readJson<Partial<SessionActivityJSON>>(s.latest_activity);
  return {
    object: 'session_activity',
    id: `sess_activity_${s.id.slice(5)}`,
    browser_name: a.browser_name ?? null,
    browser_version: a.browser_version ?? null,
    device_type: a.device_type ?? null,
    is_mobile: a.is_mobile ?? false,
    ip_address: a.ip_address ?? null,
    city: a.city ?? null,
    country: a.country ?? null,
  };
}

/** The session's user, with their pending verifications and organization memberships when they were loaded. */
function sessionUserJSON(user: UserAggregate, publicUrl: string, pending: PendingVerifications | null, memberships: FrontendOrganizationMembershipJSON[] | undefined): FrontendUserJSON {
  const json = frontendUserJSON(user, publicUrl, pending);
  return memberships ? { ...json, organization_memberships: memberships } : json;
}

export function frontendSessionJSON(
  s: SessionRow,
  user: UserAggregate | null,
  publicUrl: string,
  now: number,
  token: TokenJSON | null = null,
  pending: PendingVerifications | null = null,
  memberships?: FrontendOrganizationMembershipJSON[],
): FrontendSessionJSON {
  return {
    object: 'session',
    id: s.id,
    status: s.status,
    expire_at: s.expire_at,
    abandon_at: s.abandon_at,
    last_active_at: s.last_active_at,
    last_active_organization_id: s.last_active_organization_id,
    last_active_token: token,
    actor: s.actor === null ? null : readJson<Record<string, unknown>>(s.actor),
    user: user ? sessionUserJSON(user, publicUrl, pending, memberships) : null,
    public_user_data: user ? publicUserDataJSON(user, publicUrl) : null,
    factor_verification_age: factorAges(s, now),
    tasks: null,
    created_at: s.created_at,
    updated_at: s.updated_at,
  };
}

export interface ClientExtras {
  /** A fresh session token per session id, where one was minted (`last_active_token`). */
  tokens?: ReadonlyMap<string, TokenJSON>;
  /** The wire forms of the sign-in and sign-up in progress on the client. */
  signIn?: Record<string, unknown> | null;
  signUp?: Record<string, unknown> | null;
  /** Verifications in progress of the users' unverified identifiers. */
  verifications?: PendingVerifications;
  /** Each user's organization memberships, by user id (`user.organization_memberships`). */
  memberships?: ReadonlyMap<string, FrontendOrganizationMembershipJSON[]>;
}

/** The whole client. */
export function clientJSON(view: ClientView, publicUrl: string, now: number, extras: ClientExtras = {}): ClientJSON {
  const tokens = extras.tokens ?? new Map<string, TokenJSON>();
  const c = view.client;
  return {
    object: 'client',
    id: c.id,
    sessions: view.sessions.map(({ session, user }) =>
      frontendSessionJSON(session, user, publicUrl, now, tokens.get(session.id) ?? null, extras.verifications ?? null, extras.memberships ? (extras.memberships.get(session.user_id) ?? []) : undefined),
    ),
    sign_in: extras.signIn ?? null,
    sign_up: extras.signUp ?? null,
    last_active_session_id: c.last_active_session_id,
    last_authentication_strategy: c.last_authentication_strategy,
    cookie_expires_at: c.expires_at,
    captcha_bypass: false,
    created_at: c.created_at,
    updated_at: c.updated_at,
  };
}
