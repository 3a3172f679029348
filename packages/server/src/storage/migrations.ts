/**
 * The one migration set, applied at start and by `latch migrate`. Each migration is written once with a
 * small type map so both dialects apply the same statements; the few real differences (full-text
 * search) are branches on the dialect.
 */
import { type Kysely, type Migration, Migrator, sql } from 'kysely';
import type { DialectName, Storage } from './database.js';
import type { Database } from './schema.js';

interface Types {
  json: string;
  ts: string;
  blob: string;
}

const TYPES: Record<DialectName, Types> = {
  sqlite: { json: 'TEXT', ts: 'INTEGER', blob: 'BLOB' },
  postgres: { json: 'JSONB', ts: 'BIGINT', blob: 'BYTEA' },
};

type Step = (db: Kysely<unknown>, dialect: DialectName) => Promise<void>;

async function run(db: Kysely<unknown>, statements: string[]): Promise<void> {
  for (const s of statements) await sql.raw(s).execute(db);
}

const m0001_init: Step = async (db, dialect) => {
  const t = TYPES[dialect];
  await run(db, [
    `CREATE TABLE instance (
      id TEXT PRIMARY KEY,
      environment_type TEXT NOT NULL CHECK (environment_type IN ('development','production')),
      settings ${t.json} NOT NULL,
      created_at ${t.ts} NOT NULL,
      updated_at ${t.ts} NOT NULL
    )`,
    `CREATE TABLE api_keys (
      id TEXT PRIMARY KEY,
      kind TEXT NOT NULL,
      secret_hash TEXT NOT NULL UNIQUE,
      hint TEXT NOT NULL,
      name TEXT NOT NULL,
      created_at ${t.ts} NOT NULL,
      revoked_at ${t.ts}
    )`,
    `CREATE TABLE signing_keys (
      kid TEXT PRIMARY KEY,
      algorithm TEXT NOT NULL,
      private_pem TEXT NOT NULL,
      public_jwk ${t.json} NOT NULL,
      status TEXT NOT NULL CHECK (status IN ('active','retired')),
      created_at ${t.ts} NOT NULL,
      retired_at ${t.ts}
    )`,
    `CREATE TABLE users (
      id TEXT PRIMARY KEY,
      external_id TEXT,
      username TEXT,
      username_normalized TEXT,
      first_name TEXT,
      last_name TEXT,
      locale TEXT,
      primary_email_address_id TEXT,
      primary_phone_number_id TEXT,
      primary_web3_wallet_id TEXT,
      public_metadata ${t.json} NOT NULL,
      private_metadata ${t.json} NOT NULL,
      unsafe_metadata ${t.json} NOT NULL,
      image_id TEXT,
      banned INTEGER NOT NULL DEFAULT 0,
      locked INTEGER NOT NULL DEFAULT 0,
      locked_at ${t.ts},
      delete_self_enabled INTEGER NOT NULL DEFAULT 1,
      create_organization_enabled INTEGER NOT NULL DEFAULT 1,
      create_organizations_limit INTEGER,
      legal_accepted_at ${t.ts},
      last_sign_in_at ${t.ts},
      last_active_at ${t.ts},
      bypass_client_trust INTEGER NOT NULL DEFAULT 0,
      totp_secret TEXT,
      backup_codes ${t.json},
      mfa_enabled_at ${t.ts},
      mfa_disabled_at ${t.ts},
      search_text TEXT NOT NULL,
      created_at ${t.ts} NOT NULL,
      updated_at ${t.ts} NOT NULL
    )`,
    // Identifiers are unique once normalized; NULLs (no external id, no username) never collide.
    'CREATE UNIQUE INDEX users_external_id_key ON users (external_id)',
    'CREATE UNIQUE INDEX users_username_key ON users (username_normalized)',
    'CREATE INDEX users_created_at_idx ON users (created_at, id)',
    'CREATE INDEX users_updated_at_idx ON users (updated_at)',
    'CREATE INDEX users_last_active_at_idx ON users (last_active_at)',
    'CREATE INDEX users_last_sign_in_at_idx ON users (last_sign_in_at)',
    `CREATE TABLE identifications (
      id TEXT PRIMARY KEY,
      user_id TEXT NOT NULL REFERENCES users (id) ON DELETE CASCADE,
      type TEXT NOT NULL CHECK (type IN ('email_address','phone_number','web3_wallet')),
      value TEXT NOT NULL,
      normalized TEXT NOT NULL,
      status TEXT NOT NULL CHECK (status IN ('verified','unverified','reserved')),
      strategy TEXT NOT NULL,
      reserved_for_second_factor INTEGER NOT NULL DEFAULT 0,
      default_second_factor INTEGER NOT NULL DEFAULT 0,
      created_at ${t.ts} NOT NULL,
      updated_at ${t.ts} NOT NULL
    )`,
    'CREATE UNIQUE INDEX identifications_value_key ON identifications (type, normalized)',
    'CREATE INDEX identifications_user_idx ON identifications (user_id)',
    `CREATE TABLE passwords (
      user_id TEXT PRIMARY KEY REFERENCES users (id) ON DELETE CASCADE,
      digest TEXT NOT NULL,
      hasher TEXT NOT NULL,
      updated_at ${t.ts} NOT NULL
    )`,
    `CREATE TABLE images (
      id TEXT PRIMARY KEY,
      owner_id TEXT NOT NULL,
      content_type TEXT NOT NULL,
      bytes ${t.blob} NOT NULL,
      size INTEGER NOT NULL,
      created_at ${t.ts} NOT NULL
    )`,
    'CREATE INDEX images_owner_idx ON images (owner_id)',
  ]);
  // Partial-match search over users: a trigram index answers `%q%` without scanning every row.
  if (dialect === 'sqlite') {
    await run(db, [
      `CREATE VIRTUAL TABLE users_fts USING fts5(search_text, content='users', content_rowid='rowid', tokenize='trigram')`,
      `CREATE TRIGGER users_fts_insert AFTER INSERT ON users BEGIN
         INSERT INTO users_fts (rowid, search_text) VALUES (new.rowid, new.search_text);
       END`,
      `CREATE TRIGGER users_fts_delete AFTER DELETE ON users BEGIN
         INSERT INTO users_fts (users_fts, rowid, search_text) VALUES ('delete', old.rowid, old.search_text);
       END`,
      `CREATE TRIGGER users_fts_update AFTER UPDATE OF search_text ON users BEGIN
         INSERT INTO users_fts (users_fts, rowid, search_text) VALUES ('delete', old.rowid, old.search_text);
         INSERT INTO users_fts (rowid, search_text) VALUES (new.rowid, new.search_text);
       END`,
    ]);
  } else {
    await run(db, [
      'CREATE EXTENSION IF NOT EXISTS pg_trgm WITH SCHEMA public',
      'CREATE INDEX users_search_trgm_idx ON users USING gin (search_text public.gin_trgm_ops)',
    ]);
  }
};

