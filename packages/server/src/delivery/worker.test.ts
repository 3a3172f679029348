import type { Selectable } from 'kysely';
import { pino, type Logger } from 'pino';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { freshDatabase, openTestStorage, testDialects, type TestDatabase } from '../test/harness.js';
import { type Storage } from '../storage/database.js';
import { migrateToLatest } from '../storage/migrations.js';
import type { MessageTable } from '../storage/schema.js';
import { readJson } from '../storage/schema.js';
import { enqueueEmail, enqueueSms, getMessage, listMessages } from './queue.js';
import { htmlToText } from './text.js';
import {
  PermanentDeliveryError,
  TransientDeliveryError,
  type EmailTransport,
  type SendResult,
  type SmsTransport,
} from './transports.js';
import { createDeliveryWorker, defaultBackoff, type DeliveryWorkerOptions } from './worker.js';

type Message = Selectable<MessageTable>;

const silent = pino({ level: 'silent' });

/** A pino logger whose lines are kept as parsed objects. */
function capturingLogger(): { logger: Logger; lines: Array<Record<string, unknown>> } {
  const lines: Array<Record<string, unknown>> = [];
  const logger = pino({ level: 'debug' }, { write: (line: string) => void lines.push(JSON.parse(line) as Record<string, unknown>) });
  return { logger, lines };
}

/** A transport whose behaviour each test scripts, counting sends per message id. */
function fakeTransport(behaviour: (msg: Message, call: number) => Promise<SendResult> | SendResult = () => ({ providerMessageId: 'p-1' })) {
  const sends = new Map<string, number>();
  const sent: Message[] = [];
  const transport: EmailTransport & SmsTransport = {
    async send(msg) {
      const call = (sends.get(msg.id) ?? 0) + 1;
      sends.set(msg.id, call);
      sent.push(msg);
      return behaviour(msg, call);
    },
  };
  return { transport, sends, sent };
}

/** A promise with its resolvers outside, to hold a send open. */
function deferred<T>() {
  let resolve!: (value: T) => void;
  let reject!: (err: unknown) => void;
  const promise = new Promise<T>((res, rej) => {
    resolve = res;
    reject = rej;
  });
  return { promise, resolve, reject };
}

async function waitFor(condition: () => Promise<boolean> | boolean, timeoutMs = 5_000): Promise<void> {
  const end = Date.now() + timeoutMs;
  while (!(await condition())) {
    if (Date.now() > end) throw new Error('timed out waiting');
    await new Promise((r) => setTimeout(r, 5));
  }
}

const email = { to: 'ada@example.com', subject: 'Your code', html: '<p>Your code is <b>123456</b></p>' };

