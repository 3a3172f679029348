import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startTestServer, testDialects, type TestServer } from '../../test/harness.js';
import { AllowlistIdentifierSchema, BlocklistIdentifierSchema, InstanceRestrictionsSchema } from './serialize.js';
import { parseAccessIdentifier } from './service.js';

type J = Record<string, unknown> & { id: string };

describe('access identifiers', () => {
  it.each([
    ['ada@example.com', 'email_address', 'ada@example.com'],
    ['ADA@Example.com', 'email_address', 'ada@example.com'],
    ['*@Example.com', 'domain', '@example.com'],
    ['*.example.com', 'domain', '.example.com'],
    ['+1 415 555 0100', 'phone_number', '+14155550100'],
    ['0x52908400098527886E0F7030069857D2E4169EE7', 'web3_wallet', '0x52908400098527886e0f7030069857d2e4169ee7'],
  ])('parses %s', (raw, type, normalized) => {
    expect(parseAccessIdentifier(raw)).toMatchObject({ type, normalized });
  });

  it.each(['', 'nope', '*@', '*@-bad-.com', '12345', '@example.com', 'a@b'])('refuses %j', (raw) => {
    expect(parseAccessIdentifier(raw)).toBeNull();
  });
});

describe.each(testDialects())('allowlist, blocklist and restrictions on %s', (dialect) => {
  let t: TestServer;
  beforeAll(async () => {
    t = await startTestServer(dialect);
  });
  afterAll(async () => {
    await t.close();
  });

  async function call(path: string, init?: Parameters<TestServer['api']>[1]) {
    const res = await t.api(path, init);
    expect(res.headers.get('content-type')).toBe('application/json');
    return { status: res.status, body: (await res.json()) as J & { errors?: { code: string; meta?: { param_name?: string } }[] } };
  }
  const restrict = (json: Record<string, boolean>) => call('/instance/restrictions', { method: 'PATCH', json });

  it('creates, lists (plain and paginated) and deletes allowlist identifiers', async () => {
    const a = await call('/allowlist_identifiers', { method: 'POST', json: { identifier: 'ada@example.com', notify: false } });
    expect(a.status).toBe(200);
    AllowlistIdentifierSchema.parse(a.body);
    expect(a.body).toMatchObject({ object: 'allowlist_identifier', identifier: 'ada@example.com', identifier_type: 'email_address' });
    expect(a.body.id).toMatch(/^alid_/);
    const w = await call('/allowlist_identifiers', { method: 'POST', json: { identifier: '*@acme.test', notify: false } });
    expect(w.body).toMatchObject({ identifier: '*@acme.test', identifier_type: 'email_address' });
    const plain = await call('/allowlist_identifiers');
    expect(Array.isArray(plain.body)).toBe(true);
    expect((plain.body as unknown as J[]).map((x) => x.id)).toEqual([w.body.id, a.body.id]);
    const paged = await call('/allowlist_identifiers?paginated=true&limit=1');
    expect(paged.body).toMatchObject({ total_count: 2 });
    expect((paged.body.data as J[]).map((x) => x.id)).toEqual([w.body.id]);
    const dup = await call('/allowlist_identifiers', { method: 'POST', json: { identifier: 'ADA@example.com', notify: false } });
    expect(dup.status).toBe(422);
    expect(dup.body.errors?.[0]).toMatchObject({ code: 'duplicate_record', meta: { param_name: 'identifier' } });
    const del = await call(`/allowlist_identifiers/${a.body.id}`, { method: 'DELETE' });
    expect(del.body).toEqual({ object: 'allowlist_identifier', id: a.body.id, deleted: true });
    expect((await call(`/allowlist_identifiers/${a.body.id}`, { method: 'DELETE' })).status).toBe(404);
    await call(`/allowlist_identifiers/${w.body.id}`, { method: 'DELETE' });
  });

  it('refuses invalid identifiers and notify for wildcards, storing nothing', async () => {
    for (const identifier of ['not an identifier', '*@', '123']) {
      const r = await call('/allowlist_identifiers', { method: 'POST', json: { identifier, notify: false } });
      expect(r.status).toBe(422);
      expect(r.body.errors?.[0]?.meta?.param_name).toBe('identifier');
    }
    const r = await call('/allowlist_identifiers', { method: 'POST', json: { identifier: '*@wild.test', notify: true } });
    expect(r.status).toBe(422);
    expect(r.body.errors?.[0]?.meta?.param_name).toBe('notify');
    expect((await call('/allowlist_identifiers?paginated=true')).body.total_count).toBe(0);
  });

  it('notifies an allowlisted address through the outbox, escaping what it substitutes', async () => {
    await call('/allowlist_identifiers', { method: 'POST', json: { identifier: "o'brien+<b>@example.com", notify: true } }).then((r) => {
      // Angle brackets are not valid in an address: refused before anything is sent.
      expect(r.status).toBe(422);
    });
    const ok = await call('/allowlist_identifiers', { method: 'POST', json: { identifier: "o'brien@example.com", notify: true } });
    expect(ok.status).toBe(200);
    const sms = await call('/allowlist_identifiers', { method: 'POST', json: { identifier: '+14155550199', notify: true } });
    expect(sms.status).toBe(200);
    const outbox = async () => ((await (await fetch(`${t.url}/dev/outbox`)).json()) as { data: J[] }).data;
    let mails: J[] = [];
    for (let i = 0; i < 50 && mails.filter((m) => m.status === 'outbox').length < 2; i++) {
      mails = await outbox();
      await new Promise((r) => setTimeout(r, 100));
    }
    const email = mails.find((m) => m.object === 'email' && m.to_email_address === "o'brien@example.com");
    expect(email).toMatchObject({ status: 'outbox', slug: 'allowlist_notification' });
    expect(email?.body).toContain('o&#39;brien@example.com');
    expect(email?.body).toContain(`${t.server.services.storage ? '' : ''}/sign-up`);
    const text = mails.find((m) => m.object === 'sms_message');
    expect(text).toMatchObject({ to_phone_number: '+14155550199', status: 'outbox' });
    expect(text?.message).toContain('/sign-up');
  });

  it('blocklist lists as {data,total_count}', async () => {
    const b = await call('/blocklist_identifiers', { method: 'POST', json: { identifier: '*@spam.test' } });
    expect(b.status).toBe(200);
    BlocklistIdentifierSchema.parse(b.body);
    expect(b.body.id).toMatch(/^blid_/);
    const list = await call('/blocklist_identifiers');
    expect(list.body).toMatchObject({ total_count: 1 });
    expect((list.body.data as J[])[0]?.id).toBe(b.body.id);
  });

  it('reads and writes restrictions; POST /users honours them unless bypassed', async () => {
    const initial = await call('/instance/restrictions');
    InstanceRestrictionsSchema.parse(initial.body);
    expect(initial.body).toMatchObject({ allowlist: false, blocklist: false });

    // Blocklist: *@spam.test from the previous test.
    expect((await call('/users', { method: 'POST', json: { email_address: ['x@spam.test'] } })).status).toBe(200);
    expect((await restrict({ blocklist: true })).body).toMatchObject({ object: 'instance_restrictions', blocklist: true, allowlist: false });
    const blocked = await call('/users', { method: 'POST', json: { email_address: ['y@SPAM.test'] } });
    expect(blocked.status).toBe(403);
    expect(blocked.body.errors?.[0]).toMatchObject({ code: 'not_allowed_access', meta: { param_name: 'email_address' } });
    expect((await call('/users', { method: 'POST', json: { email_address: ['y@spam.test'], bypass_restrictions: true } })).status).toBe(200);

    // Allowlist: only allowlisted identifiers (a domain wildcard, a subdomain wildcard, a phone).
    await restrict({ allowlist: true, blocklist: false });
    await call('/allowlist_identifiers', { method: 'POST', json: { identifier: '*@corp.test', notify: false } });
    await call('/allowlist_identifiers', { method: 'POST', json: { identifier: '*.group.test', notify: false } });
    await call('/allowlist_identifiers', { method: 'POST', json: { identifier: '+447700900001', notify: false } });
    expect((await call('/users', { method: 'POST', json: { email_address: ['a@corp.test'] } })).status).toBe(200);
    expect((await call('/users', { method: 'POST', json: { email_address: ['a@eu.group.test'] } })).status).toBe(200);
    expect((await call('/users', { method: 'POST', json: { email_address: ['a@group.test'] } })).status).toBe(200);
    expect((await call('/users', { method: 'POST', json: { phone_number: ['+44 7700 900001'] } })).status).toBe(200);
    const outsider = await call('/users', { method: 'POST', json: { email_address: ['a@elsewhere.test'] } });
    expect(outsider.status).toBe(403);
    expect(outsider.body.errors?.[0]?.code).toBe('not_allowed_access');
    expect((await call('/users', { method: 'POST', json: { email_address: ['a@sub.corp.test'] } })).status).toBe(403);
    const before = (await call('/users/count')).body.total_count;
    expect((await call('/users', { method: 'POST', json: { username: 'no_identifier_at_all' } })).status).toBe(403);
    expect((await call('/users/count')).body.total_count).toBe(before);

    // Subaddresses and disposable domains.
    await restrict({ allowlist: false, block_email_subaddresses: true, block_disposable_email_domains: true });
    expect((await call('/users', { method: 'POST', json: { email_address: ['me+tag@fine.test'] } })).status).toBe(403);
    expect((await call('/users', { method: 'POST', json: { email_address: ['me@mailinator.com'] } })).status).toBe(403);
    expect((await call('/users', { method: 'POST', json: { email_address: ['me@fine.test'] } })).status).toBe(200);
    const off = await restrict({ block_email_subaddresses: false, block_disposable_email_domains: false });
    expect(off.body).toEqual({
      object: 'instance_restrictions',
      allowlist: false,
      blocklist: false,
      allowlist_blocklist_disabled_on_sign_in: false,
      block_email_subaddresses: false,
      block_disposable_email_domains: false,
    });
    expect((await restrict({ allowlist: 'yes' } as unknown as Record<string, boolean>)).status).toBe(422);
  });
});
