/**
 * How a user search term is looked up in the trigram index: SQLite's `users_fts` (FTS5, trigram tokenizer)
 * or PostgreSQL's `users_search_trgm_idx` (pg_trgm GIN).
 *
 * Both answer a substring by intersecting the entries of every trigram of it, and a trigram most users
 * share (the `use` of `user…@`, the `555` of a phone prefix, a common domain) costs as much as its entry
 * list is long, even when the term as a whole matches one user. At a million users `user123456@` takes
 * ~10 ms in FTS5 and ~15 ms in pg_trgm, where its rarest part `r123456@` takes 0.4 ms and 1.5 ms and finds
 * the same user. So the term is looked up by its rarest run of trigrams, and the few candidates are checked
 * for the whole term. When even its rarest trigram is held by a large share of the users, reading every
 * user's text beats the index (SQLite; PostgreSQL's planner makes that choice itself).
 *
 * How common a trigram is comes from a random sample of the users' search texts, taken once per
 * PROFILE_TTL per database and kept in memory (a few hundred kB). The plan only chooses the lookup: every
 * result is checked against the whole term, so a stale or unlucky sample costs time, never a wrong answer.
 */
import { type Kysely, sql } from 'kysely';
import type { DialectName } from '../../storage/database.js';
import type { Database } from '../../storage/schema.js';

/** For each search term, how it is looked up (see `TermPlan`). */
export type SearchPlan = ReadonlyMap<string, TermPlan>;

export interface TermPlan {
  /** The piece to look up in the index (the whole term, or its rarest run of trigrams), or null to read every text. */
  piece: string | null;
  /** Estimated users holding the term's rarest trigram: at least as many as match the term. */
  docs: number;
}

/** Search texts in a sample. */
const PROFILE_ROWS = 2000;
/** How long a sample serves before it is taken again (in the background; the old one serves meanwhile). */
const PROFILE_TTL = 5 * 60_000;
/** A run of trigrams grows by a neighbour held by at most this many times the rarest one's users… */
const RUN_GROWTH = 4;
/** …or by at most this share of the users, cheap whatever the rarest one's (and a sample of PROFILE_ROWS
 * tells shares this small apart only roughly, so a run should not stop at one of them). */
const RUN_SMALL_SHARE = 0.02;
/** Above this share of the users for the rarest trigram, every user's text is read instead (SQLite). */
const SCAN_SHARE = 1 / 3;
/** Trigrams weighed per term at most (evenly spread over a long term). */
const MAX_TRIGRAMS = 16;

/** The trigrams of a term as both indexes cut them: every run of three characters. */
function trigramsOf(term: string): string[] {
  const chars = Array.from(term);
  const out: string[] = [];
  for (let i = 0; i + 3 <= chars.length; i++) out.push(chars.slice(i, i + 3).join(''));
  return out;
}

/**
 * The piece of `term` to look up: its rarest trigram, grown by neighbours while they stay cheap; null when
 * the rarest trigram is held by more than SCAN_SHARE of the users. `share` gives each trigram's share of
 * the users (0…1), `users` their number.
 */
export function rarestRun(term: string, share: (trigram: string) => number, users: number): TermPlan {
  const size = trigramsOf(term).map(share);
  let r = 0;
  for (let i = 1; i < size.length; i++) if (size[i]! < size[r]!) r = i;
  const docs = Math.ceil(size[r]! * users);
  if (size[r]! > SCAN_SHARE) return { piece: null, docs };
  const cap = Math.max(RUN_SMALL_SHARE, size[r]! * RUN_GROWTH);
  let lo = r;
  let hi = r;
  while (true) {
    const left = lo > 0 ? size[lo - 1]! : Infinity;
    const right = hi < size.length - 1 ? size[hi + 1]! : Infinity;
    if (Math.min(left, right) > cap) break;
    if (left <= right) lo--;
    else hi++;
  }
  return { piece: Array.from(term).slice(lo, hi + 3).join(''), docs };
}

