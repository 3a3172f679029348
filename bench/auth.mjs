/**
 * Authentication benchmark: `npm run bench:auth` (builds first) or `node bench/auth.mjs [options]`.
 *
 * 1. Token refresh: N users (default 10,000), each signed in on a client of their own, are written into a
 *    fresh SQLite database through the real services (no HTTP for the set-up). The real server then runs in
 *    a child process and autocannon sends `POST /fapi/v1/client/sessions/{id}/tokens` with each session's
 *    client cookie, as the browser SDK does every minute. Compared with the raw RS256 signing rate of one
 *    core (node:crypto, the same key size and a payload of the same shape), measured in the same run:
 *    the server is one process, so one core's signing rate is its physical limit. Target ≥ 0.6×.
 * 2. Password sign-in: 512 users with argon2id passwords; workers sign in over HTTP (create with the
 *    password in one request, the way the SDK sends a password typed on the first screen), each with a new
 *    client. Compared with the raw argon2id rate with the same parameters and the same concurrency,
 *    measured in the same run while the server is idle. Target ≥ 0.9×.
 *
 * Everything listens on 127.0.0.1 and stops by itself. LATCH_TRUST_PROXY lets the load come from many
 * (made-up) addresses, so the per-IP sign-in limit is not what is measured.
 */
import { fork } from 'node:child_process';
import net from 'node:net';
import { createPrivateKey, sign } from 'node:crypto';
import { mkdtempSync, readFileSync, readdirSync, rmSync } from 'node:fs';
import os from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { parseArgs } from 'node:util';
import autocannon from 'autocannon';
import { hash as argon2Hash } from '@node-rs/argon2';
import { newSecretKey } from '../packages/core/dist/index.js';
import { createServices, resolveConfig } from '../packages/server/dist/index.js';
import { transaction } from '../packages/server/dist/storage/database.js';

const HERE = fileURLToPath(new URL('.', import.meta.url));
const { values: opt } = parseArgs({
  options: {
    users: { type: 'string', default: '10000' },
    connections: { type: 'string', default: '16' },
    duration: { type: 'string', default: '10' },
    'signin-workers': { type: 'string', default: '8' },
    only: { type: 'string', default: 'all' }, // all | tokens | signin
    'cpu-prof': { type: 'boolean', default: false }, // the server writes a .cpuprofile into the working directory
  },
});
const USERS = Number(opt.users);
const DURATION = Number(opt.duration);
const WORKERS = Number(opt['signin-workers']);
const PASSWORD = 'correct horse battery staple';
// Enough users that the per-identifier sign-in limit (20 per 10 minutes) is never what is measured.
const SIGNIN_USERS = 512;

const dir = mkdtempSync(join(os.tmpdir(), 'latch-bench-auth-'));
const env = {
  LATCH_DATABASE_URL: `sqlite:${join(dir, 'latch.db')}`,
  LATCH_SECRET_KEY: newSecretKey('production'),
  LATCH_PORT: '0',
  LATCH_HOST: '127.0.0.1',
  LATCH_PUBLIC_URL: 'http://127.0.0.1:4999',
  LATCH_APP_URL: 'http://127.0.0.1:3000',
  LATCH_LOG_LEVEL: 'silent',
  LATCH_TRUST_PROXY: 'true',
};
const ORIGIN = env.LATCH_APP_URL;
const QUERY = '__clerk_api_version=2025-11-10&_clerk_js_version=5.128.0';

function fmt(n, digits = 0) {
  return n.toLocaleString('en-US', { maximumFractionDigits: digits, minimumFractionDigits: digits });
}

async function setUp() {
  const t0 = performance.now();
  const services = await createServices(resolveConfig(env));
  const auth = (await services.instance.settings()).auth;
  const sessions = [];
  for (let i = 0; i < USERS; i++) {
    const user = await services.users.create({ emailAddresses: [`bench${i}@example.com`], firstName: `Bench${i}` });
    const { client, token } = await services.clients.create();
    const session = await transaction(services.storage.db, (tx) => services.sessions.createInTx(tx, auth, { clientId: client.id, userId: user.user.id, strategy: 'password', secondFactor: false }));
    sessions.push({ sid: session.id, cookie: `__client=${token}` });
  }
  const withPasswords = [];
  for (let i = 0; i < SIGNIN_USERS; i++) {
    const email = `signin${i}@example.com`;
    await services.users.create({ emailAddresses: [email], password: PASSWORD, skipPasswordChecks: true });
    withPasswords.push(email);
  }
  const signingKey = await services.storage.db.selectFrom('signing_keys').select(['kid', 'private_pem']).where('status', '=', 'active').executeTakeFirstOrThrow();
  await services.storage.close();
  console.log(`set-up: ${fmt(USERS)} users with sessions and ${SIGNIN_USERS} with passwords in ${fmt((performance.now() - t0) / 1000, 1)} s`);
  return { sessions, withPasswords, signingKey };
}

