/**
 * Bulk import of users from a file: Clerk's CSV export or JSON lines shaped like `POST /v1/users`.
 *
 * Rows are validated one by one (a bad row becomes a reject with its line number and the reason; the rest
 * goes on), then written in batches, each batch in one transaction that first asks which of its users
 * exist already. A user that exists (same external id, else same primary identifier) is skipped, so
 * running the same file again, or again after an interruption, creates nobody twice. Password digests are
 * stored as given and rehashed at the first successful sign-in; nothing is hashed here. The search text
 * is computed with the same function as every other write, so `query` finds imported users at once.
 */
import { createReadStream, statSync } from 'node:fs';
import { newId } from '@latch/core';
import { ApiError } from '../../../errors.js';
import { type Db, type DialectName, type Tx, transaction, uniqueViolation } from '../../../storage/database.js';
import type { IdentificationTable } from '../../../storage/schema.js';
import { type ImportRows, identifierHolders, insertImported, prepareForImport, refreshAfterImport, takenUsernames, tuneImportTransaction, usersByExternalId } from '../import-repository.js';
import { searchTextOf } from '../repository.js';
import { createCsvParser, createLineSplitter } from './text.js';
import { type ImportUser, RejectedRow, csvColumns, userFromCsv, userFromJsonLine } from './records.js';

export type ImportFormat = 'csv' | 'jsonl';

/** A row that was not imported. `input` is the row as read (CSV: column → value; JSON lines: the text). */
export interface ImportReject {
  line: number;
  reason: string;
  input: unknown;
}

export interface ImportProgress {
  /** Rows read so far (including rejected ones). */
  read: number;
  created: number;
  existing: number;
  rejected: number;
  bytesRead: number;
  totalBytes: number;
  elapsedMs: number;
}

export interface ImportSummary extends ImportProgress {
  format: ImportFormat;
}

export interface ImportDeps {
  db: Db;
  dialect: DialectName;
  /** The instance's sign-up restrictions (allowlist, blocklist …); applied only when `applyRestrictions` is set. */
  admit?: (ids: { emails: string[]; phones: string[]; wallets: string[] }) => Promise<void>;
  now?: () => number;
}

export interface ImportOptions {
  /** Inferred from the file name (`.csv`, `.jsonl`/`.ndjson`/`.json`) or its first character when absent. */
  format?: ImportFormat;
  /** Users per transaction (default 10,000). */
  batchSize?: number;
  /** Refuse rows the instance's allowlist/blocklist would refuse at sign-up (default: off). */
  applyRestrictions?: boolean;
  onProgress?: (p: ImportProgress) => void;
  onReject?: (r: ImportReject) => void;
}

type Outcome = { kind: 'created' } | { kind: 'existing' } | { kind: 'rejected'; reason: string };

interface Pending {
  user: ImportUser;
  input: unknown;
}

/**
 * Large transactions are what makes a large import fast: the indexes written at random places (created_at,
 * names, e-mail addresses, the search index) are written back once per transaction, so 10,000 users share
 * most of those page writes where 1,000 did not. A batch still holds SQLite's write lock for only about a
 * second, well inside the server's busy timeout.
 */
const DEFAULT_BATCH = 10_000;

/** The format a file name or its first bytes suggest. */
export function detectFormat(path: string, head: string): ImportFormat {
  if (/\.csv$/i.test(path)) return 'csv';
  if (/\.(jsonl|ndjson|json)$/i.test(path)) return 'jsonl';
  return head.replace(/^\uFEFF/, '').trimStart().startsWith('{') ? 'jsonl' : 'csv';
}

function readHead(path: string): Promise<string> {
  return new Promise((resolve, reject) => {
    const s = createReadStream(path, { encoding: 'utf8', start: 0, end: 255 });
    let head = '';
    s.on('data', (c) => (head += String(c)));
    s.on('end', () => resolve(head));
    s.on('error', reject);
  });
}

