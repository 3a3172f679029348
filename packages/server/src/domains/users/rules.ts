/**
 * The checks and shapes the users services share: identifier planning (normalising, de-duplicating,
 * statuses), the coded errors for taken and malformed values, and the context each part of the users
 * service is built on. No HTTP and no SQL here.
 */
import { type Metadata, newId } from '@latch/core';
import { ApiError, notFound } from '../../errors.js';
import type { DialectName, Db, Tx, UniqueMapper } from '../../storage/database.js';
import type { IdentificationStatus, IdentificationTable, IdentificationType } from '../../storage/schema.js';
import { normalizeEmail, normalizePhone, normalizeUsername, normalizeWeb3Wallet } from '../identifiers/normalize.js';
import type { AuthSettings } from '../instance/auth-settings.js';
import { assertMetadataSize } from '../metadata/metadata.js';
import { ownerOfIdentifier } from './directory-repository.js';
import { type IdentificationRow, type UserAggregate, aggregate, createUserLoader, identifierHolder, lockUser } from './repository.js';

/** The request parameter naming each kind of identifier. */
export const PARAM_OF_TYPE: Record<IdentificationType, string> = {
  email_address: 'email_address',
  phone_number: 'phone_number',
  web3_wallet: 'web3_wallet',
};

function normalizerOf(type: IdentificationType) {
  return type === 'email_address' ? normalizeEmail : type === 'phone_number' ? normalizePhone : normalizeWeb3Wallet;
}

export function identifierExists(param: string): ApiError {
  return new ApiError({
    code: 'form_identifier_exists',
    message: 'That identifier is taken. Please try another.',
    longMessage: `That ${param.replace(/_/g, ' ')} is taken. Please try another.`,
    paramName: param,
  });
}

export function invalid(param: string, longMessage: string): ApiError {
  return new ApiError({ code: 'form_param_format_invalid', message: 'is invalid', longMessage, paramName: param });
}

/** An identifier about to be stored: checked and normalised, with the status it will have. */
export interface PlannedIdentification {
  type: IdentificationType;
  value: string;
  normalized: string;
  status: IdentificationStatus;
}

/** Checks and normalises identifiers of one kind; a value given twice is taken. */
export function plan(type: IdentificationType, values: string[] | undefined, statuses: IdentificationStatus[] | undefined): PlannedIdentification[] {
  const param = PARAM_OF_TYPE[type];
  if (statuses && statuses.length && statuses.length !== (values?.length ?? 0)) {
    throw invalid(`${param}_identification_status`, `${param}_identification_status must have exactly one item per ${param}.`);
  }
  const seen = new Set<string>();
  return (values ?? []).map((value, i) => {
    const normalized = normalizerOf(type)(value);
    if (normalized === null) throw invalid(param, `${value} is not a valid ${param.replace(/_/g, ' ')}.`);
    if (seen.has(normalized)) throw identifierExists(param);
    seen.add(normalized);
    return { type, value: type === 'phone_number' ? normalized : value.trim(), normalized, status: statuses?.[i] ?? 'verified' };
  });
}

export function checkUsername(username: string | null | undefined): string | null | undefined {
  if (username === undefined || username === null) return username;
  const n = normalizeUsername(username);
  if (n === null) {
    throw invalid('username', 'Usernames are 4 to 64 characters of letters, digits, "_", "-" and ".".');
  }
  return n;
}

/** IANA time zone names as the runtime knows them (Europe/Berlin, UTC …). */
export function checkTimezone(tz: string | null | undefined): void {
  if (!tz) return;
  try {
    new Intl.DateTimeFormat('en', { timeZone: tz });
  } catch {
    throw invalid('timezone', `${tz} is not a known IANA time zone.`);
  }
}

/** Metadata of a new user: absent is empty, and each kind has a size limit. */
export function emptyMetadata(kind: string, value: Metadata | undefined | null): Metadata {
  const v = value ?? {};
  assertMetadataSize(kind, v);
  return v;
}

/** The stored form of a planned identifier. */
export function identificationRow(userId: string, p: PlannedIdentification, t: number, extra: Partial<IdentificationTable> = {}): IdentificationTable {
  return {
    id: newId('idn', t),
    user_id: userId,
    type: p.type,
    value: p.value,
    normalized: p.normalized,
    status: p.status,
    strategy: p.status === 'verified' ? 'admin' : 'none',
    reserved_for_second_factor: 0,
    default_second_factor: 0,
    is_primary: 0,
    created_at: t,
    updated_at: t,
    ...extra,
  };
}

