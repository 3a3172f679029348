/**
 * A user's credentials: the password (policy, hashing, imported digests, rehashing on use) and the
 * second factors (TOTP, single-use backup codes). No HTTP here.
 */
import { randomInt } from 'node:crypto';
import bcryptjs from 'bcryptjs';
import { checkPasswordPolicy } from '../../crypto/password-policy.js';
import { type PasswordHasher, hashPassword, isValidDigest, verifyPassword } from '../../crypto/passwords.js';
import { newTotpSecret, verifyTotp } from '../../crypto/totp.js';
import { ApiError, notFound } from '../../errors.js';
import { transaction } from '../../storage/database.js';
import { readJson } from '../../storage/schema.js';
import { type UserAggregate, deletePassword, findPassword, findUser, identificationsOf, lockUser, rehashPassword, replacePassword, updateUser } from './repository.js';
import { type SignInSettings, type UsersContext, assertKeepsSignIn, invalid } from './rules.js';

export interface PasswordInput {
  password?: string | null;
  passwordDigest?: string | null;
  passwordHasher?: PasswordHasher | null;
  skipPasswordChecks?: boolean | null;
}

/** A password ready to store: an argon2id hash, or an imported digest with its hasher. */
export interface PreparedPassword {
  digest: string;
  hasher: string;
}

/**
 * Prepares a password (policy, hashing or imported digest) before any transaction opens. `identifiers`
 * are the user's own identifiers, which the policy refuses as passwords.
 */
export async function preparePassword(input: PasswordInput, identifiers: string[], param = 'password'): Promise<PreparedPassword | null> {
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
      throw new ApiError({ code: violation.code, message: violation.message, longMessage: violation.longMessage, paramName: param });
    }
  } else if (input.password.length === 0 || input.password.length > 1024) {
    throw invalid(param, `${param} must be 1 to 1024 characters.`);
  }
  return { digest: await hashPassword(input.password), hasher: 'argon2id' };
}

export function checkTotpSecret(secret: string | null | undefined): void {
  if (secret && !/^[A-Z2-7]{16,128}=*$/i.test(secret.replace(/\s/g, ''))) {
    throw invalid('totp_secret', 'totp_secret must be a base32 string of at least 16 characters.');
  }
}

/** A TOTP secret as stored: base32 without spaces, upper case. */
export function storedTotpSecret(secret: string): string {
  return secret.replace(/\s/g, '').toUpperCase();
}

/** Backup codes are stored as bcrypt digests; digests given at import are kept as they are. */
export async function hashBackupCodes(codes: string[] | undefined): Promise<string[] | undefined> {
  if (!codes) return undefined;
  return Promise.all(codes.map((c) => (/^\$2[aby]\$\d{2}\$.{53}$/.test(c) ? c : bcryptjs.hash(c, 8))));
}

/** Ten single-use backup codes of eight lower-case letters and digits. */
export function newBackupCodes(): string[] {
  const alphabet = 'abcdefghijkmnpqrstuvwxyz23456789';
  return Array.from({ length: 10 }, () => Array.from({ length: 8 }, () => alphabet[randomInt(alphabet.length)]).join(''));
}

function passwordIncorrect(param: string): ApiError {
  return new ApiError({ code: 'form_password_incorrect', longMessage: 'Password is incorrect.', paramName: param });
}

