/**
 * Scale benchmark: `node bench/scale.mjs [--users N] [--format jsonl|csv] [--postgres URL]` (build first:
 * `npm run build`). For each database (SQLite in a temp file; PostgreSQL in a fresh database created on
 * the given server and dropped afterwards, when `--postgres` or LATCH_BENCH_POSTGRES_URL is given):
 *
 * 1. generates an import file of N users (bench/scale-data.mjs: e-mail, name, bcrypt digest each),
 * 2. imports it with the real CLI, `node packages/server/bin/latch.mjs users import <file>`, and reports
 *    the import rate; then imports it again to show the re-run creates nobody,
 * 3. starts the real server on that database in a child process and sends single requests one after
 *    another (no concurrency: the latency of one request), for every list ordering in both directions at
 *    offsets spread over 0 … 10,000, every filter, `query` searches (selective, medium, matching every
 *    user) and `/users/count`; prints p50 / p99 / max per kind against the targets.
 *
 * Everything listens on 127.0.0.1. The machine has 2 cores shared with other work: figures are noisy.
 */
/* global fetch
 */
import { execFile, fork } from 'node:child_process';
import { existsSync, mkdtempSync, rmSync, statSync } from 'node:fs';
import os from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { parseArgs, promisify } from 'node:util';
import { performance } from 'node:perf_hooks';
import pg from 'pg';
import { newSecretKey } from '../packages/core/dist/index.js';
import { prng } from './data.mjs';
import { writeImportFile } from './scale-data.mjs';

const run = promisify(execFile);
const HERE = fileURLToPath(new URL('.', import.meta.url));
const LATCH = join(HERE, '../packages/server/bin/latch.mjs');

const { values: opt } = parseArgs({
  options: {
    users: { type: 'string', default: '100000' },
    format: { type: 'string', default: 'jsonl' },
    postgres: { type: 'string', default: process.env.LATCH_BENCH_POSTGRES_URL ?? '' },
    samples: { type: 'string', default: '40' },
    only: { type: 'string', default: 'all' }, // all | sqlite | postgres
    'no-rerun': { type: 'boolean', default: false },
    keep: { type: 'boolean', default: false },
    // Measure a database imported earlier (its N users, its secret key) instead of generating and importing.
    database: { type: 'string', default: '' },
    'secret-key': { type: 'string', default: process.env.LATCH_SECRET_KEY ?? '' },
  },
});
const N = Number(opt.users);
const SAMPLES = Number(opt.samples);
const TARGET = { p50: 20, p99: 50, exact: 2 };

const tempDir = mkdtempSync(join(os.tmpdir(), 'latch-scale-'));
const cleanups = [];
async function cleanup() {
  for (const c of cleanups.reverse()) await c().catch((e) => console.error('cleanup:', e.message));
  if (!opt.keep) rmSync(tempDir, { recursive: true, force: true });
}
process.on('SIGINT', () => void cleanup().then(() => process.exit(130)));

const fmt = (x) => Math.round(x).toLocaleString('en-US');
const ms = (x) => (x < 10 ? x.toFixed(2) : x.toFixed(1));

function quantile(sorted, q) {
  return sorted[Math.min(sorted.length - 1, Math.floor(q * sorted.length))];
}

// GNU time reports the import's own CPU time, which says what it costs apart from other work on the machine.
const TIME = existsSync('/usr/bin/time') ? '/usr/bin/time' : null;

async function importWithCli(file, env) {
  const t0 = performance.now();
  const argv = [process.execPath, LATCH, 'users', 'import', file];
  const [cmd, ...args] = TIME ? [TIME, '-f', 'cpu %U %S', ...argv] : argv;
  const { stdout, stderr } = await run(cmd, args, { env, maxBuffer: 64 << 20 }).catch((e) => {
    throw new Error(`import failed (${e.code}): ${e.stderr || e.message}`);
  });
  const wall = performance.now() - t0;
  const summary = stdout.split('\n').find((l) => l.startsWith('Imported')) ?? stdout;
  const cpu = /^cpu ([\d.]+) ([\d.]+)$/m.exec(stderr);
  return { wall, summary, cpu: cpu ? Number(cpu[1]) + Number(cpu[2]) : null };
}

function startServer(env) {
  return new Promise((resolve, reject) => {
    const child = fork(join(HERE, 'server-child.mjs'), [], { env: { ...env, LATCH_PORT: '0', LATCH_LOG_LEVEL: 'silent' }, stdio: 'inherit' });
    child.once('message', (m) => resolve({ url: m.url, stop: () => new Promise((r) => (child.once('exit', r), child.send({ type: 'stop' }))) }));
    child.once('exit', (code) => reject(new Error(`server exited with ${code}`)));
  });
}