const m0002_user_timezone: Step = async (db) => {
  await run(db, ['ALTER TABLE users ADD COLUMN timezone TEXT']);
};

const m0003_access_and_delivery: Step = async (db, dialect) => {
  const t = TYPES[dialect];
  await run(db, [
    `CREATE TABLE allowlist_identifiers (
      id TEXT PRIMARY KEY,
      identifier TEXT NOT NULL,
      identifier_type TEXT NOT NULL CHECK (identifier_type IN ('email_address','phone_number','web3_wallet','domain')),
      normalized TEXT NOT NULL UNIQUE,
      invitation_id TEXT,
      created_at ${t.ts} NOT NULL,
      updated_at ${t.ts} NOT NULL
    )`,
    'CREATE INDEX allowlist_created_idx ON allowlist_identifiers (created_at, id)',
    `CREATE TABLE blocklist_identifiers (
      id TEXT PRIMARY KEY,
      identifier TEXT NOT NULL,
      identifier_type TEXT NOT NULL CHECK (identifier_type IN ('email_address','phone_number','web3_wallet','domain')),
      normalized TEXT NOT NULL UNIQUE,
      created_at ${t.ts} NOT NULL,
      updated_at ${t.ts} NOT NULL
    )`,
    'CREATE INDEX blocklist_created_idx ON blocklist_identifiers (created_at, id)',
    `CREATE TABLE invitations (
      id TEXT PRIMARY KEY,
      email_address TEXT NOT NULL,
      normalized TEXT NOT NULL,
      public_metadata ${t.json} NOT NULL,
      redirect_url TEXT,
      status TEXT NOT NULL CHECK (status IN ('pending','accepted','revoked','expired')),
      ticket_hash TEXT NOT NULL UNIQUE,
      template_slug TEXT NOT NULL,
      expires_at ${t.ts},
      accepted_at ${t.ts},
      accepted_user_id TEXT,
      revoked_at ${t.ts},
      created_at ${t.ts} NOT NULL,
      updated_at ${t.ts} NOT NULL
    )`,
    // At most one pending invitation per address, even when two requests race.
    "CREATE UNIQUE INDEX invitations_pending_key ON invitations (normalized) WHERE status = 'pending'",
    'CREATE INDEX invitations_created_idx ON invitations (created_at, id)',
    `CREATE TABLE templates (
      template_type TEXT NOT NULL CHECK (template_type IN ('email','sms')),
      slug TEXT NOT NULL,
      name TEXT NOT NULL,
      subject TEXT,
      markup TEXT NOT NULL,
      body TEXT NOT NULL,
      from_email_name TEXT,
      reply_to_email_name TEXT,
      delivered_by_clerk INTEGER NOT NULL DEFAULT 1,
      created_at ${t.ts} NOT NULL,
      updated_at ${t.ts} NOT NULL,
      PRIMARY KEY (template_type, slug)
    )`,
    // The outbound queue: a message is written in the same transaction as what caused it, and a
    // worker delivers it with retries, so a request never waits on SMTP and a message is never lost.
    `CREATE TABLE messages (
      id TEXT PRIMARY KEY,
      kind TEXT NOT NULL CHECK (kind IN ('email','sms')),
      to_address TEXT NOT NULL,
      from_address TEXT,
      from_name TEXT,
      reply_to TEXT,
      subject TEXT,
      body TEXT NOT NULL,
      body_plain TEXT,
      slug TEXT,
      data ${t.json} NOT NULL,
      user_id TEXT,
      email_address_id TEXT,
      phone_number_id TEXT,
      status TEXT NOT NULL CHECK (status IN ('queued','sending','delivered','failed','outbox')),
      attempts INTEGER NOT NULL DEFAULT 0,
      next_attempt_at ${t.ts} NOT NULL,
      lease_until ${t.ts},
      last_error TEXT,
      provider_message_id TEXT,
      delivered_at ${t.ts},
      created_at ${t.ts} NOT NULL,
      updated_at ${t.ts} NOT NULL
    )`,
    'CREATE INDEX messages_due_idx ON messages (status, next_attempt_at)',
    'CREATE INDEX messages_created_idx ON messages (created_at, id)',
  ]);
};