/** The bare node:http signing server (bench/sign-child.mjs), given the instance's key. */
function startSignPeer(pem) {
  const child = fork(join(HERE, 'sign-child.mjs'), [], { stdio: ['ignore', 'inherit', 'inherit', 'ipc'] });
  return new Promise((resolve, reject) => {
    child.once('error', reject);
    child.on('message', (m) => {
      if (m?.type === 'waiting') child.send({ type: 'key', pem });
      if (m?.type === 'ready') resolve({ url: m.url, stop: () => child.send({ type: 'stop' }), child });
    });
  });
}

function startServer() {
  const execArgv = opt['cpu-prof'] ? ['--cpu-prof', '--cpu-prof-dir', process.cwd()] : [];
  const child = fork(join(HERE, 'server-child.mjs'), [], { env: { ...process.env, ...env }, execArgv, stdio: ['ignore', 'inherit', 'inherit', 'ipc'] });
  return new Promise((resolve, reject) => {
    child.once('error', reject);
    child.once('exit', (code) => reject(new Error(`server exited with ${code}`)));
    child.on('message', (m) => {
      if (m?.type === 'ready') resolve({ url: m.url, stop: () => child.send({ type: 'stop' }), child });
    });
  });
}

/** Raw RS256 signatures per second on one core: the same key, a payload shaped like a session token. */
function rawSigningRate(pem) {
  const key = createPrivateKey(pem);
  const header = Buffer.from(JSON.stringify({ alg: 'RS256', kid: 'k', typ: 'JWT' })).toString('base64url');
  let n = 0;
  const end = performance.now() + 3000;
  while (performance.now() < end) {
    const iat = Math.floor(Date.now() / 1000);
    const payload = Buffer.from(JSON.stringify({ azp: ORIGIN, exp: iat + 60, fva: [0, -1], iat, iss: 'http://127.0.0.1:4999', nbf: iat - 10, sid: `sess_${n}`, sts: 'active', sub: `user_${n}`, v: 2 })).toString('base64url');
    sign('sha256', Buffer.from(`${header}.${payload}`), key);
    n++;
  }
  return n / 3;
}

/** argon2id hashes per second with the server's parameters and `concurrency` in flight. */
async function rawArgonRate(concurrency) {
  let n = 0;
  const cpu0 = process.cpuUsage();
  const end = performance.now() + 5000;
  await Promise.all(
    Array.from({ length: concurrency }, async () => {
      while (performance.now() < end) {
        await argon2Hash(PASSWORD, { algorithm: 2, version: 1, memoryCost: 19456, timeCost: 2, parallelism: 1 });
        n++;
      }
    }),
  );
  const cpu = process.cpuUsage(cpu0);
  return { rate: n / 5, cpuMsPerHash: (cpu.user + cpu.system) / 1000 / n };
}

/** User + system (`all`) and system-only (`sys`) CPU ms so far of a process or thread, from its `stat` (Linux). */
function statCpuMs(path) {
  const fields = readFileSync(path, 'utf8').split(') ')[1].split(' ');
  return { all: ((Number(fields[11]) + Number(fields[12])) * 1000) / 100, sys: (Number(fields[12]) * 1000) / 100 };
}

/** The same for each of a process's threads, by thread id. */
function threadCpuMs(pid) {
  const out = new Map();
  for (const tid of readdirSync(`/proc/${pid}/task`)) {
    try {
      out.set(tid, statCpuMs(`/proc/${pid}/task/${tid}/stat`));
    } catch {
      // the thread ended
    }
  }
  return out;
}

/**
 * The server's CPU per sign-in by kind of thread between two `threadCpuMs` readings: the main thread, the
 * threads that ran argon2id (libuv's pool: each busy for milliseconds a sign-in) and the rest (V8's
 * helpers, mostly the garbage collector's).
 */
