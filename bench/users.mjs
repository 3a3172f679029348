/**
 * Users read benchmark: `npm run bench` (builds first) or `node bench/users.mjs [options]`.
 *
 * 1. Loads N users (default 10,000) into a fresh SQLite database in a temp dir, through the real users
 *    service (no HTTP, no passwords), and reports how long that took.
 * 2. Starts the real Latch server on that database in a child process (bench/server-child.mjs) and a
 *    bare node:http baseline in another (bench/baseline-child.mjs) that answers with fixed bodies the size
 *    of real Latch responses.
 * 3. With autocannon in this process, for each endpoint and each server: a warm-up run, then a measured
 *    run with the same settings. Latencies are recorded per response at sub-millisecond resolution.
 * 4. Prints a table with latch/baseline ratios; exits non-zero if any request failed or was not 2xx.
 *
 * See bench/README.md. Everything listens on 127.0.0.1 and stops by itself.
 */
import { execFileSync, fork } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { request } from 'node:http';
import { createRequire } from 'node:module';
import os from 'node:os';
import { join } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { fileURLToPath } from 'node:url';
import { parseArgs } from 'node:util';
import autocannon from 'autocannon';
import { newSecretKey } from '../packages/core/dist/index.js';
import { loadPeople, makePeople, pickQueries, prng } from './data.mjs';
import { ownSession, pinToCpu, raisePriority } from './sched.mjs';
import { createServices, resolveConfig } from '../packages/server/dist/index.js';

const HERE = fileURLToPath(new URL('.', import.meta.url));
const require = createRequire(import.meta.url);

// ---------------------------------------------------------------------------------------------- options

const { values: opt } = parseArgs({
  options: {
    users: { type: 'string', default: '10000' },
    connections: { type: 'string', default: '16' },
    duration: { type: 'string', default: '10' },
    warmup: { type: 'string', default: '3' },
    only: { type: 'string', default: 'all' }, // all | get | list
    'cpu-prof': { type: 'boolean', default: false },
    'no-pin': { type: 'boolean', default: false },
    'no-priority': { type: 'boolean', default: false },
    strict: { type: 'boolean', default: false },
    keep: { type: 'boolean', default: false },
    rounds: { type: 'string', default: '1' }, // >1: repeat each measurement, report the best round
    'what-if': { type: 'string' }, // e.g. get-no-body,pooled-random (see bench/whatif-child.mjs)
  },
});
// A session of our own, so raising the scheduling priority below touches only this benchmark (sched.mjs).
await ownSession(fileURLToPath(import.meta.url), opt['no-priority']);

const USERS = Number(opt.users);
const CONNECTIONS = Number(opt.connections);
const DURATION = Number(opt.duration);
const WARMUP = Number(opt.warmup);
const ROUNDS = Math.max(1, Number(opt.rounds));
const TARGET = { rps: 5000, p99: 10 };

// Never outlive a hung run: everything stops by itself.
const watchdog = setTimeout(() => fail('watchdog: benchmark did not finish within 15 minutes'), 15 * 60_000);
watchdog.unref();

const children = [];
function stopChildren() {
  for (const c of children) if (c.connected) c.send({ type: 'stop' });
}
let tempDir = null;
function fail(message) {
  console.error(`\nBENCH FAILED: ${message}`);
  for (const c of children) if (c.exitCode === null) c.kill('SIGKILL');
  if (tempDir && !opt.keep) rmSync(tempDir, { recursive: true, force: true });
  process.exit(1);
}
process.on('SIGINT', () => fail('interrupted'));

// ------------------------------------------------------------------------------------------- helpers

function httpGet(url, headers = {}) {
  return new Promise((resolve, reject) => {
    const req = request(url, { headers, agent: false }, (res) => {
      const chunks = [];
      res.on('data', (c) => chunks.push(c));
      res.on('end', () => resolve({ status: res.statusCode, body: chunks.join('') }));
    });
    req.on('error', reject);
    req.end();
  });
}

