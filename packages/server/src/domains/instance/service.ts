/**
 * The instance: one per deployment. First start on an empty database creates it together with an RSA
 * signing key and a secret key; the publishable key is derived from the public URL.
 */
import { transaction, type Db } from '../../storage/database.js';
import { type InstanceType, type JwkJSON, encodePublishableKey, newId, secretKeyInstanceType } from '@latch/core';
import { randomBytes } from 'node:crypto';
import { generateSigningKey } from '../../crypto/signing-keys.js';
import { readJson } from '../../storage/schema.js';
import { hasActiveSigningKey, insertSigningKey, signingKeyJwks } from '../keys/repository.js';
import type { KeyService } from '../keys/service.js';
import { type AuthSettings, type AuthSettingsPatch, mergeAuthSettings, resolveAuthSettings } from './auth-settings.js';
import { findInstance, findInstanceSettings, insertInstanceIfAbsent, lockInstance, writeInstanceSettings } from './repository.js';

/** Who may sign up: the instance's restrictions, as the BAPI exposes them. */
export interface Restrictions {
  allowlist: boolean;
  blocklist: boolean;
  allowlist_blocklist_disabled_on_sign_in: boolean;
  block_email_subaddresses: boolean;
  block_disposable_email_domains: boolean;
}

export const DEFAULT_RESTRICTIONS: Restrictions = {
  allowlist: false,
  blocklist: false,
  allowlist_blocklist_disabled_on_sign_in: false,
  block_email_subaddresses: false,
  block_disposable_email_domains: false,
};

/** Instance-wide organization settings, as `/v1/instance/organization_settings` exposes them. */
export interface OrganizationSettings {
  enabled: boolean;
  /** 0 means no limit. */
  max_allowed_memberships: number;
  admin_delete_enabled: boolean;
  domains_enabled: boolean;
  slug_disabled: boolean;
  domains_enrollment_modes: ('manual_invitation' | 'automatic_invitation' | 'automatic_suggestion')[];
  /** Role key given to an organization's creator. */
  creator_role: string;
  /** Role key given to members who join through a verified domain. */
  domains_default_role: string;
  /**
   * Answer the system roles by their early names, `admin` and `basic_member` (memberships, invitations,
   * role lists and the `org_role` claim), as older SDK samples compare them. Input takes both spellings.
   */
  legacy_role_keys: boolean;
}

export const DEFAULT_ORGANIZATION_SETTINGS: OrganizationSettings = {
  enabled: true,
  max_allowed_memberships: 0,
  admin_delete_enabled: true,
  domains_enabled: true,
  slug_disabled: false,
  domains_enrollment_modes: ['manual_invitation', 'automatic_invitation', 'automatic_suggestion'],
  creator_role: 'org:admin',
  domains_default_role: 'org:member',
  legacy_role_keys: false,
};

export interface InstanceSettings {
  restrictions: Restrictions;
  organizations: OrganizationSettings;
  /** Sign-up, sign-in and session settings. */
  auth: AuthSettings;
  /** Signs invitation tickets (base64url of 32 random bytes), made at bootstrap. */
  ticketSecret: string;
}

export interface InstanceInfo {
  id: string;
  environmentType: InstanceType;
  createdAt: number;
}

export interface BootstrapResult {
  instance: InstanceInfo;
  /** True when this call created the instance. */
  created: boolean;
  /** A secret key minted by this call (shown once); null when none was minted. */
  newSecretKey: string | null;
}

/** Host (and port) the publishable key names: the SDKs require a dot in it, so `localhost` becomes 127.0.0.1. */
export function frontendApiHost(publicUrl: string): string {
  const u = new URL(publicUrl);
  const host = u.host.replace(/^localhost(?=:|$)/, '127.0.0.1');
  return host;
}

/** The origin session tokens name as their issuer: the public URL's scheme with the publishable key's host. */
export function frontendApiOrigin(publicUrl: string): string {
  return `${new URL(publicUrl).protocol}//${frontendApiHost(publicUrl)}`;
}

export function publishableKeyFor(type: InstanceType, publicUrl: string): string {
  return encodePublishableKey(type, frontendApiHost(publicUrl));
}

/** How long a read of the settings is reused. */
const SETTINGS_TTL_MS = 1000;

/** Freezes an object and everything in it: a cached settings object is shared by every caller. */
function deepFreeze<T>(value: T): T {
  if (typeof value === 'object' && value !== null && !Object.isFrozen(value)) {
    Object.freeze(value);
    for (const v of Object.values(value)) deepFreeze(v);
  }
  return value;
}

