/**
 * A user's identifiers after creation: e-mail addresses, phone numbers and web3 wallets added, verified,
 * made primary, replaced and deleted. Which one is primary is kept consistent under the user's row
 * lock; uniqueness is the unique index's to enforce. No HTTP here.
 */
import type { Updateable } from 'kysely';
import { ApiError, notFound } from '../../errors.js';
import { transaction, type Tx } from '../../storage/database.js';
import type { IdentificationStatus, IdentificationTable, IdentificationType } from '../../storage/schema.js';
import {
  type IdentificationRow,
  type UserRow,
  PRIMARY_COLUMN,
  deleteIdentificationRow,
  deleteIdentificationsOfType,
  findIdentification,
  findPassword,
  identificationsOf,
  identifierHolder,
  insertIdentifications,
  lockIdentification,
  lockUser,
  nextPrimaryCandidate,
  refreshSearchText,
  setPrimaryIdentification,
  updateIdentificationRow,
  updateUser,
} from './repository.js';
import {
  type PlannedIdentification,
  type SignInSettings,
  type UsersContext,
  PARAM_OF_TYPE,
  assertIdentifiersFree,
  assertKeepsSignIn,
  identificationRow,
  identifierExists,
  plan,
} from './rules.js';

export interface NewIdentifierInput {
  userId: string;
  value: string;
  verified?: boolean | null;
  primary?: boolean | null;
  reservedForSecondFactor?: boolean | null;
  /** An unverified identifier does not become primary now, only once verified (the user's own additions). */
  primaryOnceVerified?: boolean;
}

/** Makes `candidate` the user's primary identifier of its kind when the user has none yet. */
async function setPrimaryIfMissing(trx: Tx, user: UserRow, type: IdentificationType, candidate: string | null, t: number) {
  if (user[PRIMARY_COLUMN[type]] !== null || candidate === null) return;
  await setPrimaryIdentification(trx, user.id, type, candidate, t);
}

