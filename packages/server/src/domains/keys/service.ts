/**
 * Secret keys: minted once and shown once, stored only as SHA-256 digests, revocable. Authenticating a
 * request is one indexed read by digest plus a constant-time comparison.
 */
import { type InstanceType, isSecretKeyShape, newId, newSecretKey } from '@latch/core';
import type { Db } from '../../storage/database.js';
import { digestsEqual, hashSecret } from '../../crypto/tokens.js';
import { findApiKeyByHash, insertApiKey, listApiKeys, revokeApiKey } from './repository.js';

export interface ApiKeyInfo {
  id: string;
  name: string;
  hint: string;
  createdAt: number;
  revokedAt: number | null;
}

/** Result of checking a presented key: a value, not an exception (the route decides what "no" means). */
export type KeyCheck = { status: 'valid'; keyId: string } | { status: 'invalid' | 'revoked' | 'malformed' };

/**
 * How long a positive key check is remembered in this process. Every BAPI request checks the key; this
 * saves a database read per request. A key revoked in this process stops working at once; one revoked
 * elsewhere (the CLI, another server) within this many milliseconds.
 */
export const KEY_CACHE_TTL_MS = 1000;

export function createKeyService(db: Db, now: () => number = Date.now) {
  const valid = new Map<string, { keyId: string; until: number }>();
  return {
    /** Mints a new secret key; the plaintext is returned once and never stored. */
    async create(type: InstanceType, name: string): Promise<{ key: string; info: ApiKeyInfo }> {
      const key = newSecretKey(type);
      const info = await this.adopt(key, name);
      return { key, info };
    },

    /** Stores the digest of a key minted elsewhere (the pinned LATCH_SECRET_KEY); idempotent. */
    async adopt(key: string, name: string): Promise<ApiKeyInfo> {
      const hash = hashSecret(key);
      const existing = await findApiKeyByHash(db, hash);
      if (existing) {
        return { id: existing.id, name: existing.name, hint: existing.hint, createdAt: existing.created_at, revokedAt: existing.revoked_at };
      }
      const row = {
        id: newId('ak'),
        kind: 'secret' as const,
        secret_hash: hash,
        hint: key.slice(-4),
        name,
        created_at: now(),
        revoked_at: null,
      };
      await insertApiKey(db, row);
      return { id: row.id, name, hint: row.hint, createdAt: row.created_at, revokedAt: null };
    },

    async list(): Promise<ApiKeyInfo[]> {
      const rows = await listApiKeys(db);
      return rows.map((r) => ({ id: r.id, name: r.name, hint: r.hint, createdAt: r.created_at, revokedAt: r.revoked_at }));
    },

    /** Revokes a key by id; true when a live key was revoked. */
    async revoke(id: string): Promise<boolean> {
      valid.clear();
      const r = await revokeApiKey(db, id, now());
      return Number(r.numUpdatedRows) > 0;
    },

    async check(presented: string): Promise<KeyCheck> {
      if (!isSecretKeyShape(presented)) return { status: 'malformed' };
      const hash = hashSecret(presented);
      const t = now();
      const cached = valid.get(hash);
      if (cached && cached.until > t) return { status: 'valid', keyId: cached.keyId };
      const row = await findApiKeyByHash(db, hash);
      if (!row || !digestsEqual(row.secret_hash, hash)) return { status: 'invalid' };
      if (row.revoked_at !== null) return { status: 'revoked' };
      if (valid.size > 1000) valid.clear();
      valid.set(hash, { keyId: row.id, until: t + KEY_CACHE_TTL_MS });
      return { status: 'valid', keyId: row.id };
    },
  };
}

export type KeyService = ReturnType<typeof createKeyService>;