describe.each(testDialects())('delivery worker on %s', (dialect) => {
  let database: TestDatabase;
  let storage: Storage;
  let clock: number;
  const now = () => clock;

  function worker(options: Partial<DeliveryWorkerOptions> & Pick<DeliveryWorkerOptions, 'email' | 'sms'>) {
    return createDeliveryWorker({ db: storage.db, dialect: storage.dialect, logger: silent, now, backoff: () => 1_000, ...options });
  }

  async function openSecond(): Promise<Storage> {
    return openTestStorage(database);
  }

  beforeAll(async () => {
    database = freshDatabase(dialect);
    storage = await openSecond();
    await migrateToLatest(storage);
  });
  afterAll(async () => {
    await storage.close();
    await database.cleanup();
  });
  beforeEach(async () => {
    await storage.db.deleteFrom('messages').execute();
    clock = 1_700_000_000_000;
  });

  it('enqueues in the caller’s transaction and lists newest first', async () => {
    const first = await enqueueEmail(storage.db, { ...email, slug: 'verification_code', data: { code: '123456' }, userId: 'user_1' }, clock);
    expect(first).toMatchObject({ kind: 'email', status: 'queued', attempts: 0, next_attempt_at: clock, to_address: 'ada@example.com', body_plain: null });
    expect(first.id).toMatch(/^ema_/);
    expect(readJson(first.data)).toEqual({ code: '123456' });
    const sms = await enqueueSms(storage.db, { to: '+15555550100', body: 'Code 1', phoneNumberId: 'idn_1' }, clock + 1);
    expect(sms.id).toMatch(/^sms_/);
    expect(await getMessage(storage.db, sms.id)).toMatchObject({ kind: 'sms', body: 'Code 1', phone_number_id: 'idn_1' });

    // A rolled-back transaction takes its message with it.
    await expect(
      storage.db.transaction().execute(async (trx) => {
        await enqueueEmail(trx, email, clock + 2);
        throw new Error('rollback');
      }),
    ).rejects.toThrow('rollback');

    expect((await listMessages(storage.db, { limit: 10 })).map((m) => m.id)).toEqual([sms.id, first.id]);
    expect((await listMessages(storage.db, { limit: 10, kind: 'email' })).map((m) => m.id)).toEqual([first.id]);
    expect((await listMessages(storage.db, { limit: 1, offset: 1 })).map((m) => m.id)).toEqual([first.id]);
    expect(await getMessage(storage.db, 'ema_missing')).toBeUndefined();
  });

  it('delivers e-mail and SMS and records the provider id', async () => {
    const mail = fakeTransport(() => ({ providerMessageId: '<x@latch>' }));
    const text = fakeTransport(() => ({ providerMessageId: 'SM1' }));
    const e = await enqueueEmail(storage.db, email, clock);
    const s = await enqueueSms(storage.db, { to: '+15555550100', body: 'Code 1' }, clock);
    const w = worker({ email: mail.transport, sms: text.transport });
    clock += 5;
    expect(await w.runOnce()).toBe(2);
    expect(await getMessage(storage.db, e.id)).toMatchObject({
      status: 'delivered',
      attempts: 1,
      delivered_at: clock,
      provider_message_id: '<x@latch>',
      lease_until: null,
      last_error: null,
    });
    expect(await getMessage(storage.db, s.id)).toMatchObject({ status: 'delivered', provider_message_id: 'SM1' });
    expect(mail.sent.map((m) => m.id)).toEqual([e.id]);
    expect(text.sent.map((m) => m.id)).toEqual([s.id]);
    expect(await w.runOnce()).toBe(0);
    expect(mail.sends.get(e.id)).toBe(1);
  });

  it('retries a transient failure after the back-off, then delivers', async () => {
    const mail = fakeTransport((_msg, call) => {
      if (call === 1) throw new TransientDeliveryError('421 try again later');
      if (call === 2) throw new Error('socket hang up'); // unknown errors are transient too
      return { providerMessageId: 'ok' };
    });
    const w = worker({ email: mail.transport, sms: null, backoff: (attempt) => attempt * 1_000 });
    const m = await enqueueEmail(storage.db, email, clock);

    expect(await w.runOnce()).toBe(1);
    expect(await getMessage(storage.db, m.id)).toMatchObject({
      status: 'queued',
      attempts: 1,
      next_attempt_at: clock + 1_000,
      last_error: '421 try again later',
      lease_until: null,
    });
    // Not due before the back-off has passed.
    clock += 999;
    expect(await w.runOnce()).toBe(0);
    clock += 1;
    expect(await w.runOnce()).toBe(1);
    expect(await getMessage(storage.db, m.id)).toMatchObject({ status: 'queued', attempts: 2, next_attempt_at: clock + 2_000, last_error: 'socket hang up' });
    clock += 2_000;
    expect(await w.runOnce()).toBe(1);
    expect(await getMessage(storage.db, m.id)).toMatchObject({ status: 'delivered', attempts: 3, last_error: null, delivered_at: clock });
    expect(mail.sends.get(m.id)).toBe(3);
  });

  it('fails at once on a permanent error', async () => {
    const mail = fakeTransport(() => {
      throw new PermanentDeliveryError('550 no such user');
    });
    const w = worker({ email: mail.transport, sms: null });
    const m = await enqueueEmail(storage.db, email, clock);
    expect(await w.runOnce()).toBe(1);
    expect(await getMessage(storage.db, m.id)).toMatchObject({ status: 'failed', attempts: 1, last_error: '550 no such user', lease_until: null, delivered_at: null });
    clock += 3_600_000;
    expect(await w.runOnce()).toBe(0);
    expect(mail.sends.get(m.id)).toBe(1);
  });

  it('gives up after maxAttempts', async () => {
    const mail = fakeTransport(() => {
      throw new TransientDeliveryError('connection refused');
    });
    const w = worker({ email: mail.transport, sms: null, maxAttempts: 3, backoff: () => 0 });
    const m = await enqueueEmail(storage.db, email, clock);
    expect(await w.runOnce()).toBe(1);
    expect(await w.runOnce()).toBe(1);
    expect(await getMessage(storage.db, m.id)).toMatchObject({ status: 'queued', attempts: 2 });
    expect(await w.runOnce()).toBe(1);
    const failed = await getMessage(storage.db, m.id);
    expect(failed).toMatchObject({ status: 'failed', attempts: 3 });
    expect(failed?.last_error).toBe('gave up after 3 attempts: connection refused');
    expect(await w.runOnce()).toBe(0);
    expect(mail.sends.get(m.id)).toBe(3);
  });

  it('writes to the dev outbox (the log) when no transport is configured', async () => {
    const { logger, lines } = capturingLogger();
    const w = worker({ email: null, sms: null, logger });
    const long = 'x'.repeat(2_000);
    const e = await enqueueEmail(
      storage.db,
      { to: 'ada@example.com', subject: 'Verify your e-mail', html: `<p>Code <b>424242</b></p><p><a href="https://app.test/verify?t=abc&amp;u=1">Verify</a></p><p>${long}</p>` },
      clock,
    );
    const s = await enqueueSms(storage.db, { to: '+15555550100', body: 'Your code is 987654' }, clock);
    expect(await w.runOnce()).toBe(2);
    expect(await getMessage(storage.db, e.id)).toMatchObject({ status: 'outbox', lease_until: null, delivered_at: null });
    expect(await getMessage(storage.db, s.id)).toMatchObject({ status: 'outbox' });

    const mailLine = lines.find((l) => l.messageId === e.id);
    expect(mailLine).toMatchObject({ level: 30, to: 'ada@example.com', subject: 'Verify your e-mail', kind: 'email' });
    const text = mailLine?.text as string;
    expect(text).toContain('424242');
    expect(text).toContain('Verify (https://app.test/verify?t=abc&u=1)');
    expect(text).toHaveLength(500);
    expect(lines.find((l) => l.messageId === s.id)).toMatchObject({ level: 30, to: '+15555550100', text: 'Your code is 987654' });
    // Final: never picked up again.
    clock += 3_600_000;
    expect(await w.runOnce()).toBe(0);
  });

  it('uses the transport it has and the outbox for the other kind', async () => {
    const text = fakeTransport(() => ({ providerMessageId: 'SM9' }));
    const w = worker({ email: null, sms: text.transport });
    const e = await enqueueEmail(storage.db, email, clock);
    const s = await enqueueSms(storage.db, { to: '+15555550100', body: 'hi' }, clock);
    await w.runOnce();
    expect((await getMessage(storage.db, e.id))?.status).toBe('outbox');
    expect((await getMessage(storage.db, s.id))?.status).toBe('delivered');
  });

  it('two workers racing on one queue deliver every message exactly once', async () => {
    const other = await openSecond();
    try {
      const sends = new Map<string, number>();
      const sendingNow = new Set<string>();
      let overlaps = 0;
      const transport: EmailTransport = {
        async send(msg) {
          // Two holders of one message at the same moment would be a double claim.
          if (sendingNow.has(msg.id)) overlaps++;
          sendingNow.add(msg.id);
          sends.set(msg.id, (sends.get(msg.id) ?? 0) + 1);
          await new Promise((r) => setTimeout(r, Math.random() * 4));
          sendingNow.delete(msg.id);
          return { providerMessageId: msg.id };
        },
      };
      const ids: string[] = [];
      for (let i = 0; i < 60; i++) ids.push((await enqueueEmail(storage.db, { ...email, to: `u${i}@example.com` }, clock)).id);
      const a = createDeliveryWorker({ db: storage.db, dialect, logger: silent, now, email: transport, sms: null, batchSize: 4 });
      const b = createDeliveryWorker({ db: other.db, dialect, logger: silent, now, email: transport, sms: null, batchSize: 4 });
      let byA = 0;
      let byB = 0;
      // Start both passes together, repeatedly, until neither finds anything.
      while (true) {
        const [na, nb] = await Promise.all([a.runOnce(), b.runOnce()]);
        byA += na;
        byB += nb;
        if (na === 0 && nb === 0) break;
      }
      expect(overlaps).toBe(0);
      expect(byA + byB).toBe(60);
      expect(byA).toBeGreaterThan(0);
      expect(byB).toBeGreaterThan(0);
      expect([...sends.keys()].sort()).toEqual([...ids].sort());
      expect([...sends.values()].every((n) => n === 1)).toBe(true);
      const rows = await storage.db.selectFrom('messages').select(['status', 'attempts']).execute();
      expect(rows.every((r) => r.status === 'delivered' && r.attempts === 1)).toBe(true);
    } finally {
      await other.close();
    }
  });

  it('two polling workers share a queue without double sends', async () => {
    const other = await openSecond();
    const sends = new Map<string, number>();
    const transport: EmailTransport = {
      async send(msg) {
        sends.set(msg.id, (sends.get(msg.id) ?? 0) + 1);
        await new Promise((r) => setTimeout(r, 1));
        return { providerMessageId: null };
      },
    };
    const a = createDeliveryWorker({ db: storage.db, dialect, logger: silent, email: transport, sms: null, pollIntervalMs: 5, batchSize: 3 });
    const b = createDeliveryWorker({ db: other.db, dialect, logger: silent, email: transport, sms: null, pollIntervalMs: 5, batchSize: 3 });
    try {
      a.start();
      b.start();
      for (let i = 0; i < 40; i++) {
        await enqueueEmail(storage.db, { ...email, to: `p${i}@example.com` });
        if (i % 2) a.notify();
        else b.notify();
      }
      await waitFor(async () => {
        const left = await storage.db.selectFrom('messages').select('id').where('status', '!=', 'delivered').execute();
        return left.length === 0;
      });
      expect(sends.size).toBe(40);
      expect([...sends.values()].every((n) => n === 1)).toBe(true);
    } finally {
      await Promise.all([a.stop(), b.stop()]);
      await other.close();
    }
  });

  it('retakes a message whose worker crashed once its lease has expired', async () => {
    const mail = fakeTransport();
    const w = worker({ email: mail.transport, sms: null, leaseMs: 60_000 });
    const m = await enqueueEmail(storage.db, email, clock);
    // What a worker that claimed the message and then died leaves behind.
    await storage.db
      .updateTable('messages')
      .set({ status: 'sending', attempts: 1, lease_until: clock + 60_000 })
      .where('id', '=', m.id)
      .execute();
    clock += 59_999;
    expect(await w.runOnce()).toBe(0);
    clock += 2;
    expect(await w.runOnce()).toBe(1);
    expect(await getMessage(storage.db, m.id)).toMatchObject({ status: 'delivered', attempts: 2, lease_until: null });
    expect(mail.sends.get(m.id)).toBe(1);
  });

  it('a worker whose lease expired mid-send cannot overwrite the result of the worker that took over', async () => {
    const held = deferred<SendResult>();
    const slowStarted = deferred<void>();
    const slow: EmailTransport = {
      send() {
        slowStarted.resolve();
        return held.promise;
      },
    };
    const fast = fakeTransport(() => ({ providerMessageId: 'fast' }));
    const a = worker({ email: slow, sms: null, leaseMs: 1_000 });
    const b = worker({ email: fast.transport, sms: null, leaseMs: 1_000 });
    const m = await enqueueEmail(storage.db, email, clock);

    const passA = a.runOnce();
    await slowStarted.promise;
    clock += 1_001;
    expect(await b.runOnce()).toBe(1);
    expect(await getMessage(storage.db, m.id)).toMatchObject({ status: 'delivered', provider_message_id: 'fast', attempts: 2 });
    // A's send now fails; its retry must not put the delivered message back in the queue.
    held.reject(new TransientDeliveryError('timeout'));
    expect(await passA).toBe(1);
    expect(await getMessage(storage.db, m.id)).toMatchObject({ status: 'delivered', provider_message_id: 'fast', last_error: null });
  });

  it('a late success is still recorded over a pending retry, so the message is not sent again', async () => {
    const held = deferred<SendResult>();
    const slowStarted = deferred<void>();
    const slow: EmailTransport = {
      send() {
        slowStarted.resolve();
        return held.promise;
      },
    };
    const flaky = fakeTransport(() => {
      throw new TransientDeliveryError('421 busy');
    });
    const a = worker({ email: slow, sms: null, leaseMs: 1_000 });
    const b = worker({ email: flaky.transport, sms: null, leaseMs: 1_000, backoff: () => 5_000 });
    const m = await enqueueEmail(storage.db, email, clock);

    const passA = a.runOnce();
    await slowStarted.promise;
    clock += 1_001;
    expect(await b.runOnce()).toBe(1);
    expect((await getMessage(storage.db, m.id))?.status).toBe('queued');
    held.resolve({ providerMessageId: 'slow' });
    await passA;
    expect(await getMessage(storage.db, m.id)).toMatchObject({ status: 'delivered', provider_message_id: 'slow', lease_until: null });
    clock += 10_000;
    expect(await b.runOnce()).toBe(0);
  });

  it('fails a message that keeps outliving its lease instead of sending it forever', async () => {
    const mail = fakeTransport();
    const w = worker({ email: mail.transport, sms: null, maxAttempts: 3 });
    const m = await enqueueEmail(storage.db, email, clock);
    await storage.db
      .updateTable('messages')
      .set({ status: 'sending', attempts: 3, lease_until: clock - 1 })
      .where('id', '=', m.id)
      .execute();
    expect(await w.runOnce()).toBe(1);
    expect(await getMessage(storage.db, m.id)).toMatchObject({ status: 'failed', attempts: 4 });
    expect(mail.sends.size).toBe(0);
  });

  it('polls, wakes on notify, and stop() waits for the pass in progress', async () => {
    const held = deferred<SendResult>();
    let calls = 0;
    const mail: EmailTransport = {
      async send() {
        calls++;
        return calls === 1 ? { providerMessageId: 'first' } : held.promise;
      },
    };
    // A poll interval far longer than the test: only notify() can explain a prompt delivery.
    const w = createDeliveryWorker({ db: storage.db, dialect, logger: silent, email: mail, sms: null, pollIntervalMs: 3_600_000 });
    w.start();
    w.start(); // idempotent
    await new Promise((r) => setTimeout(r, 50)); // the initial pass finds nothing
    const first = await enqueueEmail(storage.db, email);
    w.notify();
    await waitFor(async () => (await getMessage(storage.db, first.id))?.status === 'delivered');

    const second = await enqueueEmail(storage.db, email);
    w.notify();
    await waitFor(() => calls === 2);
    let stopped = false;
    const stopping = w.stop().then(() => {
      stopped = true;
    });
    await new Promise((r) => setTimeout(r, 30));
    expect(stopped).toBe(false);
    held.resolve({ providerMessageId: 'second' });
    await stopping;
    expect((await getMessage(storage.db, second.id))?.status).toBe('delivered');

    // Stopped: notify does nothing.
    const third = await enqueueEmail(storage.db, email);
    w.notify();
    await new Promise((r) => setTimeout(r, 50));
    expect((await getMessage(storage.db, third.id))?.status).toBe('queued');
  });

  it('logs a failing pass and keeps polling instead of crashing', async () => {
    // A database without the messages table: every claim fails.
    const empty = freshDatabase(dialect);
    const broken = await openTestStorage(empty);
    const { logger, lines } = capturingLogger();
    const w = createDeliveryWorker({ db: broken.db, dialect, logger, email: null, sms: null, pollIntervalMs: 10 });
    try {
      w.start();
      await waitFor(() => lines.filter((l) => l.msg === 'delivery: pass failed; will retry').length >= 2);
      await w.stop();
      await expect(w.runOnce()).rejects.toThrow();
    } finally {
      await w.stop();
      await broken.close();
      await empty.cleanup();
    }
  });
});

