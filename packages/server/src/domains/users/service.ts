/**
 * Users: the rules for creating, changing and deleting users and their identifiers. No HTTP here;
 * invariants that span rows run inside one transaction, and uniqueness is enforced by the database's
 * unique indexes so that concurrent requests cannot both win.
 */
import { type Metadata, newId } from '@latch/core';
import type { Updateable } from 'kysely';
import bcryptjs from 'bcryptjs';
import { checkPasswordPolicy } from '../../crypto/password-policy.js';
import { verifyTotp } from '../../crypto/totp.js';
import { type PasswordHasher, hashPassword, isValidDigest, verifyPassword } from '../../crypto/passwords.js';
import { ApiError, notFound } from '../../errors.js';
import { type DialectName, transaction, type Db, type Tx, type UniqueMapper } from '../../storage/database.js';
import { ownerOfIdentifier } from './directory-repository.js';
import type { IdentificationStatus, IdentificationTable, IdentificationType, UserTable } from '../../storage/schema.js';
import { readJson } from '../../storage/schema.js';
import { normalizeEmail, normalizePhone, normalizeUsername, normalizeWeb3Wallet } from '../identifiers/normalize.js';
import { assertMetadataSize, nextMetadata } from '../metadata/metadata.js';
import {
  type IdentificationRow,
  type UserAggregate,
  type UserFilter,
  type UserPage,
  type UserRow,
  aggregate,
  countUsers,
  createUserLoader,
  findIdentification,
  findPassword,
  findUser,
  lockIdentification,
  lockUser,
  findUsersByIds,
  identificationsOf,
  listUsers,
  refreshSearchText,
  searchTextOf,
} from './repository.js';

export interface PasswordInput {
  password?: string | null;
  passwordDigest?: string | null;
  passwordHasher?: PasswordHasher | null;
  skipPasswordChecks?: boolean | null;
}

export interface CreateUserInput extends PasswordInput {
  externalId?: string | null;
  firstName?: string | null;
  lastName?: string | null;
  locale?: string | null;
  timezone?: string | null;
  emailAddresses?: string[];
  emailAddressStatuses?: ('verified' | 'reserved')[];
  phoneNumbers?: string[];
  phoneNumberStatuses?: ('verified' | 'reserved')[];
  web3Wallets?: string[];
  username?: string | null;
  totpSecret?: string | null;
  backupCodes?: string[];
  publicMetadata?: Metadata;
  privateMetadata?: Metadata;
  unsafeMetadata?: Metadata;
  deleteSelfEnabled?: boolean | null;
  createOrganizationEnabled?: boolean | null;
  createOrganizationsLimit?: number | null;
  legalAcceptedAt?: number | null;
  createdAt?: number | null;
  bypassClientTrust?: boolean | null;
  banned?: boolean | null;
  locked?: boolean | null;
  /** Create the user even when the instance's allowlist or blocklist would refuse the sign-up. */
  bypassRestrictions?: boolean | null;
}

export interface UpdateUserInput extends PasswordInput {
  externalId?: string | null;
  firstName?: string | null;
  lastName?: string | null;
  locale?: string | null;
  timezone?: string | null;
  primaryEmailAddressId?: string | null;
  primaryPhoneNumberId?: string | null;
  primaryWeb3WalletId?: string | null;
  username?: string | null;
  profileImageId?: string | null;
  totpSecret?: string | null;
  backupCodes?: string[];
  publicMetadata?: Metadata | null;
  privateMetadata?: Metadata | null;
  unsafeMetadata?: Metadata | null;
  deleteSelfEnabled?: boolean | null;
  createOrganizationEnabled?: boolean | null;
  createOrganizationsLimit?: number | null;
  legalAcceptedAt?: number | null;
  createdAt?: number | null;
  bypassClientTrust?: boolean | null;
}

export interface MetadataInput {
  /** `null` clears the kind. */
  publicMetadata?: Metadata | null;
  privateMetadata?: Metadata | null;
  unsafeMetadata?: Metadata | null;
}

export interface NewIdentifierInput {
  userId: string;
  value: string;
  verified?: boolean | null;
  primary?: boolean | null;
  reservedForSecondFactor?: boolean | null;
}

export interface ImageInput {
  bytes: Uint8Array;
  contentType: string;
}

const PARAM_OF_TYPE: Record<IdentificationType, string> = {
  email_address: 'email_address',
  phone_number: 'phone_number',
  web3_wallet: 'web3_wallet',
};

