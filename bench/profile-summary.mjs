/**
 * Summarizes a V8 .cpuprofile (from `node bench/users.mjs --cpu-prof`) by layer:
 * `node bench/profile-summary.mjs <file.cpuprofile> [--last 10] [--requests N] [--top 25]`.
 *
 * --last S      only samples from the last S seconds before the profile ends (e.g. the measured run)
 * --requests N  responses served in that window, to print µs per request (users.mjs prints req/s)
 *
 * Prints self time grouped by package / Latch module / Node internals, then inclusive time of a few
 * functions that delimit layers (SQL execution, validation, serialization …), then the top functions.
 */
import { readFileSync } from 'node:fs';
import { parseArgs } from 'node:util';

const { values: opt, positionals } = parseArgs({
  allowPositionals: true,
  options: { last: { type: 'string' }, requests: { type: 'string' }, top: { type: 'string', default: '25' } },
});
if (!positionals[0]) {
  console.error('usage: node bench/profile-summary.mjs <file.cpuprofile> [--last S] [--requests N]');
  process.exit(1);
}
const profile = JSON.parse(readFileSync(positionals[0], 'utf8'));
const byId = new Map(profile.nodes.map((n) => [n.id, n]));
for (const n of profile.nodes) for (const c of n.children ?? []) byId.get(c).parent = n.id;

/** Layer of one frame, from its script URL and function name. */
function category(frame) {
  const { url, functionName } = frame.callFrame;
  if (!url) {
    if (/^\((garbage collector|idle|program|root)\)$/.test(functionName)) return functionName;
    return `native: ${functionName || '(anonymous)'}`;
  }
  let m = /node_modules\/((?:@[^/]+\/)?[^/]+)\//.exec(url);
  if (m) return m[1] === 'better-sqlite3' ? 'better-sqlite3 (JS)' : m[1];
  m = /packages\/(server|core)\/dist\/(.+?)\.js/.exec(url);
  if (m) return `latch ${m[1]}: ${m[2].replace(/^domains\//, '')}`;
  m = /^node:(?:internal\/)?(.+)$/.exec(url);
  if (m) return `node: ${m[1].replace(/\/.*$/, '')}`;
  return url;
}

// Time of each sample: the delta to the next one.
const { samples, timeDeltas } = profile;
const times = [];
let t = profile.startTime;
for (let i = 0; i < samples.length; i++) {
  t += timeDeltas[i];
  times.push(t);
}
const end = times[times.length - 1];
const from = opt.last ? end - Number(opt.last) * 1e6 : -Infinity;

const self = new Map();
const fn = new Map();
const inclusive = new Map();
const LAYERS = [
  // Native better-sqlite3 calls are charged to their JS caller, so this is SQLite's own time plus the driver.
  ['SQL: Kysely SqliteDriver.executeQuery (incl. native SQLite)', (f) => f.functionName === 'executeQuery' && /sqlite-driver/.test(f.url)],
  ['zod validation (parseOrThrow)', (f) => f.functionName === 'parseOrThrow'],
  ['readQuery (query-string extraction)', (f) => f.functionName === 'readQuery'],
  ['userJSON (serialize)', (f) => f.functionName === 'userJSON'],
  ["hono c.json (incl. JSON.stringify)", (f) => f.functionName === 'json' && /hono\/dist\/context/.test(f.url)],
  ['newTraceId', (f) => f.functionName === 'newTraceId'],
  ['full undici Request built for .body (node-server get body)', (f) => f.functionName === 'get body' && /node-server/.test(f.url)],
  ['node-server response write (responseViaCache …)', (f) => /^responseVia/.test(f.functionName) && /node-server/.test(f.url)],
  ['Kysely query build + compile', (f) => /^(compile|compileQuery)$/.test(f.functionName) && /kysely/.test(f.url)],
  ['garbage collector', (f) => f.functionName === '(garbage collector)'],
];
let total = 0;
let busy = 0;
for (let i = 0; i < samples.length; i++) {
  if (times[i] < from) continue;
  const dt = (i + 1 < samples.length ? timeDeltas[i + 1] : 0) / 1000; // ms
  const leaf = byId.get(samples[i]);
  total += dt;
  const cat = category(leaf);
  if (cat === '(idle)') continue;
  busy += dt;
  self.set(cat, (self.get(cat) ?? 0) + dt);
  const key = `${leaf.callFrame.functionName || '(anonymous)'}  ${leaf.callFrame.url.replace(/^.*\/(node_modules|packages)\//, '')}:${leaf.callFrame.lineNumber + 1}`;
  fn.set(key, (fn.get(key) ?? 0) + dt);
  const seen = new Set();
  for (let n = leaf; n; n = byId.get(n.parent)) {
    for (const [name, test] of LAYERS) if (!seen.has(name) && test(n.callFrame)) seen.add(name);
  }
  for (const name of seen) inclusive.set(name, (inclusive.get(name) ?? 0) + dt);
}

const requests = opt.requests ? Number(opt.requests) : null;
const fmt = (ms) => `${ms.toFixed(0).padStart(7)} ms ${((100 * ms) / busy).toFixed(1).padStart(5)}%${requests ? `${((ms * 1000) / requests).toFixed(1).padStart(8)} µs/req` : ''}`;
console.log(`window ${(total / 1000).toFixed(1)} s, busy (not idle) ${(busy / 1000).toFixed(1)} s = ${((100 * busy) / total).toFixed(0)}%${requests ? `, ${requests} requests` : ''}`);
console.log('\nself time by layer (leaf frame):');
for (const [k, v] of [...self].sort((a, b) => b[1] - a[1]).slice(0, 30)) console.log(`  ${k.padEnd(48)} ${fmt(v)}`);
console.log('\ninclusive time of layer-delimiting functions (synchronous stacks only: work resumed after an await has no caller):');
for (const [name] of LAYERS) console.log(`  ${name.padEnd(62)} ${fmt(inclusive.get(name) ?? 0)}`);
console.log(`\ntop ${opt.top} functions by self time:`);
for (const [k, v] of [...fn].sort((a, b) => b[1] - a[1]).slice(0, Number(opt.top))) console.log(`  ${fmt(v)}  ${k}`);