function startChild(script, env, execArgv = []) {
  // detached: its own session (and scheduler autogroup); it still exits when the IPC channel closes.
  const child = fork(join(HERE, script), [], { env: { ...process.env, ...env }, execArgv, detached: true, stdio: ['ignore', 'inherit', 'inherit', 'ipc'] });
  children.push(child);
  child.on('exit', (code, signal) => {
    if (!child.expectedExit) fail(`${script} exited unexpectedly (code ${code}, signal ${signal})`);
  });
  return child;
}

function nextMessage(child, type) {
  return new Promise((resolve) => {
    child.on('message', function on(m) {
      if (m && m.type === type) {
        child.off('message', on);
        resolve(m);
      }
    });
  });
}

async function stopChild(child) {
  child.expectedExit = true;
  if (child.exitCode !== null) return;
  const exited = new Promise((r) => child.once('exit', r));
  child.send({ type: 'stop' });
  await Promise.race([exited, sleep(10_000).then(() => child.kill('SIGKILL'))]);
}

/** Pins a process to one CPU and raises its priority (see sched.mjs) unless told not to. */
function pin(pid, cpu) {
  if (!opt['no-priority'] && raisePriority(pid)) priority = 'nice -10';
  return !opt['no-pin'] && pinToCpu(pid, cpu);
}
let priority = 'normal';

let clockTicks = 100;
try {
  clockTicks = Number(execFileSync('getconf', ['CLK_TCK'], { encoding: 'utf8' }).trim()) || 100;
} catch {
  // Linux default
}

/** CPU time (ms) a process has used so far, from /proc (Linux); NaN elsewhere. */
function cpuMsOf(pid) {
  try {
    const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
    const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
    return ((Number(fields[11]) + Number(fields[12])) * 1000) / clockTicks; // utime + stime
  } catch {
    return NaN;
  }
}

/** Microseconds some runnable task waited for a CPU so far (Linux PSI), to expose noisy neighbours. */
function cpuPressureUs() {
  try {
    return Number(/^some .*total=(\d+)/m.exec(readFileSync('/proc/pressure/cpu', 'utf8'))[1]);
  } catch {
    return NaN;
  }
}

function percentile(sorted, q) {
  if (!sorted.length) return NaN;
  return sorted[Math.min(sorted.length - 1, Math.max(0, Math.ceil(q * sorted.length) - 1))];
}

/** One autocannon run; latencies of every response recorded at full (sub-ms) resolution. */
function cannon({ url, headers, nextPath, duration }) {
  return new Promise((resolve, reject) => {
    const latencies = [];
    const statuses = new Map();
    const inst = autocannon(
      {
        url,
        connections: CONNECTIONS,
        pipelining: 1,
        duration,
        headers,
        requests: [{ method: 'GET', setupRequest: (req) => ({ ...req, path: nextPath() }) }],
      },
      (err, result) => {
        if (err) return reject(err);
        latencies.sort((a, b) => a - b);
        resolve({ result, latencies, statuses });
      },
    );
    inst.on('response', (_client, statusCode, _bytes, responseTime) => {
      latencies.push(responseTime);
      statuses.set(statusCode, (statuses.get(statusCode) ?? 0) + 1);
    });
  });
}

