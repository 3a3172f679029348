import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { FapiBrowser } from '../../test/fapi-browser.js';
import { type Envelope, type Err, type Json, lastCodeTo, signedInUser, userIn, wrongCode } from '../../test/fapi-users.js';
import { startTestServer, testDialects, type TestServer } from '../../test/harness.js';

type Email = Json & { id: string; email_address: string; verification: (Json & { status: string }) | null };
type Phone = Json & { id: string; phone_number: string; verification: (Json & { status: string }) | null };

describe.each(testDialects())('the signed-in user\'s e-mail addresses and phone numbers on %s', (dialect) => {
  let t: TestServer;

  beforeAll(async () => {
    t = await startTestServer(dialect);
  });
  afterAll(async () => {
    await t.close();
  });

  async function addEmail(b: FapiBrowser, address: string) {
    return b.post<Envelope<Email>>('/me/email_addresses/', { email_address: address });
  }

  /** Adds and verifies an address through the Frontend API; its id. */
  async function addVerified(b: FapiBrowser, address: string): Promise<string> {
    const added = await addEmail(b, address);
    expect(added.status).toBe(200);
    const id = added.body.response.id;
    expect((await b.post(`/me/email_addresses/${id}/prepare_verification`, { strategy: 'email_code' })).status).toBe(200);
    const ok = await b.post<Envelope<Email>>(`/me/email_addresses/${id}/attempt_verification`, { code: await lastCodeTo(t, address) });
    expect(ok.status).toBe(200);
    return id;
  }

  async function apiUser(id: string): Promise<Json & { email_addresses: Email[]; primary_email_address_id: string | null }> {
    return (await (await t.api(`/users/${id}`)).json()) as Json & { email_addresses: Email[]; primary_email_address_id: string | null };
  }

  it('adds an address, sends a code to it, verifies it and makes it primary', async () => {
    const me = await signedInUser(t, `add-${dialect}`, { private_metadata: { secret: 'never shown' } });
    const b = me.browser;
    const second = `second-${dialect}@example.com`;
    const added = await addEmail(b, second);
    expect(added.status).toBe(200);
    expect(added.body.response).toMatchObject({ object: 'email_address', email_address: second, verification: null });
    const id = added.body.response.id;
    const shown = userIn(added.body);
    expect((shown.email_addresses as Email[]).map((e) => e.email_address)).toEqual([me.email, second]);
    expect(shown).not.toHaveProperty('private_metadata');
    // An unverified address does not become primary.
    expect(shown.primary_email_address_id).not.toBe(id);

    const prepared = await b.post<Envelope<Email>>(`/me/email_addresses/${id}/prepare_verification`, { strategy: 'email_code' });
    expect(prepared.status).toBe(200);
    expect(prepared.body.response.verification).toMatchObject({ object: 'verification_otp', status: 'unverified', strategy: 'email_code', attempts: 0 });
    // The client's copy of the user knows a code is on its way too (what the SDK's form reads).
    const inClient = (userIn(prepared.body).email_addresses as Email[]).find((e) => e.id === id);
    expect(inClient?.verification).toMatchObject({ status: 'unverified', strategy: 'email_code' });
    const code = await lastCodeTo(t, second);

    const notYet = await b.call<Err>('PATCH', '/me', { primary_email_address_id: id });
    expect(notYet.status).toBe(422);
    expect(notYet.body.errors[0]).toMatchObject({ code: 'form_param_value_invalid', meta: { param_name: 'primary_email_address_id' } });

    const wrong = await b.post<Err>(`/me/email_addresses/${id}/attempt_verification`, { code: wrongCode(code) });
    expect(wrong.status).toBe(422);
    expect(wrong.body.errors[0]).toMatchObject({ code: 'form_code_incorrect', meta: { param_name: 'code' } });
    const counted = await b.get<Envelope<Email>>(`/me/email_addresses/${id}`);
    expect(counted.body.response.verification).toMatchObject({ status: 'unverified', attempts: 1 });

    const ok = await b.post<Envelope<Email>>(`/me/email_addresses/${id}/attempt_verification`, { code });
    expect(ok.status).toBe(200);
    expect(ok.body.response.verification).toMatchObject({ status: 'verified', strategy: 'email_code' });
    const again = await b.post<Err>(`/me/email_addresses/${id}/attempt_verification`, { code });
    expect(again.body.errors[0]?.code).toBe('verification_already_verified');

    const primary = await b.call<Envelope>('PATCH', '/me', { primary_email_address_id: id });
    expect(primary.status).toBe(200);
    expect(primary.body.response.primary_email_address_id).toBe(id);
    expect((await apiUser(me.userId)).primary_email_address_id).toBe(id);

    const list = await b.get<Email[]>('/me/email_addresses');
    expect(list.body.map((e) => [e.email_address, e.verification?.status])).toEqual([
      [me.email, 'verified'],
      [second, 'verified'],
    ]);
  });

  it('signs in with an added address only once it is verified (it could be someone else\'s until then)', async () => {
    const me = await signedInUser(t, `claim-${dialect}`);
    const claimed = `claimed-${dialect}@example.com`;
    const id = (await addEmail(me.browser, claimed)).body.response.id;
    const stranger = new FapiBrowser(t.url);
    const before = await stranger.post<Err>('/client/sign_ins', { identifier: claimed });
    expect(before.status).toBe(422);
    expect(before.body.errors[0]?.code).toBe('form_identifier_not_found');
    // Nor does a sign-in started from the real address send a code to the unverified one.
    const attempt = (await stranger.post<Envelope<Json & { id: string }>>('/client/sign_ins', { identifier: me.email })).body.response.id;
    const elsewhere = await stranger.post<Err>(`/client/sign_ins/${attempt}/prepare_first_factor`, { strategy: 'email_code', email_address_id: id });
    expect(elsewhere.status).toBe(422);
    expect(await t.server.services.storage.db.selectFrom('messages').select('id').where('to_address', '=', claimed).execute()).toEqual([]);

    await me.browser.post(`/me/email_addresses/${id}/prepare_verification`, { strategy: 'email_code' });
    await me.browser.post(`/me/email_addresses/${id}/attempt_verification`, { code: await lastCodeTo(t, claimed) });
    const after = await new FapiBrowser(t.url).post<Envelope<Json & { status: string; user_data: Json }>>('/client/sign_ins', { identifier: claimed });
    expect(after.status).toBe(200);
    expect(after.body.response.status).toBe('needs_first_factor');
  });

  it('binds a code to the address it was sent to, and gives up after five wrong guesses', async () => {
    const me = await signedInUser(t, `bind-${dialect}`);
    const b = me.browser;
    const a = (await addEmail(b, `bind-a-${dialect}@example.com`)).body.response.id;
    const c = (await addEmail(b, `bind-c-${dialect}@example.com`)).body.response.id;
    await b.post(`/me/email_addresses/${a}/prepare_verification`, { strategy: 'email_code' });
    const codeOfA = await lastCodeTo(t, `bind-a-${dialect}@example.com`);
    // No code was sent to c: a's code verifies nothing there.
    const elsewhere = await b.post<Err>(`/me/email_addresses/${c}/attempt_verification`, { code: codeOfA });
    expect(elsewhere.body.errors[0]?.code).toBe('verification_missing');
    await b.post(`/me/email_addresses/${c}/prepare_verification`, { strategy: 'email_code' });
    const codeOfC = await lastCodeTo(t, `bind-c-${dialect}@example.com`);
    const codes: string[] = [];
    const bad = [codeOfA, codeOfC].includes('123456') ? (codeOfA === '654321' || codeOfC === '654321' ? '111111' : '654321') : '123456';
    for (let i = 0; i < 5; i++) codes.push((await b.post<Err>(`/me/email_addresses/${c}/attempt_verification`, { code: bad })).body.errors[0]?.code ?? '');
    expect(codes).toEqual(['form_code_incorrect', 'form_code_incorrect', 'form_code_incorrect', 'form_code_incorrect', 'verification_failed']);
    expect((await b.post<Err>(`/me/email_addresses/${c}/attempt_verification`, { code: codeOfC })).body.errors[0]?.code).toBe('verification_failed');
    // a's code still verifies a.
    expect((await b.post(`/me/email_addresses/${a}/attempt_verification`, { code: codeOfA })).status).toBe(200);
  });

  it('offers only the code strategy, and refuses taken and malformed addresses', async () => {
    const me = await signedInUser(t, `strategy-${dialect}`);
    const b = me.browser;
    const id = (await addEmail(b, `link-${dialect}@example.com`)).body.response.id;
    const link = await b.post<Err>(`/me/email_addresses/${id}/prepare_verification`, { strategy: 'email_link', redirect_url: 'http://localhost:3000/verify' });
    expect(link.status).toBe(422);
    expect(link.body.errors[0]).toMatchObject({ code: 'strategy_for_user_invalid', meta: { param_name: 'strategy' } });
    const other = await signedInUser(t, `other-${dialect}`);
    const taken = await addEmail(b, other.email);
    expect(taken.status).toBe(422);
    expect((taken.body as unknown as Err).errors[0]).toMatchObject({ code: 'form_identifier_exists', meta: { param_name: 'email_address' } });
    const bad = await addEmail(b, 'not an address');
    expect((bad.body as unknown as Err).errors[0]).toMatchObject({ code: 'form_param_format_invalid', meta: { param_name: 'email_address' } });
    // Someone else's address is not found, whatever the route.
    const theirs = (await apiUser(other.userId)).email_addresses[0]?.id as string;
    for (const res of [
      await b.get<Err>(`/me/email_addresses/${theirs}`),
      await b.post<Err>(`/me/email_addresses/${theirs}/prepare_verification`, { strategy: 'email_code' }),
      await b.call<Err>('DELETE', `/me/email_addresses/${theirs}`),
    ]) {
      expect(res.status).toBe(404);
    }
    expect((await apiUser(other.userId)).email_addresses).toHaveLength(1);
  });

  it('never deletes the last way to sign in; another verified address makes it deletable and takes over as primary', async () => {
    const me = await signedInUser(t, `last-${dialect}`);
    const b = me.browser;
    const first = (await apiUser(me.userId)).email_addresses[0]?.id as string;
    const unverified = (await addEmail(b, `pending-${dialect}@example.com`)).body.response.id;
    const refused = await b.call<Err>('DELETE', `/me/email_addresses/${first}`);
    expect(refused.status).toBe(400);
    expect(refused.body.errors[0]?.code).toBe('identification_deletion_failed');
    // An unverified address is no way in: deleting it is always fine.
    const gone = await b.call<Envelope>('DELETE', `/me/email_addresses/${unverified}`);
    expect(gone.status).toBe(200);
    expect(gone.body.response).toEqual({ object: 'email_address', id: unverified, deleted: true });
    const second = await addVerified(b, `takeover-${dialect}@example.com`);
    const deleted = await b.call<Envelope>('DELETE', `/me/email_addresses/${first}`);
    expect(deleted.status).toBe(200);
    expect(userIn(deleted.body).primary_email_address_id).toBe(second);
    expect((await apiUser(me.userId)).email_addresses.map((e) => e.id)).toEqual([second]);
  });

  it('lets exactly one of two concurrent deletions of the last two addresses through', async () => {
    const me = await signedInUser(t, `race-${dialect}`);
    const b = me.browser;
    const first = (await apiUser(me.userId)).email_addresses[0]?.id as string;
    const second = await addVerified(b, `race-second-${dialect}@example.com`);
    const results = await Promise.all([b.call<Err>('DELETE', `/me/email_addresses/${first}`), b.call<Err>('DELETE', `/me/email_addresses/${second}`)]);
    expect(results.map((r) => r.status).sort()).toEqual([200, 400]);
    expect(results.find((r) => r.status === 400)?.body.errors[0]?.code).toBe('identification_deletion_failed');
    const left = (await apiUser(me.userId)).email_addresses;
    expect(left).toHaveLength(1);
    expect((await apiUser(me.userId)).primary_email_address_id).toBe(left[0]?.id);
  });

  it('verifies once when the right code is sent twice at the same time', async () => {
    const me = await signedInUser(t, `twice-${dialect}`);
    const b = me.browser;
    const address = `twice-${dialect}@example.com`;
    const id = (await addEmail(b, address)).body.response.id;
    await b.post(`/me/email_addresses/${id}/prepare_verification`, { strategy: 'email_code' });
    const code = await lastCodeTo(t, address);
    const results = await Promise.all([0, 1, 2].map(() => b.post<Err>(`/me/email_addresses/${id}/attempt_verification`, { code })));
    expect(results.filter((r) => r.status === 200)).toHaveLength(1);
    for (const r of results.filter((x) => x.status !== 200)) expect(r.body.errors[0]?.code).toBe('verification_already_verified');
    const row = await t.server.services.storage.db.selectFrom('verifications').selectAll().where('owner_id', '=', id).executeTakeFirstOrThrow();
    expect(row).toMatchObject({ status: 'verified', attempts: 1 });
  });

  it('adds and verifies a phone number by SMS where the instance uses phone numbers', async () => {
    const me = await signedInUser(t, `phone-${dialect}`);
    const b = me.browser;
    const off = await b.post<Err>('/me/phone_numbers', { phone_number: '+14155550123' });
    expect(off.status).toBe(403);
    expect(off.body.errors[0]?.code).toBe('not_allowed_access');
    expect((await t.api('/instance/auth_settings', { method: 'PATCH', json: { phone_number: { enabled: true } } })).status).toBe(200);
    try {
      const number = `+1415555${String(1000 + Math.floor(Math.random() * 8999))}`;
      const added = await b.post<Envelope<Phone>>('/me/phone_numbers/', { phone_number: number });
      expect(added.status).toBe(200);
      const id = added.body.response.id;
      const prepared = await b.post<Envelope<Phone>>(`/me/phone_numbers/${id}/prepare_verification`, { strategy: 'phone_code' });
      expect(prepared.body.response.verification).toMatchObject({ status: 'unverified', strategy: 'phone_code' });
      const ok = await b.post<Envelope<Phone>>(`/me/phone_numbers/${id}/attempt_verification`, { code: await lastCodeTo(t, number) });
      expect(ok.status).toBe(200);
      expect(ok.body.response.verification).toMatchObject({ status: 'verified', strategy: 'phone_code' });
      // The first verified number becomes primary.
      expect(userIn(ok.body).primary_phone_number_id).toBe(id);
      expect((await b.get<Phone[]>('/me/phone_numbers')).body.map((p) => p.id)).toEqual([id]);
      const deleted = await b.call<Envelope>('DELETE', `/me/phone_numbers/${id}`);
      expect(deleted.body.response).toEqual({ object: 'phone_number', id, deleted: true });
    } finally {
      await t.api('/instance/auth_settings', { method: 'PATCH', json: { phone_number: { enabled: false } } });
    }
  });

  it('limits the codes a user can have sent', async () => {
    const me = await signedInUser(t, `flood-${dialect}`);
    const b = me.browser;
    const id = (await addEmail(b, `flood-${dialect}@example.com`)).body.response.id;
    const statuses: number[] = [];
    for (let i = 0; i < 11; i++) statuses.push((await b.post(`/me/email_addresses/${id}/prepare_verification`, { strategy: 'email_code' })).status);
    expect(statuses.slice(0, 10).every((s) => s === 200)).toBe(true);
    expect(statuses[10]).toBe(429);
  });

  it('refuses a number reserved for SMS second factors, which sign-in never asks for', async () => {
    const me = await signedInUser(t, `sms2fa-${dialect}`);
    const res = await me.browser.post<Err>('/me/phone_numbers', { phone_number: '+14155550199', reserved_for_second_factor: 'true' });
    expect(res.status).toBe(422);
    expect(res.body.errors[0]).toMatchObject({ code: 'form_param_value_invalid', meta: { param_name: 'reserved_for_second_factor' } });
  });

  it('refuses foreign origins and signed-out browsers, storing nothing', async () => {
    const me = await signedInUser(t, `csrf-${dialect}`);
    const evil = new FapiBrowser(t.url, 'https://evil.example');
    for (const [k, v] of me.browser.cookies) evil.cookies.set(k, v);
    const forged = await evil.post<Err>('/me/email_addresses', { email_address: `forged-${dialect}@example.com` });
    expect(forged.status).toBe(403);
    expect(forged.body.errors[0]?.code).toBe('origin_invalid');
    const anonymous = await new FapiBrowser(t.url).post<Err>('/me/email_addresses', { email_address: `anon-${dialect}@example.com` });
    expect(anonymous.status).toBe(401);
    const found = await t.server.services.storage.db.selectFrom('identifications').select('id').where('value', 'in', [`forged-${dialect}@example.com`, `anon-${dialect}@example.com`]).execute();
    expect(found).toEqual([]);
  });

  // Last: it spends this address's attempt budget for the minute.
  it('limits code attempts per address', async () => {
    const me = await signedInUser(t, `attempts-${dialect}`);
    const b = me.browser;
    const statuses = new Set<number>();
    for (let i = 0; i < 70 && !statuses.has(429); i++) {
      const id = (await b.post<Envelope<Email>>('/me/email_addresses', { email_address: `attempt-${i}-${dialect}@example.com` })).body.response.id;
      statuses.add((await b.post(`/me/email_addresses/${id}/attempt_verification`, { code: '123456' })).status);
    }
    expect(statuses.has(429)).toBe(true);
  });
});