const m0004_organizations: Step = async (db, dialect) => {
  const t = TYPES[dialect];
  await run(db, [
    `CREATE TABLE organizations (
      id TEXT PRIMARY KEY,
      name TEXT NOT NULL,
      slug TEXT NOT NULL UNIQUE,
      image_id TEXT,
      created_by TEXT,
      max_allowed_memberships INTEGER NOT NULL DEFAULT 0,
      admin_delete_enabled INTEGER NOT NULL DEFAULT 1,
      public_metadata ${t.json} NOT NULL,
      private_metadata ${t.json} NOT NULL,
      -- Maintained with the memberships in one transaction; the membership limit and the last-admin
      -- rule are conditional updates of these counters, which makes them safe under concurrency.
      members_count INTEGER NOT NULL DEFAULT 0 CHECK (members_count >= 0),
      admins_count INTEGER NOT NULL DEFAULT 0 CHECK (admins_count >= 0),
      search_text TEXT NOT NULL,
      created_at ${t.ts} NOT NULL,
      updated_at ${t.ts} NOT NULL
    )`,
    'CREATE INDEX organizations_created_idx ON organizations (created_at, id)',
    `CREATE TABLE organization_roles (
      id TEXT PRIMARY KEY,
      key TEXT NOT NULL UNIQUE,
      name TEXT NOT NULL,
      description TEXT NOT NULL,
      is_system INTEGER NOT NULL DEFAULT 0,
      is_creator_eligible INTEGER NOT NULL DEFAULT 0,
      created_at ${t.ts} NOT NULL,
      updated_at ${t.ts} NOT NULL
    )`,
    `CREATE TABLE organization_permissions (
      id TEXT PRIMARY KEY,
      key TEXT NOT NULL UNIQUE,
      name TEXT NOT NULL,
      description TEXT NOT NULL,
      type TEXT NOT NULL CHECK (type IN ('system','user')),
      created_at ${t.ts} NOT NULL,
      updated_at ${t.ts} NOT NULL
    )`,
    `CREATE TABLE organization_role_permissions (
      role_id TEXT NOT NULL REFERENCES organization_roles (id) ON DELETE CASCADE,
      permission_id TEXT NOT NULL REFERENCES organization_permissions (id) ON DELETE CASCADE,
      PRIMARY KEY (role_id, permission_id)
    )`,
    `CREATE TABLE organization_memberships (
      id TEXT PRIMARY KEY,
      organization_id TEXT NOT NULL REFERENCES organizations (id) ON DELETE CASCADE,
      user_id TEXT NOT NULL REFERENCES users (id) ON DELETE CASCADE,
      role TEXT NOT NULL,
      public_metadata ${t.json} NOT NULL,
      private_metadata ${t.json} NOT NULL,
      created_at ${t.ts} NOT NULL,
      updated_at ${t.ts} NOT NULL,
      UNIQUE (organization_id, user_id)
    )`,
    'CREATE INDEX organization_memberships_user_idx ON organization_memberships (user_id)',
    'CREATE INDEX organization_memberships_created_idx ON organization_memberships (created_at, id)',
    `CREATE TABLE organization_invitations (
      id TEXT PRIMARY KEY,
      organization_id TEXT NOT NULL REFERENCES organizations (id) ON DELETE CASCADE,
      email_address TEXT NOT NULL,
      normalized TEXT NOT NULL,
      role TEXT NOT NULL,
      inviter_user_id TEXT,
      public_metadata ${t.json} NOT NULL,
      private_metadata ${t.json} NOT NULL,
      redirect_url TEXT,
      status TEXT NOT NULL CHECK (status IN ('pending','accepted','revoked','expired')),
      source TEXT NOT NULL DEFAULT 'manual',
      expires_at ${t.ts},
      accepted_at ${t.ts},
      accepted_user_id TEXT,
      revoked_at ${t.ts},
      created_at ${t.ts} NOT NULL,
      updated_at ${t.ts} NOT NULL
    )`,
    "CREATE UNIQUE INDEX organization_invitations_pending_key ON organization_invitations (organization_id, normalized) WHERE status = 'pending'",
    'CREATE INDEX organization_invitations_email_idx ON organization_invitations (normalized)',
    'CREATE INDEX organization_invitations_created_idx ON organization_invitations (created_at, id)',
    `CREATE TABLE organization_domains (
      id TEXT PRIMARY KEY,
      organization_id TEXT NOT NULL REFERENCES organizations (id) ON DELETE CASCADE,
      name TEXT NOT NULL UNIQUE,
      enrollment_mode TEXT NOT NULL CHECK (enrollment_mode IN ('manual_invitation','automatic_invitation','automatic_suggestion')),
      verified INTEGER NOT NULL DEFAULT 0,
      verification_strategy TEXT,
      verified_at ${t.ts},
      affiliation_email_address TEXT,
      code_hash TEXT,
      code_attempts INTEGER NOT NULL DEFAULT 0,
      code_expires_at ${t.ts},
      created_at ${t.ts} NOT NULL,
      updated_at ${t.ts} NOT NULL
    )`,
    'CREATE INDEX organization_domains_org_idx ON organization_domains (organization_id)',
    `CREATE TABLE organization_suggestions (
      id TEXT PRIMARY KEY,
      organization_id TEXT NOT NULL REFERENCES organizations (id) ON DELETE CASCADE,
      user_id TEXT NOT NULL REFERENCES users (id) ON DELETE CASCADE,
      domain_id TEXT REFERENCES organization_domains (id) ON DELETE SET NULL,
      status TEXT NOT NULL CHECK (status IN ('pending','accepted','dismissed')),
      created_at ${t.ts} NOT NULL,
      updated_at ${t.ts} NOT NULL,
      UNIQUE (organization_id, user_id)
    )`,
  ]);
};

const m0005_identification_order: Step = async (db) => {
  // Loading a user's identifiers in creation order is on every read of a user: serve it from an index.
  await run(db, ['CREATE INDEX identifications_user_order_idx ON identifications (user_id, created_at, id)', 'DROP INDEX identifications_user_idx']);
};

const m0006_password_compromised: Step = async (db, dialect) => {
  await run(db, [`ALTER TABLE users ADD COLUMN password_compromised_at ${TYPES[dialect].ts}`]);
};

