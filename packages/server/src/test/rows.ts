/** Rows for tests that write to the database directly, with every column at the value a new one gets. */
import type { Insertable } from 'kysely';
import type { UserTable } from '../storage/schema.js';

/** A users row: no identifiers, names or flags, created now unless `extra` says otherwise. */
export function userRow(id: string, extra: Partial<Insertable<UserTable>> = {}): Insertable<UserTable> {
  const t = Date.now();
  return {
    id,
    external_id: null,
    username: null,
    username_normalized: null,
    first_name: null,
    last_name: null,
    locale: null,
    timezone: null,
    primary_email_address_id: null,
    primary_phone_number_id: null,
    primary_web3_wallet_id: null,
    public_metadata: '{}',
    private_metadata: '{}',
    unsafe_metadata: '{}',
    image_id: null,
    banned: 0,
    locked: 0,
    locked_at: null,
    delete_self_enabled: 1,
    create_organization_enabled: 1,
    create_organizations_limit: null,
    legal_accepted_at: null,
    last_sign_in_at: null,
    last_active_at: null,
    bypass_client_trust: 0,
    totp_secret: null,
    pending_totp_secret: null,
    backup_codes: null,
    mfa_enabled_at: null,
    mfa_disabled_at: null,
    password_compromised_at: null,
    search_text: id,
    created_at: t,
    updated_at: t,
    ...extra,
  };
}
