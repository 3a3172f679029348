/**
 * Test data for the benchmarks: deterministic people (names, e-mail, some phones and usernames, a little
 * metadata, no passwords) and selective `query` values that match a handful of them.
 */

import { performance } from 'node:perf_hooks';

/** Deterministic PRNG (mulberry32) so every run loads the same people. */
export function prng(seed) {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

/** Given names and family names the generated people draw from (shared with bench/scale-data.mjs). */
export const FIRST = `James Mary Robert Patricia John Jennifer Michael Linda David Elizabeth William Barbara Richard Susan
Joseph Jessica Thomas Sarah Charles Karen Daniel Lisa Matthew Nancy Anthony Betty Mark Sandra Donald Ashley Steven
Emily Paul Donna Andrew Michelle Joshua Carol Kenneth Amanda Kevin Melissa Brian Deborah George Stephanie Timothy
Rebecca Ronald Sharon Jason Laura Aiko Mateo Sofia Lucas Chloe Ravi Priya Omar Fatima Lars Ingrid Yusuf`.split(/\s+/);
export const LAST = `Smith Johnson Williams Brown Jones Garcia Miller Davis Rodriguez Martinez Hernandez Lopez Gonzalez Wilson
Anderson Thomas Taylor Moore Jackson Martin Lee Perez Thompson White Harris Sanchez Clark Ramirez Lewis Robinson Walker
Young Allen King Wright Scott Torres Nguyen Hill Flores Green Adams Nelson Baker Hall Rivera Campbell Mitchell Carter
Roberts Gomez Phillips Evans Turner Diaz Parker Cruz Edwards Collins Reyes Stewart Morris Morales Murphy Cook Rogers
Gutierrez Ortiz Morgan Cooper Peterson Bailey Reed Kelly Howard Ramos Kim Cox Ward Richardson Tanaka Okafor Novak
Lindqvist Haddad Kowalski Fischer Rossi Dubois`.split(/\s+/);
const DOMAINS = ['example.com', 'mail.example.org', 'corp.example.net', 'example.io'];
const PLANS = ['free', 'free', 'free', 'pro', 'team', 'enterprise'];
const SOURCES = ['organic', 'ads', 'referral', 'partner'];

/** The people to load: what the service gets, plus the text `query` searches (to pick selective queries). */
export function makePeople(n) {
  const rnd = prng(20251110);
  const pick = (list) => list[Math.floor(rnd() * list.length)];
  const emails = new Set();
  const usernames = new Set();
  const people = [];
  const year = 365 * 24 * 3600 * 1000;
  const start = Date.UTC(2025, 0, 1);
  for (let i = 0; i < n; i++) {
    const first = pick(FIRST);
    const last = pick(LAST);
    let email;
    do email = `${first}.${last}${Math.floor(rnd() * 1000)}@${pick(DOMAINS)}`.toLowerCase();
    while (emails.has(email));
    emails.add(email);
    let username = null;
    if (rnd() < 0.6) {
      do username = `${first[0]}${last}${Math.floor(rnd() * 10000)}`.toLowerCase();
      while (usernames.has(username));
      usernames.add(username);
    }
    const phone = rnd() < 0.3 ? `+1555${String(i).padStart(7, '0')}` : null;
    const input = {
      firstName: first,
      lastName: last,
      emailAddresses: [email],
      phoneNumbers: phone ? [phone] : [],
      username,
      createdAt: start + Math.floor(rnd() * year),
      publicMetadata: { plan: pick(PLANS), onboarded: rnd() < 0.7 },
      privateMetadata: rnd() < 0.5 ? { billing: { customer: `cus_${Math.floor(rnd() * 1e12).toString(36)}`, seats: 1 + Math.floor(rnd() * 20) } } : {},
      unsafeMetadata: rnd() < 0.2 ? { theme: rnd() < 0.5 ? 'dark' : 'light' } : {},
    };
    if (rnd() < 0.1) input.publicMetadata.source = pick(SOURCES);
    people.push(input);
  }
  return people;
}

/** Same fields, same lower-casing as the server's search text (id, username, names, identifiers). */
export function searchTextOf(id, p) {
  return [id, p.username ?? '', p.firstName, p.lastName, ...p.emailAddresses, ...p.phoneNumbers].join('\n').toLowerCase();
}

/**
 * Selective, realistic `query` values: "first.last" e-mail local-part fragments and "last<digits>"
 * fragments, kept only when they match 1-10 users (counted here over the same text the server searches).
 */
export function pickQueries(people, ids, count) {
  const texts = people.map((p, i) => searchTextOf(ids[i], p));
  const rnd = prng(7);
  const seen = new Set();
  const out = [];
  for (let tries = 0; out.length < count && tries < count * 20; tries++) {
    const p = people[Math.floor(rnd() * people.length)];
    const local = p.emailAddresses[0].split('@')[0];
    const q = rnd() < 0.6 ? local.replace(/\d+$/, '') : local.slice(local.indexOf('.') + 1, -1); // "mary.lee" | "lee4" (last name + leading digits)
    if (q.length < 3 || seen.has(q)) continue;
    seen.add(q);
    let matches = 0;
    for (const t of texts) if (t.includes(q)) matches++;
    if (matches >= 1 && matches <= 10) out.push({ q, matches });
  }
  return out;
}

/** Loads people through the users service, in order; returns their ids and the time it took. */
export async function loadPeople(users, people) {
  const t0 = performance.now();
  const ids = [];
  for (const p of people) ids.push((await users.create(p)).user.id);
  return { ids, ms: performance.now() - t0 };
}
