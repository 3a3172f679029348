/**
 * Import records → validated users ready to insert. Two sources: the CSV Clerk's dashboard exports and
 * JSON lines shaped like the `POST /v1/users` body (plus an optional `id`, the user's id in the old
 * system). Everything that can be checked without the database is checked here, with the same rules the
 * Backend API applies (identifier formats, digest shapes, metadata size, TOTP secrets, time zones), so a
 * bad row is rejected with a reason before any write. Password digests are kept exactly as given.
 */
import type { Metadata } from '@latch/core';
import { type PasswordHasher, isPasswordHasher, isValidDigest } from '../../../crypto/passwords.js';
import { ApiError } from '../../../errors.js';
import { parseOrThrow } from '../../../http/validation.js';
import type { IdentificationStatus, IdentificationType } from '../../../storage/schema.js';
import { normalizeEmail, normalizePhone, normalizeUsername, normalizeWeb3Wallet } from '../../identifiers/normalize.js';
import { assertMetadataSize } from '../../metadata/metadata.js';
import { CreateUserBody } from '../bapi.js';

/** One identifier of an imported user; the first of each type becomes primary. */
export interface ImportIdentifier {
  type: IdentificationType;
  value: string;
  normalized: string;
  status: IdentificationStatus;
}

/** A user the importer may create: validated, normalized, not yet matched against the database. */
export interface ImportUser {
  line: number;
  externalId: string | null;
  username: string | null;
  firstName: string | null;
  lastName: string | null;
  locale: string | null;
  timezone: string | null;
  identifiers: ImportIdentifier[];
  password: { digest: string; hasher: PasswordHasher } | null;
  totpSecret: string | null;
  backupCodes: string[] | null;
  publicMetadata: Metadata;
  privateMetadata: Metadata;
  unsafeMetadata: Metadata;
  banned: boolean;
  locked: boolean;
  deleteSelfEnabled: boolean;
  createOrganizationEnabled: boolean;
  createOrganizationsLimit: number | null;
  legalAcceptedAt: number | null;
  bypassClientTrust: boolean;
  createdAt: number | null;
}

/** A row that cannot be imported, and why. */
export class RejectedRow extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'RejectedRow';
  }
}

function reject(message: string): never {
  throw new RejectedRow(message);
}

const NORMALIZE: Record<IdentificationType, (v: string) => string | null> = {
  email_address: normalizeEmail,
  phone_number: normalizePhone,
  web3_wallet: normalizeWeb3Wallet,
};

const LABEL: Record<IdentificationType, string> = { email_address: 'e-mail address', phone_number: 'phone number', web3_wallet: 'web3 wallet' };

function identifiers(type: IdentificationType, values: { value: string; status: IdentificationStatus }[], seen: Set<string>): ImportIdentifier[] {
  const out: ImportIdentifier[] = [];
  for (const { value, status } of values) {
    const normalized = NORMALIZE[type](value);
    if (normalized === null) reject(`${value} is not a valid ${LABEL[type]}`);
    const key = `${type}:${normalized}`;
    if (seen.has(key)) continue;
    seen.add(key);
    out.push({ type, value: type === 'phone_number' ? normalized : value.trim(), normalized, status });
  }
  return out;
}

function checkUsername(raw: string | null | undefined): string | null {
  if (!raw) return null;
  const n = normalizeUsername(raw);
  if (n === null) reject(`username ${raw} is not 4 to 64 characters of letters, digits, "_", "-" and "."`);
  return n;
}

function checkPassword(digest: string | null | undefined, hasher: string | null | undefined): ImportUser['password'] {
  if (!digest && !hasher) return null;
  if (!digest) reject('password_hasher is given without password_digest');
  if (!hasher) reject('password_digest is given without password_hasher');
  if (!isPasswordHasher(hasher)) reject(`password_hasher ${hasher} is not supported`);
  if (!isValidDigest(hasher, digest)) reject(`password_digest is not a valid ${hasher} digest`);
  return { digest, hasher };
}

function checkTotp(secret: string | null | undefined): string | null {
  if (!secret) return null;
  const s = secret.replace(/\s/g, '').toUpperCase();
  if (!/^[A-Z2-7]{16,128}=*$/.test(s)) reject('totp_secret must be a base32 string of at least 16 characters');
  return s;
}

