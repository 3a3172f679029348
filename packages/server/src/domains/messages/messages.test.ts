import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { runCli } from '../../cli.js';
import { startTestServer, testDialects, type TestServer } from '../../test/harness.js';
import { startSmtpSink, type SmtpSink } from '../../test/smtp-sink.js';
import { EmailSchema, SmsMessageSchema } from './serialize.js';

interface TwilioCall {
  path: string;
  auth: string;
  form: URLSearchParams;
}

async function startFakeTwilio(): Promise<{ url: string; calls: TwilioCall[]; server: Server }> {
  const calls: TwilioCall[] = [];
  const server = createServer((req, res) => {
    let raw = '';
    req.on('data', (c: Buffer) => (raw += c.toString()));
    req.on('end', () => {
      calls.push({ path: req.url ?? '', auth: req.headers.authorization ?? '', form: new URLSearchParams(raw) });
      res.writeHead(201, { 'content-type': 'application/json' });
      res.end(JSON.stringify({ sid: `SM${calls.length}`, status: 'queued' }));
    });
  });
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', () => r()));
  return { url: `http://127.0.0.1:${(server.address() as AddressInfo).port}`, calls, server };
}

async function until<T>(probe: () => Promise<T>, ok: (v: T) => boolean): Promise<T> {
  let v = await probe();
  for (let i = 0; i < 100 && !ok(v); i++) {
    await new Promise((r) => setTimeout(r, 50));
    v = await probe();
  }
  return v;
}

describe.each(testDialects())('e-mails and SMS through providers on %s', (dialect) => {
  let t: TestServer;
  let smtp: SmtpSink;
  let twilio: Awaited<ReturnType<typeof startFakeTwilio>>;
  let user: { id: string; email_addresses: { id: string }[]; phone_numbers: { id: string }[] };
  beforeAll(async () => {
    smtp = await startSmtpSink();
    twilio = await startFakeTwilio();
    t = await startTestServer(dialect, {
      LATCH_SMTP_URL: smtp.url,
      LATCH_SMTP_FROM: 'Acme <no-reply@acme.test>',
      LATCH_TWILIO_ACCOUNT_SID: 'AC123',
      LATCH_TWILIO_AUTH_TOKEN: 'tok',
      LATCH_TWILIO_FROM: '+15005550006',
      LATCH_TWILIO_API_URL: twilio.url,
    });
    user = (await (await t.api('/users', { method: 'POST', json: { email_address: ['to@example.com'], phone_number: ['+14155550123'] } })).json()) as typeof user;
  });
  afterAll(async () => {
    await t.close();
    await smtp.close();
    await new Promise((r) => twilio.server.close(r));
  });

  it('POST /v1/emails queues an e-mail that arrives, and GET shows it delivered', async () => {
    const res = await t.api('/emails', {
      method: 'POST',
      json: { from_email_name: 'Billing', subject: 'Your invoice', body: '<p>Invoice <b>#42</b></p>', email_address_id: user.email_addresses[0]?.id },
    });
    const email = (await res.json()) as { id: string; status: string };
    expect(res.status).toBe(200);
    EmailSchema.parse(email);
    expect(email).toMatchObject({ object: 'email', to_email_address: 'to@example.com', subject: 'Your invoice', from_email_name: 'Billing', user_id: user.id });
    expect(email.id).toMatch(/^ema_/);
    const mail = await smtp.waitFor((m) => m.subject === 'Your invoice');
    expect((mail.from as { value: { name: string; address: string }[] }).value[0]).toEqual({ name: 'Billing', address: 'no-reply@acme.test' });
    expect(mail.html).toContain('<b>#42</b>');
    const after = await until(async () => (await (await t.api(`/emails/${email.id}`)).json()) as { status: string }, (v) => v.status === 'delivered');
    expect(after.status).toBe('delivered');
  });

  it('POST /v1/sms_messages sends through the Twilio-shaped provider', async () => {
    const res = await t.api('/sms_messages', { method: 'POST', json: { message: 'Your code is 123456', phone_number_id: user.phone_numbers[0]?.id } });
    const sms = (await res.json()) as { id: string };
    expect(res.status).toBe(200);
    SmsMessageSchema.parse(sms);
    expect(sms).toMatchObject({ object: 'sms_message', to_phone_number: '+14155550123', from_phone_number: '+15005550006', message: 'Your code is 123456' });
    const after = await until(async () => (await (await t.api(`/sms_messages/${sms.id}`)).json()) as { status: string }, (v) => v.status === 'delivered');
    expect(after.status).toBe('delivered');
    const call = twilio.calls.at(-1) as TwilioCall;
    expect(call.path).toBe('/2010-04-01/Accounts/AC123/Messages.json');
    expect(call.auth).toBe(`Basic ${Buffer.from('AC123:tok').toString('base64')}`);
    expect(Object.fromEntries(call.form)).toEqual({ To: '+14155550123', From: '+15005550006', Body: 'Your code is 123456' });
  });

  it('refuses bad input with coded errors and stores nothing', async () => {
    const db = t.server.services.storage.db;
    const count = async () => Number((await db.selectFrom('messages').select((eb) => eb.fn.countAll<number>().as('n')).executeTakeFirstOrThrow()).n);
    const before = await count();
    const cases: [string, unknown, number, string][] = [
      ['/emails', { subject: 's', body: 'b', email_address_id: 'idn_missing' }, 404, 'resource_not_found'],
      ['/emails', { subject: 's', body: 'b', email_address_id: user.phone_numbers[0]?.id }, 404, 'resource_not_found'],
      ['/emails', { subject: 'a\r\nBcc: x@evil.test', body: 'b', email_address_id: user.email_addresses[0]?.id }, 422, 'form_param_format_invalid'],
      ['/emails', { subject: 's', email_address_id: user.email_addresses[0]?.id }, 422, 'form_param_missing'],
      ['/sms_messages', { message: '', phone_number_id: user.phone_numbers[0]?.id }, 422, 'form_param_value_invalid'],
      ['/sms_messages', { message: 'x', phone_number_id: user.email_addresses[0]?.id }, 404, 'resource_not_found'],
    ];
    for (const [path, json, status, code] of cases) {
      const res = await t.api(path, { method: 'POST', json });
      expect(res.status, JSON.stringify(json)).toBe(status);
      expect(((await res.json()) as { errors: { code: string }[] }).errors[0]?.code).toBe(code);
    }
    expect(await count()).toBe(before);
  });
});

