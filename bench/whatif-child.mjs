/**
 * What-if server for `node bench/users.mjs --what-if …`: the same Latch services and app (built code,
 * unchanged) wired as startServer() wires them, with bench-only changes around them that estimate what a
 * fix would buy. Never used by the default run. BENCH_WHATIF is a comma-separated list of:
 *
 *   get-no-body    GET/HEAD requests expose `body = null` up front, so hono's bodyLimit middleware
 *                  (`c.req.raw.body`) no longer makes @hono/node-server build a full undici Request and
 *                  AbortController for every bodiless request.
 *   pooled-random  crypto.randomBytes(n ≤ 64) served from a 4 KiB pool refilled by randomFillSync, so
 *                  newTraceId() stops making one RNG call per request.
 */
import { Buffer } from 'node:buffer';
import crypto from 'node:crypto';
import { syncBuiltinESMExports } from 'node:module';
import { serve } from '@hono/node-server';

const KNOWN = ['get-no-body', 'pooled-random'];
const whatIf = new Set((process.env.BENCH_WHATIF ?? '').split(',').filter(Boolean));
for (const w of whatIf) if (!KNOWN.includes(w)) throw new Error(`unknown what-if "${w}"; known: ${KNOWN.join(', ')}`);

if (whatIf.has('pooled-random')) {
  const original = crypto.randomBytes;
  const pool = Buffer.alloc(4096);
  let offset = pool.length;
  crypto.randomBytes = function pooledRandomBytes(size, callback) {
    if (callback || size > 64) return original.call(crypto, size, callback);
    if (offset + size > pool.length) {
      crypto.randomFillSync(pool);
      offset = 0;
    }
    const out = Buffer.from(pool.subarray(offset, offset + size));
    offset += size;
    return out;
  };
  syncBuiltinESMExports(); // `import { randomBytes } from 'node:crypto'` in the built code now sees this
}

// Imported after the patch above so every module binds the patched export.
const { resolveConfig, createApp, createServices } = await import('../packages/server/dist/index.js');

const config = resolveConfig(process.env);
const services = await createServices(config); // opens storage (with its statement cache), migrates, bootstraps
const app = createApp({ config, ...services });

const fetch = whatIf.has('get-no-body')
  ? (req, ...rest) => {
      if (req.method === 'GET' || req.method === 'HEAD') Object.defineProperty(req, 'body', { value: null });
      return app.fetch(req, ...rest);
    }
  : app.fetch;

const server = await new Promise((resolve) => {
  const s = serve({ fetch, port: config.port, hostname: config.host }, () => resolve(s));
});

let stopping = false;
function stop() {
  if (stopping) return;
  stopping = true;
  server.close(() => void services.storage.close().finally(() => process.exit(0)));
  server.closeAllConnections();
}
process.on('message', (m) => {
  if (m && m.type === 'stop') stop();
});
process.on('disconnect', stop);
process.send({ type: 'ready', url: `http://127.0.0.1:${server.address().port}`, pid: process.pid });