export function createIdentifiersService({ db, now, identifierTaken, afterVerifiedEmails }: UsersContext) {
  async function getIdentification(id: string, type: IdentificationType): Promise<IdentificationRow> {
    const row = await findIdentification(db, id, type);
    if (!row) throw notFound(type === 'email_address' ? 'Email address' : 'Phone number');
    return row;
  }

  const label = (type: IdentificationType) => (type === 'email_address' ? 'Email address' : type === 'phone_number' ? 'Phone number' : 'Web3 wallet');

  /**
   * Deletes an identification. With `guard`, only one of `guard.ownerId`'s, and never the one that leaves
   * them no way to sign in. The user's row is locked first (then the identification), as every change
   * of a user's identifiers and password does, so two deletions of a user's last two addresses run one
   * after the other and the second sees what the first left.
   */
  async function deleteIdentification(id: string, type: IdentificationType, guard?: { ownerId: string; keepSignIn: SignInSettings }): Promise<void> {
    const t = now();
    const found = await findIdentification(db, id, type);
    if (!found || (guard && found.user_id !== guard.ownerId)) throw notFound(label(type));
    await transaction(db, async (trx) => {
      const user = await lockUser(trx, found.user_id);
      const row = await lockIdentification(trx, id, type);
      if (!user || !row || row.user_id !== user.id) throw notFound(label(type));
      if (guard) {
        const idents = await identificationsOf(trx, [user.id]);
        const hasPassword = (await findPassword(trx, user.id)) !== undefined;
        const before = { identifications: idents, username: user.username, hasPassword };
        assertKeepsSignIn(guard.keepSignIn, before, { ...before, identifications: idents.filter((i) => i.id !== id) }, `${label(type)} ${row.value}`);
      }
      await deleteIdentificationRow(trx, id);
      if (user[PRIMARY_COLUMN[type]] === id) {
        // The next identifier of the same kind (verified first, then oldest) becomes primary.
        await setPrimaryIdentification(trx, user.id, type, await nextPrimaryCandidate(trx, user.id, type));
      }
      await refreshSearchText(trx, row.user_id, t);
    });
  }

  return {
    getIdentification,
    deleteIdentification,

    /** Deletes one of the user's identifiers of a kind, checking it is theirs. */
    async deleteOwnIdentification(userId: string, identificationId: string, type: IdentificationType): Promise<void> {
      const row = await findIdentification(db, identificationId, type);
      if (!row || row.user_id !== userId) throw notFound(type === 'web3_wallet' ? 'Web3 wallet' : 'Identification');
      await deleteIdentification(identificationId, type);
    },

    /** The user an e-mail address belongs to (an e-mail link names only the address), or null. */
    async ownerOfIdentification(identificationId: string): Promise<string | null> {
      return (await findIdentification(db, identificationId, 'email_address'))?.user_id ?? null;
    },

    /** One of the user's identifications of a kind; 404 when it is not theirs. */
    async getOwnIdentification(userId: string, identificationId: string, type: IdentificationType): Promise<IdentificationRow> {
      const row = await findIdentification(db, identificationId, type);
      if (!row || row.user_id !== userId) throw notFound(label(type));
      return row;
    },

    /** Runs `work` with one of the user's identifications locked (a code sent to it is bound to it). */
    async withOwnIdentification<T>(userId: string, identificationId: string, type: IdentificationType, work: (tx: Tx, row: IdentificationRow) => Promise<T>): Promise<T> {
      return transaction(db, async (trx) => {
        const row = await lockIdentification(trx, identificationId, type);
        if (!row || row.user_id !== userId) throw notFound(label(type));
        return work(trx, row);
      });
    },

    /**
     * Marks one of the user's identifications verified by `strategy` once `check` (run with the user and
     * the identification locked, e.g. a code attempt) has passed. A failed check's error is thrown after
     * the transaction commits, so what the check recorded (a counted guess) stays. An address verified
     * while the user's primary one of its kind is missing or unverified becomes primary.
     */
    async verifyOwnIdentification(
      userId: string,
      identificationId: string,
      type: 'email_address' | 'phone_number',
      strategy: string,
      check: (tx: Tx, row: IdentificationRow) => Promise<ApiError | null>,
    ): Promise<IdentificationRow> {
      const t = now();
      const outcome = await transaction(db, async (trx): Promise<{ row: IdentificationRow } | { failure: ApiError }> => {
        const user = await lockUser(trx, userId);
        const row = await lockIdentification(trx, identificationId, type);
        if (!user || !row || row.user_id !== userId) throw notFound(label(type));
        if (row.status === 'verified') {
          throw new ApiError({ code: 'verification_already_verified', longMessage: `${row.value} is verified already.`, paramName: 'code' });
        }
        const failure = await check(trx, row);
        if (failure) return { failure };
        const patch = { status: 'verified' as const, strategy, updated_at: t };
        await updateIdentificationRow(trx, row.id, patch);
        const primaryId = user[PRIMARY_COLUMN[type]];
        const primary = primaryId ? await findIdentification(trx, primaryId, type) : undefined;
        if (!primary || primary.status !== 'verified') await setPrimaryIdentification(trx, userId, type, row.id, t);
        else await updateUser(trx, userId, { updated_at: t });
        return { row: { ...row, ...patch } };
      });
      if ('failure' in outcome) throw outcome.failure;
      if (afterVerifiedEmails && type === 'email_address') await afterVerifiedEmails(userId);
      return outcome.row;
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
        await insertIdentifications(trx, [row]);
        if (input.primary) {
          await setPrimaryIdentification(trx, user.id, type, row.id);
        } else if (!(input.primaryOnceVerified && planned.status !== 'verified')) {
          await setPrimaryIfMissing(trx, user, type, row.id, t);
        }
        await refreshSearchText(trx, user.id, t);
      }, identifierTaken([planned]));
      if (afterVerifiedEmails && type === 'email_address' && planned.status === 'verified') await afterVerifiedEmails(input.userId);
      // What this call wrote: a concurrent delete after the commit must not turn a creation into a 404.
      return row;
    },

    async updateIdentification(
      id: string,
      type: IdentificationType,
      input: { verified?: boolean | null; primary?: boolean | null; reservedForSecondFactor?: boolean | null },
    ): Promise<IdentificationRow> {
      const t = now();
      const updated = await transaction(db, async (trx) => {
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
        await updateIdentificationRow(trx, id, patch);
        if (input.primary === true) {
          await setPrimaryIdentification(trx, row.user_id, type, id, t);
        }
        // The row as this call left it, read under its lock.
        return { ...row, ...patch } as IdentificationRow;
      });
      if (afterVerifiedEmails && type === 'email_address' && input.verified === true) await afterVerifiedEmails(updated.user_id);
      return updated;
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
        const existing = await identifierHolder(trx, type, planned.normalized);
        if (existing && existing.user_id !== userId) throw identifierExists(PARAM_OF_TYPE[type]);
        await deleteIdentificationsOfType(trx, userId, type);
        await insertIdentifications(trx, [row]);
        await setPrimaryIdentification(trx, userId, type, row.id);
        await refreshSearchText(trx, userId, t);
      }, identifierTaken([planned]));
      if (afterVerifiedEmails && type === 'email_address' && status === 'verified') await afterVerifiedEmails(userId);
      // What this call wrote, not a re-read: a concurrent replacement may already have replaced it again.
      return row;
    },
  };
}