const allRuns = [];
async function measure(label, target, nextPath, headers, pid) {
  process.stdout.write(`  ${label.padEnd(28)} warm-up ${WARMUP}s … `);
  const warm = await cannon({ url: target, headers, nextPath, duration: WARMUP });
  process.stdout.write(`${Math.round(warm.result.requests.total / warm.result.duration)} req/s; measuring ${DURATION}s … `);
  const before = { srv: cpuMsOf(pid), gen: process.cpuUsage(), psi: cpuPressureUs(), t: Date.now() };
  const { result, latencies, statuses } = await cannon({ url: target, headers, nextPath, duration: DURATION });
  const wallMs = Date.now() - before.t;
  const gen = process.cpuUsage(before.gen);
  const ok = statuses.get(200) ?? 0;
  const row = {
    label,
    rps: ok / result.duration,
    p50: percentile(latencies, 0.5),
    p99: percentile(latencies, 0.99),
    p999: percentile(latencies, 0.999),
    max: latencies[latencies.length - 1],
    total: latencies.length,
    non2xx: result.non2xx,
    errors: result.errors + result.timeouts + result.resets + (result.mismatches ?? 0),
    statuses: Object.fromEntries(statuses),
    bytes: result.throughput.total,
    srvCpuUsPerReq: ((cpuMsOf(pid) - before.srv) * 1000) / latencies.length,
    srvCpuPct: (100 * (cpuMsOf(pid) - before.srv)) / wallMs,
    genCpuPct: (100 * (gen.user + gen.system)) / 1000 / wallMs,
    psiPct: (100 * (cpuPressureUs() - before.psi)) / 1000 / wallMs,
  };
  console.log(`${Math.round(row.rps)} req/s (${row.total} responses)`);
  allRuns.push(row);
  return row;
}

// ------------------------------------------------------------------------------------------------ run

const autocannonVersion = require('autocannon/package.json').version;
const pinned = { parent: pin(process.pid, 0) };

console.log('Latch users benchmark');
console.log(
  `  node ${process.version} · ${os.cpus().length} CPUs (${os.cpus()[0]?.model ?? '?'}) · ${os.platform()} ${os.release()} · ` +
    `load avg ${os.loadavg().map((l) => l.toFixed(2)).join(' ')} · autocannon ${autocannonVersion}`,
);
console.log(`  autocannon: ${CONNECTIONS} connections, pipelining 1, warm-up ${WARMUP}s, measured ${DURATION}s per run, 127.0.0.1`);

const dir = mkdtempSync(join(os.tmpdir(), 'latch-bench-'));
tempDir = dir;
const profDir = join(dir, 'cpu-prof');
const secretKey = newSecretKey('development');
const env = {
  LATCH_HOST: '127.0.0.1',
  LATCH_PORT: '0',
  LATCH_DATABASE_URL: `sqlite:${join(dir, 'latch.db')}`,
  LATCH_SECRET_KEY: secretKey,
  LATCH_LOG_LEVEL: 'silent',
  LATCH_PUBLIC_URL: 'http://127.0.0.1:4000',
};

// 1. Load users through the service layer (same rules, indexes and FTS triggers as the API path).
const people = makePeople(USERS);
const services = await createServices(resolveConfig(env));
const sqliteVersion = (await services.storage.db.selectNoFrom((eb) => eb.fn('sqlite_version', []).as('v')).executeTakeFirst())?.v;
const { ids, ms: loadMs } = await loadPeople(services.users, people);
await services.storage.close();
console.log(
  `  loaded ${USERS} users in ${(loadMs / 1000).toFixed(2)} s (${Math.round(USERS / (loadMs / 1000))} users/s, ` +
    `${(loadMs / USERS).toFixed(3)} ms each, via services.users.create) · SQLite ${sqliteVersion} (WAL)`,
);

// 2. Latch server in its own process, on its own core.
const latch = startChild('server-child.mjs', env, opt['cpu-prof'] ? ['--cpu-prof', `--cpu-prof-dir=${profDir}`] : []);
const latchUrl = (await nextMessage(latch, 'ready')).url;
pinned.latch = pin(latch.pid, 1);
const auth = { authorization: `Bearer ${secretKey}` };