const knownZones = new Set<string>();
function checkTimezone(tz: string | null | undefined): string | null {
  if (!tz) return null;
  if (knownZones.has(tz)) return tz;
  try {
    new Intl.DateTimeFormat('en', { timeZone: tz });
  } catch {
    reject(`${tz} is not a known IANA time zone`);
  }
  knownZones.add(tz);
  return tz;
}

const BCRYPT = /^\$2[aby]\$\d{2}\$.{53}$/;

function metadata(kind: string, value: Metadata | undefined | null): Metadata {
  const v = value ?? {};
  try {
    assertMetadataSize(kind, v);
  } catch (e) {
    if (e instanceof ApiError) reject(e.message);
    throw e;
  }
  return v;
}

function emptyUser(line: number): ImportUser {
  return {
    line,
    externalId: null,
    username: null,
    firstName: null,
    lastName: null,
    locale: null,
    timezone: null,
    identifiers: [],
    password: null,
    totpSecret: null,
    backupCodes: null,
    publicMetadata: {},
    privateMetadata: {},
    unsafeMetadata: {},
    banned: false,
    locked: false,
    deleteSelfEnabled: true,
    createOrganizationEnabled: true,
    createOrganizationsLimit: null,
    legalAcceptedAt: null,
    bypassClientTrust: false,
    createdAt: null,
  };
}

function text(s: string | undefined): string | null {
  const v = s?.trim();
  return v ? v : null;
}

function limited(name: string, value: string | null, max: number): string | null {
  if (value !== null && value.length > max) reject(`${name} is longer than ${max} characters`);
  return value;
}

// ---- Clerk's CSV export ----

/** The columns of Clerk's dashboard export that the importer reads (others are ignored). */
export const CLERK_CSV_COLUMNS = [
  'id',
  'first_name',
  'last_name',
  'username',
  'primary_email_address',
  'primary_phone_number',
  'verified_email_addresses',
  'unverified_email_addresses',
  'verified_phone_numbers',
  'unverified_phone_numbers',
  'totp_secret',
  'password_digest',
  'password_hasher',
  // Not in Clerk's export, accepted when a file has them.
  'external_id',
] as const;

/** A list cell: `a|b`, `a,b`, `a; b` or a JSON array. */
function listCell(s: string | undefined): string[] {
  const v = s?.trim();
  if (!v) return [];
  if (v.startsWith('[')) {
    try {
      const parsed: unknown = JSON.parse(v);
      if (Array.isArray(parsed)) return parsed.filter((x): x is string => typeof x === 'string' && x.trim() !== '');
    } catch {
      // Not JSON: split it like any other list.
    }
  }
  return v.split(/[|,;]/).map((x) => x.trim()).filter(Boolean);
}

/** Maps the header row to column positions; throws when it is not a Clerk-style export. */
export function csvColumns(header: string[]): Map<string, number> {
  const map = new Map<string, number>();
  header.forEach((name, i) => map.set(name.trim().toLowerCase(), i));
  const known = CLERK_CSV_COLUMNS.filter((c) => map.has(c));
  if (!known.length || !(map.has('id') || map.has('primary_email_address') || map.has('external_id'))) {
    throw new Error(`the header row has none of the expected columns (${CLERK_CSV_COLUMNS.join(', ')})`);
  }
  return map;
}

