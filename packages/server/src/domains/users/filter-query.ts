/**
 * The one parser of user filters from query parameters, shared by every list that selects users
 * (users, users/count, organization memberships).
 */
import { z } from 'zod';
import { ApiError } from '../../errors.js';
import { qArray, qBool, qInt } from '../../http/validation.js';
import { normalizeEmail, normalizePhone, normalizeUsername, normalizeWeb3Wallet } from '../identifiers/normalize.js';
import type { SignedList, UserFilter } from './repository.js';

const shortText = (max: number) => z.string().max(max);

/** The query parameters that select users, as `GET /users`, `/users/count` and member lists take them. */
export const userFilterFields = {
  email_address: qArray().optional(),
  phone_number: qArray().optional(),
  external_id: qArray().optional(),
  username: qArray().optional(),
  web3_wallet: qArray().optional(),
  user_id: qArray().optional(),
  organization_id: qArray().optional(),
  query: shortText(256).optional(),
  email_address_query: shortText(256).optional(),
  phone_number_query: shortText(256).optional(),
  username_query: shortText(256).optional(),
  name_query: shortText(256).optional(),
  banned: qBool().optional(),
  last_active_at_before: qInt(0, 8.64e15).optional(),
  last_active_at_after: qInt(0, 8.64e15).optional(),
  last_active_at_since: qInt(0, 8.64e15).optional(),
  created_at_before: qInt(0, 8.64e15).optional(),
  created_at_after: qInt(0, 8.64e15).optional(),
  last_sign_in_at_before: qInt(0, 8.64e15).optional(),
  last_sign_in_at_after: qInt(0, 8.64e15).optional(),
  provider: shortText(64).optional(),
  provider_user_id: qArray().optional(),
};

/** Any subset of the user filter parameters (member lists take fewer). */
export type UserFilterQuery = Partial<z.output<z.ZodObject<typeof userFilterFields>>>;

function signed(values: string[] | undefined): SignedList | undefined {
  if (!values?.length) return undefined;
  const out: SignedList = { include: [], exclude: [] };
  for (const v of values) {
    if (v.startsWith('-')) out.exclude.push(v.slice(1));
    else out.include.push(v.startsWith('+') ? v.slice(1) : v);
  }
  return out;
}

/** Values that cannot be a valid identifier can match no user: drop them rather than fail the search. */
function normalizedList(values: string[] | undefined, normalize: (v: string) => string | null): { list?: string[]; none: boolean } {
  if (!values?.length) return { none: false };
  const list = values.map(normalize).filter((v): v is string => v !== null);
  return list.length ? { list, none: false } : { none: true };
}

/**
 * Query parameters → the repository's user filter. A list none of whose values can be a valid identifier
 * selects nobody (`impossible`) rather than failing the request; `-id` excludes, `+id` or a bare id includes.
 */
export function userFilterFromQuery(q: UserFilterQuery): UserFilter {
  const lower = (s: string | undefined) => (s ? s.toLowerCase() : undefined);
  const phoneQuery = q.phone_number_query?.replace(/[\s\-().]/g, '');
  const emails = normalizedList(q.email_address, normalizeEmail);
  const phones = normalizedList(q.phone_number, normalizePhone);
  const usernames = normalizedList(q.username, (v) => normalizeUsername(v) ?? v.toLowerCase());
  const wallets = normalizedList(q.web3_wallet, normalizeWeb3Wallet);
  const f: UserFilter = {
    emailAddresses: emails.list,
    phoneNumbers: phones.list,
    usernames: usernames.list,
    web3Wallets: wallets.list,
    externalIds: signed(q.external_id),
    userIds: signed(q.user_id),
    organizationIds: signed(q.organization_id),
    query: lower(q.query?.trim()),
    emailAddressQuery: lower(q.email_address_query),
    phoneNumberQuery: phoneQuery || undefined,
    usernameQuery: lower(q.username_query),
    nameQuery: lower(q.name_query),
    banned: q.banned,
    lastActiveAtBefore: q.last_active_at_before,
    lastActiveAtAfter: q.last_active_at_after ?? q.last_active_at_since,
    createdAtBefore: q.created_at_before,
    createdAtAfter: q.created_at_after,
    lastSignInAtBefore: q.last_sign_in_at_before,
    lastSignInAtAfter: q.last_sign_in_at_after,
  };
  if (q.provider_user_id?.length && !q.provider) {
    throw new ApiError({ code: 'form_param_missing', longMessage: 'provider must be included with provider_user_id.', paramName: 'provider' });
  }
  // External accounts (OAuth) are not linked by this server yet, so a provider filter selects nobody.
  if (q.provider_user_id?.length) f.impossible = true;
  // A filter list none of whose values can be a valid identifier selects nobody.
  if (emails.none || phones.none || usernames.none || wallets.none) f.impossible = true;
  return f;
}

