import { describe, expect, it } from 'vitest';
import { createCsvParser, createLineSplitter } from './text.js';
import { csvColumns, RejectedRow, userFromCsv, userFromJsonLine } from './records.js';

function parseCsv(text: string, chunk = text.length) {
  const p = createCsvParser();
  const out = [];
  for (let i = 0; i < text.length; i += chunk) out.push(...p.push(text.slice(i, i + chunk)));
  out.push(...p.end());
  return out;
}

describe('CSV parsing', () => {
  const sample = '\uFEFFid,name,note\r\nu1,"Doe, Jane","she said ""hi"""\r\n\r\nu2,"multi\nline\nnote",x\nu3,,"" \nu4,last,no newline';

  it('follows RFC 4180 quoting, CRLF/LF, a BOM and blank lines, with the line each record starts on', () => {
    expect(parseCsv(sample)).toEqual([
      { line: 1, fields: ['id', 'name', 'note'] },
      { line: 2, fields: ['u1', 'Doe, Jane', 'she said "hi"'] },
      { line: 4, fields: ['u2', 'multi\nline\nnote', 'x'] },
      { line: 7, fields: ['u3', '', ' '] },
      { line: 8, fields: ['u4', 'last', 'no newline'] },
    ]);
  });

  it('gives the same records whatever the chunk boundaries', () => {
    const whole = parseCsv(sample);
    for (const size of [1, 2, 3, 5, 7]) expect(parseCsv(sample, size)).toEqual(whole);
  });

  it('refuses a quote left open at the end of the file', () => {
    expect(() => parseCsv('a,b\n1,"open\n2,3\n')).toThrow(/line 2: a quoted field is not closed/);
  });
});

describe('JSON lines splitting', () => {
  it('splits LF and CRLF lines across chunks, skips blank lines, keeps line numbers', () => {
    const s = createLineSplitter();
    const out = [...s.push('{"a":1}\r\n\n{"b"'), ...s.push(':2}\n  \n{"c":3}'), ...s.end()];
    expect(out).toEqual([
      { line: 1, text: '{"a":1}' },
      { line: 3, text: '{"b":2}' },
      { line: 5, text: '{"c":3}' },
    ]);
  });
});

describe('import records', () => {
  const header = ['id', 'first_name', 'last_name', 'username', 'primary_email_address', 'primary_phone_number', 'verified_email_addresses', 'unverified_email_addresses', 'verified_phone_numbers', 'unverified_phone_numbers', 'totp_secret', 'password_digest', 'password_hasher'];
  const columns = csvColumns(header);
  const row = (over: Record<string, string>) => header.map((h) => over[h] ?? '');

  it('maps a Clerk export row: old id → external_id, primary first, verified and unverified lists', () => {
    const u = userFromCsv(
      2,
      row({
        id: 'user_2abc',
        first_name: 'Jane',
        username: 'JaneD',
        primary_email_address: 'Jane@Example.com',
        verified_email_addresses: 'jane@example.com|work@example.com',
        unverified_email_addresses: 'old@example.com',
        verified_phone_numbers: '+1 415 555 0100',
        password_digest: '$2a$10$N9qo8uLOickgx2ZMRZoMyeIjZAgcfl7p92ldGxad68LJZdL17lhWy',
        password_hasher: 'bcrypt',
      }),
      columns,
      header.length,
    );
    expect(u).toMatchObject({ externalId: 'user_2abc', firstName: 'Jane', lastName: null, username: 'janed', password: { hasher: 'bcrypt' } });
    expect(u.identifiers.map((i) => [i.type, i.normalized, i.status])).toEqual([
      ['email_address', 'jane@example.com', 'verified'],
      ['email_address', 'work@example.com', 'verified'],
      ['email_address', 'old@example.com', 'unverified'],
      ['phone_number', '+14155550100', 'verified'],
    ]);
  });

  it.each([
    [{ primary_email_address: 'not-an-address' }, /not-an-address is not a valid e-mail address/],
    [{ password_digest: 'x', password_hasher: 'rot13' }, /password_hasher rot13 is not supported/],
    [{ password_digest: 'not-bcrypt', password_hasher: 'bcrypt' }, /not a valid bcrypt digest/],
    [{ password_digest: '$2a$10$N9qo8uLOickgx2ZMRZoMyeIjZAgcfl7p92ldGxad68LJZdL17lhWy' }, /without password_hasher/],
    [{ username: 'a b' }, /username a b is not/],
    [{ totp_secret: 'short' }, /totp_secret/],
  ])('rejects a CSV row with %j', (over, reason) => {
    expect(() => userFromCsv(3, row(over), columns, header.length)).toThrow(reason);
  });

  it('rejects a CSV row with the wrong number of fields', () => {
    expect(() => userFromCsv(3, ['a', 'b'], columns, header.length)).toThrow(new RejectedRow('expected 13 fields as in the header, found 2'));
  });

  it('reads a POST /v1/users body, with the old id as external_id unless one is given', () => {
    const u = userFromJsonLine(1, JSON.stringify({ id: 'old-1', email_address: ['a@example.com'], first_name: 'A', public_metadata: { plan: 'pro' }, created_at: '2024-01-02T03:04:05Z' }));
    expect(u).toMatchObject({ externalId: 'old-1', firstName: 'A', publicMetadata: { plan: 'pro' }, createdAt: Date.parse('2024-01-02T03:04:05Z') });
    expect(userFromJsonLine(1, JSON.stringify({ id: 'old-1', external_id: 'given' })).externalId).toBe('given');
  });

  it.each([
    ['{not json', /not valid JSON/],
    ['[1,2]', /must be a JSON object/],
    ['{"email_address":"a@example.com"}', /email_address/],
    ['{"nonsense":1}', /nonsense is not a valid parameter/],
    ['{"password":"plain text"}', /plain-text passwords are not imported/],
    ['{"email_address":["a@example.com"],"email_address_identification_status":["verified","verified"]}', /exactly one item per email_address/],
  ])('rejects the JSON line %s', (line, reason) => {
    expect(() => userFromJsonLine(1, line)).toThrow(reason);
  });
});
