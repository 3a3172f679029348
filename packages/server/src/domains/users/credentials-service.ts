/**
 * A user's credentials: the password (policy, hashing, imported digests, rehashing on use) and the
 * second factors (TOTP, single-use backup codes). No HTTP here.
 */
import bcryptjs from 'bcryptjs';
import { checkPasswordPolicy } from '../../crypto/password-policy.js';
import { type PasswordHasher, hashPassword, isValidDigest, verifyPassword } from '../../crypto/passwords.js';
import { verifyTotp } from '../../crypto/totp.js';
import { ApiError, notFound } from '../../errors.js';
import { transaction } from '../../storage/database.js';
import { readJson } from '../../storage/schema.js';
import { type UserAggregate, deletePassword, findPassword, findUser, lockUser, rehashPassword, updateUser } from './repository.js';
import { type UsersContext, invalid } from './rules.js';

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
export async function preparePassword(input: PasswordInput, identifiers: string[]): Promise<PreparedPassword | null> {
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

export function createCredentialsService({ db, now, load }: UsersContext) {
  return {
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

    async removePassword(id: string): Promise<UserAggregate> {
      await load(id);
      await deletePassword(db, id);
      await updateUser(db, id, { updated_at: now() });
      return load(id);
    },
  };
}
