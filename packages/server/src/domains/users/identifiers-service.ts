/**
 * A user's identifiers after creation: e-mail addresses, phone numbers and web3 wallets added, verified,
 * made primary, replaced and deleted. Which one is primary is kept consistent under the user's row
 * lock; uniqueness is the unique index's to enforce. No HTTP here.
 */
import type { Updateable } from 'kysely';
import { notFound } from '../../errors.js';
import { transaction, type Tx } from '../../storage/database.js';
import type { IdentificationStatus, IdentificationTable, IdentificationType } from '../../storage/schema.js';
import {
  type IdentificationRow,
  type UserRow,
  deleteIdentificationRow,
  deleteIdentificationsOfType,
  findIdentification,
  identifierHolder,
  insertIdentifications,
  lockIdentification,
  lockUser,
  nextPrimaryCandidate,
  refreshSearchText,
  updateIdentificationRow,
  updateUser,
} from './repository.js';
import { type PlannedIdentification, type UsersContext, PARAM_OF_TYPE, PRIMARY_COLUMN, assertIdentifiersFree, identificationRow, identifierExists, plan } from './rules.js';

export interface NewIdentifierInput {
  userId: string;
  value: string;
  verified?: boolean | null;
  primary?: boolean | null;
  reservedForSecondFactor?: boolean | null;
}

/** Makes `candidate` the user's primary identifier of its kind when the user has none yet. */
async function setPrimaryIfMissing(trx: Tx, user: UserRow, type: IdentificationType, candidate: string | null, t: number) {
  const column = PRIMARY_COLUMN[type];
  if (user[column] !== null || candidate === null) return;
  await updateUser(trx, user.id, { [column]: candidate, updated_at: t });
}

export function createIdentifiersService({ db, now, identifierTaken, afterVerifiedEmails }: UsersContext) {
  async function getIdentification(id: string, type: IdentificationType): Promise<IdentificationRow> {
    const row = await findIdentification(db, id, type);
    if (!row) throw notFound(type === 'email_address' ? 'Email address' : 'Phone number');
    return row;
  }

  async function deleteIdentification(id: string, type: IdentificationType): Promise<void> {
    const t = now();
    await transaction(db, async (trx) => {
      const row = await lockIdentification(trx, id, type);
      if (!row) throw notFound(type === 'email_address' ? 'Email address' : 'Phone number');
      await deleteIdentificationRow(trx, id);
      const user = await lockUser(trx, row.user_id);
      if (user && user[PRIMARY_COLUMN[type]] === id) {
        // The next identifier of the same kind (verified first, then oldest) becomes primary.
        await updateUser(trx, user.id, { [PRIMARY_COLUMN[type]]: await nextPrimaryCandidate(trx, user.id, type) });
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
          await updateUser(trx, user.id, { [PRIMARY_COLUMN[type]]: row.id });
        } else {
          await setPrimaryIfMissing(trx, user, type, row.id, t);
        }
        await refreshSearchText(trx, user.id, t);
      }, identifierTaken([planned]));
      if (afterVerifiedEmails && type === 'email_address' && planned.status === 'verified') await afterVerifiedEmails(input.userId);
      return getIdentification(row.id, type);
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
        await updateIdentificationRow(trx, id, patch);
        if (input.primary === true) {
          await updateUser(trx, row.user_id, { [PRIMARY_COLUMN[type]]: id, updated_at: t });
        }
      });
      const updated = await getIdentification(id, type);
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
        await updateUser(trx, userId, { [PRIMARY_COLUMN[type]]: row.id });
        await refreshSearchText(trx, userId, t);
      }, identifierTaken([planned]));
      if (afterVerifiedEmails && type === 'email_address' && status === 'verified') await afterVerifiedEmails(userId);
      return getIdentification(row.id, type);
    },
  };
}