describe('defaultBackoff', () => {
  it('doubles from 2 s, caps at 10 minutes, and jitters by at most 20%', () => {
    for (let i = 0; i < 200; i++) {
      const first = defaultBackoff(1);
      expect(first).toBeGreaterThanOrEqual(1_600);
      expect(first).toBeLessThanOrEqual(2_400);
      const fourth = defaultBackoff(4);
      expect(fourth).toBeGreaterThanOrEqual(12_800);
      expect(fourth).toBeLessThanOrEqual(19_200);
      const late = defaultBackoff(30);
      expect(late).toBeGreaterThanOrEqual(480_000);
      expect(late).toBeLessThanOrEqual(600_000);
    }
  });
});

describe('htmlToText', () => {
  it('keeps text, line structure and link targets', () => {
    const html = `<html><head><style>p{color:red}</style><title>t</title></head><body>
      <h1>Welcome&nbsp;back</h1><p>Your code:<br><b>123 456</b></p>
      <p><a href="https://x.test/a?b=1&amp;c=2">Sign in</a> or <a href="https://x.test/raw">https://x.test/raw</a></p>
      <ul><li>one</li><li>two</li></ul><p>&lt;3 &#169; &#x263A;</p><!-- hidden --></body></html>`;
    expect(htmlToText(html)).toBe(
      'Welcome back\n\nYour code:\n123 456\n\nSign in (https://x.test/a?b=1&c=2) or https://x.test/raw\n\n- one\n- two\n\n<3 © ☺',
    );
  });
});
