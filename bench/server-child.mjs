/**
 * Runs the real Latch server (built code) in its own process for bench/users.mjs, so the load generator
 * never shares the server's event loop. Configuration comes from the environment (LATCH_*), exactly as
 * `latch start` reads it. Reports `{ type: 'ready', url }` over IPC, stops on `{ type: 'stop' }` or when
 * the parent goes away.
 */
import { resolveConfig, startServer } from '../packages/server/dist/index.js';

const config = resolveConfig(process.env);
const server = await startServer(config);

let stopping = false;
async function stop(code) {
  if (stopping) return;
  stopping = true;
  try {
    await server.close();
  } finally {
    // process.exit still writes a --cpu-prof profile.
    process.exit(code);
  }
}

process.on('message', (m) => {
  if (m && m.type === 'stop') void stop(0);
});
// Parent exited or crashed: never outlive it.
process.on('disconnect', () => void stop(0));

process.send({ type: 'ready', url: server.url, pid: process.pid });
