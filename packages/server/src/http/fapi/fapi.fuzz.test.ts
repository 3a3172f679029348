/**
 * Property-based bad input over every Frontend API endpoint: generated paths, methods (tunnelled the way
 * the SDK does), form and JSON bodies and query strings, from a browser that has a signed-in client.
 * Every answer is 2xx or 4xx (never 5xx), a 4xx is the error envelope naming a field where one is at
 * fault, and a refused request changes nothing stored — except the one thing a refusal must record: a
 * wrong code counts against its verification (and the user's lockout).
 */
import fc from 'fast-check';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { FapiBrowser } from '../../test/fapi-browser.js';
import { enc, fuzzParams, logSeed, weirdString } from '../../test/fuzz-kit.js';
import { startTestServer, testDialects, type TestServer } from '../../test/harness.js';

const PASSWORD = 'correct horse battery staple';
const TABLES = ['users', 'identifications', 'passwords', 'clients', 'sessions', 'sign_in_attempts', 'sign_up_attempts', 'invitations'] as const;

const FIELDS = [
  'identifier', 'strategy', 'password', 'code', 'email_address', 'phone_number', 'username', 'first_name', 'last_name',
  'unsafe_metadata', 'public_metadata', 'private_metadata', 'legal_accepted', 'ticket', 'email_address_id', 'phone_number_id',
  'active_organization_id', 'organization_id', 'intent', 'redirect_url', '__proto__', 'constructor',
];
const STRATEGIES = ['password', 'email_code', 'phone_code', 'totp', 'backup_code', 'ticket', 'email_link', 'oauth_google', '', 'PASSWORD'];

describe.each(testDialects())('Frontend API bad input on %s', (dialect) => {
  let t: TestServer;
  let browser: FapiBrowser;
  const ids = { signIn: '', signUp: '', session: '' };

  beforeAll(async () => {
    logSeed('fapi', dialect);
    t = await startTestServer(dialect);
    const email = `fuzz-${dialect}@example.com`;
    await t.api('/users', { method: 'POST', json: { email_address: [email], password: PASSWORD } });
    browser = new FapiBrowser(t.url);
    const done = await browser.post<{ response: { created_session_id: string } }>('/client/sign_ins', { identifier: email, strategy: 'password', password: PASSWORD });
    ids.session = done.body.response.created_session_id;
    ids.signIn = (await browser.post<{ response: { id: string } }>('/client/sign_ins', { identifier: email })).body.response.id;
    ids.signUp = (await browser.post<{ response: { id: string } }>('/client/sign_ups', { email_address: `other-${dialect}@example.com` })).body.response.id;
  });
  afterAll(async () => {
    await t.close();
  });

  async function snapshot(): Promise<string> {
    const out: Record<string, unknown[]> = {};
    for (const table of TABLES) {
      // The touch-style columns move on every read of a live session; compare what a refusal must not change.
      const rows = await t.server.services.storage.db.selectFrom(table).selectAll().execute();
      out[table] = rows.map((r) => {
        const { updated_at: _u, last_active_at: _l, ...rest } = r as Record<string, unknown>;
        return rest;
      });
    }
    return JSON.stringify(out);
  }

  const id = fc.oneof(fc.constantFrom('SIGN_IN', 'SIGN_UP', 'SESSION'), weirdString, fc.constant(''));
  const path = fc.oneof(
    fc.constant('/client'),
    fc.constant('/client/sessions'),
    fc.constant('/client/sign_ins'),
    fc.constant('/client/sign_ups'),
    fc.constant('/environment'),
    fc.constant('/me'),
    fc.constant('/me/metadata'),
    fc.tuple(id, fc.constantFrom('', '/prepare_first_factor', '/attempt_first_factor', '/prepare_second_factor', '/attempt_second_factor')).map(([i, s]) => `/client/sign_ins/${i}${s}`),
    fc.tuple(id, fc.constantFrom('', '/prepare_verification', '/attempt_verification')).map(([i, s]) => `/client/sign_ups/${i}${s}`),
    fc.tuple(id, fc.constantFrom('', '/touch', '/end', '/remove', '/tokens')).map(([i, s]) => `/client/sessions/${i}${s}`),
  );
  const value = fc.oneof(weirdString, fc.constantFrom(...STRATEGIES), fc.constantFrom('http://localhost:3000/verify', 'https://evil.example/', 'javascript:alert(1)'), fc.constantFrom('{"a":1}', '{"a":', '[1,2]', 'null', 'true', '424242', '000000'), fc.array(weirdString, { maxLength: 3 }));
  const form = fc.dictionary(fc.constantFrom(...FIELDS), value, { maxKeys: 5 });
  const method = fc.constantFrom('GET', 'POST', 'PATCH', 'PUT', 'DELETE');

  it('never answers 5xx, answers 4xx with the envelope, and refuses without side effects', async () => {
    await fc.assert(
      fc.asyncProperty(method, path, form, fc.boolean(), async (m, p, f, asJson) => {
        const resolved = p.replace('SIGN_IN', ids.signIn).replace('SIGN_UP', ids.signUp).replace('SESSION', ids.session);
        const encoded = resolved.split('/').map((seg) => enc(seg, true)).join('/');
        const before = await snapshot();
        const url = new URL(`${t.url}/fapi/v1${encoded}`);
        if (m !== 'GET' && m !== 'POST') url.searchParams.set('_method', m);
        const cookie = [...browser.cookies].map(([k, v]) => `${k}=${v}`).join('; ');
        const headers: Record<string, string> = { origin: browser.origin, cookie };
        let body: string | undefined;
        if (m !== 'GET') {
          if (asJson) {
            headers['content-type'] = 'application/json';
            body = JSON.stringify(f);
          } else {
            headers['content-type'] = 'application/x-www-form-urlencoded';
            const params = new URLSearchParams();
            for (const [k, v] of Object.entries(f)) for (const one of Array.isArray(v) ? v : [v]) params.append(k, String(one));
            body = params.toString();
          }
        }
        const res = await fetch(url, { method: m === 'GET' ? 'GET' : 'POST', headers, ...(body !== undefined ? { body } : {}) });
        const text = await res.text();
        expect(res.status, `${m} ${resolved} ${body ?? ''} → ${text.slice(0, 300)}`).toBeLessThan(500);
        expect(res.headers.get('content-type')).toBe('application/json');
        const json = JSON.parse(text) as { errors?: { code: string; meta?: { param_name?: string } }[] };
        if (res.status >= 400) {
          expect(Array.isArray(json.errors) && json.errors.length > 0, text).toBe(true);
          const counted = /attempt_/.test(resolved);
          if (!counted) expect(await snapshot(), `${m} ${resolved} changed data although refused: ${text.slice(0, 200)}`).toBe(before);
        }
      }),
      fuzzParams(120),
    );
  }, 240_000);
});