const m0007_user_list_orders: Step = async (db) => {
  // Every list ordering is served in order by an index that ends with the id tie-breaker: the users with
  // a value through (column, id), those without through the same index (column IS NULL). The
  // single-column indexes these replace could not order ties by id, so a page needed a sort.
  await run(db, [
    'CREATE INDEX users_updated_at_id_idx ON users (updated_at, id)',
    'DROP INDEX users_updated_at_idx',
    'CREATE INDEX users_last_active_at_id_idx ON users (last_active_at, id)',
    'DROP INDEX users_last_active_at_idx',
    'CREATE INDEX users_last_sign_in_at_id_idx ON users (last_sign_in_at, id)',
    'DROP INDEX users_last_sign_in_at_idx',
    'CREATE INDEX users_first_name_idx ON users (first_name, id)',
    'CREATE INDEX users_last_name_idx ON users (last_name, id)',
    'CREATE INDEX users_username_order_idx ON users (username_normalized, id)',
    // By primary identifier: the list walks the identifiers in value order and finds each one's user
    // here; the users without one are the (NULL, id) entries, in id order.
    'CREATE INDEX users_primary_email_idx ON users (primary_email_address_id, id)',
    'CREATE INDEX users_primary_phone_idx ON users (primary_phone_number_id, id)',
    'CREATE INDEX users_primary_web3_wallet_idx ON users (primary_web3_wallet_id, id)',
    // Banned users are few: `banned=true` reads them from here instead of scanning everyone.
    'CREATE INDEX users_banned_idx ON users (created_at, id) WHERE banned = 1',
  ]);
};

const m0008_organization_list_orders: Step = async (db, dialect) => {
  // Organization lists at 100,000 organizations: each ordering and each per-organization list served in
  // order by an index (ties by id). The queries in domains/organizations must order by the plain column
  // (not `(col IS NULL), col`) for these to be used; see the README's notes on scale.
  await run(db, [
    'CREATE INDEX organizations_name_idx ON organizations (name, id)',
    'CREATE INDEX organizations_members_count_idx ON organizations (members_count, id)',
    'CREATE INDEX organization_memberships_org_created_idx ON organization_memberships (organization_id, created_at, id)',
    'CREATE INDEX organization_memberships_org_updated_idx ON organization_memberships (organization_id, updated_at, id)',
    'CREATE INDEX organization_memberships_org_role_idx ON organization_memberships (organization_id, role, id)',
    'CREATE INDEX organization_memberships_user_created_idx ON organization_memberships (user_id, created_at, id)',
    'CREATE INDEX organization_invitations_org_created_idx ON organization_invitations (organization_id, created_at, id)',
    'CREATE INDEX organization_invitations_org_status_idx ON organization_invitations (organization_id, status, created_at, id)',
    'CREATE INDEX organization_domains_org_created_idx ON organization_domains (organization_id, created_at, id)',
  ]);
  // Partial-match search over organizations (name and slug), like users'.
  if (dialect === 'sqlite') {
    await run(db, [
      `CREATE VIRTUAL TABLE organizations_fts USING fts5(search_text, content='organizations', content_rowid='rowid', tokenize='trigram')`,
      `INSERT INTO organizations_fts (organizations_fts) VALUES ('rebuild')`,
      `CREATE TRIGGER organizations_fts_insert AFTER INSERT ON organizations BEGIN
         INSERT INTO organizations_fts (rowid, search_text) VALUES (new.rowid, new.search_text);
       END`,
      `CREATE TRIGGER organizations_fts_delete AFTER DELETE ON organizations BEGIN
         INSERT INTO organizations_fts (organizations_fts, rowid, search_text) VALUES ('delete', old.rowid, old.search_text);
       END`,
      `CREATE TRIGGER organizations_fts_update AFTER UPDATE OF search_text ON organizations BEGIN
         INSERT INTO organizations_fts (organizations_fts, rowid, search_text) VALUES ('delete', old.rowid, old.search_text);
         INSERT INTO organizations_fts (rowid, search_text) VALUES (new.rowid, new.search_text);
       END`,
    ]);
  } else {
    await run(db, ['CREATE INDEX organizations_search_trgm_idx ON organizations USING gin (search_text public.gin_trgm_ops)']);
  }
};