export function createCredentialsService({ db, now, load }: UsersContext) {
  /** Checks `given` against the stored password and returns the digest it matched. */
  async function checkCurrentPassword(id: string, given: string | null, param: string): Promise<string> {
    const stored = await findPassword(db, id);
    if (!stored) throw ApiError.of('form_password_not_set', 'You have no password.', param);
    if (given === null || given === '') throw new ApiError({ code: 'form_param_missing', longMessage: `${param} must be included.`, paramName: param });
    const { valid } = await verifyPassword(given, stored.hasher as PasswordHasher, stored.digest);
    if (!valid) throw passwordIncorrect(param);
    return stored.digest;
  }

  return {
    /** Checks a password; a correct check of an imported or outdated digest rehashes it to argon2id. */
    async verifyPassword(id: string, password: string, known?: { hasher: string; digest: string }): Promise<boolean> {
      // `known`: the caller has just read the user (it exists) and their stored digest.
      if (!known && !(await findUser(db, id))) throw notFound('User');
      const stored = known ?? (await findPassword(db, id));
      if (!stored) throw ApiError.of('form_password_not_set', 'The user does not have a password set.');
      const { valid, needsRehash } = await verifyPassword(password, stored.hasher as PasswordHasher, stored.digest);
      if (!valid) {
        throw new ApiError({ code: 'form_password_incorrect', longMessage: 'Password is incorrect.', paramName: 'password' });
      }
      if (needsRehash) {
        const digest = await hashPassword(password);
        // Only replace the digest that was checked: a concurrent password change wins.
        await rehashPassword(db, id, stored.digest, { digest, hasher: 'argon2id' });
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
            await updateUser(trx, id, { backup_codes: remaining.length ? JSON.stringify(remaining) : null, updated_at: now() });
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
      const found = await updateUser(db, id, {
        ...(which !== 'backup_code' ? { totp_secret: null } : {}),
        ...(which !== 'totp' ? { backup_codes: null } : {}),
        mfa_disabled_at: t,
        updated_at: t,
      });
      if (!found) throw notFound('User');
    },

    async setPasswordCompromised(id: string, compromised: boolean): Promise<UserAggregate> {
      const t = now();
      if (!(await updateUser(db, id, { password_compromised_at: compromised ? t : null, updated_at: t }))) throw notFound('User');
      return load(id);
    },

    /**
     * Removes the password. With `guard` (the user's own request): only when `current` is the password,
     * and never when it would leave the user no way to sign in; checked under the user's row lock, like
     * every deletion of an identifier, so the two cannot together strand the user.
     */
    async removePassword(id: string, guard?: { current: string; keepSignIn: SignInSettings }): Promise<UserAggregate> {
      await load(id);
      let checked: string | null = null;
      if (guard) checked = await checkCurrentPassword(id, guard.current, 'current_password');
      await transaction(db, async (trx) => {
        const user = await lockUser(trx, id);
        if (!user) throw notFound('User');
        if (guard) {
          const stored = await findPassword(trx, id);
          if (!stored || stored.digest !== checked) throw passwordIncorrect('current_password');
          const before = { identifications: await identificationsOf(trx, [id]), username: user.username, hasPassword: true };
          assertKeepsSignIn(guard.keepSignIn, before, { ...before, hasPassword: false }, 'The password');
        }
        await deletePassword(trx, id);
        await updateUser(trx, id, { updated_at: now() });
      });
      return load(id);
    },

    /**
     * The user's own password change: `current` must be the password (when there is one), `next` passes
     * the policy. The new digest replaces exactly the one that was checked, so of two concurrent changes
     * made with the same current password only one succeeds.
     */
    async changePassword(id: string, input: { current: string | null; next: string }): Promise<UserAggregate> {
      const user = await load(id);
      const checked = user.password ? await checkCurrentPassword(id, input.current, 'current_password') : null;
      const prepared = await preparePassword({ password: input.next }, [...user.identifications.map((i) => i.normalized), ...(user.user.username ? [user.user.username] : [])], 'new_password');
      if (!prepared) throw new ApiError({ code: 'form_param_missing', longMessage: 'new_password must be included.', paramName: 'new_password' });
      const t = now();
      await transaction(db, async (trx) => {
        if (!(await lockUser(trx, id))) throw notFound('User');
        const stored = await findPassword(trx, id);
        if ((stored?.digest ?? null) !== checked) throw passwordIncorrect('current_password');
        await replacePassword(trx, { user_id: id, digest: prepared.digest, hasher: prepared.hasher, updated_at: t });
        // A new password is not a compromised one.
        await updateUser(trx, id, { password_compromised_at: null, updated_at: t });
      });
      return load(id);
    },

    /**
     * Starts enrolling an authenticator app: a new secret, kept pending until `confirmTotp` proves the app
     * has it (calling this again replaces a pending secret). Refused while an app is enrolled.
     */
    async startTotp(id: string): Promise<{ secret: string; at: number }> {
      const t = now();
      const secret = newTotpSecret();
      await transaction(db, async (trx) => {
        const user = await lockUser(trx, id);
        if (!user) throw notFound('User');
        if (user.totp_secret) throw ApiError.of('totp_already_enabled', 'Remove the enrolled authenticator app before adding another.');
        await updateUser(trx, id, { pending_totp_secret: secret, updated_at: t });
      });
      return { secret, at: t };
    },

    /**
     * Confirms the pending authenticator-app secret with a code from the app: it becomes the user's
     * second factor. A user who had no backup codes gets a set, returned here once (stored hashed).
     */
    async confirmTotp(id: string, code: string): Promise<{ backupCodes: string[] | null; at: number }> {
      const before = await findUser(db, id);
      if (!before) throw notFound('User');
      // Hashed before the lock is taken; used only if the user still has none then.
      const fresh = before.backup_codes === null ? newBackupCodes() : null;
      const hashed = fresh ? await hashBackupCodes(fresh) : undefined;
      const t = now();
      const issued = await transaction(db, async (trx) => {
        const user = await lockUser(trx, id);
        if (!user) throw notFound('User');
        if (!user.pending_totp_secret) {
          throw new ApiError({ code: 'verification_missing', longMessage: user.totp_secret ? 'The authenticator app is verified already.' : 'Start with POST /me/totp.', paramName: 'code' });
        }
        if (!verifyTotp(user.pending_totp_secret, code.trim(), t)) throw new ApiError({ code: 'form_code_incorrect', longMessage: 'The code is incorrect.', paramName: 'code' });
        const giveCodes = user.backup_codes === null && hashed !== undefined;
        await updateUser(trx, id, {
          totp_secret: user.pending_totp_secret,
          pending_totp_secret: null,
          mfa_enabled_at: t,
          ...(giveCodes ? { backup_codes: JSON.stringify(hashed) } : {}),
          updated_at: t,
        });
        return giveCodes;
      });
      return { backupCodes: issued ? fresh : null, at: t };
    },

    /**
     * Removes the authenticator app (and a pending one). The backup codes go with it: they are the way
     * in when the app is lost, and sign-in must never ask for a second factor without the app behind it.
     */
    async removeTotp(id: string): Promise<void> {
      const t = now();
      await transaction(db, async (trx) => {
        const user = await lockUser(trx, id);
        if (!user) throw notFound('User');
        if (!user.totp_secret && !user.pending_totp_secret) throw ApiError.of('totp_not_enabled', 'No authenticator app is enrolled.');
        await updateUser(trx, id, { totp_secret: null, pending_totp_secret: null, backup_codes: null, mfa_disabled_at: t, updated_at: t });
      });
    },

    /** A new set of backup codes replacing any earlier one: returned once, stored hashed. Needs an enrolled authenticator app. */
    async regenerateBackupCodes(id: string): Promise<{ codes: string[]; at: number }> {
      const codes = newBackupCodes();
      const hashed = await hashBackupCodes(codes);
      const t = now();
      await transaction(db, async (trx) => {
        const user = await lockUser(trx, id);
        if (!user) throw notFound('User');
        if (!user.totp_secret) throw ApiError.of('totp_not_enabled', 'Enrol an authenticator app before creating backup codes.');
        await updateUser(trx, id, { backup_codes: JSON.stringify(hashed), updated_at: t });
      });
      return { codes, at: t };
    },
  };
}