const PRIMARY_COLUMN = {
  email_address: 'primary_email_address_id',
  phone_number: 'primary_phone_number_id',
  web3_wallet: 'primary_web3_wallet_id',
} as const;

function normalizerOf(type: IdentificationType) {
  return type === 'email_address' ? normalizeEmail : type === 'phone_number' ? normalizePhone : normalizeWeb3Wallet;
}

function identifierExists(param: string): ApiError {
  return new ApiError({
    code: 'form_identifier_exists',
    message: 'That identifier is taken. Please try another.',
    longMessage: `That ${param.replace(/_/g, ' ')} is taken. Please try another.`,
    paramName: param,
  });
}

function invalid(param: string, longMessage: string): ApiError {
  return new ApiError({ code: 'form_param_format_invalid', message: 'is invalid', longMessage, paramName: param });
}

interface PlannedIdentification {
  type: IdentificationType;
  value: string;
  normalized: string;
  status: IdentificationStatus;
}

function plan(type: IdentificationType, values: string[] | undefined, statuses: IdentificationStatus[] | undefined): PlannedIdentification[] {
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

function checkUsername(username: string | null | undefined): string | null | undefined {
  if (username === undefined || username === null) return username;
  const n = normalizeUsername(username);
  if (n === null) {
    throw invalid('username', 'Usernames are 4 to 64 characters of letters, digits, "_", "-" and ".".');
  }
  return n;
}

/** IANA time zone names as the runtime knows them (Europe/Berlin, UTC …). */
function checkTimezone(tz: string | null | undefined): void {
  if (!tz) return;
  try {
    new Intl.DateTimeFormat('en', { timeZone: tz });
  } catch {
    throw invalid('timezone', `${tz} is not a known IANA time zone.`);
  }
}

function checkTotpSecret(secret: string | null | undefined): void {
  if (secret && !/^[A-Z2-7]{16,128}=*$/i.test(secret.replace(/\s/g, ''))) {
    throw invalid('totp_secret', 'totp_secret must be a base32 string of at least 16 characters.');
  }
}

/** Backup codes are stored as bcrypt digests; digests given at import are kept as they are. */
async function hashBackupCodes(codes: string[] | undefined): Promise<string[] | undefined> {
  if (!codes) return undefined;
  return Promise.all(codes.map((c) => (/^\$2[aby]\$\d{2}\$.{53}$/.test(c) ? c : bcryptjs.hash(c, 8))));
}

function emptyMetadata(kind: string, value: Metadata | undefined | null): Metadata {
  const v = value ?? {};
  assertMetadataSize(kind, v);
  return v;
}

export interface UsersServiceDeps {
  db: Db;
  dialect: DialectName;
  /** The sign-up rule (allowlist, blocklist): throws when these identifiers may not sign up. */
  admit?: (ids: { emails: string[]; phones: string[]; wallets: string[] }) => Promise<void>;
  /** Runs inside the deletion transaction before the user row goes (organization memberships). */
  beforeDelete?: (trx: Tx, userId: string) => Promise<void>;
  /** Runs after a user gains verified e-mail addresses (domain enrollment). Failures are the hook's to handle. */
  afterVerifiedEmails?: (userId: string) => Promise<void>;
  now?: () => number;
  maxImageBytes: number;
}

export function createUsersService({ db, dialect, admit, beforeDelete, afterVerifiedEmails, now = Date.now, maxImageBytes }: UsersServiceDeps) {
  const loadUser = createUserLoader(db);

  /** The user's wire aggregate; inside a transaction (`trx`) its row is locked. */
  async function load(id: string, trx?: Tx): Promise<UserAggregate> {
    if (!trx) {
      const agg = await loadUser(id);
      if (!agg) throw notFound('User');
      return agg;
    }
    const user = await lockUser(trx, id);
    if (!user) throw notFound('User');
    const [agg] = await aggregate(trx, [user]);
    return agg as UserAggregate;
  }

  /** Prepares a password (policy, hashing or imported digest) before any transaction opens. */
  async function preparePassword(input: PasswordInput, identifiers: string[]): Promise<{ digest: string; hasher: string } | null> {
    if (input.passwordDigest) {
      const hasher = input.passwordHasher;
      if (!hasher) {
        throw new ApiError({ code: 'form_param_missing', longMessage: 'password_hasher must be included with password_digest.', paramName: 'password_hasher' });
      }
      if (!isValidDigest(hasher, input.passwordDigest)) {
        throw new ApiError({ code: 'form_password_digest_invalid', longMessage: `password_digest is not a valid ${hasher} digest.`, paramName: 'password_digest' });
      }
      return { digest: input.passwordDigest, hasher };
    }
    if (input.passwordHasher && !input.passwordDigest) {
      throw new ApiError({ code: 'form_param_missing', longMessage: 'password_digest must be included with password_hasher.', paramName: 'password_digest' });
    }
    if (input.password === undefined || input.password === null) return null;
    if (!input.skipPasswordChecks) {
      const violation = checkPasswordPolicy(input.password, { identifiers });
      if (violation) {
        throw new ApiError({ code: violation.code, message: violation.message, longMessage: violation.longMessage, paramName: 'password' });
      }
    } else if (input.password.length === 0 || input.password.length > 1024) {
      throw invalid('password', 'password must be 1 to 1024 characters.');
    }
    return { digest: await hashPassword(input.password), hasher: 'argon2id' };
  }

  /**
   * The unique index a user write ran into → form_identifier_exists for the right param. It runs after
   * the transaction rolled back, so it can ask which planned identifier the winner of the race holds.
   */
  function identifierTaken(planned: PlannedIdentification[] = []): UniqueMapper {
    return async (v) => {
      if (/external_id/.test(v.detail)) return identifierExists('external_id');
      if (/username/.test(v.detail)) return identifierExists('username');
      for (const p of planned) {
        if ((await ownerOfIdentifier(db, p.type, p.normalized)) !== null) return identifierExists(PARAM_OF_TYPE[p.type]);
      }
      return identifierExists(planned[0] ? PARAM_OF_TYPE[planned[0].type] : 'identifier');
    };
  }


  async function assertIdentifiersFree(trx: Tx, planned: PlannedIdentification[]): Promise<void> {
    for (const p of planned) {
      const taken = await trx
        .selectFrom('identifications')
        .select('id')
        .where('type', '=', p.type)
        .where('normalized', '=', p.normalized)
        .executeTakeFirst();
      if (taken) throw identifierExists(PARAM_OF_TYPE[p.type]);
    }
  }

  function identificationRow(userId: string, p: PlannedIdentification, t: number, extra: Partial<IdentificationTable> = {}): IdentificationTable {
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
      created_at: t,
      updated_at: t,
      ...extra,
    };
  }

  async function setPrimaryIfMissing(trx: Tx, user: UserRow, type: IdentificationType, candidate: string | null, t: number) {
    const column = PRIMARY_COLUMN[type];
    if (user[column] !== null || candidate === null) return;
    await trx.updateTable('users').set({ [column]: candidate, updated_at: t }).where('id', '=', user.id).execute();
  }

  return {
    async list(filter: UserFilter, page: UserPage): Promise<UserAggregate[]> {
      const rows = await listUsers(db, dialect, filter, page);
      return aggregate(db, rows);
    },

    count(filter: UserFilter): Promise<number> {
      return countUsers(db, dialect, filter);
    },

    get: (id: string) => load(id),

    /** Creation time of a user, for cursor pagination; null when the user does not exist. */
    async createdAtOf(id: string): Promise<number | null> {
      const u = await findUser(db, id);
      return u ? u.created_at : null;
    },

    async create(input: CreateUserInput): Promise<UserAggregate> {
      const planned = [
        ...plan('email_address', input.emailAddresses, input.emailAddressStatuses),
        ...plan('phone_number', input.phoneNumbers, input.phoneNumberStatuses),
        ...plan('web3_wallet', input.web3Wallets, undefined),
      ];
      const username = checkUsername(input.username) ?? null;
      checkTotpSecret(input.totpSecret);
      checkTimezone(input.timezone);
      if (admit && !input.bypassRestrictions) {
        await admit({
          emails: planned.filter((p) => p.type === 'email_address').map((p) => p.normalized),
          phones: planned.filter((p) => p.type === 'phone_number').map((p) => p.normalized),
          wallets: planned.filter((p) => p.type === 'web3_wallet').map((p) => p.normalized),
        });
      }
      const publicMetadata = emptyMetadata('public_metadata', input.publicMetadata);
      const privateMetadata = emptyMetadata('private_metadata', input.privateMetadata);
      const unsafeMetadata = emptyMetadata('unsafe_metadata', input.unsafeMetadata);
      const password = await preparePassword(input, [...planned.map((p) => p.normalized), ...(username ? [username] : [])]);
      const backupCodes = await hashBackupCodes(input.backupCodes);
      const t = now();
      const createdAt = input.createdAt ?? t;
      const id = newId('user', createdAt);
      const identifications = planned.map((p) => identificationRow(id, p, t));
      const firstOf = (type: IdentificationType) => identifications.find((i) => i.type === type)?.id ?? null;
      const base = {
        id,
        external_id: input.externalId ?? null,
        username: username,
        first_name: input.firstName ?? null,
        last_name: input.lastName ?? null,
      };
      await transaction(db, async (trx) => {
        if (input.externalId) {
          const taken = await trx.selectFrom('users').select('id').where('external_id', '=', input.externalId).executeTakeFirst();
          if (taken) throw identifierExists('external_id');
        }
        if (username) {
          const taken = await trx.selectFrom('users').select('id').where('username_normalized', '=', username).executeTakeFirst();
          if (taken) throw identifierExists('username');
        }
        await assertIdentifiersFree(trx, planned);
        await trx
          .insertInto('users')
          .values({
            ...base,
            username_normalized: username,
            locale: input.locale ?? null,
            timezone: input.timezone ?? null,
            primary_email_address_id: firstOf('email_address'),
            primary_phone_number_id: firstOf('phone_number'),
            primary_web3_wallet_id: firstOf('web3_wallet'),
            public_metadata: JSON.stringify(publicMetadata),
            private_metadata: JSON.stringify(privateMetadata),
            unsafe_metadata: JSON.stringify(unsafeMetadata),
            image_id: null,
            banned: input.banned ? 1 : 0,
            locked: input.locked ? 1 : 0,
            locked_at: input.locked ? t : null,
            delete_self_enabled: input.deleteSelfEnabled === false ? 0 : 1,
            create_organization_enabled: input.createOrganizationEnabled === false ? 0 : 1,
            create_organizations_limit: input.createOrganizationsLimit ?? null,
            legal_accepted_at: input.legalAcceptedAt ?? null,
            last_sign_in_at: null,
            last_active_at: null,
            bypass_client_trust: input.bypassClientTrust ? 1 : 0,
            totp_secret: input.totpSecret ? input.totpSecret.replace(/\s/g, '').toUpperCase() : null,
            backup_codes: backupCodes?.length ? JSON.stringify(backupCodes) : null,
            mfa_enabled_at: input.totpSecret || backupCodes?.length ? t : null,
            mfa_disabled_at: null,
            password_compromised_at: null,
            search_text: searchTextOf(base, identifications),
            created_at: createdAt,
            updated_at: t,
          })
          .execute();
        if (identifications.length) await trx.insertInto('identifications').values(identifications).execute();
        if (password) {
          await trx.insertInto('passwords').values({ user_id: id, digest: password.digest, hasher: password.hasher, updated_at: t }).execute();
        }
      }, identifierTaken(planned));
      if (afterVerifiedEmails && planned.some((p) => p.type === 'email_address' && p.status === 'verified')) await afterVerifiedEmails(id);
      return load(id);
    },

    async update(id: string, input: UpdateUserInput): Promise<UserAggregate> {
      const current = await load(id);
      const username = checkUsername(input.username);
      checkTotpSecret(input.totpSecret);
      checkTimezone(input.timezone);
      for (const [kind, value] of [
        ['public_metadata', input.publicMetadata],
        ['private_metadata', input.privateMetadata],
        ['unsafe_metadata', input.unsafeMetadata],
      ] as const) {
        if (value) assertMetadataSize(kind, value);
      }
      const password = await preparePassword(input, current.identifications.map((i) => i.normalized));
      const backupCodes = await hashBackupCodes(input.backupCodes);
      const t = now();
      await transaction(db, async (trx) => {
        const user = await lockUser(trx, id);
        if (!user) throw notFound('User');
        const idents = await identificationsOf(trx, [id]);
        const patch: Updateable<UserTable> = { updated_at: t };
        if (input.externalId !== undefined) {
          if (input.externalId) {
            const taken = await trx.selectFrom('users').select('id').where('external_id', '=', input.externalId).where('id', '!=', id).executeTakeFirst();
            if (taken) throw identifierExists('external_id');
          }
          patch.external_id = input.externalId || null;
        }
        if (username !== undefined) {
          if (username) {
            const taken = await trx.selectFrom('users').select('id').where('username_normalized', '=', username).where('id', '!=', id).executeTakeFirst();
            if (taken) throw identifierExists('username');
          }
          patch.username = username;
          patch.username_normalized = username;
        }
        if (input.firstName !== undefined) patch.first_name = input.firstName;
        if (input.lastName !== undefined) patch.last_name = input.lastName;
        if (input.locale !== undefined) patch.locale = input.locale;
        if (input.timezone !== undefined) patch.timezone = input.timezone;
        for (const [type, value, param] of [
          ['email_address', input.primaryEmailAddressId, 'primary_email_address_id'],
          ['phone_number', input.primaryPhoneNumberId, 'primary_phone_number_id'],
          ['web3_wallet', input.primaryWeb3WalletId, 'primary_web3_wallet_id'],
        ] as const) {
          if (value === undefined || value === null) continue;
          const owned = idents.find((i) => i.id === value && i.type === type);
          if (!owned) {
            throw new ApiError({ code: 'form_param_value_invalid', longMessage: `${param} must be the id of one of this user's ${type.replace(/_/g, ' ')}es.`, paramName: param });
          }
          patch[PRIMARY_COLUMN[type]] = value;
        }
        if (input.profileImageId !== undefined) {
          if (input.profileImageId === null) {
            patch.image_id = null;
          } else {
            const img = await trx.selectFrom('images').select(['id', 'owner_id']).where('id', '=', input.profileImageId).executeTakeFirst();
            if (!img || img.owner_id !== id) {
              throw new ApiError({ code: 'form_param_value_invalid', longMessage: 'profile_image_id must be an image uploaded for this user.', paramName: 'profile_image_id' });
            }
            patch.image_id = img.id;
          }
        }
        if (input.totpSecret !== undefined) {
          patch.totp_secret = input.totpSecret ? input.totpSecret.replace(/\s/g, '').toUpperCase() : null;
          if (input.totpSecret) patch.mfa_enabled_at = t;
        }
        if (backupCodes !== undefined) patch.backup_codes = backupCodes.length ? JSON.stringify(backupCodes) : null;
        // The user update replaces whole metadata kinds; PATCH /metadata is the merging one.
        if (input.publicMetadata !== undefined) patch.public_metadata = JSON.stringify(input.publicMetadata ?? {});
        if (input.privateMetadata !== undefined) patch.private_metadata = JSON.stringify(input.privateMetadata ?? {});
        if (input.unsafeMetadata !== undefined) patch.unsafe_metadata = JSON.stringify(input.unsafeMetadata ?? {});
        if (input.deleteSelfEnabled !== undefined && input.deleteSelfEnabled !== null) patch.delete_self_enabled = input.deleteSelfEnabled ? 1 : 0;
        if (input.createOrganizationEnabled !== undefined && input.createOrganizationEnabled !== null) {
          patch.create_organization_enabled = input.createOrganizationEnabled ? 1 : 0;
        }
        if (input.createOrganizationsLimit !== undefined) patch.create_organizations_limit = input.createOrganizationsLimit;
        if (input.legalAcceptedAt !== undefined) patch.legal_accepted_at = input.legalAcceptedAt;
        if (input.createdAt !== undefined && input.createdAt !== null) patch.created_at = input.createdAt;
        if (input.bypassClientTrust !== undefined && input.bypassClientTrust !== null) patch.bypass_client_trust = input.bypassClientTrust ? 1 : 0;
        const merged = { ...user, ...patch };
        patch.search_text = searchTextOf(merged, idents);
        await trx.updateTable('users').set(patch).where('id', '=', id).execute();
        if (password) {
          patch.password_compromised_at = null;
          await trx.updateTable('users').set({ password_compromised_at: null }).where('id', '=', id).execute();
          await trx.deleteFrom('passwords').where('user_id', '=', id).execute();
          await trx.insertInto('passwords').values({ user_id: id, digest: password.digest, hasher: password.hasher, updated_at: t }).execute();
        }
      }, identifierTaken());
      return load(id);
    },

    async delete(id: string): Promise<void> {
      await transaction(db, async (trx) => {
        if (beforeDelete) await beforeDelete(trx, id);
        const r = await trx.deleteFrom('users').where('id', '=', id).executeTakeFirst();
        if (Number(r.numDeletedRows) === 0) throw notFound('User');
        await trx.deleteFrom('images').where('owner_id', '=', id).execute();
      });
    },

    /** PATCH /metadata: deep merge, `null` deletes a key. PUT (replace=true): each given kind replaces. */
    async writeMetadata(id: string, input: MetadataInput, replace: boolean): Promise<UserAggregate> {
      await transaction(db, async (trx) => {
        const user = await lockUser(trx, id);
        if (!user) throw notFound('User');
        const patch: Updateable<UserTable> = { updated_at: now() };
        for (const [param, column, value] of [
          ['public_metadata', 'public_metadata', input.publicMetadata],
          ['private_metadata', 'private_metadata', input.privateMetadata],
          ['unsafe_metadata', 'unsafe_metadata', input.unsafeMetadata],
        ] as const) {
          if (value === undefined) continue;
          const next = nextMetadata(param, readJson<Metadata>(user[column]), value, replace ? 'replace' : 'merge');
          patch[column] = JSON.stringify(next);
        }
        await trx.updateTable('users').set(patch).where('id', '=', id).execute();
      });
      return load(id);
    },

    async setFlag(id: string, flag: 'banned' | 'locked', value: boolean): Promise<UserAggregate> {
      const t = now();
      const set: Updateable<UserTable> = flag === 'banned' ? { banned: value ? 1 : 0 } : { locked: value ? 1 : 0, locked_at: value ? t : null };
      const r = await db.updateTable('users').set({ ...set, updated_at: t }).where('id', '=', id).executeTakeFirst();
      if (Number(r.numUpdatedRows) === 0) throw notFound('User');
      return load(id);
    },

    async setBannedMany(ids: string[], value: boolean): Promise<UserAggregate[]> {
      const unique = [...new Set(ids)];
      await db.updateTable('users').set({ banned: value ? 1 : 0, updated_at: now() }).where('id', 'in', unique).execute();
      return aggregate(db, await findUsersByIds(db, unique));
    },

    /** Checks a password; a correct check of an imported or outdated digest rehashes it to argon2id. */
    async verifyPassword(id: string, password: string): Promise<boolean> {
      const user = await findUser(db, id);
      if (!user) throw notFound('User');
      const stored = await findPassword(db, id);
      if (!stored) throw ApiError.of('form_password_not_set', 'The user does not have a password set.');
      const { valid, needsRehash } = await verifyPassword(password, stored.hasher as PasswordHasher, stored.digest);
      if (!valid) {
        throw new ApiError({ code: 'form_password_incorrect', longMessage: 'Password is incorrect.', paramName: 'password' });
      }
      if (needsRehash) {
        const digest = await hashPassword(password);
        // Only replace the digest that was checked: a concurrent password change wins.
        await db
          .updateTable('passwords')
          .set({ digest, hasher: 'argon2id' })
          .where('user_id', '=', id)
          .where('digest', '=', stored.digest)
          .execute();
      }
      return true;
    },

    /** Checks a TOTP code, or failing that a backup code (which is then used up). */
    async verifySecondFactor(id: string, code: string): Promise<'totp' | 'backup_code'> {
      const user = await findUser(db, id);
      if (!user) throw notFound('User');
      const codes = user.backup_codes === null ? [] : readJson<string[]>(user.backup_codes);
      if (!user.totp_secret && !codes.length) throw ApiError.of('totp_not_enabled', 'The user does not have TOTP or backup codes configured.');
      if (user.totp_secret && verifyTotp(user.totp_secret, code.trim(), now())) return 'totp';
      for (const digest of codes) {
        if (await bcryptjs.compare(code.trim(), digest)) {
          // Used up at once: under the user's row lock, remove exactly this digest if it is still there,
          // so a concurrent second use of the same code finds it gone while other codes stay usable.
          const consumed = await transaction(db, async (trx) => {
            const locked = await lockUser(trx, id);
            const current = locked?.backup_codes ? readJson<string[]>(locked.backup_codes) : [];
            if (!current.includes(digest)) return false;
            const remaining = current.filter((c) => c !== digest);
            await trx
              .updateTable('users')
              .set({ backup_codes: remaining.length ? JSON.stringify(remaining) : null, updated_at: now() })
              .where('id', '=', id)
              .execute();
            return true;
          });
          if (consumed) return 'backup_code';
        }
      }
      throw new ApiError({ code: 'form_code_incorrect', longMessage: 'The code is incorrect.', paramName: 'code' });
    },

    /** Removes TOTP, backup codes, or both (`mfa`). */
    async disableSecondFactor(id: string, which: 'totp' | 'backup_code' | 'mfa'): Promise<void> {
      const t = now();
      const r = await db
        .updateTable('users')
        .set({
          ...(which !== 'backup_code' ? { totp_secret: null } : {}),
          ...(which !== 'totp' ? { backup_codes: null } : {}),
          mfa_disabled_at: t,
          updated_at: t,
        })
        .where('id', '=', id)
        .executeTakeFirst();
      if (Number(r.numUpdatedRows) === 0) throw notFound('User');
    },

    async setPasswordCompromised(id: string, compromised: boolean): Promise<UserAggregate> {
      const t = now();
      const r = await db.updateTable('users').set({ password_compromised_at: compromised ? t : null, updated_at: t }).where('id', '=', id).executeTakeFirst();
      if (Number(r.numUpdatedRows) === 0) throw notFound('User');
      return load(id);
    },

    /** Deletes one of the user's identifiers of a kind, checking it is theirs. */
    async deleteOwnIdentification(userId: string, identificationId: string, type: IdentificationType): Promise<void> {
      const row = await findIdentification(db, identificationId, type);
      if (!row || row.user_id !== userId) throw notFound(type === 'web3_wallet' ? 'Web3 wallet' : 'Identification');
      await this.deleteIdentification(identificationId, type);
    },

    async removePassword(id: string): Promise<UserAggregate> {
      await load(id);
      await db.deleteFrom('passwords').where('user_id', '=', id).execute();
      await db.updateTable('users').set({ updated_at: now() }).where('id', '=', id).execute();
      return load(id);
    },

    async setProfileImage(id: string, image: ImageInput): Promise<UserAggregate> {
      if (image.bytes.byteLength > maxImageBytes) {
        throw new ApiError({ code: 'file_too_large', longMessage: `The image must be at most ${maxImageBytes} bytes.`, paramName: 'file' });
      }
      const t = now();
      await transaction(db, async (trx) => {
        const user = await lockUser(trx, id);
        if (!user) throw notFound('User');
        const imageId = newId('img', t);
        await trx
          .insertInto('images')
          .values({ id: imageId, owner_id: id, content_type: image.contentType, bytes: image.bytes, size: image.bytes.byteLength, created_at: t })
          .execute();
        await trx.updateTable('users').set({ image_id: imageId, updated_at: t }).where('id', '=', id).execute();
        if (user.image_id) await trx.deleteFrom('images').where('id', '=', user.image_id).execute();
      });
      return load(id);
    },

    async deleteProfileImage(id: string): Promise<UserAggregate> {
      await transaction(db, async (trx) => {
        const user = await lockUser(trx, id);
        if (!user) throw notFound('User');
        if (!user.image_id) return;
        await trx.updateTable('users').set({ image_id: null, updated_at: now() }).where('id', '=', id).execute();
        await trx.deleteFrom('images').where('id', '=', user.image_id).execute();
      });
      return load(id);
    },

    async image(imageId: string) {
      return db.selectFrom('images').select(['content_type', 'bytes', 'size']).where('id', '=', imageId).executeTakeFirst();
    },

    // ---- identifiers (e-mail addresses, phone numbers) ----

    async getIdentification(id: string, type: IdentificationType): Promise<IdentificationRow> {
      const row = await findIdentification(db, id, type);
      if (!row) throw notFound(type === 'email_address' ? 'Email address' : 'Phone number');
      return row;
    },

    async addIdentification(type: 'email_address' | 'phone_number', input: NewIdentifierInput): Promise<IdentificationRow> {
      // Unlike addresses given at user creation, an address added later is unverified unless the caller
      // vouches for it: nobody has proven that the user owns it.
      const [p] = plan(type, [input.value], [input.verified === true ? 'verified' : 'unverified']);
      const planned = p as PlannedIdentification;
      const t = now();
      const row = identificationRow(input.userId, planned, t, {
        reserved_for_second_factor: input.reservedForSecondFactor ? 1 : 0,
      });
      await transaction(db, async (trx) => {
        const user = await lockUser(trx, input.userId);
        if (!user) throw notFound('User');
        await assertIdentifiersFree(trx, [planned]);
        await trx.insertInto('identifications').values(row).execute();
        if (input.primary) {
          await trx.updateTable('users').set({ [PRIMARY_COLUMN[type]]: row.id }).where('id', '=', user.id).execute();
        } else {
          await setPrimaryIfMissing(trx, user, type, row.id, t);
        }
        await refreshSearchText(trx, user.id, t);
      }, identifierTaken([planned]));
      if (afterVerifiedEmails && type === 'email_address' && planned.status === 'verified') await afterVerifiedEmails(input.userId);
      return this.getIdentification(row.id, type);
    },

    async updateIdentification(
      id: string,
      type: IdentificationType,
      input: { verified?: boolean | null; primary?: boolean | null; reservedForSecondFactor?: boolean | null },
    ): Promise<IdentificationRow> {
      const t = now();
      await transaction(db, async (trx) => {
        const row = await lockIdentification(trx, id, type);
        if (!row) throw notFound(type === 'email_address' ? 'Email address' : 'Phone number');
        const patch: Updateable<IdentificationTable> = { updated_at: t };
        if (input.verified === true) {
          patch.status = 'verified';
          patch.strategy = 'admin';
        } else if (input.verified === false) {
          patch.status = 'unverified';
          patch.strategy = 'none';
        }
        if (input.reservedForSecondFactor !== undefined && input.reservedForSecondFactor !== null) {
          patch.reserved_for_second_factor = input.reservedForSecondFactor ? 1 : 0;
        }
        await trx.updateTable('identifications').set(patch).where('id', '=', id).execute();
        if (input.primary === true) {
          await trx.updateTable('users').set({ [PRIMARY_COLUMN[type]]: id, updated_at: t }).where('id', '=', row.user_id).execute();
        }
      });
      const updated = await this.getIdentification(id, type);
      if (afterVerifiedEmails && type === 'email_address' && input.verified === true) await afterVerifiedEmails(updated.user_id);
      return updated;
    },

    async deleteIdentification(id: string, type: IdentificationType): Promise<void> {
      const t = now();
      await transaction(db, async (trx) => {
        const row = await lockIdentification(trx, id, type);
        if (!row) throw notFound(type === 'email_address' ? 'Email address' : 'Phone number');
        await trx.deleteFrom('identifications').where('id', '=', id).execute();
        const user = await lockUser(trx, row.user_id);
        if (user && user[PRIMARY_COLUMN[type]] === id) {
          // The next identifier of the same kind (verified first, then oldest) becomes primary.
          const next = await trx
            .selectFrom('identifications')
            .select('id')
            .where('user_id', '=', user.id)
            .where('type', '=', type)
            .orderBy((eb) => eb.case().when('status', '=', 'verified').then(0).else(1).end(), 'asc')
            .orderBy('created_at', 'asc')
            .executeTakeFirst();
          await trx.updateTable('users').set({ [PRIMARY_COLUMN[type]]: next?.id ?? null }).where('id', '=', user.id).execute();
        }
        await refreshSearchText(trx, row.user_id, t);
      });
    },

    /** Replaces all of a user's identifiers of one kind with a single primary one. */
    async replaceIdentification(userId: string, type: 'email_address' | 'phone_number', value: string, status: IdentificationStatus): Promise<IdentificationRow> {
      const [p] = plan(type, [value], [status]);
      const planned = p as PlannedIdentification;
      const t = now();
      const row = identificationRow(userId, planned, t);
      await transaction(db, async (trx) => {
        const user = await lockUser(trx, userId);
        if (!user) throw notFound('User');
        const existing = await trx
          .selectFrom('identifications')
          .select(['id', 'user_id'])
          .where('type', '=', type)
          .where('normalized', '=', planned.normalized)
          .executeTakeFirst();
        if (existing && existing.user_id !== userId) throw identifierExists(PARAM_OF_TYPE[type]);
        await trx.deleteFrom('identifications').where('user_id', '=', userId).where('type', '=', type).execute();
        await trx.insertInto('identifications').values(row).execute();
        await trx.updateTable('users').set({ [PRIMARY_COLUMN[type]]: row.id }).where('id', '=', userId).execute();
        await refreshSearchText(trx, userId, t);
      }, identifierTaken([planned]));
      if (afterVerifiedEmails && type === 'email_address' && status === 'verified') await afterVerifiedEmails(userId);
      return this.getIdentification(row.id, type);
    },
  };
}

export type UsersService = ReturnType<typeof createUsersService>;
