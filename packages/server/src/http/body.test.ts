import { request } from 'node:http';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startTestServer, type TestServer } from '../test/harness.js';

/** Sends `chunks` as a chunked (length-less) or fixed-length body; the status, body and Connection header. */
function send(t: TestServer, path: string, chunks: string[], chunked: boolean): Promise<{ status: number; body: string; connection: string | undefined }> {
  return new Promise((resolve, reject) => {
    const url = new URL(path, t.url);
    const total = chunks.reduce((n, c) => n + Buffer.byteLength(c), 0);
    const req = request(url, {
      method: 'POST',
      headers: { authorization: `Bearer ${t.secretKey}`, 'content-type': 'application/json', ...(chunked ? { 'transfer-encoding': 'chunked' } : { 'content-length': String(total) }) },
    });
    req.on('response', (res) => {
      let body = '';
      res.on('data', (d: Buffer) => (body += d.toString()));
      res.on('end', () => resolve({ status: res.statusCode ?? 0, body, connection: res.headers.connection }));
    });
    // The server may answer (and close) before the whole of an oversized body is written.
    req.on('error', (err: NodeJS.ErrnoException) => (err.code === 'EPIPE' || err.code === 'ECONNRESET' ? undefined : reject(err)));
    for (const c of chunks) req.write(c);
    req.end();
  });
}

describe('request bodies', () => {
  let t: TestServer;
  beforeAll(async () => {
    t = await startTestServer('sqlite');
  });
  afterAll(async () => {
    await t.close();
  });

  it('reads a chunked JSON body like a fixed-length one', async () => {
    const json = JSON.stringify({ email_address: ['chunked@example.com'], first_name: 'Chunk' });
    const r = await send(t, '/v1/users', [json.slice(0, 10), json.slice(10)], true);
    expect(r.status).toBe(200);
    expect(JSON.parse(r.body)).toMatchObject({ first_name: 'Chunk' });
  });

  it('refuses a body over the limit, with or without a length, and closes the connection', async () => {
    const big = `{"first_name":"${'x'.repeat(1024 * 1024)}"}`;
    for (const chunked of [false, true]) {
      const r = await send(t, '/v1/users', chunked ? [big.slice(0, 600_000), big.slice(600_000)] : [big], chunked);
      expect(r.status).toBe(400);
      expect(JSON.parse(r.body)).toMatchObject({ errors: [{ code: 'request_body_invalid' }] });
      expect(r.connection).toBe('close');
    }
    const count = (await (await t.api('/users/count')).json()) as { total_count: number };
    expect(count.total_count).toBe(1);
  });
});