async function measure(dbLabel, env) {
  const server = await startServer(env);
  cleanups.push(server.stop);
  const headers = { authorization: `Bearer ${env.LATCH_SECRET_KEY}` };
  const api = async (path, init = {}) => {
    const t0 = performance.now();
    const res = await fetch(`${server.url}/v1${path}`, { ...init, headers: { ...headers, ...(init.headers ?? {}) } });
    const body = await res.json();
    const t = performance.now() - t0;
    if (res.status !== 200) throw new Error(`${path}: ${res.status} ${JSON.stringify(body).slice(0, 300)}`);
    return { t, body };
  };
  const rnd = prng(99);
  const some = () => Math.floor(rnd() * N);
  // A few real ids and an organization with members, for the user_id and organization_id filters.
  const sampleIds = [];
  for (let i = 0; i < 20; i++) sampleIds.push((await api(`/users?external_id=old_${some()}`)).body[0].id);
  const org = (
    await api('/organizations', { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ name: 'Bench Org', created_by: sampleIds[0] }) })
  ).body;
  for (const id of sampleIds.slice(1)) {
    await api(`/organizations/${org.id}/memberships`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ user_id: id, role: 'org:member' }) });
  }
  const t2025 = Date.UTC(2025, 6, 1);
  const kinds = [];
  const add = (name, gen, opts = {}) => kinds.push({ name, gen, ...opts });
  const offsets = () => Math.floor(rnd() * 1001) * 10; // 0 … 10,000
  add('GET /users?limit=10', () => '/users?limit=10');
  for (const f of ['created_at', 'updated_at', 'email_address', 'web3wallet', 'first_name', 'last_name', 'phone_number', 'username', 'last_active_at', 'last_sign_in_at']) {
    for (const d of ['-', '+']) add(`order_by=${d}${f}, offset 0…10k`, () => `/users?limit=10&order_by=${encodeURIComponent(d + f)}&offset=${offsets()}`);
  }
  for (const off of [10_000, 50_000, 100_000, Math.floor(N / 2)]) {
    if (off <= N) add(`order_by=-created_at offset=${fmt(off)}`, () => `/users?limit=10&order_by=-created_at&offset=${off}`, { depth: true });
  }
  add('starting_after cursor (created_at)', () => `/users?limit=10&starting_after=${sampleIds[Math.floor(rnd() * sampleIds.length)]}`);
  add('email_address=', () => `/users?email_address=user${some()}@${['mail.scale.example', 'corp.scale.example', 'scale.example'][some() % 3]}`, { exact: true });
  add('email_address= (no such user)', () => `/users?email_address=nobody${some()}@scale.example`, { exact: true });
  add('phone_number=', () => `/users?phone_number=%2B1555${String(some()).padStart(7, '0')}`, { exact: true });
  add('username=', () => `/users?username=nosuch${some()}`, { exact: true });
  add('external_id=', () => `/users?external_id=old_${some()}`, { exact: true });
  add('user_id=', () => `/users?user_id=${sampleIds[Math.floor(rnd() * sampleIds.length)]}`, { exact: true });
  add('organization_id= (20 members)', () => `/users?organization_id=${org.id}`);
  add('organization_id=-… (non-members)', () => `/users?organization_id=-${org.id}&limit=10`);
  add('last_active_at_since=', () => `/users?last_active_at_since=${t2025}`);
  add('created_at_after=', () => `/users?created_at_after=${t2025 + Math.floor(rnd() * 1e10)}&order_by=created_at`);
  add('banned=true', () => '/users?banned=true');
  add('email_address_query=', () => `/users?email_address_query=user${some()}@`);
  add('phone_number_query=', () => `/users?phone_number_query=555${String(some()).padStart(7, '0').slice(0, 5)}`);
  add('username_query=', () => `/users?username_query=_${some()}`);
  add('name_query=', () => `/users?name_query=${['mary', 'james', 'thomas', 'aiko'][some() % 4]}%20smith${some() % 97}`);
  add('query= selective (1 user)', () => `/users?query=user${some()}%40&limit=10`);
  add('query= medium (~0.1%)', () => `/users?query=${['smith', 'jones', 'brown', 'evans'][some() % 4]}${some() % 97}&limit=10`);
  add('query=scale.example (every user), -created_at', () => `/users?query=scale.example&limit=10&order_by=-created_at`);
  add('query=scale.example, order_by=last_name', () => `/users?query=scale.example&limit=10&order_by=last_name`);
  add('count', () => '/users/count');
  add('count email_address=', () => `/users/count?email_address=user${some()}@scale.example`, { exact: true });
  add('count query= selective', () => `/users/count?query=user${some()}%40`);
  add('count query= medium (~0.1%)', () => `/users/count?query=${['smith', 'jones', 'brown', 'evans'][some() % 4]}${some() % 97}`);
  add('count query=scale.example (every user)', () => '/users/count?query=scale.example');
  add('count created_at_after=', () => `/users/count?created_at_after=${t2025}`);

  // Warm-up: every kind once.
  for (const k of kinds) await api(k.gen());
  const results = [];
  for (const k of kinds) {
    const n = k.depth ? Math.max(5, Math.floor(SAMPLES / 4)) : /count query=scale/.test(k.name) ? Math.min(SAMPLES, 10) : SAMPLES;
    const times = [];
    let rows = 0;
    let slowest = { t: -1, path: '' };
    for (let i = 0; i < n; i++) {
      const path = k.gen();
      const { t, body } = await api(path);
      times.push(t);
      if (t > slowest.t) slowest = { t, path };
      rows += Array.isArray(body) ? body.length : 1;
    }
    times.sort((a, b) => a - b);
    const p50 = quantile(times, 0.5);
    const p99 = quantile(times, 0.99);
    const ok = k.exact ? p50 <= TARGET.exact : p50 <= TARGET.p50 && p99 <= TARGET.p99;
    results.push({ name: k.name, n, p50, p99, max: times[times.length - 1], rows: rows / n, ok, exact: k.exact, slowest: slowest.path });
  }
  await server.stop();
  cleanups.splice(cleanups.indexOf(server.stop), 1);
  console.log(`\n${dbLabel}: single requests, sequential, ${fmt(N)} users (targets: p50 ≤ ${TARGET.p50} ms, p99 ≤ ${TARGET.p99} ms; exact filters p50 ≤ ${TARGET.exact} ms)`);
  console.log(`${'request'.padEnd(48)} ${'n'.padStart(4)} ${'p50 ms'.padStart(8)} ${'p99 ms'.padStart(8)} ${'max ms'.padStart(8)} ${'rows'.padStart(6)}  target`);
  for (const r of results) {
    console.log(`${r.name.padEnd(48)} ${String(r.n).padStart(4)} ${ms(r.p50).padStart(8)} ${ms(r.p99).padStart(8)} ${ms(r.max).padStart(8)} ${r.rows.toFixed(1).padStart(6)}  ${r.ok ? 'ok' : `MISSED (slowest: ${r.slowest})`}`);
  }
  return results;
}

