/**
 * Where a request's time goes, layer by layer, in one process and without sockets:
 * `npm run build && node bench/layers.mjs [--users 10000] [--iterations 20000]`.
 *
 * Loads the same people as bench/users.mjs, then times (µs per call, sequential, after a warm-up):
 *   - the exact SQL the service issues (captured through a logging Kysely), replayed on raw better-sqlite3
 *     with cached prepared statements (as the server's statement cache does), and preparing every statement;
 *   - keys.check, users.get / users.list through Kysely; serialization; the whole Hono app via app.fetch.
 * Subtracting neighbours gives the cost of each layer. Over-the-socket cost comes from bench/users.mjs
 * ("server CPU µs/req"). Single-threaded and CPU-bound, so µs/call ≈ CPU per request.
 */
/* global Request */
import { mkdtempSync, rmSync } from 'node:fs';
import os from 'node:os';
import { join } from 'node:path';
import { performance } from 'node:perf_hooks';
import { fileURLToPath } from 'node:url';
import { parseArgs } from 'node:util';
import Database from 'better-sqlite3';
import { Kysely, SqliteDialect } from 'kysely';
import { newSecretKey } from '../packages/core/dist/index.js';
import { hashSecret } from '../packages/server/dist/crypto/tokens.js';
import { createKeyService } from '../packages/server/dist/domains/keys/service.js';
import { userJSON } from '../packages/server/dist/domains/users/serialize.js';
import { createUsersService } from '../packages/server/dist/domains/users/service.js';
import { newTraceId } from '../packages/server/dist/http/trace.js';
import { createApp, createServices, resolveConfig } from '../packages/server/dist/index.js';
import { loadPeople, makePeople, pickQueries } from './data.mjs';
import { ownSession, pinToCpu, raisePriority } from './sched.mjs';

const { values: opt } = parseArgs({
  options: { users: { type: 'string', default: '10000' }, iterations: { type: 'string', default: '20000' } },
});
const N = Number(opt.iterations);

// Same conditions as the server in bench/users.mjs: one CPU (1), raised priority where permitted.
await ownSession(fileURLToPath(import.meta.url));
const pinned = pinToCpu(process.pid, 1);
const raised = raisePriority(process.pid);

const dir = mkdtempSync(join(os.tmpdir(), 'latch-layers-'));
const dbPath = join(dir, 'latch.db');
const secretKey = newSecretKey('development');
const config = resolveConfig({
  LATCH_DATABASE_URL: `sqlite:${dbPath}`,
  LATCH_SECRET_KEY: secretKey,
  LATCH_LOG_LEVEL: 'silent',
  LATCH_PUBLIC_URL: 'http://127.0.0.1:4000',
});
const services = await createServices(config);
await services.instance.bootstrap(secretKey);
const people = makePeople(Number(opt.users));
const { ids, ms } = await loadPeople(services.users, people);
console.log(
  `node ${process.version}, ${os.cpus().length} CPUs, load avg ${os.loadavg()[0].toFixed(2)}, ${pinned ? 'pinned to CPU 1' : 'not pinned'}, ` +
    `priority ${raised ? 'nice -10' : 'normal'}; loaded ${ids.length} users in ${(ms / 1000).toFixed(1)} s`,
);
const queries = pickQueries(people, ids, 200);
const app = createApp({ config, ...services });

// Capture the SQL each operation runs, through a second connection and a logging Kysely.
const raw = new Database(dbPath, { readonly: true });
let captured = [];
const capDb = new Kysely({ dialect: new SqliteDialect({ database: raw }), log: (e) => e.level === 'query' && captured.push(e.query) });
const capUsers = createUsersService({ db: capDb, dialect: 'sqlite', maxImageBytes: config.maxImageBytes });
const capKeys = createKeyService(capDb);
async function capture(fn) {
  captured = [];
  await fn();
  return captured.map((q) => ({ sql: q.sql, params: q.parameters }));
}
const listFilter = (q) => ({ query: q.toLowerCase() });
const listPage = { orderBy: 'created_at', direction: 'desc', limit: 10, offset: 0 };
const getPool = [];
for (let i = 0; i < 500; i++) {
  const id = ids[(i * 7919) % ids.length];
  getPool.push([...(await capture(() => capKeys.check(secretKey))), ...(await capture(() => capUsers.get(id)))]);
}
const listPool = [];
for (const { q } of queries) listPool.push([...(await capture(() => capKeys.check(secretKey))), ...(await capture(() => capUsers.list(listFilter(q), listPage)))]);

// The plans SQLite picks for what each request runs.
console.log('\nSQL per request and its query plan:');
for (const [label, pool] of [
  ['get ', getPool],
  ['list', listPool],
]) {
  for (const q of pool[0]) {
    const plan = raw.prepare(`EXPLAIN QUERY PLAN ${q.sql}`).all(q.params).map((r) => r.detail);
    console.log(`  ${label} ${q.sql.replace(/\s+/g, ' ').slice(0, 220)}\n         plan: ${plan.join(' | ')}`);
  }
}

const cache = new Map();
const cached = (sql) => cache.get(sql) ?? cache.set(sql, raw.prepare(sql)).get(sql);
const replayCached = (pool) => (i) => {
  for (const q of pool[i % pool.length]) cached(q.sql).all(q.params);
};
const replayOne = (pool, k) => (i) => {
  const q = pool[i % pool.length][k];
  if (q) cached(q.sql).all(q.params);
};
const replayPrepare = (pool) => (i) => {
  for (const q of pool[i % pool.length]) raw.prepare(q.sql).all(q.params);
};