function threadSummary(pid, before, after, n) {
  let workers = 0;
  let workersSys = 0;
  let other = 0;
  let main = { all: 0, sys: 0 };
  for (const [tid, t] of after) {
    const d = { all: (t.all - (before.get(tid)?.all ?? 0)) / n, sys: (t.sys - (before.get(tid)?.sys ?? 0)) / n };
    if (tid === String(pid)) main = d;
    else if (d.all > 1) {
      workers += d.all;
      workersSys += d.sys;
    } else other += d.all;
  }
  return { main, workers, workersSys, other };
}

function percentile(sorted, p) {
  return sorted[Math.min(sorted.length - 1, Math.floor((p / 100) * sorted.length))] ?? 0;
}

async function tokens(url, sessions) {
  let i = 0;
  const run = (duration) =>
    autocannon({
      url,
      connections: Number(opt.connections),
      duration,
      requests: [
        {
          method: 'POST',
          setupRequest: (req) => {
            const s = sessions[i++ % sessions.length];
            return {
              ...req,
              path: `/fapi/v1/client/sessions/${s.sid}/tokens?${QUERY}`,
              headers: { cookie: s.cookie, origin: ORIGIN, 'content-type': 'application/x-www-form-urlencoded', 'x-forwarded-for': `10.0.${i % 250}.${i % 200}` },
              body: 'organization_id=',
            };
          },
        },
      ],
    });
  await run(3);
  const r = await run(DURATION);
  const bad = r.non2xx + r.errors + r.timeouts;
  return { rps: r.requests.average, p50: r.latency.p50, p99: r.latency.p99, bad };
}

/**
 * The sign-in load's HTTP client: one kept-alive HTTP/1.1 connection per worker over `node:net`, requests
 * written as one string, responses parsed just enough (status line, Content-Length, body). The load runs
 * on the same two cores as the server, so its own CPU is taken from the server: `fetch` (undici) cost
 * about 1.3 ms of it a request here, `node:http` 0.5 ms, this about a tenth of a millisecond. A server
 * measured from another machine would not pay for its load generator at all.
 */
function connect(url) {
  const { hostname, port } = new URL(url);
  const socket = net.connect({ host: hostname, port: Number(port), noDelay: true });
  let buffer = Buffer.alloc(0);
  let waiting = null; // { resolve, reject }
  const settle = () => {
    if (!waiting) return;
    const end = buffer.indexOf('\r\n\r\n');
    if (end < 0) return;
    const head = buffer.subarray(0, end).toString('latin1');
    const length = /\r\ncontent-length: *(\d+)/i.exec(head);
    if (!length) return waiting.reject(new Error(`response without Content-Length: ${head.slice(0, 200)}`));
    const total = end + 4 + Number(length[1]);
    if (buffer.length < total) return;
    const status = Number(head.slice(9, 12));
    const body = buffer.subarray(end + 4, total).toString('utf8');
    buffer = buffer.subarray(total);
    const w = waiting;
    waiting = null;
    w.resolve({ status, body });
  };
  socket.on('data', (chunk) => {
    buffer = buffer.length ? Buffer.concat([buffer, chunk]) : chunk;
    settle();
  });
  socket.on('error', (err) => waiting?.reject(err));
  return {
    post(path, headers, body) {
      return new Promise((resolve, reject) => {
        waiting = { resolve, reject };
        let head = `POST ${path} HTTP/1.1\r\nhost: ${hostname}:${port}\r\ncontent-length: ${Buffer.byteLength(body)}\r\n`;
        for (const [k, v] of Object.entries(headers)) head += `${k}: ${v}\r\n`;
        socket.write(`${head}\r\n${body}`);
      });
    },
    close: () => socket.destroy(),
  };
}

async function signIns(url, emails, seconds = DURATION) {
  const latencies = [];
  let bad = 0;
  let n = 0;
  const end = performance.now() + seconds * 1000;
  let k = 0;
  await Promise.all(
    Array.from({ length: WORKERS }, async () => {
      const connection = connect(url);
      try {
        while (performance.now() < end) {
          const email = emails[k++ % emails.length];
          const t0 = performance.now();
          const res = await connection.post(
            `/fapi/v1/client/sign_ins?${QUERY}`,
            { origin: ORIGIN, 'content-type': 'application/x-www-form-urlencoded', 'x-forwarded-for': `10.1.${k % 250}.${k % 200}` },
            new URLSearchParams({ identifier: email, strategy: 'password', password: PASSWORD }).toString(),
          );
          const body = JSON.parse(res.body);
          latencies.push(performance.now() - t0);
          if (res.status !== 200 || body.response?.status !== 'complete') bad++;
          n++;
        }
      } finally {
        connection.close();
      }
    }),
  );
  latencies.sort((a, b) => a - b);
  return { rps: n / seconds, p50: percentile(latencies, 50), p99: percentile(latencies, 99), bad };
}

