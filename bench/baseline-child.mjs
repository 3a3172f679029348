/**
 * The baseline for bench/users.mjs: a bare `node:http` server, in its own process like the Latch server,
 * that answers every request with a fixed, pre-encoded JSON body. It does no routing beyond picking one
 * of two bodies, no auth, no database and no serialization, so its throughput is what this machine, this
 * Node version, loopback TCP and this load generator can do for responses of the same size: the ceiling
 * any Node HTTP server could reach here.
 *
 * Bodies arrive over IPC: `{ type: 'bodies', user: string, list: string }`. `GET /v1/users?…` gets the
 * list body, every other path the single-user body.
 */
import { Buffer } from 'node:buffer';
import { createServer } from 'node:http';

const bodies = await new Promise((resolve) => {
  process.on('message', function onMessage(m) {
    if (m && m.type === 'bodies') {
      process.off('message', onMessage);
      resolve({ user: Buffer.from(m.user, 'utf8'), list: Buffer.from(m.list, 'utf8') });
    }
  });
  process.send({ type: 'waiting' });
});

const userHeaders = { 'content-type': 'application/json', 'content-length': String(bodies.user.length) };
const listHeaders = { 'content-type': 'application/json', 'content-length': String(bodies.list.length) };

const server = createServer((req, res) => {
  const isList = req.url.startsWith('/v1/users?');
  res.writeHead(200, isList ? listHeaders : userHeaders);
  res.end(isList ? bodies.list : bodies.user);
});

server.listen(0, '127.0.0.1', () => {
  const { port } = server.address();
  process.send({ type: 'ready', url: `http://127.0.0.1:${port}`, pid: process.pid });
});

function stop() {
  server.close(() => process.exit(0));
  server.closeAllConnections();
}
process.on('message', (m) => {
  if (m && m.type === 'stop') stop();
});
process.on('disconnect', stop);