/** One CSV record → an import user, or a RejectedRow. */
export function userFromCsv(line: number, fields: string[], columns: Map<string, number>, width: number): ImportUser {
  if (fields.length !== width) reject(`expected ${width} fields as in the header, found ${fields.length}`);
  const get = (name: string) => {
    const i = columns.get(name);
    return i === undefined ? undefined : fields[i];
  };
  const u = emptyUser(line);
  u.externalId = limited('external_id', text(get('external_id')) ?? text(get('id')), 256);
  u.firstName = limited('first_name', text(get('first_name')), 256);
  u.lastName = limited('last_name', text(get('last_name')), 256);
  u.username = checkUsername(text(get('username')));
  const seen = new Set<string>();
  for (const [type, primary, verified, unverified] of [
    ['email_address', 'primary_email_address', 'verified_email_addresses', 'unverified_email_addresses'],
    ['phone_number', 'primary_phone_number', 'verified_phone_numbers', 'unverified_phone_numbers'],
  ] as const) {
    const v = listCell(get(verified));
    const un = listCell(get(unverified));
    const p = text(get(primary));
    const norm = NORMALIZE[type];
    const unverifiedSet = new Set(un.map((x) => norm(x) ?? x));
    const ordered: { value: string; status: IdentificationStatus }[] = [];
    if (p) ordered.push({ value: p, status: unverifiedSet.has(norm(p) ?? p) ? 'unverified' : 'verified' });
    for (const x of v) ordered.push({ value: x, status: 'verified' });
    for (const x of un) ordered.push({ value: x, status: 'unverified' });
    u.identifiers.push(...identifiers(type, ordered, seen));
  }
  u.totpSecret = checkTotp(text(get('totp_secret')));
  u.password = checkPassword(text(get('password_digest')), text(get('password_hasher')));
  return u;
}

// ---- JSON lines in the shape of POST /v1/users ----


/** One JSON line → an import user, or a RejectedRow. `id` is the user's id in the old system. */
export function userFromJsonLine(line: number, raw: string): ImportUser {
  let value: unknown;
  try {
    value = JSON.parse(raw);
  } catch (e) {
    reject(`not valid JSON: ${(e as Error).message}`);
  }
  if (typeof value !== 'object' || value === null || Array.isArray(value)) reject('a line must be a JSON object');
  const { id: oldId, ...rest } = value as Record<string, unknown>;
  if (oldId !== undefined && oldId !== null && typeof oldId !== 'string') reject('id must be a string');
  let body;
  try {
    body = parseOrThrow(CreateUserBody, rest, 'body');
  } catch (e) {
    if (e instanceof ApiError) reject(e.details.map((d) => d.longMessage ?? d.message ?? d.code).join('; '));
    throw e;
  }
  if (body.password) reject('plain-text passwords are not imported: give password_digest and password_hasher');
  const u = emptyUser(line);
  u.externalId = body.external_id ?? (typeof oldId === 'string' && oldId.trim() ? oldId.trim() : null);
  u.firstName = body.first_name ?? null;
  u.lastName = body.last_name ?? null;
  u.locale = body.locale ?? null;
  u.timezone = checkTimezone(body.timezone);
  u.username = checkUsername(body.username);
  const seen = new Set<string>();
  const statuses = (values: string[] | undefined, given: ('verified' | 'reserved')[] | undefined, name: string) => {
    if (given?.length && given.length !== (values?.length ?? 0)) reject(`${name}_identification_status must have exactly one item per ${name}`);
    return (values ?? []).map((value, i) => ({ value, status: (given?.[i] ?? 'verified') as IdentificationStatus }));
  };
  u.identifiers.push(
    ...identifiers('email_address', statuses(body.email_address, body.email_address_identification_status, 'email_address'), seen),
    ...identifiers('phone_number', statuses(body.phone_number, body.phone_number_identification_status, 'phone_number'), seen),
    ...identifiers('web3_wallet', statuses(body.web3_wallet, undefined, 'web3_wallet'), seen),
  );
  u.password = checkPassword(body.password_digest, body.password_hasher);
  u.totpSecret = checkTotp(body.totp_secret);
  if (body.backup_codes?.length) {
    if (!body.backup_codes.every((c) => BCRYPT.test(c))) reject('backup_codes must be bcrypt digests when imported');
    u.backupCodes = body.backup_codes;
  }
  u.publicMetadata = metadata('public_metadata', body.public_metadata as Metadata | undefined);
  u.privateMetadata = metadata('private_metadata', body.private_metadata as Metadata | undefined);
  u.unsafeMetadata = metadata('unsafe_metadata', body.unsafe_metadata as Metadata | undefined);
  u.banned = body.banned === true;
  u.locked = body.locked === true;
  u.deleteSelfEnabled = body.delete_self_enabled !== false;
  u.createOrganizationEnabled = body.create_organization_enabled !== false;
  u.createOrganizationsLimit = body.create_organizations_limit ?? null;
  u.legalAcceptedAt = body.legal_accepted_at ?? null;
  u.bypassClientTrust = body.bypass_client_trust === true;
  u.createdAt = body.created_at ?? null;
  return u;
}
