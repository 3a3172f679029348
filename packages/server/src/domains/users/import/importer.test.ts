import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import bcryptjs from 'bcryptjs';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startTestServer, testDialects, type TestServer } from '../../../test/harness.js';
import { type ImportOptions, type ImportReject, importUsersFromFile } from './importer.js';

const HEADER =
  'id,first_name,last_name,username,primary_email_address,primary_phone_number,verified_email_addresses,unverified_email_addresses,verified_phone_numbers,unverified_phone_numbers,totp_secret,password_digest,password_hasher';
const DIGEST = bcryptjs.hashSync('imported secret 1', 4);

interface U {
  id: string;
  external_id: string | null;
  first_name: string | null;
  last_name: string | null;
  username: string | null;
  password_enabled: boolean;
  email_addresses: { email_address: string; verification: { status: string } | null }[];
  phone_numbers: { phone_number: string }[];
  primary_email_address_id: string | null;
  public_metadata: Record<string, unknown>;
  created_at: number;
}

describe.each(testDialects())('users import on %s', (dialect) => {
  let t: TestServer;
  const dir = mkdtempSync(join(tmpdir(), 'latch-import-'));
  beforeAll(async () => {
    t = await startTestServer(dialect);
  });
  afterAll(async () => {
    await t.close();
    rmSync(dir, { recursive: true, force: true });
  });

  function file(name: string, text: string): string {
    const path = join(dir, name);
    writeFileSync(path, text);
    return path;
  }
  async function run(path: string, options: ImportOptions = {}) {
    const rejects: ImportReject[] = [];
    const { storage, access } = t.server.services;
    const summary = await importUsersFromFile(
      { db: storage.db, dialect: storage.dialect, admit: (ids) => access.assertSignUpAllowed(ids) },
      path,
      { batchSize: 3, ...options, onReject: (r) => rejects.push(r) },
    );
    return { summary, rejects };
  }
  async function users(qs: string): Promise<U[]> {
    const res = await t.api(`/users?${qs}`);
    expect(res.status).toBe(200);
    return (await res.json()) as U[];
  }

  const csv = [
    HEADER,
    `user_old1,Ada,Lovelace,ada_l,ada@import.test,+14155550101,ada@import.test|ada.work@import.test,ada.old@import.test,+14155550101,,,${DIGEST},bcrypt`,
    'user_old2,"Grace ""Amazing""","Hopper, Jr.",,grace@import.test,,grace@import.test,,,,,,',
    'user_old3,Bad,Mail,,not-an-address,,,,,,,,',
    // A quoted field across lines: the next record's line number counts physical lines.
    'user_old4,"Multi\nLine",Name,,multi@import.test,,multi@import.test,,,,,,',
    'user_old5,Dup,Mail,,ADA@import.test,,,,,,,,',
    'user_old6,Taken,Username,ADA_L,taken@import.test,,,,,,,,',
    'user_old7,Wrong,Hasher,,hasher@import.test,,,,,,,xyz,rot13',
  ].join('\r\n');

  it('imports a Clerk CSV export: fields, identifiers, external ids, rejects with line numbers', async () => {
    const { summary, rejects } = await run(file('clerk.csv', csv));
    expect(summary).toMatchObject({ format: 'csv', read: 7, created: 3, existing: 0, rejected: 4 });
    expect(rejects.map((r) => [r.line, r.reason]).sort((a, b) => Number(a[0]) - Number(b[0]))).toEqual([
      [4, 'not-an-address is not a valid e-mail address'],
      [7, 'ADA@import.test belongs to another user (external_id user_old1)'],
      [8, 'username ada_l belongs to another user'],
      [9, 'password_hasher rot13 is not supported'],
    ]);
    expect(rejects[0]?.input).toMatchObject({ id: 'user_old3', primary_email_address: 'not-an-address' });

    const [ada] = await users('external_id=user_old1');
    expect(ada).toMatchObject({ first_name: 'Ada', last_name: 'Lovelace', username: 'ada_l', password_enabled: true });
    expect(ada?.email_addresses.map((e) => [e.email_address, e.verification?.status ?? null])).toEqual([
      ['ada@import.test', 'verified'],
      ['ada.work@import.test', 'verified'],
      ['ada.old@import.test', null],
    ]);
    expect(ada?.phone_numbers.map((p) => p.phone_number)).toEqual(['+14155550101']);
    const [grace] = await users('external_id=user_old2');
    expect(grace).toMatchObject({ first_name: 'Grace "Amazing"', last_name: 'Hopper, Jr.', password_enabled: false });
    expect((await users('external_id=user_old4'))[0]?.first_name).toBe('Multi\nLine');
  });

  it('keeps the search index in sync: query and count find imported users at once', async () => {
    expect((await users('query=lovelace')).map((u) => u.external_id)).toEqual(['user_old1']);
    expect((await users('query=ada.work')).map((u) => u.external_id)).toEqual(['user_old1']);
    expect((await users('query=hopper')).map((u) => u.external_id)).toEqual(['user_old2']);
    const res = await t.api('/users/count?query=import.test');
    expect(await res.json()).toEqual({ object: 'total_count', total_count: 3 });
  });

  it('is idempotent: the same file again creates nobody', async () => {
    const { summary } = await run(file('clerk.csv', csv), { batchSize: 1000 });
    expect(summary).toMatchObject({ read: 7, created: 0, existing: 3, rejected: 4 });
    const res = await t.api('/users/count');
    expect(await res.json()).toEqual({ object: 'total_count', total_count: 3 });
  });

  it('stores the bcrypt digest as given; it signs in and is rehashed to argon2id', async () => {
    const [ada] = await users('external_id=user_old1');
    const stored = () => t.server.services.storage.db.selectFrom('passwords').selectAll().where('user_id', '=', ada?.id as string).executeTakeFirstOrThrow();
    expect(await stored()).toMatchObject({ hasher: 'bcrypt', digest: DIGEST });
    const wrong = await t.api(`/users/${ada?.id}/verify_password`, { method: 'POST', json: { password: 'imported secret 2' } });
    expect(wrong.status).toBe(422);
    const right = await t.api(`/users/${ada?.id}/verify_password`, { method: 'POST', json: { password: 'imported secret 1' } });
    expect(await right.json()).toEqual({ verified: true });
    expect((await stored()).hasher).toBe('argon2id');
  });

  it('imports JSON lines shaped like POST /v1/users, matching existing users by e-mail too', async () => {
    const lines = [
      JSON.stringify({ id: 'j1', email_address: ['json1@import.test'], first_name: 'Json', public_metadata: { plan: 'pro' }, created_at: '2023-05-06T07:08:09Z' }),
      '',
      JSON.stringify({ external_id: 'j2-given', id: 'j2', email_address: ['json2@import.test'], phone_number: ['+14155550102'], password_digest: DIGEST, password_hasher: 'bcrypt' }),
      '{"email_address": ["grace@import.test"]}',
      '{"email_address": ["broken@import.test"], "first_name": 42}',
      JSON.stringify({ id: 'j5', email_address: ['json1@import.test'] }),
    ].join('\n');
    const { summary, rejects } = await run(file('users.jsonl', lines));
    expect(summary).toMatchObject({ format: 'jsonl', read: 5, created: 2, existing: 1, rejected: 2 });
    expect(rejects.map((r) => r.line).sort()).toEqual([5, 6]);
    expect(rejects.find((r) => r.line === 5)?.reason).toMatch(/first_name/);
    expect(rejects.find((r) => r.line === 6)?.reason).toBe('json1@import.test belongs to another user (external_id j1)');
    const [j1] = await users('external_id=j1');
    expect(j1).toMatchObject({ first_name: 'Json', public_metadata: { plan: 'pro' }, created_at: Date.parse('2023-05-06T07:08:09Z') });
    expect((await users('external_id=j2-given'))[0]?.password_enabled).toBe(true);
    expect((await run(file('users.jsonl', lines))).summary).toMatchObject({ created: 0, existing: 3, rejected: 2 });
  });

  it('ignores the instance restrictions unless asked to apply them', async () => {
    const restrict = await t.api('/instance/restrictions', { method: 'PATCH', json: { allowlist: true } });
    expect(restrict.status).toBe(200);
    const allow = await t.api('/allowlist_identifiers', { method: 'POST', json: { identifier: 'allowed@import.test', notify: false } });
    expect(allow.status).toBe(200);
    const lines = [JSON.stringify({ id: 'r1', email_address: ['allowed@import.test'] }), JSON.stringify({ id: 'r2', email_address: ['stranger@import.test'] })].join('\n');
    const applied = await run(file('restricted.jsonl', lines), { applyRestrictions: true });
    expect(applied.summary).toMatchObject({ created: 1, rejected: 1 });
    expect(applied.rejects[0]).toMatchObject({ line: 2 });
    expect(applied.rejects[0]?.reason).toMatch(/^refused by the instance's restrictions: /);
    const ignored = await run(file('restricted.jsonl', lines));
    expect(ignored.summary).toMatchObject({ created: 1, existing: 1, rejected: 0 });
    await t.api('/instance/restrictions', { method: 'PATCH', json: { allowlist: false } });
  });
});