let server;
try {
  const { sessions, withPasswords, signingKey } = await setUp();
  const rows = [];
  let failed = false;
  let peerRatio = null;
  let cpuNote = null;
  if (opt.only === 'all' || opt.only === 'tokens') {
    const raw = rawSigningRate(signingKey.private_pem);
    server = await startSignPeer(signingKey.private_pem);
    const peer = await tokens(server.url, sessions);
    server.stop();
    server = await startServer();
    const r = await tokens(server.url, sessions);
    server.stop();
    server = undefined;
    failed ||= r.bad > 0 || peer.bad > 0;
    rows.push(['bare node:http that only signs (peer)', peer, raw, 'RS256 signs/s, one core', null]);
    rows.push(['token refresh (POST …/tokens)', r, raw, 'RS256 signs/s, one core', 0.6]);
    peerRatio = r.rps / peer.rps;
  }
  if (opt.only === 'all' || opt.only === 'signin') {
    const { rate: raw, cpuMsPerHash } = await rawArgonRate(WORKERS);
    const signMs = 1000 / rawSigningRate(signingKey.private_pem);
    server = await startServer();
    // A short warm-up, so the measured run sees warm caches and no first-use costs.
    await signIns(server.url, withPasswords, 2).catch(() => undefined);
    const cpu0 = statCpuMs(`/proc/${server.child.pid}/stat`).all;
    const threads0 = threadCpuMs(server.child.pid);
    const client0 = process.cpuUsage();
    const r = await signIns(server.url, withPasswords);
    const clientCpu = process.cpuUsage(client0);
    const threads1 = threadCpuMs(server.child.pid);
    const serverCpu = (statCpuMs(`/proc/${server.child.pid}/stat`).all - cpu0) / (r.rps * DURATION);
    server.stop();
    const t = threadSummary(server.child.pid, threads0, threads1, r.rps * DURATION);
    const clientMs = (clientCpu.user + clientCpu.system) / 1000 / (r.rps * DURATION);
    cpuNote =
      `server CPU per sign-in by thread: main ${fmt(t.main.all, 2)} ms (${fmt(t.main.sys, 2)} in the kernel), argon2id's worker threads ${fmt(t.workers, 2)} ms (${fmt(t.workersSys, 2)} in the kernel; raw argon2id ${fmt(cpuMsPerHash, 2)} ms), other threads ${fmt(t.other, 2)} ms; ` +
      `the load generator (this process, on the same cores): ${fmt(clientMs, 2)} ms\n` +
      `password sign-in, CPU per request: server ${fmt(serverCpu, 2)} ms = argon2id ${fmt(cpuMsPerHash, 2)} ms (raw, same parameters and concurrency) + ${fmt(serverCpu - cpuMsPerHash, 2)} ms for the rest (HTTP, the database writes, the response, and the session token's RS256 signature: ${fmt(signMs, 2)} ms raw)`;
    server = undefined;
    failed ||= r.bad > 0;
    rows.push(['password sign-in (create + password)', r, raw, `argon2id/s, ${WORKERS} in flight`, 0.9]);
  }
  console.log('');
  console.log('| flow | req/s | p50 ms | p99 ms | limit measured | limit/s | ratio | target |');
  console.log('|---|---:|---:|---:|---|---:|---:|---|');
  for (const [name, r, raw, what, target] of rows) {
    const ratio = r.rps / raw;
    const verdict = target === null ? '(reference)' : `≥ ${target}× ${ratio >= target ? 'met' : 'MISSED'}`;
    console.log(`| ${name} | ${fmt(r.rps)} | ${fmt(r.p50, 1)} | ${fmt(r.p99, 1)} | ${what} | ${fmt(raw)} | ${fmt(ratio, 2)}× | ${verdict} |`);
  }
  if (peerRatio !== null) console.log(`\ntoken refresh: Latch / bare signing node:http server = ${fmt(peerRatio, 2)}×`);
  if (cpuNote !== null) console.log(`\n${cpuNote}`);
  if (failed) {
    console.error('some requests failed or were not 2xx');
    process.exitCode = 1;
  }
} finally {
  server?.stop();
  rmSync(dir, { recursive: true, force: true });
}
