/**
 * Import files for bench/scale.mjs: N deterministic people with an e-mail address, first and last name and
 * a bcrypt digest each (plus a username for ~60 %, a phone number for ~30 %), written as Clerk's CSV export
 * or as JSON lines shaped like `POST /v1/users` (those carry a `created_at` spread over a year, so the
 * created_at orderings and ranges see realistic data). Every e-mail address is at a `scale.example`
 * subdomain, so `query=scale.example` matches every user: the hard case of a search term matching most users.
 *
 * Hashing a million bcrypt digests would take hours, so a small pool of real digests (cost 10, of known
 * passwords) is reused; the importer stores digests without looking at them beyond their shape.
 */
import { createWriteStream } from 'node:fs';
import { once } from 'node:events';
import bcryptjs from 'bcryptjs';
import { FIRST, LAST, prng } from './data.mjs';

const DOMAINS = ['mail.scale.example', 'corp.scale.example', 'scale.example'];

/** The bcrypt pool: `[password, digest]` pairs (cost 10). */
export function digestPool(size = 8) {
  return Array.from({ length: size }, (_, i) => {
    const password = `bench-password-${i}`;
    return [password, bcryptjs.hashSync(password, 10)];
  });
}

/** Person `i` of the deterministic sequence (the e-mail address is `user<i>@…`, unique by construction). */
export function person(i, rnd, pool) {
  const pick = (list) => list[Math.floor(rnd() * list.length)];
  const first = pick(FIRST);
  const last = `${pick(LAST)}${i % 97}`;
  const email = `user${i}@${DOMAINS[i % DOMAINS.length]}`;
  const username = rnd() < 0.6 ? `${first[0]}${last}_${i}`.toLowerCase() : null;
  const phone = rnd() < 0.3 ? `+1555${String(i).padStart(7, '0')}` : null;
  const createdAt = Date.UTC(2025, 0, 1) + Math.floor(rnd() * 365 * 24 * 3600 * 1000);
  const [, digest] = pool[i % pool.length];
  return { id: `old_${i}`, first, last, email, username, phone, createdAt, digest };
}

const csvCell = (v) => (v === null || v === undefined ? '' : /[",\n]/.test(v) ? `"${v.replace(/"/g, '""')}"` : v);

/** Writes `n` people to `path` as `csv` (Clerk's export columns) or `jsonl`. */
export async function writeImportFile(path, n, format, pool = digestPool()) {
  const rnd = prng(20260101);
  const out = createWriteStream(path);
  let buf = '';
  const put = async (s) => {
    buf += s;
    if (buf.length > 1 << 20) {
      if (!out.write(buf)) await once(out, 'drain');
      buf = '';
    }
  };
  if (format === 'csv') {
    await put('id,first_name,last_name,username,primary_email_address,primary_phone_number,verified_email_addresses,unverified_email_addresses,verified_phone_numbers,unverified_phone_numbers,totp_secret,password_digest,password_hasher\n');
  }
  for (let i = 0; i < n; i++) {
    const p = person(i, rnd, pool);
    if (format === 'csv') {
      await put(
        [p.id, p.first, p.last, p.username, p.email, p.phone, p.email, '', p.phone, '', '', p.digest, 'bcrypt'].map(csvCell).join(',') + '\n',
      );
    } else {
      const body = {
        id: p.id,
        first_name: p.first,
        last_name: p.last,
        email_address: [p.email],
        password_digest: p.digest,
        password_hasher: 'bcrypt',
        created_at: new Date(p.createdAt).toISOString(),
      };
      if (p.username) body.username = p.username;
      if (p.phone) body.phone_number = [p.phone];
      await put(`${JSON.stringify(body)}\n`);
    }
  }
  out.write(buf);
  out.end();
  await once(out, 'finish');
}
