import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startTestServer, testDialects, type TestServer } from '../../test/harness.js';
import { freePort, startSmtpSink, type SmtpSink } from '../../test/smtp-sink.js';
import { InvitationSchema } from './serialize.js';

type Inv = { id: string; status: string; url: string | null; email_address: string; revoked: boolean; public_metadata: Record<string, unknown> };
type Err = { errors: { code: string; meta?: { param_name?: string } }[] };

function linkIn(html: string): string {
  const m = /href="([^"]+tickets\/accept[^"]+)"/.exec(html);
  if (!m) throw new Error('no invitation link in the e-mail');
  return (m[1] as string).replace(/&#(\d+);/g, (_, n: string) => String.fromCharCode(Number(n))).replace(/&amp;/g, '&');
}

describe.each(testDialects())('invitations on %s', (dialect) => {
  let t: TestServer;
  let smtp: SmtpSink;
  beforeAll(async () => {
    smtp = await startSmtpSink();
    t = await startTestServer(dialect, { LATCH_SMTP_URL: smtp.url, LATCH_APP_NAME: 'Acme <Beta>', LATCH_SIGN_UP_URL: 'https://app.acme.test/sign-up' });
  });
  afterAll(async () => {
    await t.close();
    await smtp.close();
  });

  async function create(json: Record<string, unknown>) {
    const res = await t.api('/invitations', { method: 'POST', json });
    return { status: res.status, body: (await res.json()) as Inv & Err };
  }

  it('creates an invitation, e-mails its link, and the link leads to sign-up with the ticket', async () => {
    const r = await create({ email_address: 'Grace@Example.com', public_metadata: { plan: 'pro' } });
    expect(r.status).toBe(200);
    InvitationSchema.parse(r.body);
    expect(r.body).toMatchObject({ object: 'invitation', email_address: 'Grace@Example.com', status: 'pending', revoked: false, public_metadata: { plan: 'pro' } });
    expect(r.body.id).toMatch(/^inv_/);
    const mail = await smtp.waitFor((m) => m.subject === 'You are invited to join Acme <Beta>');
    expect((mail.to as { value: { address: string }[] }).value[0]?.address).toBe('grace@example.com');
    // The application name is escaped in the HTML body, not in the subject (a header, not HTML).
    expect(mail.html).toContain('Acme &#60;Beta&#62;');
    expect(mail.text).toContain('Acme <Beta>');
    const link = linkIn(mail.html as string);
    expect(link).toBe(r.body.url);
    const res = await fetch(link, { redirect: 'manual' });
    expect(res.status).toBe(303);
    const location = new URL(res.headers.get('location') as string);
    expect(`${location.origin}${location.pathname}`).toBe('https://app.acme.test/sign-up');
    expect(location.searchParams.get('__clerk_status')).toBe('sign_up');
    const ticket = location.searchParams.get('__clerk_ticket') as string;
    expect(ticket.startsWith(`${r.body.id}.`)).toBe(true);
  });

  it('honours redirect_url and notify:false', async () => {
    const before = smtp.messages.length;
    const r = await create({ email_address: 'quiet@example.com', notify: false, redirect_url: 'https://app.acme.test/welcome?x=1' });
    expect(r.status).toBe(200);
    const res = await fetch(r.body.url as string, { redirect: 'manual' });
    const location = new URL(res.headers.get('location') as string);
    expect(location.pathname).toBe('/welcome');
    expect(location.searchParams.get('x')).toBe('1');
    await new Promise((resolve) => setTimeout(resolve, 300));
    expect(smtp.messages.length).toBe(before);
    expect((await create({ email_address: 'x@example.com', redirect_url: 'javascript:alert(1)' })).status).toBe(422);
  });

  it('refuses a second pending invitation and an existing user, unless ignore_existing', async () => {
    await create({ email_address: 'twice@example.com', notify: false });
    const again = await create({ email_address: 'TWICE@example.com', notify: false });
    expect(again.status).toBe(422);
    expect(again.body.errors[0]).toMatchObject({ code: 'duplicate_record', meta: { param_name: 'email_address' } });
    const replaced = await create({ email_address: 'twice@example.com', notify: false, ignore_existing: true });
    expect(replaced.status).toBe(200);
    const list = (await (await t.api('/invitations?query=twice&status=revoked')).json()) as Inv[];
    expect(list).toHaveLength(1);

    await t.api('/users', { method: 'POST', json: { email_address: ['member@example.com'] } });
    const taken = await create({ email_address: 'member@example.com' });
    expect(taken.status).toBe(422);
    expect(taken.body.errors[0]).toMatchObject({ code: 'form_identifier_exists', meta: { param_name: 'email_address' } });
  });

  it('ten concurrent invitations to one address: exactly one is created', async () => {
    const results = await Promise.all(Array.from({ length: 10 }, () => create({ email_address: 'race@example.com', notify: false })));
    expect(results.filter((r) => r.status === 200)).toHaveLength(1);
    for (const r of results.filter((x) => x.status !== 200)) {
      expect(r.status).toBe(422);
      expect(r.body.errors[0]?.code).toBe('duplicate_record');
    }
  });

  it('revokes: the link stops working and revoking again is refused', async () => {
    const r = await create({ email_address: 'revoke-me@example.com', notify: false });
    const url = r.body.url as string;
    const revoked = (await (await t.api(`/invitations/${r.body.id}/revoke`, { method: 'POST' })).json()) as Inv;
    expect(revoked).toMatchObject({ status: 'revoked', revoked: true, url: null });
    const res = await fetch(url, { redirect: 'manual' });
    expect(res.status).toBe(410);
    expect(await res.text()).toContain('revoked');
    const twice = await t.api(`/invitations/${r.body.id}/revoke`, { method: 'POST' });
    expect(twice.status).toBe(400);
    expect(((await twice.json()) as Err).errors[0]?.code).toBe('invitation_not_pending');
    expect((await t.api('/invitations/inv_missing/revoke', { method: 'POST' })).status).toBe(404);
    // A forged ticket is not an invitation.
    expect((await fetch(`${t.url}/tickets/accept?ticket=${r.body.id}.forged`, { redirect: 'manual' })).status).toBe(404);
  });

  it('expires: the status turns expired and the link stops working', async () => {
    const r = await create({ email_address: 'late@example.com', notify: false, expires_in_days: 1 });
    await t.server.services.storage.db.updateTable('invitations').set({ expires_at: Date.now() - 1 }).where('id', '=', r.body.id).execute();
    const list = (await (await t.api('/invitations?status=expired&query=late')).json()) as Inv[];
    expect(list.map((i) => [i.id, i.status])).toEqual([[r.body.id, 'expired']]);
    expect((await fetch(r.body.url as string, { redirect: 'manual' })).status).toBe(410);
    // An expired invitation no longer holds the address.
    expect((await create({ email_address: 'late@example.com', notify: false })).status).toBe(200);
    for (const days of [0, 366, 1.5]) expect((await create({ email_address: `d${days}@example.com`, expires_in_days: days })).status).toBe(422);
  });

  it('redeems a ticket exactly once, even under concurrency', async () => {
    const r = await create({ email_address: 'redeem@example.com', notify: false });
    const ticket = new URL(r.body.url as string).searchParams.get('ticket') as string;
    const { invitations } = t.server.services;
    const outcomes = await Promise.allSettled(Array.from({ length: 5 }, (_, i) => invitations.redeem(ticket, `user_${i}`)));
    expect(outcomes.filter((o) => o.status === 'fulfilled')).toHaveLength(1);
    const got = (await (await t.api(`/invitations?status=accepted&query=redeem`)).json()) as Inv[];
    expect(got.map((i) => i.status)).toEqual(['accepted']);
    await expect(invitations.redeem(ticket, 'user_again')).rejects.toMatchObject({ status: 400 });
    await expect(invitations.redeem(`${r.body.id}.AAAA`, 'user_x')).rejects.toMatchObject({ status: 400 });
  });

  it('lists non-revoked newest first, with filters, paging and both shapes', async () => {
    const all = (await (await t.api('/invitations')).json()) as Inv[];
    expect(all.length).toBeGreaterThan(3);
    expect(all.every((i) => i.status !== 'revoked')).toBe(true);
    const ids = all.map((i) => i.id);
    expect([...ids].sort().reverse()).toEqual(ids);
    const paged = (await (await t.api('/invitations?paginated=true&limit=2&offset=1')).json()) as { data: Inv[]; total_count: number };
    expect(paged.total_count).toBe(all.length);
    expect(paged.data.map((i) => i.id)).toEqual(ids.slice(1, 3));
    const pending = (await (await t.api('/invitations?status=pending&order_by=email_address')).json()) as Inv[];
    const emails = pending.map((i) => i.email_address.toLowerCase());
    expect(emails).toEqual([...emails].sort());
    expect((await t.api('/invitations?order_by=nope')).status).toBe(422);
    expect((await t.api('/invitations?status=bogus')).status).toBe(422);
  });

  it('bulk creates as a plain array, all or nothing', async () => {
    const res = await t.api('/invitations/bulk', { method: 'POST', json: [{ email_address: 'b1@example.com', notify: false }, { email_address: 'b2@example.com', notify: false }] });
    const body = (await res.json()) as Inv[];
    expect(res.status).toBe(200);
    expect(body.map((i) => i.email_address)).toEqual(['b1@example.com', 'b2@example.com']);
    const count = async () => ((await (await t.api('/invitations?paginated=true&query=bulkfail')).json()) as { total_count: number }).total_count;
    const bad = await t.api('/invitations/bulk', { method: 'POST', json: [{ email_address: 'bulkfail1@example.com' }, { email_address: 'b1@example.com' }] });
    expect(bad.status).toBe(422);
    expect(await count()).toBe(0);
    const tooMany = await t.api('/invitations/bulk', { method: 'POST', json: Array.from({ length: 11 }, (_, i) => ({ email_address: `bulkfail${i}@example.com` })) });
    expect(tooMany.status).toBe(422);
    expect((await t.api('/invitations/bulk', { method: 'POST', json: {} })).status).toBe(422);
  });

  it('deletes an invitation', async () => {
    const r = await create({ email_address: 'delete-me@example.com', notify: false });
    expect(await (await t.api(`/invitations/${r.body.id}`, { method: 'DELETE' })).json()).toEqual({ object: 'invitation', id: r.body.id, deleted: true });
    expect((await t.api(`/invitations/${r.body.id}`, { method: 'DELETE' })).status).toBe(404);
  });
});

describe('delivery survives an SMTP outage', () => {
  it('an invitation created while the SMTP server is down arrives, once, after it comes back', async () => {
    const port = await freePort();
    const t = await startTestServer('sqlite', { LATCH_SMTP_URL: `smtp://127.0.0.1:${port}` });
    let smtp: SmtpSink | null = null;
    try {
      const res = await t.api('/invitations', { method: 'POST', json: { email_address: 'outage@example.com' } });
      expect(res.status).toBe(200);
      const db = t.server.services.storage.db;
      const queued = async () => db.selectFrom('messages').selectAll().where('to_address', '=', 'outage@example.com').executeTakeFirstOrThrow();
      for (let i = 0; i < 100 && (await queued()).last_error === null; i++) await new Promise((r) => setTimeout(r, 100));
      const failed = await queued();
      expect(failed.status).toBe('queued');
      expect(failed.attempts).toBeGreaterThanOrEqual(1);
      expect(failed.last_error).toBeTruthy();
      smtp = await startSmtpSink(port);
      // Make the retry due now instead of waiting out the back-off, then wake the worker.
      await db.updateTable('messages').set({ next_attempt_at: Date.now() }).where('id', '=', failed.id).execute();
      t.server.services.delivery.notify();
      const mail = await smtp.waitFor((m) => m.subject?.startsWith('You are invited') === true);
      expect(mail.messageId).toBe(`<${failed.id}@latch>`);
      // The SMTP server has the mail before the worker has recorded the delivery: wait for the record.
      for (let i = 0; i < 100 && (await queued()).status !== 'delivered'; i++) await new Promise((r) => setTimeout(r, 50));
      expect((await queued()).status).toBe('delivered');
      await t.server.services.delivery.runOnce();
      await new Promise((r) => setTimeout(r, 300));
      expect(smtp.messages.filter((m) => m.messageId === `<${failed.id}@latch>`)).toHaveLength(1);
    } finally {
      await t.close();
      await smtp?.close();
    }
  });
});
