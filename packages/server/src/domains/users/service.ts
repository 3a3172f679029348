/**
 * Users: the rules for creating, changing and deleting users. No HTTP here; invariants that span rows run
 * inside one transaction, and uniqueness is enforced by the database's unique indexes so that concurrent
 * requests cannot both win. Identifiers, credentials and the profile (image, metadata) have their own
 * modules beside this one; `createUsersService` puts them together into the one users service.
 */
import { type Metadata, newId } from '@latch/core';
import type { Updateable } from 'kysely';
import { ApiError, notFound } from '../../errors.js';
import { type DialectName, transaction, type Db, type Tx } from '../../storage/database.js';
import type { IdentificationType, UserTable } from '../../storage/schema.js';
import { deleteImagesOf, findImageOwner } from '../images/repository.js';
import { assertMetadataSize } from '../metadata/metadata.js';
import { type PasswordInput, checkTotpSecret, createCredentialsService, hashBackupCodes, preparePassword, storedTotpSecret } from './credentials-service.js';
import { recountCreated } from './created-days-repository.js';
import { createIdentifiersService } from './identifiers-service.js';
import { createProfileService } from './profile-service.js';
import {
  type UserAggregate,
  type UserFilter,
  type UserPage,
  PRIMARY_COLUMN,
  aggregate,
  countUsers,
  deleteUserRow,
  externalIdTaken,
  findUser,
  findUsersByIds,
  identificationsOf,
  insertIdentifications,
  insertPassword,
  insertUser,
  listUserAggregates,
  lockUser,
  markPrimary,
  replacePassword,
  searchTextOf,
  updateUser,
  updateUsers,
  usernameTaken,
} from './repository.js';
import { assertIdentifiersFree, checkTimezone, checkUsername, createUsersContext, emptyMetadata, identificationRow, identifierExists, plan } from './rules.js';

export type { PasswordInput } from './credentials-service.js';
export type { NewIdentifierInput } from './identifiers-service.js';
export type { ImageInput, MetadataInput } from './profile-service.js';

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
  /** A new primary identifier must be verified (the user's own change from the browser). */
  verifiedPrimaryOnly?: boolean;
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
  const ctx = createUsersContext(db, dialect, now, afterVerifiedEmails);
  const { load, identifierTaken } = ctx;

  return {
    async list(filter: UserFilter, page: UserPage): Promise<UserAggregate[]> {
      return listUserAggregates(db, dialect, filter, page);
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
      // The first identifier of each kind is the primary one.
      const kinds = new Set<IdentificationType>();
      const identifications = planned.map((p) => identificationRow(id, p, t, { is_primary: kinds.has(p.type) ? 0 : (kinds.add(p.type), 1) }));
      const firstOf = (type: IdentificationType) => identifications.find((i) => i.type === type)?.id ?? null;
      const base = {
        id,
        external_id: input.externalId ?? null,
        username: username,
        first_name: input.firstName ?? null,
        last_name: input.lastName ?? null,
      };
      await transaction(db, async (trx) => {
        if (input.externalId && (await externalIdTaken(trx, input.externalId))) throw identifierExists('external_id');
        if (username && (await usernameTaken(trx, username))) throw identifierExists('username');
        await assertIdentifiersFree(trx, planned);
        await insertUser(trx, {
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
          totp_secret: input.totpSecret ? storedTotpSecret(input.totpSecret) : null,
          pending_totp_secret: null,
          backup_codes: backupCodes?.length ? JSON.stringify(backupCodes) : null,
          mfa_enabled_at: input.totpSecret || backupCodes?.length ? t : null,
          mfa_disabled_at: null,
          password_compromised_at: null,
          search_text: searchTextOf(base, identifications),
          created_at: createdAt,
          updated_at: t,
        });
        await insertIdentifications(trx, identifications);
        if (password) await insertPassword(trx, { user_id: id, digest: password.digest, hasher: password.hasher, updated_at: t });
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
          if (input.externalId && (await externalIdTaken(trx, input.externalId, id))) throw identifierExists('external_id');
          patch.external_id = input.externalId || null;
        }
        if (username !== undefined) {
          if (username && (await usernameTaken(trx, username, id))) throw identifierExists('username');
          patch.username = username;
          patch.username_normalized = username;
        }
        if (input.firstName !== undefined) patch.first_name = input.firstName;
        if (input.lastName !== undefined) patch.last_name = input.lastName;
        if (input.locale !== undefined) patch.locale = input.locale;
        if (input.timezone !== undefined) patch.timezone = input.timezone;
        const primaries: [IdentificationType, string][] = [];
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
          if (input.verifiedPrimaryOnly && owned.status !== 'verified') {
            throw new ApiError({ code: 'form_param_value_invalid', longMessage: `Verify ${owned.value} before making it primary.`, paramName: param });
          }
          patch[PRIMARY_COLUMN[type]] = value;
          primaries.push([type, value]);
        }
        if (input.profileImageId !== undefined) {
          if (input.profileImageId === null) {
            patch.image_id = null;
          } else {
            const img = await findImageOwner(trx, input.profileImageId);
            if (!img || img.owner_id !== id) {
              throw new ApiError({ code: 'form_param_value_invalid', longMessage: 'profile_image_id must be an image uploaded for this user.', paramName: 'profile_image_id' });
            }
            patch.image_id = img.id;
          }
        }
        if (input.totpSecret !== undefined) {
          patch.totp_secret = input.totpSecret ? storedTotpSecret(input.totpSecret) : null;
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
        await updateUser(trx, id, patch);
        // Counted on the day of its new creation time instead of the old one (read under the row lock).
        if (patch.created_at !== undefined) recountCreated(trx, user.created_at, patch.created_at);
        for (const [type, value] of primaries) await markPrimary(trx, id, type, value);
        if (password) {
          // A new password is not a compromised one.
          await updateUser(trx, id, { password_compromised_at: null });
          await replacePassword(trx, { user_id: id, digest: password.digest, hasher: password.hasher, updated_at: t });
        }
      }, identifierTaken());
      return load(id);
    },

    async delete(id: string): Promise<void> {
      await transaction(db, async (trx) => {
        if (beforeDelete) await beforeDelete(trx, id);
        if (!(await deleteUserRow(trx, id))) throw notFound('User');
        await deleteImagesOf(trx, id);
      });
    },

    async setFlag(id: string, flag: 'banned' | 'locked', value: boolean): Promise<UserAggregate> {
      const t = now();
      const set: Updateable<UserTable> = flag === 'banned' ? { banned: value ? 1 : 0 } : { locked: value ? 1 : 0, locked_at: value ? t : null };
      if (!(await updateUser(db, id, { ...set, updated_at: t }))) throw notFound('User');
      return load(id);
    },

    async setBannedMany(ids: string[], value: boolean): Promise<UserAggregate[]> {
      const unique = [...new Set(ids)];
      await updateUsers(db, unique, { banned: value ? 1 : 0, updated_at: now() });
      return aggregate(db, await findUsersByIds(db, unique));
    },

    ...createCredentialsService(ctx),
    ...createProfileService(ctx, maxImageBytes),
    ...createIdentifiersService(ctx),
  };
}

export type UsersService = ReturnType<typeof createUsersService>;