const m0010_frontend_api: Step = async (db, dialect) => {
  const t = TYPES[dialect];
  await run(db, [
    `CREATE TABLE clients (
      id TEXT PRIMARY KEY,
      token_hash TEXT NOT NULL UNIQUE,
      last_active_session_id TEXT,
      last_authentication_strategy TEXT,
      sign_in_id TEXT,
      sign_up_id TEXT,
      expires_at ${t.ts} NOT NULL,
      created_at ${t.ts} NOT NULL,
      updated_at ${t.ts} NOT NULL
    )`,
    // Sessions outlive their client row (the Backend API lists ended sessions), so no foreign key to it.
    `CREATE TABLE sessions (
      id TEXT PRIMARY KEY,
      client_id TEXT NOT NULL,
      user_id TEXT NOT NULL REFERENCES users(id) ON DELETE CASCADE,
      status TEXT NOT NULL CHECK (status IN ('active','pending','revoked','ended','expired','removed','abandoned')),
      last_active_organization_id TEXT,
      actor ${t.json},
      expire_at ${t.ts} NOT NULL,
      abandon_at ${t.ts} NOT NULL,
      last_active_at ${t.ts} NOT NULL,
      first_factor_verified_at ${t.ts},
      second_factor_verified_at ${t.ts},
      latest_activity ${t.json},
      created_at ${t.ts} NOT NULL,
      updated_at ${t.ts} NOT NULL
    )`,
    `CREATE TABLE sign_in_attempts (
      id TEXT PRIMARY KEY,
      client_id TEXT NOT NULL,
      status TEXT NOT NULL,
      identifier TEXT,
      user_id TEXT REFERENCES users(id) ON DELETE CASCADE,
      identification_id TEXT,
      first_factor_strategy TEXT,
      second_factor_strategy TEXT,
      created_session_id TEXT,
      abandon_at ${t.ts} NOT NULL,
      created_at ${t.ts} NOT NULL,
      updated_at ${t.ts} NOT NULL
    )`,
    `CREATE TABLE sign_up_attempts (
      id TEXT PRIMARY KEY,
      client_id TEXT NOT NULL,
      status TEXT NOT NULL,
      email_address TEXT,
      phone_number TEXT,
      username TEXT,
      first_name TEXT,
      last_name TEXT,
      password_digest TEXT,
      unsafe_metadata ${t.json},
      legal_accepted_at ${t.ts},
      email_verified_at ${t.ts},
      phone_verified_at ${t.ts},
      ticket TEXT,
      created_user_id TEXT,
      created_session_id TEXT,
      abandon_at ${t.ts} NOT NULL,
      created_at ${t.ts} NOT NULL,
      updated_at ${t.ts} NOT NULL
    )`,
    // One-time codes (and links) of sign-in and sign-up flows: only a keyed digest of the secret is kept.
    `CREATE TABLE verifications (
      id TEXT PRIMARY KEY,
      owner_id TEXT NOT NULL,
      slot TEXT NOT NULL,
      strategy TEXT NOT NULL,
      identification_id TEXT,
      target TEXT,
      code_hash TEXT,
      attempts INTEGER NOT NULL DEFAULT 0,
      status TEXT NOT NULL CHECK (status IN ('unverified','verified','failed','expired')),
      expires_at ${t.ts},
      created_at ${t.ts} NOT NULL,
      updated_at ${t.ts} NOT NULL,
      UNIQUE (owner_id, slot)
    )`,
    `CREATE INDEX sessions_client ON sessions (client_id, id)`,
    `CREATE INDEX sessions_user ON sessions (user_id, status, id)`,
    `CREATE INDEX clients_expiry ON clients (expires_at)`,
  ]);
};

const m0011_session_tokens: Step = async (db, dialect) => {
  const t = TYPES[dialect];
  await run(db, [
    // Sign-in tokens (Backend API → one-time sign-in link): only a digest of the token is kept.
    `CREATE TABLE sign_in_tokens (
      id TEXT PRIMARY KEY,
      user_id TEXT NOT NULL REFERENCES users(id) ON DELETE CASCADE,
      token_hash TEXT NOT NULL UNIQUE,
      status TEXT NOT NULL CHECK (status IN ('pending','accepted','revoked')),
      expires_at ${t.ts} NOT NULL,
      created_at ${t.ts} NOT NULL,
      updated_at ${t.ts} NOT NULL
    )`,
    `CREATE TABLE jwt_templates (
      id TEXT PRIMARY KEY,
      name TEXT NOT NULL UNIQUE,
      claims ${t.json} NOT NULL,
      lifetime INTEGER NOT NULL,
      allowed_clock_skew INTEGER NOT NULL,
      created_at ${t.ts} NOT NULL,
      updated_at ${t.ts} NOT NULL
    )`,
    // The instance's session-token customization: one row (id 'session'), claims merged into every default token.
    `CREATE TABLE session_token_claims (
      id TEXT PRIMARY KEY,
      claims ${t.json} NOT NULL,
      updated_at ${t.ts} NOT NULL
    )`,
    `CREATE INDEX sign_in_tokens_user ON sign_in_tokens (user_id)`,
    `CREATE INDEX clients_created ON clients (created_at, id)`,
  ]);
};

const m0012_email_links: Step = async (db) => {
  await run(db, [
    // E-mail links: where the link's landing page sends the browser, and which client opened the link.
    `ALTER TABLE verifications ADD COLUMN redirect_url TEXT`,
    `ALTER TABLE verifications ADD COLUMN verified_at_client TEXT`,
  ]);
};

const m0013_handshake_nonces: Step = async (db, dialect) => {
  const t = TYPES[dialect];
  await run(db, [
    // What a handshake nonce stands for: the Set-Cookie directives an app's server fetches with its secret
    // key (GET /v1/clients/handshake_payload). Only a digest of the nonce is kept; rows live two minutes.
    `CREATE TABLE handshake_nonces (
      nonce_hash TEXT PRIMARY KEY,
      directives ${t.json} NOT NULL,
      expires_at ${t.ts} NOT NULL,
      created_at ${t.ts} NOT NULL
    )`,
    `CREATE INDEX handshake_nonces_expiry ON handshake_nonces (expires_at)`,
  ]);
};

const m0014_self_service: Step = async (db) => {
  // The authenticator-app secret a user is enrolling (`POST /me/totp`): it becomes `totp_secret` only
  // once a code from the app has proven the app holds it.
  await run(db, ['ALTER TABLE users ADD COLUMN pending_totp_secret TEXT']);
};

const m0015_organization_membership_requests: Step = async (db, dialect) => {
  const t = TYPES[dialect];
  await run(db, [
    // A user who took up an automatic-suggestion domain's suggestion asks to join; an admin answers.
    `CREATE TABLE organization_membership_requests (
      id TEXT PRIMARY KEY,
      organization_id TEXT NOT NULL REFERENCES organizations (id) ON DELETE CASCADE,
      user_id TEXT NOT NULL REFERENCES users (id) ON DELETE CASCADE,
      suggestion_id TEXT,
      status TEXT NOT NULL CHECK (status IN ('pending','accepted','rejected')),
      created_at ${t.ts} NOT NULL,
      updated_at ${t.ts} NOT NULL,
      UNIQUE (organization_id, user_id)
    )`,
    'CREATE INDEX organization_membership_requests_org_idx ON organization_membership_requests (organization_id, status, created_at, id)',
    // The creation limit counts the organizations a user created.
    'CREATE INDEX organizations_created_by_idx ON organizations (created_by)',
    'CREATE INDEX organization_suggestions_user_idx ON organization_suggestions (user_id, status, created_at, id)',
  ]);
};