/** Refuses identifiers another user (or this one) already holds; the unique index backs this up in races. */
export async function assertIdentifiersFree(trx: Tx, planned: PlannedIdentification[]): Promise<void> {
  for (const p of planned) {
    if (await identifierHolder(trx, p.type, p.normalized)) throw identifierExists(PARAM_OF_TYPE[p.type]);
  }
}

/** What every part of the users service is built on. */
export interface UsersContext {
  db: Db;
  dialect: DialectName;
  now: () => number;
  /** The user's wire aggregate; inside a transaction (`trx`) its row is locked. Throws not found. */
  load(id: string, trx?: Tx): Promise<UserAggregate>;
  /**
   * The unique index a user write ran into → form_identifier_exists for the right param. It runs after
   * the transaction rolled back, so it can ask which planned identifier the winner of the race holds.
   */
  identifierTaken(planned?: PlannedIdentification[]): UniqueMapper;
  /** Runs after a user gains verified e-mail addresses (domain enrollment). */
  afterVerifiedEmails?: (userId: string) => Promise<void>;
}

export function createUsersContext(db: Db, dialect: DialectName, now: () => number, afterVerifiedEmails?: (userId: string) => Promise<void>): UsersContext {
  const loadUser = createUserLoader(db);
  return {
    db,
    dialect,
    now,
    ...(afterVerifiedEmails ? { afterVerifiedEmails } : {}),
    async load(id, trx) {
      if (!trx) {
        const agg = await loadUser(id);
        if (!agg) throw notFound('User');
        return agg;
      }
      const user = await lockUser(trx, id);
      if (!user) throw notFound('User');
      const [agg] = await aggregate(trx, [user]);
      return agg as UserAggregate;
    },
    identifierTaken(planned = []) {
      return async (v) => {
        if (/external_id/.test(v.detail)) return identifierExists('external_id');
        if (/username/.test(v.detail)) return identifierExists('username');
        for (const p of planned) {
          if ((await ownerOfIdentifier(db, p.type, p.normalized)) !== null) return identifierExists(PARAM_OF_TYPE[p.type]);
        }
        return identifierExists(planned[0] ? PARAM_OF_TYPE[planned[0].type] : 'identifier');
      };
    },
  };
}

/** The instance settings that decide what signs a user in. */
export type SignInSettings = Pick<AuthSettings, 'email_address' | 'phone_number' | 'username' | 'password'>;

/** What a user signs in with: their identifiers, username and whether they have a password. */
export interface SignInMeans {
  identifications: readonly Pick<IdentificationRow, 'type' | 'status'>[];
  username: string | null;
  hasPassword: boolean;
}

/**
 * How many ways the user has to sign in: each verified e-mail address or phone number of a kind the
 * instance offers on the first screen (a code can be sent to it, or the password typed after it), and
 * the username when it is offered there and the user has a password to go with it.
 */
export function signInWays(s: SignInSettings, m: SignInMeans): number {
  const verified = (type: IdentificationType) => m.identifications.filter((i) => i.type === type && i.status === 'verified').length;
  let ways = 0;
  const emailCodes = s.email_address.verification.includes('email_code');
  if (s.email_address.enabled && s.email_address.used_for_first_factor && (emailCodes || m.hasPassword)) ways += verified('email_address');
  if (s.phone_number.enabled && s.phone_number.used_for_first_factor) ways += verified('phone_number');
  if (s.username.enabled && s.username.used_for_first_factor && m.username !== null && m.hasPassword) ways += 1;
  return ways;
}

/**
 * Refuses a change (`before` → `after`) that would leave a user who could sign in no way to, or take
 * away the last verified identifier of a kind the instance requires. A user who had no way before (made
 * by the Backend API with unverified identifiers only) may still tidy up.
 */
export function assertKeepsSignIn(s: SignInSettings, before: SignInMeans, after: SignInMeans, what: string): void {
  const refuse = (why: string) =>
    new ApiError({ code: 'identification_deletion_failed', longMessage: `${what} cannot be removed: ${why}`, paramName: what === 'The password' ? 'password' : 'identification_id' });
  if (signInWays(s, before) > 0 && signInWays(s, after) === 0) throw refuse('it is your last way to sign in.');
  for (const [type, setting] of [
    ['email_address', s.email_address],
    ['phone_number', s.phone_number],
  ] as const) {
    const count = (m: SignInMeans) => m.identifications.filter((i) => i.type === type && i.status === 'verified').length;
    if (setting.enabled && setting.required && count(before) > 0 && count(after) === 0) {
      throw refuse(`this application requires a verified ${type.replace('_', ' ')}.`);
    }
  }
}