async function benchDatabase(label, databaseUrl, file) {
  const env = { ...process.env, LATCH_DATABASE_URL: databaseUrl, LATCH_SECRET_KEY: newSecretKey('development'), LATCH_LOG_LEVEL: 'silent' };
  console.log(`\n== ${label}: importing ${fmt(N)} users (${(statSync(file).size / 1e6).toFixed(0)} MB ${opt.format}) with \`latch users import\` …`);
  const first = await importWithCli(file, env);
  if (opt.keep) console.log(`  measure it again: node bench/scale.mjs --users ${N} --database ${databaseUrl} --secret-key ${env.LATCH_SECRET_KEY}`);
  console.log(`${first.summary}\n  wall clock ${ms(first.wall / 1000)} s (including start-up and the statistics refresh): ${fmt((N / first.wall) * 1000)} users/s`);
  if (first.cpu !== null) console.log(`  CPU time of the import process: ${ms(first.cpu)} s (user + sys; the database server's, on PostgreSQL, not included)`);
  if (!opt['no-rerun']) {
    const again = await importWithCli(file, env);
    console.log(`re-run: ${again.summary}`);
  }
  return measure(label, env);
}

try {
  if (opt.database) {
    if (!opt['secret-key']) throw new Error('--database needs --secret-key (or LATCH_SECRET_KEY): a key the import created');
    await measure(opt.database.startsWith('sqlite:') ? 'SQLite' : 'PostgreSQL', { ...process.env, LATCH_DATABASE_URL: opt.database, LATCH_SECRET_KEY: opt['secret-key'], LATCH_LOG_LEVEL: 'silent' });
    await cleanup();
    process.exit(0);
  }
  const file = join(tempDir, `users.${opt.format === 'csv' ? 'csv' : 'jsonl'}`);
  const t0 = performance.now();
  await writeImportFile(file, N, opt.format === 'csv' ? 'csv' : 'jsonl');
  console.log(`generated ${fmt(N)} users in ${ms((performance.now() - t0) / 1000)} s (node ${process.version}, ${os.cpus().length} cores, load average ${os.loadavg().map((x) => x.toFixed(2)).join(' ')})`);
  if (opt.only !== 'postgres') await benchDatabase('SQLite', `sqlite:${join(tempDir, 'scale.db')}`, file);
  if (opt.postgres && opt.only !== 'sqlite') {
    const base = new URL(opt.postgres);
    if (!['127.0.0.1', 'localhost', '[::1]'].includes(base.hostname)) throw new Error('--postgres must point at 127.0.0.1');
    const name = `latch_scale_${Date.now().toString(36)}`;
    const admin = new pg.Client({ connectionString: opt.postgres });
    await admin.connect();
    await admin.query(`CREATE DATABASE ${name}`);
    cleanups.push(async () => {
      // --keep leaves the database, to be measured again with --database (drop it by hand afterwards).
      if (opt.keep) console.log(`kept PostgreSQL database ${name}`);
      else await admin.query(`DROP DATABASE IF EXISTS ${name} WITH (FORCE)`);
      await admin.end();
    });
    const url = new URL(opt.postgres);
    url.pathname = `/${name}`;
    await benchDatabase('PostgreSQL', url.toString(), file);
  }
  console.log(`\nload average at the end: ${os.loadavg().map((x) => x.toFixed(2)).join(' ')} (2 cores, shared with other work: figures are noisy)`);
} finally {
  await cleanup();
}