/** Imports the users in the file at `path`; resolves with the counts once every row is handled. */
export async function importUsersFromFile(deps: ImportDeps, path: string, options: ImportOptions = {}): Promise<ImportSummary> {
  const { db, dialect, admit, now = Date.now } = deps;
  const totalBytes = statSync(path).size;
  const format = options.format ?? detectFormat(path, await readHead(path));
  const batchSize = Math.max(1, options.batchSize ?? DEFAULT_BATCH);
  await prepareForImport(db, dialect);
  const started = performance.now();
  const counts = { read: 0, created: 0, existing: 0, rejected: 0 };
  const stream = createReadStream(path, { encoding: 'utf8', highWaterMark: 1 << 20 });
  const progress = (): ImportProgress => ({ ...counts, bytesRead: stream.bytesRead, totalBytes, elapsedMs: performance.now() - started });

  const rejectRow = (line: number, reason: string, input: unknown) => {
    counts.rejected++;
    options.onReject?.({ line, reason, input: typeof input === 'function' ? (input as () => unknown)() : input });
  };

  /** The planned checks and writes of one batch, inside its transaction. */
  async function planAndInsert(tx: Tx, batch: Pending[]): Promise<Outcome[]> {
    await tuneImportTransaction(tx, dialect);
    const users = batch.map((p) => p.user);
    const byExternal = await usersByExternalId(tx, users.flatMap((u) => (u.externalId ? [u.externalId] : [])));
    const holders = await identifierHolders(tx, users.flatMap((u) => u.identifiers));
    const usernames = await takenUsernames(tx, users.flatMap((u) => (u.username ? [u.username] : [])));
    // What earlier rows of this batch claim: a later row with the same key is the same person again.
    const claimedExternal = new Set<string>();
    const claimed = new Map<string, { line: number; externalId: string | null }>();
    const claimedNames = new Map<string, number>();
    const rows: ImportRows = { users: [], identifications: [], passwords: [] };
    const t = now();
    const outcomes: Outcome[] = [];
    for (const u of users) {
      if (u.externalId && (byExternal.has(u.externalId) || claimedExternal.has(u.externalId))) {
        outcomes.push({ kind: 'existing' });
        continue;
      }
      // Matched next by the first identifier (the primary e-mail address, else phone, else wallet), then username.
      const first = u.identifiers.find((i) => i.type === 'email_address') ?? u.identifiers[0];
      const firstKey = first ? `${first.type}:${first.normalized}` : null;
      const holder = firstKey ? (holders.get(firstKey) ?? claimed.get(firstKey)) : undefined;
      if (holder && first) {
        const holderExternal = holder.externalId;
        if (!u.externalId || holderExternal === null || holderExternal === u.externalId) outcomes.push({ kind: 'existing' });
        else outcomes.push({ kind: 'rejected', reason: `${first.value} belongs to another user (external_id ${holderExternal})` });
        continue;
      }
      if (!first && u.username && !u.externalId && (usernames.has(u.username) || claimedNames.has(u.username))) {
        outcomes.push({ kind: 'existing' });
        continue;
      }
      let problem: string | null = null;
      for (const i of u.identifiers) {
        const key = `${i.type}:${i.normalized}`;
        const other = claimed.get(key);
        if (holders.has(key)) problem = `${i.value} belongs to another user`;
        else if (other) problem = `${i.value} is also on line ${other.line}`;
        if (problem) break;
      }
      if (!problem && u.username) {
        const other = claimedNames.get(u.username);
        if (usernames.has(u.username)) problem = `username ${u.username} belongs to another user`;
        else if (other !== undefined) problem = `username ${u.username} is also on line ${other}`;
      }
      if (problem) {
        outcomes.push({ kind: 'rejected', reason: problem });
        continue;
      }
      if (u.externalId) claimedExternal.add(u.externalId);
      for (const i of u.identifiers) claimed.set(`${i.type}:${i.normalized}`, { line: u.line, externalId: u.externalId });
      if (u.username) claimedNames.set(u.username, u.line);
      addRows(rows, u, t);
      outcomes.push({ kind: 'created' });
    }
    await insertImported(tx, dialect, rows);
    return outcomes;
  }

  /**
   * Writes a batch; when a concurrent writer took one of its identifiers meanwhile, retries each half (each
   * half plans again, so it sees that writer's rows), down to the single row that is then rejected: a few
   * transactions more, not one per row of a 10,000-user batch.
   */
  async function writeBatch(batch: Pending[]): Promise<Outcome[]> {
    try {
      return await transaction(db, (tx) => planAndInsert(tx, batch));
    } catch (e) {
      const violation = uniqueViolation(e);
      if (!violation) throw e;
      if (batch.length === 1) return [{ kind: 'rejected', reason: `an identifier was taken by a concurrent write (${violation.detail})` }];
      const half = Math.ceil(batch.length / 2);
      return [...(await writeBatch(batch.slice(0, half))), ...(await writeBatch(batch.slice(half)))];
    }
  }

  let inFlight: Promise<void> = Promise.resolve();
  async function flush(batch: Pending[]): Promise<void> {
    if (!batch.length) return;
    if (options.applyRestrictions && admit) {
      const admitted: Pending[] = [];
      for (const p of batch) {
        const pick = (type: string) => p.user.identifiers.filter((i) => i.type === type).map((i) => i.normalized);
        try {
          await admit({ emails: pick('email_address'), phones: pick('phone_number'), wallets: pick('web3_wallet') });
          admitted.push(p);
        } catch (e) {
          if (!(e instanceof ApiError)) throw e;
          rejectRow(p.user.line, `refused by the instance's restrictions: ${e.message}`, p.input);
        }
      }
      batch = admitted;
    }
    // One batch in flight while the next one is parsed (PostgreSQL works in its own process meanwhile).
    await inFlight;
    const current = batch;
    inFlight = writeBatch(current).then((outcomes) => {
      outcomes.forEach((o, i) => {
        if (o.kind === 'created') counts.created++;
        else if (o.kind === 'existing') counts.existing++;
        else rejectRow((current[i] as Pending).user.line, o.reason, (current[i] as Pending).input);
      });
      options.onProgress?.(progress());
    });
    // Awaited before the next batch (and at the end); until then a failure must not count as unhandled.
    inFlight.catch(() => undefined);
  }

  let batch: Pending[] = [];
  const take = async (line: number, input: unknown, parse: () => ImportUser) => {
    counts.read++;
    try {
      batch.push({ user: parse(), input });
    } catch (e) {
      if (!(e instanceof RejectedRow)) throw e;
      rejectRow(line, e.message, input);
    }
    if (batch.length >= batchSize) {
      const full = batch;
      batch = [];
      await flush(full);
    }
  };

  try {
    if (format === 'csv') {
      const csv = createCsvParser();
      let columns: Map<string, number> | null = null;
      let header: string[] = [];
      const handle = async (records: ReturnType<typeof csv.push>) => {
        for (const r of records) {
          if (!columns) {
            columns = csvColumns(r.fields);
            header = r.fields.map((h) => h.trim());
            continue;
          }
          const cols = columns;
          // The row as column → value, built only if it is rejected (most rows never are).
          const input = () => Object.fromEntries(r.fields.map((f, i) => [header[i] ?? `column_${i + 1}`, f]));
          await take(r.line, input, () => userFromCsv(r.line, r.fields, cols, header.length));
        }
      };
      for await (const chunk of stream) await handle(csv.push(chunk as string));
      try {
        await handle(csv.end());
      } catch (e) {
        if (e instanceof RejectedRow || !(e instanceof Error) || !/quoted field/.test(e.message)) throw e;
        rejectRow(Number(/line (\d+)/.exec(e.message)?.[1] ?? 0), e.message.replace(/^line \d+: /, ''), null);
      }
    } else {
      const lines = createLineSplitter();
      const handle = async (list: ReturnType<typeof lines.push>) => {
        for (const l of list) await take(l.line, l.text, () => userFromJsonLine(l.line, l.text));
      };
      for await (const chunk of stream) await handle(lines.push(chunk as string));
      await handle(lines.end());
    }
    await flush(batch);
    await inFlight;
  } finally {
    stream.destroy();
    // Let a failed batch's rejection surface from the await above rather than as an unhandled one here.
    await inFlight.catch(() => undefined);
  }
  if (counts.created > 0) await refreshAfterImport(db, dialect);
  return { ...progress(), format };
}