export function createInstanceService(db: Db, keys: KeyService, now: () => number = Date.now) {
  let cached: { value: InstanceSettings; until: number } | null = null;
  /** Runs a settings write and drops the cached read once it has committed. */
  async function writing<T>(work: Promise<T>): Promise<T> {
    try {
      return await work;
    } finally {
      cached = null;
    }
  }
  /** Adds the invitation-ticket secret to an instance that has none (first start, or an older instance). */
  async function ensureTicketSecret(): Promise<void> {
    await transaction(db, async (trx) => {
      const row = await lockInstance(trx);
      const stored = readJson<Partial<InstanceSettings>>(row.settings);
      if (stored.ticketSecret) return;
      const settings = { ...stored, ticketSecret: randomBytes(32).toString('base64url') };
      await writeInstanceSettings(trx, row.id, JSON.stringify(settings), now());
    });
  }

  return {
    async get(): Promise<InstanceInfo | null> {
      const row = await findInstance(db);
      return row ? { id: row.id, environmentType: row.environment_type, createdAt: row.created_at } : null;
    },

    /**
     * Creates the instance, its signing key and a secret key when the database is empty, and adopts the
     * pinned secret key when one is configured. Safe to call on every start.
     */
    async bootstrap(pinnedSecretKey: string | null): Promise<BootstrapResult> {
      let instance = await this.get();
      let created = false;
      let minted: string | null = null;
      const type: InstanceType = (pinnedSecretKey && secretKeyInstanceType(pinnedSecretKey)) || 'development';
      if (!instance) {
        const t = now();
        const row = { id: newId('ins'), environment_type: type, settings: JSON.stringify({}), created_at: t, updated_at: t };
        // Two processes starting at once: the primary key lets only one instance row exist.
        await insertInstanceIfAbsent(db, row);
        instance = await this.get();
        created = instance?.id === row.id;
      }
      if (!instance) throw new Error('instance row missing after bootstrap');
      if (!(await hasActiveSigningKey(db))) {
        const key = await generateSigningKey();
        await insertSigningKey(db, {
          kid: key.kid,
          algorithm: 'RS256',
          private_pem: key.privatePem,
          public_jwk: JSON.stringify(key.publicJwk),
          status: 'active',
          created_at: now(),
          retired_at: null,
        });
      }
      await ensureTicketSecret();
      if (pinnedSecretKey) {
        await keys.adopt(pinnedSecretKey, 'pinned (LATCH_SECRET_KEY)');
      } else if (created) {
        minted = (await keys.create(instance.environmentType, 'default')).key;
      }
      return { instance, created, newSecretKey: minted };
    },

    /**
     * The settings, read at most once per second: every Frontend API request consults them (origins,
     * sign-in rules), so they are kept briefly in memory. A change made through this process is seen at
     * once (the cache is dropped on write); one made by another process within a second.
     */
    async settings(): Promise<InstanceSettings> {
      const t = now();
      if (cached && cached.until > t) return cached.value;
      const row = await findInstanceSettings(db);
      const stored = row ? readJson<Partial<InstanceSettings>>(row.settings) : {};
      const value = deepFreeze({
        restrictions: { ...DEFAULT_RESTRICTIONS, ...(stored.restrictions ?? {}) },
        organizations: { ...DEFAULT_ORGANIZATION_SETTINGS, ...(stored.organizations ?? {}) },
        auth: resolveAuthSettings(stored.auth),
        ticketSecret: stored.ticketSecret ?? '',
      });
      cached = { value, until: t + SETTINGS_TTL_MS };
      return value;
    },

    /** Updates the given restriction flags in one statement-level transaction; returns the result. */
    async updateRestrictions(patch: Partial<Restrictions>): Promise<Restrictions> {
      return writing(transaction(db, async (trx) => {
        const row = await lockInstance(trx);
        const stored = readJson<Partial<InstanceSettings>>(row.settings);
        const restrictions = { ...DEFAULT_RESTRICTIONS, ...(stored.restrictions ?? {}), ...patch };
        await writeInstanceSettings(trx, row.id, JSON.stringify({ ...stored, restrictions }), now());
        return restrictions;
      }));
    },

    async updateOrganizationSettings(patch: Partial<OrganizationSettings>): Promise<OrganizationSettings> {
      return writing(transaction(db, async (trx) => {
        const row = await lockInstance(trx);
        const stored = readJson<Partial<InstanceSettings>>(row.settings);
        const organizations = { ...DEFAULT_ORGANIZATION_SETTINGS, ...(stored.organizations ?? {}), ...patch };
        await writeInstanceSettings(trx, row.id, JSON.stringify({ ...stored, organizations }), now());
        return organizations;
      }));
    },

    /**
     * Applies a patch to the sign-up, sign-in and session settings under the instance row's lock (so
     * concurrent patches of different fields all land); nested objects merge one level deep.
     */
    async updateAuthSettings(patch: AuthSettingsPatch): Promise<AuthSettings> {
      return writing(transaction(db, async (trx) => {
        const row = await lockInstance(trx);
        const stored = readJson<Partial<InstanceSettings>>(row.settings);
        const auth = mergeAuthSettings(resolveAuthSettings(stored.auth), patch);
        await writeInstanceSettings(trx, row.id, JSON.stringify({ ...stored, auth }), now());
        return auth;
      }));
    },

    /** Public keys of every signing key that tokens may still carry (active and retired). */
    async jwks(): Promise<JwkJSON[]> {
      return (await signingKeyJwks(db)).map((jwk) => readJson<JwkJSON>(jwk));
    },
  };
}

export type InstanceService = ReturnType<typeof createInstanceService>;
