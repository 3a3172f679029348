import { createServer as createNetServer, type AddressInfo } from 'node:net';
import { simpleParser, type AddressObject, type ParsedMail } from 'mailparser';
import { pino } from 'pino';
import { SMTPServer, type SMTPServerOptions } from 'smtp-server';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { freshDatabase, openTestStorage, testDialects, type TestDatabase } from '../test/harness.js';
import { type Storage } from '../storage/database.js';
import { migrateToLatest } from '../storage/migrations.js';
import { enqueueEmail, getMessage } from './queue.js';
import { classifySmtpError, createSmtpTransport, PermanentDeliveryError, TransientDeliveryError, type EmailTransport } from './transports.js';
import { createDeliveryWorker } from './worker.js';

interface TestSmtp {
  port: number;
  received: ParsedMail[];
  /** Envelope recipients of each accepted message. */
  envelopes: string[][];
  close(): Promise<void>;
}

/**
 * A real SMTP server on 127.0.0.1. Recipients whose local part is a reply code (`550@…`, `450@…`) are
 * refused with that code. STARTTLS is off: its self-signed certificate would fail nodemailer's checks.
 */
async function startSmtp(options: { port?: number; auth?: { user: string; pass: string } } = {}): Promise<TestSmtp> {
  const received: ParsedMail[] = [];
  const envelopes: string[][] = [];
  const config: SMTPServerOptions = {
    disabledCommands: ['STARTTLS'],
    authOptional: !options.auth,
    allowInsecureAuth: true,
    authMethods: ['PLAIN'],
    logger: false,
    onAuth(auth, _session, callback) {
      if (options.auth && auth.username === options.auth.user && auth.password === options.auth.pass) {
        callback(null, { user: auth.username });
      } else {
        callback(new Error('Invalid username or password'));
      }
    },
    onRcptTo(address, _session, callback) {
      const code = /^(\d{3})@/.exec(address.address)?.[1];
      if (code) callback(Object.assign(new Error(`Mailbox ${address.address} refused`), { responseCode: Number(code) }));
      else callback();
    },
    onData(stream, session, callback) {
      simpleParser(stream).then(
        (mail) => {
          received.push(mail);
          envelopes.push(session.envelope.rcptTo.map((r) => r.address));
          callback();
        },
        (err: Error) => callback(err),
      );
    },
  };
  const server = new SMTPServer(config);
  const port = await new Promise<number>((resolve, reject) => {
    server.on('error', reject);
    const listener = server.listen(options.port ?? 0, '127.0.0.1', () => resolve((listener.address() as AddressInfo).port));
  });
  return {
    port,
    received,
    envelopes,
    close: () => new Promise<void>((resolve) => server.close(() => resolve())),
  };
}

/** A port nothing listens on (for now). */
async function freePort(): Promise<number> {
  const server = createNetServer();
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  await new Promise<void>((resolve) => server.close(() => resolve()));
  return port;
}

function firstAddress(field: AddressObject | AddressObject[] | undefined) {
  const object = Array.isArray(field) ? field[0] : field;
  return object?.value[0];
}

const silent = pino({ level: 'silent' });

