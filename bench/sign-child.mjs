/**
 * The peer of bench/auth.mjs's token refresh: a bare `node:http` server, in its own process like the
 * Latch server, that answers every POST with a freshly signed RS256 token shaped like a session token
 * (`{ object: 'token', jwt }`), with the same key. It reads the body, signs and writes, nothing else: no
 * routing, cookies, database or validation. Its rate is what one Node process can do for a request that
 * must sign once, on this machine, over loopback, with this load generator: the ceiling of any Node
 * token endpoint here, which raw signing alone does not show (it leaves out HTTP and the kernel).
 *
 * The key arrives over IPC: `{ type: 'key', pem }`.
 */
import { createPrivateKey, sign } from 'node:crypto';
import { createServer } from 'node:http';

const pem = await new Promise((resolve) => {
  process.on('message', function onMessage(m) {
    if (m && m.type === 'key') {
      process.off('message', onMessage);
      resolve(m.pem);
    }
  });
  process.send({ type: 'waiting' });
});
const key = createPrivateKey(pem);
const header = Buffer.from(JSON.stringify({ alg: 'RS256', kid: 'k', typ: 'JWT' })).toString('base64url');
let n = 0;

const server = createServer((req, res) => {
  const chunks = [];
  req.on('data', (c) => chunks.push(c));
  req.on('end', () => {
    const iat = Math.floor(Date.now() / 1000);
    const payload = Buffer.from(JSON.stringify({ azp: req.headers.origin, exp: iat + 60, fva: [0, -1], iat, iss: 'http://127.0.0.1:4999', nbf: iat - 10, sid: `sess_${n}`, sts: 'active', sub: `user_${n++}`, v: 2 })).toString('base64url');
    const input = `${header}.${payload}`;
    const body = JSON.stringify({ object: 'token', jwt: `${input}.${sign('sha256', Buffer.from(input), key).toString('base64url')}` });
    res.writeHead(200, { 'content-type': 'application/json', 'content-length': String(Buffer.byteLength(body)) });
    res.end(body);
  });
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
