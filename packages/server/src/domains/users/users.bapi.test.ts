import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startTestServer, testDialects, type TestServer } from '../../test/harness.js';
import { ClerkErrorsSchema, DeletedObjectSchema } from '../../http/wire-schemas.js';
import { EmailAddressSchema, PhoneNumberSchema, UserSchema } from './serialize.js';

type Json = Record<string, unknown> & { id: string };

async function body<T = Json>(res: Response): Promise<T> {
  expect(res.headers.get('content-type')).toBe('application/json');
  return (await res.json()) as T;
}

describe.each(testDialects())('users BAPI on %s', (dialect) => {
  let t: TestServer;
  beforeAll(async () => {
    t = await startTestServer(dialect);
  });
  afterAll(async () => {
    await t.close();
  });

  async function createUser(json: Record<string, unknown>): Promise<Json> {
    const res = await t.api('/users', { method: 'POST', json });
    const user = await body(res);
    expect(res.status, JSON.stringify(user)).toBe(200);
    UserSchema.parse(user);
    return user;
  }

  async function expectError(res: Response, status: number, code: string, param?: string) {
    const b = await body<{ errors: { code: string; meta?: { param_name?: string } }[] }>(res);
    expect(res.status, JSON.stringify(b)).toBe(status);
    ClerkErrorsSchema.parse(b);
    expect(b.errors[0]?.code).toBe(code);
    if (param) expect(b.errors[0]?.meta?.param_name).toBe(param);
  }

  it('creates a user with verified identifiers, the first of each kind primary', async () => {
    const u = await createUser({
      email_address: ['Ada@Example.com', 'ada2@example.com'],
      phone_number: ['+1 (415) 555-0100'],
      username: 'Ada_L',
      first_name: 'Ada',
      last_name: 'Lovelace',
      external_id: 'ext-ada',
      public_metadata: { role: 'admin' },
      private_metadata: { stripeId: 'cus_1' },
    });
    const emails = u.email_addresses as { id: string; email_address: string; verification: { status: string; strategy: string } }[];
    expect(emails.map((e) => e.email_address)).toEqual(['Ada@Example.com', 'ada2@example.com']);
    expect(u.primary_email_address_id).toBe(emails[0]?.id);
    expect(emails[0]?.verification).toMatchObject({ status: 'verified', strategy: 'admin' });
    const phones = u.phone_numbers as { id: string; phone_number: string }[];
    expect(phones[0]?.phone_number).toBe('+14155550100');
    expect(u.primary_phone_number_id).toBe(phones[0]?.id);
    expect(u.username).toBe('ada_l');
    expect(u.id).toMatch(/^user_[0-9A-Za-z]{27}$/);
    expect(u.private_metadata).toEqual({ stripeId: 'cus_1' });
    expect(u.password_enabled).toBe(false);
  });

  it('refuses duplicate identifiers with form_identifier_exists naming the parameter', async () => {
    await createUser({ email_address: ['dup@example.com'], username: 'dupuser', external_id: 'dup-ext', phone_number: ['+4915112345678'] });
    await expectError(await t.api('/users', { method: 'POST', json: { email_address: ['DUP@example.com'] } }), 422, 'form_identifier_exists', 'email_address');
    await expectError(await t.api('/users', { method: 'POST', json: { username: 'DupUser' } }), 422, 'form_identifier_exists', 'username');
    await expectError(await t.api('/users', { method: 'POST', json: { external_id: 'dup-ext' } }), 422, 'form_identifier_exists', 'external_id');
    await expectError(await t.api('/users', { method: 'POST', json: { phone_number: ['+49 151 12345678'] } }), 422, 'form_identifier_exists', 'phone_number');
  });

  it('ten concurrent creates with one e-mail address: exactly one wins', async () => {
    const results = await Promise.all(
      Array.from({ length: 10 }, (_, i) => t.api('/users', { method: 'POST', json: { email_address: ['race@example.com'], first_name: `r${i}` } })),
    );
    const statuses = results.map((r) => r.status);
    expect(statuses.filter((s) => s === 200)).toHaveLength(1);
    for (const r of results.filter((x) => x.status !== 200)) await expectError(r, 422, 'form_identifier_exists', 'email_address');
    const count = await body<{ total_count: number }>(await t.api('/users/count?email_address=race@example.com'));
    expect(count.total_count).toBe(1);
  });

  it('validates identifiers and passwords at the edge', async () => {
    await expectError(await t.api('/users', { method: 'POST', json: { email_address: ['not-an-email'] } }), 422, 'form_param_format_invalid', 'email_address');
    await expectError(await t.api('/users', { method: 'POST', json: { phone_number: ['12345'] } }), 422, 'form_param_format_invalid', 'phone_number');
    await expectError(await t.api('/users', { method: 'POST', json: { password: 'short' } }), 422, 'form_password_length_too_short', 'password');
    await expectError(await t.api('/users', { method: 'POST', json: { password: 'password123' } }), 422, 'form_password_pwned', 'password');
    await expectError(await t.api('/users', { method: 'POST', json: { nope: 1 } }), 422, 'form_param_unknown', 'nope');
    await expectError(await t.api('/users', { method: 'POST', json: { first_name: 42 } }), 422, 'form_param_format_invalid', 'first_name');
    await expectError(await t.api('/users', { method: 'POST', body: '{bad json', headers: { 'content-type': 'application/json' } }), 400, 'request_body_invalid');
    await expectError(await t.api('/users', { method: 'POST', body: 'a=b', headers: { 'content-type': 'text/plain' } }), 415, 'unsupported_content_type');
  });

  it('gets, updates and deletes a user', async () => {
    const u = await createUser({ email_address: ['upd@example.com'] });
    const got = await body(await t.api(`/users/${u.id}`));
    expect(got).toEqual(u);
    const res = await t.api(`/users/${u.id}`, { method: 'PATCH', json: { first_name: 'John', last_name: 'Wick', public_metadata: { a: 1 } } });
    const updated = await body(res);
    expect(res.status).toBe(200);
    expect(updated).toMatchObject({ first_name: 'John', last_name: 'Wick', public_metadata: { a: 1 } });
    const del = await t.api(`/users/${u.id}`, { method: 'DELETE' });
    expect(DeletedObjectSchema.parse(await body(del))).toEqual({ object: 'user', id: u.id, deleted: true });
    await expectError(await t.api(`/users/${u.id}`), 404, 'resource_not_found');
    await expectError(await t.api(`/users/${u.id}`, { method: 'DELETE' }), 404, 'resource_not_found');
    // The address is free again once its user is gone.
    await createUser({ email_address: ['upd@example.com'] });
  });

  it('merges metadata deeply, null deletes, PUT replaces, 8 KB limit changes nothing', async () => {
    const u = await createUser({ public_metadata: { a: { b: 1, c: 2 }, keep: true }, private_metadata: { p: 1 } });
    const merged = await body(await t.api(`/users/${u.id}/metadata`, { method: 'PATCH', json: { public_metadata: { a: { c: null, d: 4 }, keep: null, n: [1] } } }));
    expect(merged.public_metadata).toEqual({ a: { b: 1, d: 4 }, n: [1] });
    expect(merged.private_metadata).toEqual({ p: 1 });
    const replaced = await body(await t.api(`/users/${u.id}/metadata`, { method: 'PUT', json: { private_metadata: { q: 2 } } }));
    expect(replaced.private_metadata).toEqual({ q: 2 });
    expect(replaced.public_metadata).toEqual({ a: { b: 1, d: 4 }, n: [1] });
    const big = { blob: 'x'.repeat(8200) };
    await expectError(await t.api(`/users/${u.id}/metadata`, { method: 'PATCH', json: { unsafe_metadata: big } }), 422, 'form_param_exceeds_allowed_size', 'unsafe_metadata');
    await expectError(await t.api('/users', { method: 'POST', json: { private_metadata: big } }), 422, 'form_param_exceeds_allowed_size', 'private_metadata');
    const after = await body(await t.api(`/users/${u.id}`));
    expect(after.unsafe_metadata).toEqual({});
    expect(after.updated_at).toBe(replaced.updated_at);
  });

  it('bans, unbans, locks and unlocks', async () => {
    const u = await createUser({});
    expect((await body(await t.api(`/users/${u.id}/ban`, { method: 'POST', headers: { 'content-type': 'application/json' } }))).banned).toBe(true);
    expect((await body(await t.api('/users/count?banned=true'))).total_count).toBeGreaterThanOrEqual(1);
    expect((await body(await t.api(`/users/${u.id}/unban`, { method: 'POST' }))).banned).toBe(false);
    expect((await body(await t.api(`/users/${u.id}/lock`, { method: 'POST' }))).locked).toBe(true);
    expect((await body(await t.api(`/users/${u.id}/unlock`, { method: 'POST' }))).locked).toBe(false);
    const many = await body<Json[]>(await t.api('/users/ban', { method: 'POST', json: { user_ids: [u.id] } }));
    expect(many.map((x) => x.banned)).toEqual([true]);
  });

  it('verifies passwords; an imported bcrypt digest is rehashed to argon2id after a correct check', async () => {
    const withPassword = await createUser({ password: 'correct horse battery staple' });
    expect(withPassword.password_enabled).toBe(true);
    expect(await body(await t.api(`/users/${withPassword.id}/verify_password`, { method: 'POST', json: { password: 'correct horse battery staple' } }))).toEqual({ verified: true });
    await expectError(await t.api(`/users/${withPassword.id}/verify_password`, { method: 'POST', json: { password: 'wrong' } }), 422, 'form_password_incorrect');
    const none = await createUser({});
    await expectError(await t.api(`/users/${none.id}/verify_password`, { method: 'POST', json: { password: 'x' } }), 400, 'form_password_not_set');

    // bcrypt of "imported-secret-1" (cost 4), made with bcryptjs.
    const bcryptjs = (await import('bcryptjs')).default;
    const digest = bcryptjs.hashSync('imported-secret-1', 4);
    const imported = await createUser({ password_digest: digest, password_hasher: 'bcrypt' });
    const db = t.server.services.storage.db;
    const before = await db.selectFrom('passwords').selectAll().where('user_id', '=', imported.id).executeTakeFirstOrThrow();
    expect(before.hasher).toBe('bcrypt');
    expect((await t.api(`/users/${imported.id}/verify_password`, { method: 'POST', json: { password: 'imported-secret-1' } })).status).toBe(200);
    const after = await db.selectFrom('passwords').selectAll().where('user_id', '=', imported.id).executeTakeFirstOrThrow();
    expect(after.hasher).toBe('argon2id');
    expect(after.digest).toMatch(/^\$argon2id\$v=19\$m=19456,t=2,p=1\$/);
    expect((await t.api(`/users/${imported.id}/verify_password`, { method: 'POST', json: { password: 'imported-secret-1' } })).status).toBe(200);
    await expectError(await t.api('/users', { method: 'POST', json: { password_digest: 'nonsense', password_hasher: 'bcrypt' } }), 422, 'form_password_digest_invalid', 'password_digest');
  });

  it('uploads, serves and deletes a profile image', async () => {
    const u = await createUser({});
    const png = Uint8Array.from([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a, 0, 0, 0, 13, 73, 72, 68, 82]);
    const form = new FormData();
    form.append('file', new Blob([png], { type: 'image/png' }), 'a.png');
    const res = await t.api(`/users/${u.id}/profile_image`, { method: 'POST', body: form });
    const withImage = await body(res);
    expect(res.status).toBe(200);
    expect(withImage.has_image).toBe(true);
    const img = await fetch(withImage.image_url as string);
    expect(img.status).toBe(200);
    expect(img.headers.get('content-type')).toBe('image/png');
    expect(new Uint8Array(await img.arrayBuffer())).toEqual(png);
    const html = new FormData();
    html.append('file', new Blob(['<script>alert(1)</script>'], { type: 'image/png' }), 'x.png');
    await expectError(await t.api(`/users/${u.id}/profile_image`, { method: 'POST', body: html }), 422, 'form_param_format_invalid', 'file');
    const removed = await body(await t.api(`/users/${u.id}/profile_image`, { method: 'DELETE' }));
    expect(removed.has_image).toBe(false);
    expect((await fetch(withImage.image_url as string)).status).toBe(404);
  });

  it('manages e-mail addresses and phone numbers', async () => {
    const u = await createUser({ email_address: ['first@example.com'] });
    const ema = await body(await t.api('/email_addresses', { method: 'POST', json: { user_id: u.id, email_address: 'second@example.com', verified: false } }));
    EmailAddressSchema.parse(ema);
    expect(ema.verification).toBeNull();
    const verified = await body(await t.api(`/email_addresses/${ema.id}`, { method: 'PATCH', json: { verified: true, primary: true } }));
    expect(verified.verification).toMatchObject({ status: 'verified' });
    expect((await body(await t.api(`/users/${u.id}`))).primary_email_address_id).toBe(ema.id);
    expect(await body(await t.api(`/email_addresses/${ema.id}`))).toEqual(verified);
    await expectError(await t.api('/email_addresses', { method: 'POST', json: { user_id: u.id, email_address: 'FIRST@example.com' } }), 422, 'form_identifier_exists', 'email_address');
    await expectError(await t.api('/email_addresses', { method: 'POST', json: { user_id: 'user_missing', email_address: 'x@example.com' } }), 404, 'resource_not_found');
    // Deleting the primary promotes the remaining address.
    expect(await body(await t.api(`/email_addresses/${ema.id}`, { method: 'DELETE' }))).toEqual({ object: 'email_address', id: ema.id, deleted: true });
    const after = await body(await t.api(`/users/${u.id}`));
    expect(after.primary_email_address_id).toBe((after.email_addresses as Json[])[0]?.id);
    const replaced = await body(await t.api(`/users/${u.id}/email_address`, { method: 'PUT', json: { email_address: 'only@example.com' } }));
    const again = await body(await t.api(`/users/${u.id}`));
    expect((again.email_addresses as Json[]).map((e) => e.email_address)).toEqual(['only@example.com']);
    expect(again.primary_email_address_id).toBe(replaced.id);

    const phn = await body(await t.api('/phone_numbers', { method: 'POST', json: { user_id: u.id, phone_number: '+33 6 12 34 56 78', reserved_for_second_factor: true } }));
    PhoneNumberSchema.parse(phn);
    expect(phn).toMatchObject({ phone_number: '+33612345678', reserved_for_second_factor: true });
    expect((await body(await t.api(`/users/${u.id}`))).primary_phone_number_id).toBe(phn.id);
    const upd = await body(await t.api(`/phone_numbers/${phn.id}`, { method: 'PATCH', json: { reserved_for_second_factor: false } }));
    expect(upd.reserved_for_second_factor).toBe(false);
    const rep = await body(await t.api(`/users/${u.id}/phone_number`, { method: 'PUT', json: { phone_number: '+33698765432' } }));
    expect(rep.phone_number).toBe('+33698765432');
    expect(await body(await t.api(`/phone_numbers/${rep.id}`, { method: 'DELETE' }))).toEqual({ object: 'phone_number', id: rep.id, deleted: true });
    expect((await body(await t.api(`/users/${u.id}`))).primary_phone_number_id).toBeNull();
  });

  it('serves the JWKS and the generated OpenAPI document', async () => {
    const jwks = await body<{ keys: { kty: string; alg: string; e: string; kid: string }[] }>(await t.api('/jwks'));
    expect(jwks.keys[0]).toMatchObject({ kty: 'RSA', alg: 'RS256', e: 'AQAB', use: 'sig' });
    const doc = await body<{ openapi: string; paths: Record<string, Record<string, unknown>> }>(await fetch(`${t.url}/v1/openapi.json`));
    expect(doc.openapi).toBe('3.1.0');
    expect(Object.keys(doc.paths)).toEqual(expect.arrayContaining(['/v1/users', '/v1/users/{user_id}', '/v1/users/{user_id}/metadata', '/v1/email_addresses', '/v1/jwks']));
    expect(Object.keys(doc.paths['/v1/users'] ?? {})).toEqual(['get', 'post']);
  });

  it('answers health and readiness', async () => {
    expect((await fetch(`${t.url}/healthz`)).status).toBe(200);
    expect(await (await fetch(`${t.url}/readyz`)).json()).toEqual({ status: 'ready' });
  });

  it('requires a valid secret key on every BAPI route', async () => {
    await expectError(await fetch(`${t.url}/v1/users`), 401, 'authentication_invalid');
    await expectError(await fetch(`${t.url}/v1/users`, { headers: { authorization: 'Bearer sk_test_wrongwrongwrongwrongwrong' } }), 401, 'clerk_key_invalid');
    await expectError(await fetch(`${t.url}/v1/jwks`, { headers: { authorization: 'Basic abc' } }), 401, 'authentication_invalid');
    const { key, info } = await t.server.services.keys.create('development', 'temp');
    expect((await fetch(`${t.url}/v1/users/count`, { headers: { authorization: `Bearer ${key}` } })).status).toBe(200);
    await t.server.services.keys.revoke(info.id);
    await expectError(await fetch(`${t.url}/v1/users/count`, { headers: { authorization: `Bearer ${key}` } }), 401, 'clerk_key_invalid');
    await expectError(await fetch(`${t.url}/v1/nope`), 404, 'resource_not_found');
  });
});