describe.each(testDialects())('SMTP delivery on %s', (dialect) => {
  let database: TestDatabase;
  let storage: Storage;
  let smtp: TestSmtp;
  let clock: number;
  const transports: EmailTransport[] = [];

  function transport(url: string, from = 'Latch <no-reply@latch.test>'): EmailTransport {
    const t = createSmtpTransport(url, from, { timeoutMs: 5_000 });
    transports.push(t);
    return t;
  }
  function worker(email: EmailTransport) {
    return createDeliveryWorker({ db: storage.db, dialect, logger: silent, email, sms: null, now: () => clock, backoff: () => 5_000 });
  }

  beforeAll(async () => {
    database = freshDatabase(dialect);
    storage = await openTestStorage(database);
    await migrateToLatest(storage);
    smtp = await startSmtp();
  });
  afterAll(async () => {
    await Promise.all(transports.map((t) => t.close?.()));
    await smtp.close();
    await storage.close();
    await database.cleanup();
  });
  beforeEach(async () => {
    // Each test sees only its own messages (a leftover retry would otherwise be due in the next test).
    await storage.db.deleteFrom('messages').execute();
    clock = Date.now();
  });

  it('delivers a message with recipient, subject, From name, html, text and Message-ID', async () => {
    const w = worker(transport(`smtp://127.0.0.1:${smtp.port}`));
    const html = '<h1>Hello</h1><p>Your code is <b>123456</b>.</p><p><a href="https://app.test/verify?t=1&amp;x=2">Verify</a></p>';
    const m = await enqueueEmail(storage.db, { to: 'ada@example.com', subject: 'Your code ✓', html, fromName: 'Acme Support', replyTo: 'help@acme.test' }, clock);
    const before = smtp.received.length;
    expect(await w.runOnce()).toBe(1);
    expect(smtp.received.length).toBe(before + 1);
    const mail = smtp.received.at(-1) as ParsedMail;
    expect(smtp.envelopes.at(-1)).toEqual(['ada@example.com']);
    expect(firstAddress(mail.to)?.address).toBe('ada@example.com');
    expect(mail.subject).toBe('Your code ✓');
    expect(firstAddress(mail.from)).toEqual({ name: 'Acme Support', address: 'no-reply@latch.test' });
    expect(firstAddress(mail.replyTo)?.address).toBe('help@acme.test');
    expect(mail.html).toContain('<b>123456</b>');
    expect(mail.text).toContain('Your code is 123456.');
    expect(mail.text).toContain('Verify (https://app.test/verify?t=1&x=2)');
    expect(mail.messageId).toBe(`<${m.id}@latch>`);
    expect(await getMessage(storage.db, m.id)).toMatchObject({ status: 'delivered', attempts: 1, provider_message_id: `<${m.id}@latch>` });
  });

  it('keeps an explicit text part and the configured sender name', async () => {
    const w = worker(transport(`smtp://127.0.0.1:${smtp.port}`, '"Latch Auth" <auth@latch.test>'));
    const m = await enqueueEmail(storage.db, { to: 'bob@example.com', subject: 'Hi', html: '<p>HTML</p>', text: 'Plain version' }, clock);
    expect(await w.runOnce()).toBe(1);
    const mail = smtp.received.find((r) => r.messageId === `<${m.id}@latch>`);
    expect(mail?.text?.trim()).toBe('Plain version');
    expect(firstAddress(mail?.from)).toEqual({ name: 'Latch Auth', address: 'auth@latch.test' });
    expect(mail?.replyTo).toBeUndefined();
  });

  it('authenticates with AUTH PLAIN when the server requires it', async () => {
    const secured = await startSmtp({ auth: { user: 'mailer', pass: 'p@ss word' } });
    try {
      const good = worker(transport(`smtp://mailer:${encodeURIComponent('p@ss word')}@127.0.0.1:${secured.port}`));
      const m = await enqueueEmail(storage.db, { to: 'carol@example.com', subject: 'Auth', html: '<p>ok</p>' }, clock);
      expect(await good.runOnce()).toBe(1);
      expect(secured.received.map((r) => r.messageId)).toEqual([`<${m.id}@latch>`]);
      expect((await getMessage(storage.db, m.id))?.status).toBe('delivered');

      // Wrong credentials are a configuration problem: retried, so fixing the settings recovers the queue.
      const bad = worker(transport(`smtp://mailer:wrong@127.0.0.1:${secured.port}`));
      const n = await enqueueEmail(storage.db, { to: 'carol@example.com', subject: 'Auth', html: '<p>no</p>' }, clock);
      expect(await bad.runOnce()).toBe(1);
      const row = await getMessage(storage.db, n.id);
      expect(row).toMatchObject({ status: 'queued', attempts: 1 });
      expect(row?.last_error).toMatch(/EAUTH/);
      expect(secured.received).toHaveLength(1);
    } finally {
      await secured.close();
    }
  });

  it('survives an SMTP outage: queued while down, delivered exactly once after it comes back', async () => {
    const port = await freePort();
    const w = worker(transport(`smtp://127.0.0.1:${port}`));
    const m = await enqueueEmail(storage.db, { to: 'dave@example.com', subject: 'Outage', html: '<p>code 777</p>' }, clock);

    expect(await w.runOnce()).toBe(1);
    const down = await getMessage(storage.db, m.id);
    expect(down).toMatchObject({ status: 'queued', attempts: 1, next_attempt_at: clock + 5_000 });
    expect(down?.last_error).toMatch(/ECONNREFUSED|ESOCKET|ECONNECTION/);

    const revived = await startSmtp({ port });
    try {
      // Back-off not over yet: nothing is attempted.
      expect(await w.runOnce()).toBe(0);
      expect(revived.received).toHaveLength(0);
      clock += 5_000;
      expect(await w.runOnce()).toBe(1);
      expect(revived.received).toHaveLength(1);
      expect(revived.received[0]?.messageId).toBe(`<${m.id}@latch>`);
      expect(await getMessage(storage.db, m.id)).toMatchObject({ status: 'delivered', attempts: 2, last_error: null });
      for (let i = 0; i < 3; i++) {
        clock += 3_600_000;
        expect(await w.runOnce()).toBe(0);
      }
      expect(revived.received).toHaveLength(1);
    } finally {
      await revived.close();
    }
  });

  it('fails a recipient rejected with 550 and retries one deferred with 450', async () => {
    const w = worker(transport(`smtp://127.0.0.1:${smtp.port}`));
    const rejected = await enqueueEmail(storage.db, { to: '550@example.com', subject: 'x', html: '<p>x</p>' }, clock);
    const deferred = await enqueueEmail(storage.db, { to: '450@example.com', subject: 'x', html: '<p>x</p>' }, clock);
    const before = smtp.received.length;
    expect(await w.runOnce()).toBe(2);
    const failed = await getMessage(storage.db, rejected.id);
    expect(failed).toMatchObject({ status: 'failed', attempts: 1 });
    expect(failed?.last_error).toMatch(/550/);
    const queued = await getMessage(storage.db, deferred.id);
    expect(queued).toMatchObject({ status: 'queued', attempts: 1 });
    expect(queued?.last_error).toMatch(/450/);
    expect(smtp.received.length).toBe(before);
  });
});