function addRows(rows: ImportRows, u: ImportUser, t: number): void {
  const createdAt = u.createdAt ?? t;
  const id = newId('user', createdAt);
  const identifications: IdentificationTable[] = u.identifiers.map((i) => ({
    id: newId('idn', t),
    user_id: id,
    type: i.type,
    value: i.value,
    normalized: i.normalized,
    status: i.status,
    strategy: i.status === 'verified' ? 'admin' : 'none',
    reserved_for_second_factor: 0,
    default_second_factor: 0,
    is_primary: 0,
    created_at: t,
    updated_at: t,
  }));
  // The first identifier of each kind is the primary one.
  const markPrimary = (type: IdentificationTable['type']) => {
    const first = identifications.find((i) => i.type === type);
    if (first) first.is_primary = 1;
    return first?.id ?? null;
  };
  const searchText = searchTextOf({ id, username: u.username, first_name: u.firstName, last_name: u.lastName }, identifications);
  // One object literal with every column (no spread: an object built by spreading and then adding thirty
  // properties falls back to a slow dictionary representation, a cost paid per user).
  rows.users.push({
    id,
    username: u.username,
    first_name: u.firstName,
    last_name: u.lastName,
    external_id: u.externalId,
    username_normalized: u.username,
    locale: u.locale,
    timezone: u.timezone,
    primary_email_address_id: markPrimary('email_address'),
    primary_phone_number_id: markPrimary('phone_number'),
    primary_web3_wallet_id: markPrimary('web3_wallet'),
    public_metadata: JSON.stringify(u.publicMetadata),
    private_metadata: JSON.stringify(u.privateMetadata),
    unsafe_metadata: JSON.stringify(u.unsafeMetadata),
    image_id: null,
    banned: u.banned ? 1 : 0,
    locked: u.locked ? 1 : 0,
    locked_at: u.locked ? t : null,
    delete_self_enabled: u.deleteSelfEnabled ? 1 : 0,
    create_organization_enabled: u.createOrganizationEnabled ? 1 : 0,
    create_organizations_limit: u.createOrganizationsLimit,
    legal_accepted_at: u.legalAcceptedAt,
    last_sign_in_at: null,
    last_active_at: null,
    bypass_client_trust: u.bypassClientTrust ? 1 : 0,
    totp_secret: u.totpSecret,
    pending_totp_secret: null,
    backup_codes: u.backupCodes?.length ? JSON.stringify(u.backupCodes) : null,
    mfa_enabled_at: u.totpSecret || u.backupCodes?.length ? t : null,
    mfa_disabled_at: null,
    password_compromised_at: null,
    search_text: searchText,
    created_at: createdAt,
    updated_at: t,
  });
  rows.identifications.push(...identifications);
  if (u.password) rows.passwords.push({ user_id: id, digest: u.password.digest, hasher: u.password.hasher, updated_at: t });
}
