import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { pino } from 'pino';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { freshDatabase, openTestStorage, testDialects, type TestDatabase } from '../test/harness.js';
import { type Storage } from '../storage/database.js';
import { migrateToLatest } from '../storage/migrations.js';
import { enqueueSms, getMessage } from './queue.js';
import { createTwilioTransport, type SmsTransport } from './transports.js';
import { createDeliveryWorker } from './worker.js';

const SID = 'AC0123456789abcdef0123456789abcdef';
const TOKEN = 'secret-token';
const FROM = '+15005550006';

interface TwilioRequest {
  to: string | null;
  from: string | null;
  messagingServiceSid: string | null;
  body: string | null;
}

/** What the mock answers next: Twilio's success, or a status with Twilio's error body. */
type Mode = { status: 201 } | { status: number; code: number; message: string };

/**
 * A local imitation of Twilio's Messages endpoint. Requests with the wrong path, method, credentials or
 * content type get 404/401/415, so a transport that gets them wrong fails the tests.
 */
async function startTwilio(): Promise<{ url: string; requests: TwilioRequest[]; setMode(mode: Mode): void; close(): Promise<void> }> {
  const requests: TwilioRequest[] = [];
  let mode: Mode = { status: 201 };
  const answer = (res: ServerResponse, status: number, body: unknown) => {
    res.writeHead(status, { 'content-type': 'application/json' });
    res.end(JSON.stringify(body));
  };
  const server: Server = createServer((req: IncomingMessage, res: ServerResponse) => {
    const chunks: Buffer[] = [];
    req.on('data', (c: Buffer) => chunks.push(c));
    req.on('end', () => {
      if (req.method !== 'POST' || req.url !== `/2010-04-01/Accounts/${SID}/Messages.json`) {
        return answer(res, 404, { code: 20404, message: 'The requested resource was not found', status: 404 });
      }
      if (req.headers.authorization !== `Basic ${Buffer.from(`${SID}:${TOKEN}`).toString('base64')}`) {
        return answer(res, 401, { code: 20003, message: 'Authenticate', status: 401 });
      }
      if (!req.headers['content-type']?.startsWith('application/x-www-form-urlencoded')) {
        return answer(res, 415, { code: 20415, message: 'Unsupported media type', status: 415 });
      }
      const form = new URLSearchParams(Buffer.concat(chunks).toString('utf8'));
      requests.push({ to: form.get('To'), from: form.get('From'), messagingServiceSid: form.get('MessagingServiceSid'), body: form.get('Body') });
      if (mode.status !== 201) {
        const failure = mode as { status: number; code: number; message: string };
        return answer(res, failure.status, { code: failure.code, message: failure.message, more_info: 'https://www.twilio.com/docs/errors', status: failure.status });
      }
      answer(res, 201, { sid: `SM${String(requests.length).padStart(32, '0')}`, status: 'queued', to: form.get('To'), body: form.get('Body') });
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  return {
    url: `http://127.0.0.1:${port}`,
    requests,
    setMode(next) {
      mode = next;
    },
    close: () =>
      new Promise<void>((resolve) => {
        server.close(() => resolve());
        // fetch keeps connections alive; without this close() would wait for them to time out.
        server.closeAllConnections();
      }),
  };
}

const silent = pino({ level: 'silent' });

describe.each(testDialects())('Twilio SMS delivery on %s', (dialect) => {
  let database: TestDatabase;
  let storage: Storage;
  let twilio: Awaited<ReturnType<typeof startTwilio>>;
  let sms: SmsTransport;
  let clock: number;

  function worker(transport: SmsTransport = sms) {
    return createDeliveryWorker({ db: storage.db, dialect, logger: silent, email: null, sms: transport, now: () => clock, backoff: () => 2_000 });
  }

  beforeAll(async () => {
    database = freshDatabase(dialect);
    storage = await openTestStorage(database);
    await migrateToLatest(storage);
    twilio = await startTwilio();
    sms = createTwilioTransport({ accountSid: SID, authToken: TOKEN, from: FROM, apiUrl: `${twilio.url}/` }, { timeoutMs: 5_000 });
  });
  afterAll(async () => {
    await twilio.close();
    await storage.close();
    await database.cleanup();
  });
  beforeEach(async () => {
    await storage.db.deleteFrom('messages').execute();
    twilio.requests.length = 0;
    twilio.setMode({ status: 201 });
    clock = Date.now();
  });

  it('sends To, From and Body with Basic auth and records the message sid', async () => {
    const m = await enqueueSms(storage.db, { to: '+15555550100', body: 'Your code is 123456 & more' }, clock);
    expect(await worker().runOnce()).toBe(1);
    expect(twilio.requests).toEqual([{ to: '+15555550100', from: FROM, messagingServiceSid: null, body: 'Your code is 123456 & more' }]);
    expect(await getMessage(storage.db, m.id)).toMatchObject({
      status: 'delivered',
      attempts: 1,
      provider_message_id: `SM${'1'.padStart(32, '0')}`,
      last_error: null,
    });
  });

  it('retries after a 500, then delivers', async () => {
    twilio.setMode({ status: 500, code: 20500, message: 'Internal Server Error' });
    const w = worker();
    const m = await enqueueSms(storage.db, { to: '+15555550101', body: 'retry me' }, clock);
    expect(await w.runOnce()).toBe(1);
    const queued = await getMessage(storage.db, m.id);
    expect(queued).toMatchObject({ status: 'queued', attempts: 1, next_attempt_at: clock + 2_000 });
    expect(queued?.last_error).toBe('Twilio 500 (code 20500): Internal Server Error');

    twilio.setMode({ status: 201 });
    expect(await w.runOnce()).toBe(0);
    clock += 2_000;
    expect(await w.runOnce()).toBe(1);
    expect(await getMessage(storage.db, m.id)).toMatchObject({ status: 'delivered', attempts: 2, last_error: null });
    expect(twilio.requests).toHaveLength(2);
  });

  it('retries when rate limited (429)', async () => {
    twilio.setMode({ status: 429, code: 20429, message: 'Too Many Requests' });
    const m = await enqueueSms(storage.db, { to: '+15555550102', body: 'slow down' }, clock);
    await worker().runOnce();
    expect(await getMessage(storage.db, m.id)).toMatchObject({ status: 'queued', attempts: 1 });
  });

  it('fails for good on a 400', async () => {
    twilio.setMode({ status: 400, code: 21211, message: "The 'To' number +1555 is not a valid phone number." });
    const w = worker();
    const m = await enqueueSms(storage.db, { to: '+1555', body: 'nope' }, clock);
    expect(await w.runOnce()).toBe(1);
    const failed = await getMessage(storage.db, m.id);
    expect(failed).toMatchObject({ status: 'failed', attempts: 1, delivered_at: null });
    expect(failed?.last_error).toBe("Twilio 400 (code 21211): The 'To' number +1555 is not a valid phone number.");
    clock += 3_600_000;
    expect(await w.runOnce()).toBe(0);
    expect(twilio.requests).toHaveLength(1);
  });

  it('fails on wrong credentials (401) rather than retrying', async () => {
    const wrong = createTwilioTransport({ accountSid: SID, authToken: 'nope', from: FROM, apiUrl: twilio.url });
    const m = await enqueueSms(storage.db, { to: '+15555550103', body: 'x' }, clock);
    await worker(wrong).runOnce();
    const row = await getMessage(storage.db, m.id);
    expect(row).toMatchObject({ status: 'failed' });
    expect(row?.last_error).toContain('Twilio 401');
  });

  it('retries when the provider cannot be reached', async () => {
    const closed = await startTwilio();
    await closed.close();
    const unreachable = createTwilioTransport({ accountSid: SID, authToken: TOKEN, from: FROM, apiUrl: closed.url });
    const m = await enqueueSms(storage.db, { to: '+15555550104', body: 'x' }, clock);
    await worker(unreachable).runOnce();
    const row = await getMessage(storage.db, m.id);
    expect(row).toMatchObject({ status: 'queued', attempts: 1 });
    expect(row?.last_error).toMatch(/^Twilio request failed: .*ECONNREFUSED/);
  });

  it('sends a Messaging Service SID as MessagingServiceSid', async () => {
    const service = `MG${'a'.repeat(32)}`;
    const viaService = createTwilioTransport({ accountSid: SID, authToken: TOKEN, from: service, apiUrl: twilio.url });
    await enqueueSms(storage.db, { to: '+15555550105', body: 'x' }, clock);
    await worker(viaService).runOnce();
    expect(twilio.requests).toEqual([{ to: '+15555550105', from: null, messagingServiceSid: service, body: 'x' }]);
  });
});