describe('classifySmtpError', () => {
  const err = (fields: Record<string, unknown>) => Object.assign(new Error('boom'), fields);
  it('treats connection trouble, 4xx, 503 and configuration errors as transient, 5xx replies as permanent', () => {
    expect(classifySmtpError(err({ code: 'ESOCKET' }))).toBeInstanceOf(TransientDeliveryError);
    expect(classifySmtpError(err({ code: 'ETIMEDOUT' }))).toBeInstanceOf(TransientDeliveryError);
    expect(classifySmtpError(err({ code: 'EENVELOPE', responseCode: 451 }))).toBeInstanceOf(TransientDeliveryError);
    expect(classifySmtpError(err({ code: 'EPROTOCOL', responseCode: 503 }))).toBeInstanceOf(TransientDeliveryError);
    expect(classifySmtpError(err({ code: 'EAUTH', responseCode: 535 }))).toBeInstanceOf(TransientDeliveryError);
    expect(classifySmtpError('weird')).toBeInstanceOf(TransientDeliveryError);
    expect(classifySmtpError(err({ code: 'EENVELOPE', responseCode: 550 }))).toBeInstanceOf(PermanentDeliveryError);
    expect(classifySmtpError(err({ code: 'EMESSAGE', responseCode: 552 }))).toBeInstanceOf(PermanentDeliveryError);
    expect(classifySmtpError(err({ code: 'EENVELOPE', command: 'API' }))).toBeInstanceOf(PermanentDeliveryError);
  });
});