// Real response bodies: their sizes size the baseline, and they prove the data and search work.
const userSizes = [];
let medianUser;
{
  const rnd = prng(11);
  const sample = [];
  for (let i = 0; i < 101; i++) {
    const id = ids[Math.floor(rnd() * ids.length)];
    const r = await httpGet(`${latchUrl}/v1/users/${id}`, auth);
    if (r.status !== 200 || JSON.parse(r.body).id !== id) fail(`GET /v1/users/${id} answered ${r.status}: ${r.body.slice(0, 300)}`);
    sample.push(r.body);
  }
  sample.sort((a, b) => a.length - b.length);
  medianUser = sample[50];
  userSizes.push(sample[0].length, medianUser.length, sample[100].length);
}
const queries = pickQueries(people, ids, 200);
if (queries.length < 50) fail(`only ${queries.length} selective queries found`);
const listBodies = [];
for (const { q, matches } of queries) {
  const r = await httpGet(`${latchUrl}/v1/users?query=${encodeURIComponent(q)}&limit=10`, auth);
  if (r.status !== 200) fail(`GET /v1/users?query=${q} answered ${r.status}: ${r.body.slice(0, 300)}`);
  const got = JSON.parse(r.body).length;
  if (got !== Math.min(matches, 10)) fail(`query "${q}" returned ${got} users, expected ${Math.min(matches, 10)}`);
  listBodies.push(r.body);
}
listBodies.sort((a, b) => a.length - b.length);
const medianList = listBodies[Math.floor(listBodies.length / 2)];
const avgMatches = queries.reduce((s, q) => s + q.matches, 0) / queries.length;
console.log(
  `  user JSON: ${userSizes[1]} bytes median (${userSizes[0]}-${userSizes[2]}); ${queries.length} queries rotating, ` +
    `${avgMatches.toFixed(1)} matches on average (1-10), e.g. ${queries
      .slice(0, 4)
      .map((q) => `"${q.q}"`)
      .join(', ')}; list JSON ${medianList.length} bytes median`,
);

// 3. Baseline: node:http with fixed bodies of the median sizes, in its own process, on the same core.
const baseline = startChild('baseline-child.mjs', {});
await nextMessage(baseline, 'waiting');
baseline.send({ type: 'bodies', user: medianUser, list: medianList });
const baselineUrl = (await nextMessage(baseline, 'ready')).url;
pinned.baseline = pin(baseline.pid, 1);
let whatIf = null;
if (opt['what-if']) {
  whatIf = startChild('whatif-child.mjs', { ...env, BENCH_WHATIF: opt['what-if'] });
  whatIf.url = (await nextMessage(whatIf, 'ready')).url;
  pin(whatIf.pid, 1);
}
console.log(
  `  CPU pinning: ${pinned.parent && pinned.latch && pinned.baseline ? 'load generator on CPU 0, servers on CPU 1' : 'not pinned'}; priority ${priority}` +
    (opt['cpu-prof'] ? ` · --cpu-prof ON (numbers are slowed by profiling), profiles in ${profDir}` : ''),
);

// 4. Measure: for each endpoint, baseline then Latch, same settings and paths.
let n = 0;
const getPath = () => `/v1/users/${ids[Math.floor(Math.random() * ids.length)]}`;
const listPath = () => `/v1/users?query=${encodeURIComponent(queries[n++ % queries.length].q)}&limit=10`;
const endpoints = [
  { name: 'GET /v1/users/{id}', path: getPath, key: 'get' },
  { name: 'GET /v1/users?query=…&limit=10', path: listPath, key: 'list' },
].filter((e) => opt.only === 'all' || opt.only === e.key);

const rows = [];
const best = (a, b) => (!a || b.rps > a.rps ? b : a);
for (const e of endpoints) {
  console.log(`\n${e.name}`);
  let base;
  let lat;
  let alt;
  for (let round = 1; round <= ROUNDS; round++) {
    if (ROUNDS > 1) console.log(`  round ${round}/${ROUNDS}`);
    base = best(base, await measure('baseline (node:http)', baselineUrl, e.path, auth, baseline.pid));
    lat = best(lat, await measure('latch', latchUrl, e.path, auth, latch.pid));
    if (whatIf) alt = best(alt, await measure(`what-if ${opt['what-if']}`, whatIf.url, e.path, auth, whatIf.pid));
  }
  rows.push({ endpoint: e.name, key: e.key, base, lat });
  if (alt) rows.push({ endpoint: e.name, key: `${e.key}-what-if`, base, lat: alt, latLabel: alt.label });
}