/** Trigrams worth weighing for a term: all of a short one, an even spread of a long one's. */
function sampled(term: string): Set<string> {
  const grams = trigramsOf(term);
  if (grams.length <= MAX_TRIGRAMS) return new Set(grams);
  const step = grams.length / MAX_TRIGRAMS;
  return new Set(Array.from({ length: MAX_TRIGRAMS }, (_, i) => grams[Math.floor(i * step)]!));
}

/** A sample of search texts, and how many of them hold each trigram asked so far. */
interface Profile {
  at: number;
  texts: string[];
  counts: Map<string, number>;
}

/** Per database handle: its current sample and the one being taken. */
const profiles = new WeakMap<object, { current?: Profile; taking?: Promise<Profile | null> }>();

/**
 * Random search texts: on SQLite by random rowids between the smallest and the largest (one statement);
 * on PostgreSQL by TABLESAMPLE SYSTEM, whole pages at random, which reads a few hundred pages at most.
 */
async function takeSample(db: Kysely<Database>, dialect: DialectName, users: number): Promise<string[]> {
  if (users === 0) return [];
  if (dialect === 'sqlite') {
    const { rows: [span] } = await sql<{ lo: number | null; hi: number | null }>`SELECT min(rowid) AS lo, max(rowid) AS hi FROM users`.execute(db);
    if (!span || span.lo === null || span.hi === null) return [];
    const { lo, hi } = span;
    const ids = new Set<number>();
    const want = Math.min(PROFILE_ROWS, hi - lo + 1);
    while (ids.size < want) ids.add(lo + Math.floor(Math.random() * (hi - lo + 1)));
    const { rows } = await sql<{ t: string }>`SELECT search_text AS t FROM users WHERE rowid IN (${sql.join([...ids])})`.execute(db);
    return rows.map((r) => r.t);
  }
  const percent = Math.min(100, ((PROFILE_ROWS * 1.2) / users) * 100);
  const { rows } = await sql<{ t: string }>`SELECT search_text AS t FROM users TABLESAMPLE SYSTEM (${sql.lit(percent)}) LIMIT ${PROFILE_ROWS}`.execute(db);
  return rows.map((r) => r.t);
}

/** The sample for `db`: taken on first use, retaken after PROFILE_TTL; null while none could be taken. */
async function profileOf(db: Kysely<Database>, dialect: DialectName, users: number): Promise<Profile | null> {
  let entry = profiles.get(db);
  if (!entry) profiles.set(db, (entry = {}));
  const e = entry;
  if (!e.taking && (!e.current || Date.now() - e.current.at > PROFILE_TTL)) {
    e.taking = takeSample(db, dialect, users)
      .then((texts): Profile => (e.current = { at: Date.now(), texts, counts: new Map() }))
      // A failed sample (a dropped connection, say) leaves the search unplanned, not failed.
      .catch(() => null)
      .finally(() => (e.taking = undefined));
  }
  return e.current ?? (await e.taking) ?? null;
}

/** The share of the sample holding `trigram`, with half a text's worth for one none holds. */
function shareIn(p: Profile, trigram: string): number {
  let n = p.counts.get(trigram);
  if (n === undefined) {
    n = 0;
    for (const t of p.texts) if (t.includes(trigram)) n++;
    p.counts.set(trigram, n);
  }
  return (n + 0.5) / p.texts.length;
}

/**
 * The plan for these search terms (lower-cased, as `searchTerms` gives them). Terms shorter than three
 * characters have no trigram and are left out; so is every term while no sample of the users exists.
 */
export async function planSearch(db: Kysely<Database>, dialect: DialectName, terms: string[], userCount: () => Promise<number>): Promise<SearchPlan> {
  const plan = new Map<string, TermPlan>();
  const indexed = terms.filter((t) => Array.from(t).length >= 3);
  if (!indexed.length) return plan;
  const users = await userCount();
  const profile = await profileOf(db, dialect, users);
  if (!profile || profile.texts.length < 100) return plan;
  for (const t of indexed) {
    const weighed = sampled(t);
    // Trigrams not weighed (between the samples of a long term) count as common, so a run never spans them.
    plan.set(t, rarestRun(t, (g) => (weighed.has(g) ? shareIn(profile, g) : 1), users));
  }
  return plan;
}