describe('the dev outbox', () => {
  let t: TestServer;
  beforeAll(async () => {
    t = await startTestServer('sqlite');
  });
  afterAll(async () => {
    await t.close();
  });

  it('stores messages without a provider, serves them at /dev/outbox and lists them with latch outbox', async () => {
    const user = (await (await t.api('/users', { method: 'POST', json: { email_address: ['dev@example.com'] } })).json()) as { email_addresses: { id: string }[] };
    const res = await t.api('/emails', { method: 'POST', json: { subject: 'Hello dev', body: '<p>code 777</p>', email_address_id: user.email_addresses[0]?.id } });
    const { id } = (await res.json()) as { id: string };
    const outbox = await until(
      async () => (await (await fetch(`${t.url}/dev/outbox`)).json()) as { data: { id: string; status: string }[] },
      (v) => v.data.some((m) => m.id === id && m.status === 'outbox'),
    );
    expect(outbox.data.find((m) => m.id === id)?.status).toBe('outbox');
    const lines: string[] = [];
    const code = await runCli(['outbox', '5'], { LATCH_DATABASE_URL: t.config.databaseUrl }, (l) => lines.push(l));
    expect(code).toBe(0);
    const printed = lines.join('\n');
    expect(printed).toContain(id);
    expect(printed).toContain('Subject: Hello dev');
    expect(printed).toContain('code 777');
  });

  it('is not served on production instances', async () => {
    const prod = await startTestServer('sqlite', { LATCH_SECRET_KEY: `sk_live_${'A'.repeat(48)}` });
    try {
      expect((await fetch(`${prod.url}/dev/outbox`)).status).toBe(404);
    } finally {
      await prod.close();
    }
  });
});
