import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startTestServer, testDialects, type TestServer } from '../../test/harness.js';
import { TemplateSchema } from './serialize.js';
import { escapeHtml, htmlToText, render } from './render.js';

describe('template rendering', () => {
  it('escapes substituted values in HTML, strips line breaks in headers', () => {
    const data = { user: { first_name: '<img src=x onerror=alert(1)>' }, q: `"'&` };
    expect(render('<p>Hi {{ user.first_name }}</p>', data, 'html')).toBe('<p>Hi &#60;img src=x onerror=alert(1)&#62;</p>');
    expect(render('<a title="{{q}}">', data, 'html')).toBe('<a title="&#34;&#39;&#38;">');
    expect(render('Subject {{x}}', { x: 'a\r\nBcc: evil@example.com' }, 'header')).toBe('Subject a Bcc: evil@example.com');
    expect(render('{{missing}}|{{user.first_name.nope}}|{{__proto__}}', data, 'text')).toBe('||');
    expect(escapeHtml('`')).toBe('&#96;');
  });

  it('derives readable text from HTML', () => {
    expect(htmlToText('<p>Hello &#60;you&#62;</p><p><a href="https://x.test/a?b=1">Go</a></p>')).toBe('Hello <you>\nGo (https://x.test/a?b=1)');
  });
});

describe.each(testDialects())('templates BAPI on %s', (dialect) => {
  let t: TestServer;
  beforeAll(async () => {
    t = await startTestServer(dialect, { LATCH_APP_NAME: 'Acme' });
  });
  afterAll(async () => {
    await t.close();
  });
  const get = async (path: string, init?: Parameters<TestServer['api']>[1]) => {
    const res = await t.api(path, init);
    return { status: res.status, body: (await res.json()) as Record<string, unknown> & { errors?: { code: string; meta?: { param_name?: string } }[] } };
  };

  it('lists defaults for e-mail and SMS, plain and paginated', async () => {
    const emails = (await get('/templates/email')).body as unknown as { slug: string; resource_type: string }[];
    for (const e of emails) TemplateSchema.parse(e);
    expect(emails.map((e) => e.slug)).toEqual(expect.arrayContaining(['verification_code', 'invitation', 'organization_invitation', 'magic_link_sign_in', 'reset_password_code', 'allowlist_notification']));
    expect(emails.every((e) => e.resource_type === 'system')).toBe(true);
    const sms = (await get('/templates/sms?paginated=true&limit=2')).body as { data: unknown[]; total_count: number };
    expect(sms.data).toHaveLength(2);
    expect(sms.total_count).toBeGreaterThanOrEqual(4);
    expect((await get('/templates/fax')).status).toBe(422);
    expect((await get('/templates/email/nope')).status).toBe(404);
  });

  it('updates, previews, toggles and reverts a template', async () => {
    const put = await get('/templates/email/invitation', {
      method: 'PUT',
      json: { subject: 'Join {{app.name}}', body: '<p>Hello! <a href="{{action_url}}">Join</a></p>', from_email_name: 'Acme Team' },
    });
    expect(put.status).toBe(200);
    expect(put.body).toMatchObject({ resource_type: 'user', can_revert: true, subject: 'Join {{app.name}}', from_email_name: 'Acme Team' });
    const preview = await get('/templates/email/invitation/preview', { method: 'POST', json: {} });
    expect(preview.body).toMatchObject({ object: 'template_preview', subject: 'Join Acme', from_email_name: 'Acme Team' });
    expect(preview.body.body).toContain('/invitation-preview');
    const draft = await get('/templates/email/invitation/preview', { method: 'POST', json: { subject: 'Draft {{inviter_name}}', body: '<b>{{action_url}}</b>' } });
    expect(draft.body.subject).toBe('Draft Ada Lovelace');

    const toggled = await get('/templates/email/invitation/toggle_delivery', { method: 'POST', json: { delivered_by_clerk: false } });
    expect(toggled.body.delivered_by_clerk).toBe(false);
    // With delivery off, an invitation is created but Latch sends nothing.
    const inv = await t.api('/invitations', { method: 'POST', json: { email_address: 'self-delivered@example.com' } });
    expect(inv.status).toBe(200);
    const queued = await t.server.services.storage.db.selectFrom('messages').select('id').where('to_address', '=', 'self-delivered@example.com').execute();
    expect(queued).toEqual([]);

    const reverted = await get('/templates/email/invitation/revert', { method: 'POST' });
    expect(reverted.body).toMatchObject({ resource_type: 'system', can_revert: false, delivered_by_clerk: true, subject: 'You are invited to join {{app.name}}' });
  });

  it('refuses a body without the required variables and keeps the stored template', async () => {
    const bad = await get('/templates/email/verification_code', { method: 'PUT', json: { body: '<p>No code here</p>' } });
    expect(bad.status).toBe(422);
    expect(bad.body.errors?.[0]).toMatchObject({ code: 'form_param_template_variable_missing', meta: { param_name: 'body' } });
    expect((await get('/templates/email/verification_code')).body.resource_type).toBe('system');
    const sms = await get('/templates/sms/verification_code', { method: 'PUT', json: { body: 'Code: {{ otp_code }}' } });
    expect(sms.status).toBe(200);
    expect((await get('/templates/sms/verification_code/preview', { method: 'POST', json: {} })).body.body).toBe('Code: 123456');
    expect((await get('/templates/email/verification_code', { method: 'PUT', json: { subject: '' } })).status).toBe(422);
  });
});