const m0016_users_scale: Step = async (db, dialect) => {
  await run(db, [
    // Lists ordered by primary e-mail address, phone number or wallet walk the primary identifiers in
    // value order from this index (the user id is in it, so no identification row is read) and find each
    // user by id; the other identifications are not in it.
    'ALTER TABLE identifications ADD COLUMN is_primary INTEGER NOT NULL DEFAULT 0',
    `UPDATE identifications SET is_primary = 1 WHERE id IN (
       SELECT primary_email_address_id FROM users WHERE primary_email_address_id IS NOT NULL
       UNION ALL SELECT primary_phone_number_id FROM users WHERE primary_phone_number_id IS NOT NULL
       UNION ALL SELECT primary_web3_wallet_id FROM users WHERE primary_web3_wallet_id IS NOT NULL)`,
    'CREATE INDEX identifications_primary_idx ON identifications (type, normalized, user_id) WHERE is_primary = 1',
    // The unfiltered /users/count reads these few rows instead of counting every user.
    `CREATE TABLE users_count (slot INTEGER PRIMARY KEY, n ${dialect === 'postgres' ? 'BIGINT' : 'INTEGER'} NOT NULL)`,
    // 16 slots (repository.ts USERS_COUNT_SLOTS): concurrent sign-ups seldom wait on the same row.
    'INSERT INTO users_count (slot, n) SELECT 0, count(*) FROM users',
    `INSERT INTO users_count (slot, n) VALUES ${Array.from({ length: 15 }, (_, i) => `(${i + 1}, 0)`).join(', ')}`,
  ]);
};

/** The user fields a member list orders by, copied onto each membership (see m0017). */
const MEMBER_SORT_KEYS = (uid: string) => `
  user_first_name = (SELECT u.first_name FROM users u WHERE u.id = ${uid}),
  user_last_name = (SELECT u.last_name FROM users u WHERE u.id = ${uid}),
  user_username = (SELECT u.username_normalized FROM users u WHERE u.id = ${uid}),
  user_email_address = (SELECT i.normalized FROM users u JOIN identifications i ON i.id = u.primary_email_address_id WHERE u.id = ${uid}),
  user_phone_number = (SELECT i.normalized FROM users u JOIN identifications i ON i.id = u.primary_phone_number_id WHERE u.id = ${uid})`;

const USER_SORT_KEY_CHANGED = (o: string, n: string) =>
  ['first_name', 'last_name', 'username_normalized', 'primary_email_address_id', 'primary_phone_number_id'].map((c) => `${o}.${c} IS DISTINCT FROM ${n}.${c}`).join(' OR ');

