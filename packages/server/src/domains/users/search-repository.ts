/**
 * How a user search is looked up in SQLite's trigram index (`users_fts`, FTS5 with the trigram tokenizer).
 *
 * FTS5 answers a phrase by walking the document lists of all its trigrams together, and a trigram that
 * most users share (`use` of `user…@`, the `555` of a phone prefix, a common domain) costs as much as its
 * list is long, even when the phrase as a whole matches one user: at a million users `"user77@"` takes
 * ~10 ms where `"r77@"` (the same user, its rarest trigrams only) takes 0.4 ms. So before a search, the
 * size of each trigram's list is estimated, the term is looked up by its rarest run of trigrams, and the
 * few candidates are checked for the whole term. When even the rarest trigram is held by a large share of
 * the users, reading every user's text is cheaper than the index, and the plan says so.
 *
 * The estimate reads FTS5's own page directory (`users_fts_idx`: per segment, the first term of each leaf
 * page and that page's number), so the leaf pages between a term's entry and the next one bound its list:
 * two index seeks per segment. It only chooses how to look up; every result is still checked against the
 * whole term, so a wrong estimate costs time, never a wrong answer.
 */
import { type Kysely, sql } from 'kysely';
import type { Database } from '../../storage/schema.js';

/**
 * For each search term, what narrows it down in the trigram index: a piece of the term (its rarest run of
 * trigrams) whose matches are then checked for the whole term, or null when the term is so common that
 * reading every user's search text is cheaper than the index.
 */
export type SearchPlan = ReadonlyMap<string, TermPlan>;

export interface TermPlan {
  /** The piece to look up in the index (the whole term, or its rarest run of trigrams), or null to read every text. */
  piece: string | null;
  /** Estimated users holding the piece's rarest trigram: at least as many as match the term. */
  docs: number;
}

/** Documents per leaf page of a trigram's list, measured at a million users (one position each). */
const DOCS_PER_PAGE = 450;
/** A run of trigrams grows by a neighbour whose list is at most this many times the rarest one's… */
const RUN_GROWTH = 4;
/** …or at most this many pages, which cost little whatever the rarest one's. */
const RUN_SMALL_PAGES = 8;
/** Above this share of all users for the rarest trigram, every user's text is read instead. */
const SCAN_SHARE = 1 / 3;
/** Trigrams estimated per term at most (evenly spread over a long term). */
const MAX_TRIGRAMS = 16;

/** The trigrams of a term as FTS5's trigram tokenizer cuts them: every run of three characters. */
function trigramsOf(term: string): string[] {
  const chars = Array.from(term);
  const out: string[] = [];
  for (let i = 0; i + 3 <= chars.length; i++) out.push(chars.slice(i, i + 3).join(''));
  return out;
}

/** Leaf pages each trigram's document list spans in `users_fts`, summed over the index's segments. */
async function trigramPages(db: Kysely<Database>, trigrams: string[]): Promise<Map<string, number>> {
  if (!trigrams.length) return new Map();
  // Terms of the main index are stored with a leading '0' byte (prefix indexes use other bytes).
  const keys = trigrams.map((t) => sql`(${Buffer.from(`0${t}`, 'utf8')})`);
  const { rows } = await sql<{ k: Buffer; pages: number | null }>`
    WITH RECURSIVE seg(id) AS (
      SELECT min(segid) FROM users_fts_idx
      UNION ALL SELECT (SELECT min(segid) FROM users_fts_idx WHERE segid > seg.id) FROM seg WHERE seg.id IS NOT NULL
    ),
    t(k) AS (VALUES ${sql.join(keys)}),
    bounds AS (
      SELECT t.k AS k,
        (SELECT i.pgno FROM users_fts_idx i WHERE i.segid = seg.id AND i.term <= t.k ORDER BY i.term DESC LIMIT 1) AS first,
        (SELECT i.pgno FROM users_fts_idx i WHERE i.segid = seg.id AND i.term > t.k ORDER BY i.term LIMIT 1) AS next
      FROM t, seg WHERE seg.id IS NOT NULL
    )
    SELECT k, sum(CASE WHEN first IS NULL THEN 0 ELSE coalesce(next, first + 1) - first END) AS pages FROM bounds GROUP BY k
  `.execute(db);
  const out = new Map<string, number>();
  for (const r of rows) out.set(Buffer.from(r.k).toString('utf8').slice(1), Math.max(1, Number(r.pages ?? 0)));
  return out;
}

/**
 * The piece of `term` to look up: the rarest trigram, grown by its neighbours while they stay cheap; null
 * when the rarest trigram is held by more than SCAN_SHARE of `users` users.
 */
export function rarestRun(term: string, pages: ReadonlyMap<string, number>, users: number): TermPlan {
  const grams = trigramsOf(term);
  const size = grams.map((g) => pages.get(g) ?? 1);
  let r = 0;
  for (let i = 1; i < size.length; i++) if (size[i]! < size[r]!) r = i;
  const docs = size[r]! * DOCS_PER_PAGE;
  if (docs > users * SCAN_SHARE) return { piece: null, docs };
  const cap = Math.max(RUN_SMALL_PAGES, size[r]! * RUN_GROWTH);
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

/** Trigrams worth estimating for a term: all of a short one, an even spread of a long one's. */
function sampled(term: string): string[] {
  const grams = trigramsOf(term);
  if (grams.length <= MAX_TRIGRAMS) return grams;
  const step = grams.length / MAX_TRIGRAMS;
  return Array.from({ length: MAX_TRIGRAMS }, (_, i) => grams[Math.floor(i * step)]!);
}

/**
 * The plan for these search terms (lower-cased, as `searchTerms` gives them): one statement for the
 * trigram estimates, and the number of users (asked only when some term is indexed).
 */
export async function planSearch(db: Kysely<Database>, terms: string[], userCount: () => Promise<number>): Promise<SearchPlan> {
  const indexed = terms.filter((t) => Array.from(t).length >= 3);
  const plan = new Map<string, TermPlan>();
  if (!indexed.length) return plan;
  const grams = [...new Set(indexed.flatMap(sampled))];
  const [pages, users] = await Promise.all([trigramPages(db, grams), userCount()]);
  // Trigrams not estimated (between the samples of a long term) count as common, so a run never spans them.
  const known = new Map(pages);
  for (const t of indexed) {
    for (const g of trigramsOf(t)) if (!known.has(g)) known.set(g, Number.MAX_SAFE_INTEGER / DOCS_PER_PAGE / 2);
    plan.set(t, rarestRun(t, known, users));
  }
  return plan;
}