await stopChild(latch);
await stopChild(baseline);
if (whatIf) await stopChild(whatIf);
stopChildren();

// 5. Report.
const f1 = (x) => (Number.isFinite(x) ? x.toFixed(2) : '-');
const cols = ['endpoint', 'server', 'req/s', 'p50 ms', 'p99 ms', 'p99.9 ms', 'max ms', 'non-2xx', 'errors', 'req/s ratio', 'p99 ratio', 'srv CPU µs/req', 'srv CPU', 'gen CPU', 'CPU PSI'];
const table = [];
for (const r of rows) {
  const pairs = r.latLabel
    ? [[r.latLabel, r.lat]]
    : [
        ['baseline', r.base],
        ['latch', r.lat],
      ];
  for (const [server, x] of pairs) {
    table.push([
      r.endpoint,
      server,
      String(Math.round(x.rps)),
      f1(x.p50),
      f1(x.p99),
      f1(x.p999),
      f1(x.max),
      String(x.non2xx),
      String(x.errors),
      server !== 'baseline' ? `${(r.lat.rps / r.base.rps).toFixed(3)} latch/baseline` : '1',
      server !== 'baseline' ? `${(r.lat.p99 / r.base.p99).toFixed(2)}x` : '1',
      x.srvCpuUsPerReq.toFixed(0),
      `${x.srvCpuPct.toFixed(0)}%`,
      `${x.genCpuPct.toFixed(0)}%`,
      `${x.psiPct.toFixed(0)}%`,
    ]);
  }
}
const widths = cols.map((c, i) => Math.max(c.length, ...table.map((row) => row[i].length)));
const line = (cells) => `| ${cells.map((c, i) => (i < 2 ? c.padEnd(widths[i]) : c.padStart(widths[i]))).join(' | ')} |`;
console.log(
  `\nResults (${CONNECTIONS} connections, pipelining 1, ${DURATION}s measured after ${WARMUP}s warm-up` +
    `${ROUNDS > 1 ? `, best of ${ROUNDS} rounds per server` : ''})\n`,
);
console.log(line(cols));
console.log(`|${widths.map((w, i) => (i < 2 ? '-'.repeat(w + 2) : `${'-'.repeat(w + 1)}:`)).join('|')}|`);
for (const row of table) console.log(line(row));
console.log(
  `\nlatency = request written → response complete, every response, sub-ms resolution; closed loop of ${CONNECTIONS} connections.\n` +
    `srv CPU = server process CPU time (user+sys, /proc) per response and as % of one core; gen CPU = this load generator's CPU;\n` +
    `CPU PSI = share of wall time some task on the machine waited for a CPU (/proc/pressure/cpu): well above 0% means other work\n` +
    `competed for the 2 cores during that run and throughput/latency are pessimistic.`,
);

let bad = false;
for (const x of allRuns) {
  const other = Object.keys(x.statuses).filter((s) => s !== '200');
  if (x.non2xx || x.errors || other.length || x.total === 0) {
    bad = true;
    console.error(`ERROR: ${x.label}: ${x.non2xx} non-2xx, ${x.errors} errors/timeouts/resets, statuses ${JSON.stringify(x.statuses)}`);
  }
}
const get = rows.find((r) => r.key === 'get');
let missed = false;
if (get) {
  missed = !(get.lat.rps >= TARGET.rps && get.lat.p99 < TARGET.p99);
  console.log(
    `\nTarget getUser ≥ ${TARGET.rps} req/s with p99 < ${TARGET.p99} ms: ${missed ? 'MISSED' : 'met'} ` +
      `(${Math.round(get.lat.rps)} req/s, p99 ${f1(get.lat.p99)} ms; ${((100 * get.lat.rps) / get.base.rps).toFixed(1)}% of the baseline's throughput)`,
  );
}

if (opt.keep || opt['cpu-prof']) console.log(`kept ${dir}`);
else rmSync(dir, { recursive: true, force: true });

if (bad) fail('some requests failed (see above)');
if (missed && opt.strict) process.exit(2);
process.exit(0);
