/**
 * Where a password sign-in's CPU goes, apart from argon2id: `npm run build && node bench/signin-layers.mjs`.
 *
 * Everything runs on a fresh SQLite database, sequentially (one sign-in at a time, so no two requests
 * compete for the event loop), and every figure is CPU time of a main thread (this process's, or the
 * server child's) from /proc/<pid>/task/<pid>/schedstat (nanoseconds): argon2id itself runs on the native
 * library's worker threads and is not in these figures, except for the part the main thread does to
 * start a hash and take its result, which is measured on its own. Each layer is the difference of two
 * measured levels:
 *
 *   argon2id (main thread)   crypto verifyPassword alone
 *   RS256                    the session token's signature alone (same key, same claims)
 *   sign-in service          signIns.create (identifier + password, a new client each time) minus argon2id
 *   HTTP and the response    the real server (bench/server-child.mjs, its own process, same database)
 *                            answering over loopback, its main thread per sign-in, minus the service
 *                            and the signature: HTTP, routing, form parsing, validation, rate limits,
 *                            cookies, the sign-in and client JSON, the memberships read
 *
 * Options: --rounds N (default 300 sign-ins per level), --users N (default 64).
 */
/* global fetch */
import { fork } from 'node:child_process';
import { readFileSync, mkdtempSync, rmSync } from 'node:fs';
import os from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { parseArgs } from 'node:util';
import { newSecretKey } from '../packages/core/dist/index.js';
import { createServices, resolveConfig } from '../packages/server/dist/index.js';
import { verifyPassword } from '../packages/server/dist/crypto/passwords.js';

const HERE = fileURLToPath(new URL('.', import.meta.url));
const { values: opt } = parseArgs({ options: { rounds: { type: 'string', default: '300' }, users: { type: 'string', default: '64' } } });
const ROUNDS = Number(opt.rounds);
const USERS = Number(opt.users);
const PASSWORD = 'correct horse battery staple';

/** CPU time of the main thread so far, in µs (ns resolution). */
function mainCpuUs() {
  return Number(readFileSync(`/proc/${process.pid}/task/${process.pid}/schedstat`, 'utf8').split(' ')[0]) / 1000;
}

async function perOp(n, fn) {
  for (let i = 0; i < Math.min(20, n); i++) await fn(i); // warm-up
  const t0 = mainCpuUs();
  for (let i = 0; i < n; i++) await fn(i);
  return (mainCpuUs() - t0) / n;
}

const dir = mkdtempSync(join(os.tmpdir(), 'latch-bench-layers-'));
try {
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
  const config = resolveConfig(env);
  const services = await createServices(config);
  const emails = [];
  for (let i = 0; i < USERS; i++) {
    const email = `layer${i}@example.com`;
    await services.users.create({ emailAddresses: [email], password: PASSWORD, skipPasswordChecks: true });
    emails.push(email);
  }
  const digest = (await services.storage.db.selectFrom('passwords').select('digest').executeTakeFirstOrThrow()).digest;
  // Each level uses its own share of the users, so the per-identifier limit (20 per 10 minutes) holds.
  let next = 0;
  const email = () => emails[next++ % emails.length];

  const argon = await perOp(ROUNDS, () => verifyPassword(PASSWORD, 'argon2id', digest));
  const claims = { azp: config.appUrl, exp: 1, fva: [0, -1], iat: 1, iss: 'http://127.0.0.1:4999', nbf: 1, sid: 'sess_x', sts: 'active', sub: 'user_x', v: 2 };
  const rs256 = await perOp(ROUNDS, () => services.signer.sign(claims));
  const fresh = () => ({
    exists: false,
    ensure: async () => (await services.clients.create()).client.id,
    inTx: async (tx) => {
      const { client } = services.clients.draft();
      await services.clients.insertInTx(tx, client);
      return { client, created: true };
    },
  });
  const service = await perOp(ROUNDS, () => services.signIns.create(fresh(), { identifier: email(), strategy: 'password', password: PASSWORD }));
  await services.storage.close();
  // The real server in its own process, on the same database, answering over loopback HTTP one sign-in
  // at a time: its main thread's CPU per sign-in is the whole cost beside the hash.
  const child = fork(join(HERE, 'server-child.mjs'), [], { env: { ...process.env, ...env }, stdio: ['ignore', 'inherit', 'inherit', 'ipc'] });
  const url = await new Promise((resolve, reject) => {
    child.once('error', reject);
    child.on('message', (m) => m?.type === 'ready' && resolve(m.url));
  });
  const childCpuUs = () => Number(readFileSync(`/proc/${child.pid}/task/${child.pid}/schedstat`, 'utf8').split(' ')[0]) / 1000;
  const signInOverHttp = async (i) => {
    const res = await fetch(`${url}/fapi/v1/client/sign_ins?__clerk_api_version=2025-11-10&_clerk_js_version=5.128.0`, {
      method: 'POST',
      headers: { origin: config.appUrl, 'content-type': 'application/x-www-form-urlencoded', 'x-forwarded-for': `10.2.${i % 250}.${i % 200}` },
      body: new URLSearchParams({ identifier: email(), strategy: 'password', password: PASSWORD }).toString(),
    });
    const json = await res.json();
    if (res.status !== 200 || json.response?.status !== 'complete') throw new Error(`sign-in failed: ${res.status} ${JSON.stringify(json).slice(0, 300)}`);
  };
  for (let i = 0; i < 20; i++) await signInOverHttp(i);
  const c0 = childCpuUs();
  for (let i = 0; i < ROUNDS; i++) await signInOverHttp(i);
  const whole = (childCpuUs() - c0) / ROUNDS;
  child.send({ type: 'stop' });

  const row = (name, us, note) => console.log(`| ${name} | ${us.toFixed(0)} | ${note} |`);
  console.log(`main-thread CPU per sign-in, ${ROUNDS} sequential sign-ins per level, load average ${os.loadavg().map((l) => l.toFixed(2)).join(' ')}\n`);
  console.log('| layer | µs | what |');
  console.log('|---|---:|---|');
  row('argon2id, main thread', argon, 'starting the hash on the worker pool and taking its result (crypto verifyPassword)');
  row('sign-in service without argon2id', service - argon, 'signIns.create: reads, the transaction, ids, rate-limit bookkeeping');
  row('HTTP and the response, without RS256', whole - service - rs256, 'server main thread minus the service and the signature: HTTP parsing and writing, routing, form, zod, cookies, sign-in and client JSON, the memberships read');
  row('RS256 session token', rs256, 'one signature, the same key and claims');
  row('total, without argon2id', whole - argon, 'the server main thread per sign-in over HTTP, minus the hash\'s own main-thread part');
} finally {
  rmSync(dir, { recursive: true, force: true });
}