const m0017_organizations_scale: Step = async (db, dialect) => {
  // Member lists ordered by a user field (names, username, primary e-mail address and phone number)
  // at 100,000 organizations: a join to users can only be sorted, so each membership carries a copy of
  // those fields, kept current by triggers on users and identifications (whichever code path changes
  // them; a primary identifier is set only once it exists, so inserting one never changes a key), and every ordering of an organization's members (and of all memberships) is read in order
  // from an index ending with the id tie-breaker. Values first, then the members without one (by id).
  await run(db, [
    'ALTER TABLE organization_memberships ADD COLUMN user_first_name TEXT',
    'ALTER TABLE organization_memberships ADD COLUMN user_last_name TEXT',
    'ALTER TABLE organization_memberships ADD COLUMN user_username TEXT',
    'ALTER TABLE organization_memberships ADD COLUMN user_email_address TEXT',
    'ALTER TABLE organization_memberships ADD COLUMN user_phone_number TEXT',
    `UPDATE organization_memberships SET ${MEMBER_SORT_KEYS('organization_memberships.user_id')}`,
  ]);
  const indexes: string[] = [];
  for (const key of ['user_first_name', 'user_last_name', 'user_username', 'user_email_address', 'user_phone_number']) {
    indexes.push(`CREATE INDEX organization_memberships_org_${key}_idx ON organization_memberships (organization_id, ${key}, id)`);
    indexes.push(`CREATE INDEX organization_memberships_${key}_idx ON organization_memberships (${key}, id)`);
  }
  await run(db, [
    ...indexes,
    // All memberships by updated_at and by role; one role of an organization by creation.
    'CREATE INDEX organization_memberships_updated_idx ON organization_memberships (updated_at, id)',
    'CREATE INDEX organization_memberships_role_idx ON organization_memberships (role, id)',
    'CREATE INDEX organization_memberships_org_role_created_idx ON organization_memberships (organization_id, role, created_at, id)',
    // (user_id, created_at, id) serves every lookup by user.
    'DROP INDEX organization_memberships_user_idx',
    // Invitations: every ordering of an organization's and of all invitations, and the instance's by status.
    'CREATE INDEX organization_invitations_org_email_idx ON organization_invitations (organization_id, normalized, id)',
    'CREATE INDEX organization_invitations_org_expires_idx ON organization_invitations (organization_id, expires_at, id)',
    'CREATE INDEX organization_invitations_email_id_idx ON organization_invitations (normalized, id)',
    'DROP INDEX organization_invitations_email_idx',
    'CREATE INDEX organization_invitations_expires_idx ON organization_invitations (expires_at, id)',
    'CREATE INDEX organization_invitations_status_idx ON organization_invitations (status, created_at, id)',
  ]);
  if (dialect === 'sqlite') {
    await run(db, [
      `CREATE TRIGGER organization_memberships_sort_keys_insert AFTER INSERT ON organization_memberships BEGIN
         UPDATE organization_memberships SET ${MEMBER_SORT_KEYS('new.user_id')} WHERE id = new.id;
       END`,
      `CREATE TRIGGER users_member_sort_keys_update AFTER UPDATE ON users WHEN ${USER_SORT_KEY_CHANGED('old', 'new').replaceAll('IS DISTINCT FROM', 'IS NOT')} BEGIN
         UPDATE organization_memberships SET ${MEMBER_SORT_KEYS('new.id')} WHERE user_id = new.id;
       END`,
      `CREATE TRIGGER identifications_member_sort_keys_update AFTER UPDATE OF normalized ON identifications WHEN old.normalized IS NOT new.normalized BEGIN
         UPDATE organization_memberships SET ${MEMBER_SORT_KEYS('new.user_id')} WHERE user_id = new.user_id;
       END`,
      `CREATE TRIGGER identifications_member_sort_keys_delete AFTER DELETE ON identifications BEGIN
         UPDATE organization_memberships SET ${MEMBER_SORT_KEYS('old.user_id')} WHERE user_id = old.user_id AND EXISTS (SELECT 1 FROM users WHERE id = old.user_id);
       END`,
    ]);
  } else {
    await run(db, [
      `CREATE FUNCTION organization_memberships_sort_keys() RETURNS trigger LANGUAGE plpgsql AS $$
       BEGIN
         SELECT u.first_name, u.last_name, u.username_normalized, pe.normalized, pp.normalized
           INTO NEW.user_first_name, NEW.user_last_name, NEW.user_username, NEW.user_email_address, NEW.user_phone_number
           FROM users u
           LEFT JOIN identifications pe ON pe.id = u.primary_email_address_id
           LEFT JOIN identifications pp ON pp.id = u.primary_phone_number_id
           WHERE u.id = NEW.user_id;
         RETURN NEW;
       END $$`,
      `CREATE TRIGGER organization_memberships_sort_keys_insert BEFORE INSERT ON organization_memberships
         FOR EACH ROW EXECUTE FUNCTION organization_memberships_sort_keys()`,
      `CREATE FUNCTION member_sort_keys_refresh() RETURNS trigger LANGUAGE plpgsql AS $$
       DECLARE uid TEXT;
       BEGIN
         IF TG_TABLE_NAME = 'users' THEN uid := NEW.id;
         ELSIF TG_OP = 'DELETE' THEN uid := OLD.user_id;
         ELSE uid := NEW.user_id;
         END IF;
         UPDATE organization_memberships SET ${MEMBER_SORT_KEYS('uid')} WHERE user_id = uid AND EXISTS (SELECT 1 FROM users WHERE id = uid);
         RETURN NULL;
       END $$`,
      `CREATE TRIGGER users_member_sort_keys_update AFTER UPDATE ON users
         FOR EACH ROW WHEN (${USER_SORT_KEY_CHANGED('OLD', 'NEW')}) EXECUTE FUNCTION member_sort_keys_refresh()`,
      `CREATE TRIGGER identifications_member_sort_keys_delete AFTER DELETE ON identifications
         FOR EACH ROW EXECUTE FUNCTION member_sort_keys_refresh()`,
      `CREATE TRIGGER identifications_member_sort_keys_update AFTER UPDATE OF normalized ON identifications
         FOR EACH ROW WHEN (OLD.normalized IS DISTINCT FROM NEW.normalized) EXECUTE FUNCTION member_sort_keys_refresh()`,
    ]);
  }
};

const m0018_organization_counts: Step = async (db, dialect) => {
  const counts: [string, string][] = [
    ['organizations', 'SELECT count(*) FROM organizations'],
    ['memberships', 'SELECT count(*) FROM organization_memberships'],
    ...['pending', 'accepted', 'revoked', 'expired'].map((s): [string, string] => [`invitations:${s}`, `SELECT count(*) FROM organization_invitations WHERE status = '${s}'`]),
  ];
  await run(db, [
    // The unfiltered instance lists (organizations, memberships, invitations, by stored status) read their
    // total_count from these rows instead of counting every row: 16 slots per counter
    // (domains/organizations/counts/repository.ts), each transaction adding its changes to one of them.
    `CREATE TABLE organization_counts (counter TEXT NOT NULL, slot INTEGER NOT NULL, n ${dialect === 'postgres' ? 'BIGINT' : 'INTEGER'} NOT NULL, PRIMARY KEY (counter, slot))`,
    ...counts.map(([c, q]) => `INSERT INTO organization_counts (counter, slot, n) SELECT '${c}', 0, (${q})`),
    ...counts.map(([c]) => `INSERT INTO organization_counts (counter, slot, n) VALUES ${Array.from({ length: 15 }, (_, i) => `('${c}', ${i + 1}, 0)`).join(', ')}`),
    // The instance's invitations in one status by creation: with expires_at in the index, a page deep in
    // the pending ones skips the lapsed ones (listed as expired) without reading their rows.
    'DROP INDEX organization_invitations_status_idx',
    'CREATE INDEX organization_invitations_status_idx ON organization_invitations (status, created_at, id, expires_at)',
    // The pending invitations past their expiry, counted for the instance's total by status.
    "CREATE INDEX organization_invitations_pending_expires_idx ON organization_invitations (expires_at) WHERE status = 'pending'",
  ]);
  // A search matching many organizations is answered by walking the list's ordering index and keeping
  // the matches (organizations/repository.ts): with the search text in each ordering index that walk
  // reads no organization row.
  const covering = (columns: string) => (dialect === 'postgres' ? `(${columns}) INCLUDE (search_text)` : `(${columns}, search_text)`);
  await run(db, [
    'DROP INDEX organizations_created_idx',
    `CREATE INDEX organizations_created_idx ON organizations ${covering('created_at, id')}`,
    'DROP INDEX organizations_name_idx',
    `CREATE INDEX organizations_name_idx ON organizations ${covering('name, id')}`,
    'DROP INDEX organizations_members_count_idx',
    `CREATE INDEX organizations_members_count_idx ON organizations ${covering('members_count, id')}`,
  ]);
  // Search over invitations (address and id) through a trigram index, as for users and organizations.
  if (dialect === 'sqlite') {
    await run(db, [
      `CREATE VIRTUAL TABLE organization_invitations_fts USING fts5(normalized, id, content='organization_invitations', content_rowid='rowid', tokenize='trigram')`,
      `INSERT INTO organization_invitations_fts (organization_invitations_fts) VALUES ('rebuild')`,
      `CREATE TRIGGER organization_invitations_fts_insert AFTER INSERT ON organization_invitations BEGIN
         INSERT INTO organization_invitations_fts (rowid, normalized, id) VALUES (new.rowid, new.normalized, new.id);
       END`,
      `CREATE TRIGGER organization_invitations_fts_delete AFTER DELETE ON organization_invitations BEGIN
         INSERT INTO organization_invitations_fts (organization_invitations_fts, rowid, normalized, id) VALUES ('delete', old.rowid, old.normalized, old.id);
       END`,
      `CREATE TRIGGER organization_invitations_fts_update AFTER UPDATE OF normalized, id ON organization_invitations BEGIN
         INSERT INTO organization_invitations_fts (organization_invitations_fts, rowid, normalized, id) VALUES ('delete', old.rowid, old.normalized, old.id);
         INSERT INTO organization_invitations_fts (rowid, normalized, id) VALUES (new.rowid, new.normalized, new.id);
       END`,
    ]);
  } else {
    await run(db, [
      'CREATE INDEX organization_invitations_normalized_trgm_idx ON organization_invitations USING gin (normalized public.gin_trgm_ops)',
      'CREATE INDEX organization_invitations_id_trgm_idx ON organization_invitations USING gin (id public.gin_trgm_ops)',
    ]);
  }
};