async function time(fn, n = N) {
  for (let i = 0; i < Math.min(3000, n); i++) await fn(i);
  const t0 = performance.now();
  for (let i = 0; i < n; i++) await fn(i);
  return ((performance.now() - t0) * 1000) / n;
}

const auth = { authorization: `Bearer ${secretKey}` };
async function fetchApp(path) {
  const res = await app.fetch(new Request(`http://127.0.0.1:4000${path}`, { headers: auth }));
  if (res.status !== 200) throw new Error(`${path}: ${res.status} ${await res.text()}`);
  return res.text();
}
const aggs = await Promise.all(ids.slice(0, 500).map((id) => services.users.get(id)));
const lists = await Promise.all(queries.map(({ q }) => services.users.list(listFilter(q), listPage)));

const rows = [];
async function row(group, name, fn, n) {
  const us = await time(fn, n);
  rows.push({ group, name, us });
  console.log(`  ${group.padEnd(5)} ${name.padEnd(64)} ${us.toFixed(1).padStart(8)} µs`);
  return us;
}

console.log(`\nµs per call (sequential, ${N} iterations after warm-up):`);
const g = {};
g.sqlCached = await row('get', `SQL only, ${getPool[0].length} queries, cached prepared statements`, replayCached(getPool));
g.sqlPrepare = await row('get', `SQL only, ${getPool[0].length} queries, prepare() on every query`, replayPrepare(getPool));
g.compile = await row('get', 'Kysely: build + compile findUser query only (1 of 4)', (i) => services.storage.db.selectFrom('users').selectAll().where('id', '=', ids[i % ids.length]).compile());
g.sha = await row('get', 'sha256(secret key) (keys.check does this per request)', () => hashSecret(secretKey));
g.trace = await row('get', 'newTraceId (randomBytes(16).hex)', () => newTraceId());
g.check = await row('get', 'keys.check (sha256 + 1 query via Kysely)', () => services.keys.check(secretKey));
g.get = await row('get', 'users.get (3 queries via Kysely)', (i) => services.users.get(ids[i % ids.length]));
g.ser = await row('get', 'userJSON + JSON.stringify', (i) => JSON.stringify(userJSON(aggs[i % aggs.length], config.publicUrl)));
g.app = await row('get', 'app.fetch GET /v1/users/{id} in-process (everything but the socket)', (i) => fetchApp(`/v1/users/${ids[i % ids.length]}`));

const l = {};
l.sqlCached = await row('list', `SQL only, ${listPool[0].length} queries, cached prepared statements`, replayCached(listPool), N / 4);
l.sqlPrepare = await row('list', `SQL only, ${listPool[0].length} queries, prepare() on every query`, replayPrepare(listPool), N / 4);
l.list = await row('list', 'users.list (FTS + 2 queries via Kysely)', (i) => services.users.list(listFilter(queries[i % queries.length].q), listPage), N / 4);
l.ser = await row('list', 'userJSON ×n + JSON.stringify', (i) => JSON.stringify(lists[i % lists.length].map((a) => userJSON(a, config.publicUrl))), N / 4);
l.app = await row('list', 'app.fetch GET /v1/users?query=…&limit=10 in-process', (i) => fetchApp(`/v1/users?query=${encodeURIComponent(queries[i % queries.length].q)}&limit=10`), N / 4);

console.log('\nµs per statement (cached prepared statement, autocommit read):');
for (const [label, pool] of [
  ['get ', getPool],
  ['list', listPool],
]) {
  for (let k = 0; k < pool[0].length; k++) {
    const us = await time(replayOne(pool, k), label === 'get ' ? N : N / 4);
    console.log(`  ${label} ${us.toFixed(1).padStart(7)} µs  ${pool[0][k].sql.replace(/\s+/g, ' ').slice(0, 110)}`);
  }
}

const pct = (x, total) => `${((100 * x) / total).toFixed(0)}%`;
function breakdown(title, x, dataCall) {
  const sqlite = x.sqlCached;
  const kysely = g.check + dataCall - x.sqlCached;
  const ser = x.ser;
  const web = x.app - g.check - dataCall - x.ser;
  console.log(`\n${title}: in-process total ${x.app.toFixed(0)} µs/request  (→ at most ${Math.round(1e6 / x.app)} req/s on one core before any socket work)`);
  for (const [name, v] of [
    ['SQLite executing the queries (cached statements, as the server does)', sqlite],
    ['Kysely building/compiling queries, service logic, async plumbing, sha256 of the key', kysely],
    ['serialization (userJSON + JSON.stringify)', ser],
    ['Hono app: middleware, trace id, routing, zod, Request/Response objects', web],
  ]) {
    console.log(`  ${name.padEnd(84)} ${v.toFixed(1).padStart(7)} µs  ${pct(v, x.app).padStart(4)}`);
  }
  console.log(`  (without a statement cache, prepare() on every query would add ${(x.sqlPrepare - x.sqlCached).toFixed(1)} µs)`);
}
breakdown('GET /v1/users/{id}', g, g.get);
breakdown('GET /v1/users?query=…&limit=10', l, l.list);

await services.storage.close();
raw.close();
rmSync(dir, { recursive: true, force: true });