const m0019_users_created_days: Step = async (db, dialect) => {
  const big = dialect === 'postgres' ? 'BIGINT' : 'INTEGER';
  // The UTC day of a creation time: floor(created_at / 86,400,000), written with integer arithmetic that
  // rounds down before 1970 too (both databases' `/` and `%` truncate toward zero).
  const day = '(created_at - ((created_at % 86400000) + 86400000) % 86400000) / 86400000';
  await run(db, [
    // Users by the UTC day of their creation (created-days-repository.ts): a created_at range is counted
    // as the sum of its whole days plus the users of the partial days at its ends, read from the
    // created_at index. Each transaction adds its changes to one of a few slots per day; on SQLite the
    // rows live in the primary key's b-tree, so a range of days is read without a second lookup.
    `CREATE TABLE users_created_days (day INTEGER NOT NULL, slot INTEGER NOT NULL, n ${big} NOT NULL, PRIMARY KEY (day, slot))${dialect === 'sqlite' ? ' WITHOUT ROWID' : ''}`,
    `INSERT INTO users_created_days (day, slot, n) SELECT ${day}, 0, count(*) FROM users GROUP BY ${day}`,
  ]);
};

const STEPS: Record<string, Step> = {
  '0001_init': m0001_init,
  '0002_user_timezone': m0002_user_timezone,
  '0003_access_and_delivery': m0003_access_and_delivery,
  '0004_organizations': m0004_organizations,
  '0005_identification_order': m0005_identification_order,
  '0006_password_compromised': m0006_password_compromised,
  '0007_user_list_orders': m0007_user_list_orders,
  '0008_organization_list_orders': m0008_organization_list_orders,
  '0010_frontend_api': m0010_frontend_api,
  '0011_session_tokens': m0011_session_tokens,
  '0012_email_links': m0012_email_links,
  '0013_handshake_nonces': m0013_handshake_nonces,
  '0014_self_service': m0014_self_service,
  '0015_organization_membership_requests': m0015_organization_membership_requests,
  '0016_users_scale': m0016_users_scale,
  '0017_organizations_scale': m0017_organizations_scale,
  '0018_organization_counts': m0018_organization_counts,
  '0019_users_created_days': m0019_users_created_days,
};

function provider(dialect: DialectName) {
  return {
    async getMigrations(): Promise<Record<string, Migration>> {
      const out: Record<string, Migration> = {};
      for (const [name, step] of Object.entries(STEPS)) out[name] = { up: (db) => step(db, dialect) };
      return out;
    },
  };
}

function migrator(storage: Storage): Migrator {
  return new Migrator({
    db: storage.db as Kysely<unknown> as Kysely<Database> as never,
    provider: provider(storage.dialect),
    migrationTableName: 'latch_migrations',
    migrationLockTableName: 'latch_migrations_lock',
    // Without a schema, Kysely looks for its tables in every schema and can mistake another database
    // user's (or test run's) tables for ours.
    ...(storage.schema ? { migrationTableSchema: storage.schema } : {}),
  });
}

/** Applies every pending migration; throws with the failing migration's cause. */
export async function migrateToLatest(storage: Storage): Promise<string[]> {
  const { error, results } = await migrator(storage).migrateToLatest();
  if (error) throw error instanceof Error ? error : new Error(String(error));
  return (results ?? []).filter((r) => r.status === 'Success').map((r) => r.migrationName);
}

/** True when every known migration has been applied. */
export async function migrationsApplied(storage: Storage): Promise<boolean> {
  const list = await migrator(storage).getMigrations();
  return list.every((m) => m.executedAt !== undefined);
}

/** Applies the migrations up to and including `name` (for tests of a migration over existing rows). */
export async function migrateUpTo(storage: Storage, name: string): Promise<void> {
  const { error } = await migrator(storage).migrateTo(name);
  if (error) throw error instanceof Error ? error : new Error(String(error));
}
