/**
 * Property-based bad input over the signed-in user's own routes (`/me/…`): generated methods (tunnelled
 * the way the SDK does), paths with real and junk ids, form, JSON and multipart bodies, from a browser
 * signed in as a user with private metadata. Every answer is 2xx or 4xx (never 5xx), JSON, a 4xx is the
 * error envelope and changes nothing stored — except what a refusal must record: a wrong code counts
 * against its verification — and no answer ever carries the user's private metadata.
 */
import fc from 'fast-check';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { FapiBrowser } from '../../test/fapi-browser.js';
import { type Envelope, PASSWORD, signIn, signedInUser } from '../../test/fapi-users.js';
import { enc, fuzzParams, logSeed, weirdString } from '../../test/fuzz-kit.js';
import { startTestServer, testDialects, type TestServer } from '../../test/harness.js';

const TABLES = ['users', 'identifications', 'passwords', 'sessions', 'verifications', 'images', 'messages'] as const;
const PRIVATE = 'fuzz-private-marker';

const FIELDS = [
  'email_address', 'phone_number', 'strategy', 'code', 'current_password', 'new_password', 'sign_out_of_other_sessions',
  'reserved_for_second_factor', 'primary_email_address_id', 'primary_phone_number_id', 'first_name', 'username',
  'unsafe_metadata', 'private_metadata', 'redirect_url', 'file', '__proto__', 'constructor',
];
const VALUES = ['email_code', 'email_link', 'phone_code', 'enterprise_sso', 'totp', '', 'true', 'false', 'null', '{"a":1}', '{"a":', '424242', '000000', '+14155550100', 'new@example.com', '\u0000'];
/** Markers replaced by real values just before sending. */
const MARKERS = ['EMAIL', 'EMAIL2', 'OTHER_EMAIL', 'SESSION_OTHER', 'SESSION_STRANGER', 'PASSWORD'] as const;

describe.each(testDialects())('bad input to the user\'s own routes on %s', (dialect) => {
  let t: TestServer;
  let browser: FapiBrowser;
  const real: Record<(typeof MARKERS)[number], string> = { EMAIL: '', EMAIL2: '', OTHER_EMAIL: '', SESSION_OTHER: '', SESSION_STRANGER: '', PASSWORD };

  beforeAll(async () => {
    logSeed('me', dialect);
    t = await startTestServer(dialect);
    // Deleting the account is refused for this user, so that the property keeps a user to work on.
    const me = await signedInUser(t, `fuzz-${dialect}`, { private_metadata: { note: PRIVATE }, delete_self_enabled: false });
    browser = me.browser;
    const user = (await browser.get<Envelope<{ email_addresses: { id: string }[] }>>('/me')).body.response;
    real.EMAIL = user.email_addresses[0]?.id ?? '';
    real.EMAIL2 = (await browser.post<Envelope<{ id: string }>>('/me/email_addresses', { email_address: `fuzz-second-${dialect}@example.com` })).body.response.id;
    real.SESSION_OTHER = await signIn(t, new FapiBrowser(t.url), me.email);
    const stranger = await signedInUser(t, `fuzz-stranger-${dialect}`);
    real.SESSION_STRANGER = stranger.sessionId;
    real.OTHER_EMAIL = ((await (await t.api(`/users/${stranger.userId}`)).json()) as { email_addresses: { id: string }[] }).email_addresses[0]?.id ?? '';
  });
  afterAll(async () => {
    await t.close();
  });

  const resolve = (s: string) => MARKERS.reduce((out, m) => out.split(`@@${m}`).join(real[m]), s);

  async function snapshot(countedAttempt: boolean): Promise<string> {
    const out: Record<string, unknown[]> = {};
    for (const table of TABLES) {
      // A wrong code is counted on its verification: the one change a refused attempt makes.
      if (countedAttempt && table === 'verifications') continue;
      const rows = await t.server.services.storage.db.selectFrom(table).selectAll().execute();
      out[table] = rows.map((r) => {
        const { updated_at: _u, last_active_at: _l, ...rest } = r as Record<string, unknown>;
        return rest;
      });
    }
    return JSON.stringify(out, (_k, v: unknown) => (v instanceof Uint8Array ? `${v.byteLength} bytes` : v));
  }

  const marker = fc.constantFrom(...MARKERS.map((m) => `@@${m}`));
  const id = fc.oneof({ weight: 4, arbitrary: marker }, { weight: 2, arbitrary: weirdString }, { weight: 1, arbitrary: fc.constantFrom('', 'idn_0', 'sess_0', '..', '%2F') });
  const anyPath = fc.oneof(
    fc.constantFrom('/me', '/me/email_addresses', '/me/phone_numbers', '/me/change_password', '/me/remove_password', '/me/profile_image', '/me/totp', '/me/totp/attempt_verification', '/me/backup_codes', '/me/sessions', '/me/sessions/active'),
    fc.tuple(fc.constantFrom('email_addresses', 'phone_numbers'), id, fc.constantFrom('', '/prepare_verification', '/attempt_verification', '/')).map(([k, i, s]) => `/me/${k}/${i}${s}`),
    fc.tuple(id, fc.constantFrom('/revoke', '', '/revoke/x')).map(([i, s]) => `/me/sessions/${i}${s}`),
  );
  /** The routes as they exist (method and path, `{id}` filled in), most of the time; anything otherwise. */
  const ROUTES = [
    ['GET', '/me'], ['PATCH', '/me'], ['DELETE', '/me'], ['POST', '/me/change_password'], ['POST', '/me/remove_password'],
    ['POST', '/me/profile_image'], ['DELETE', '/me/profile_image'], ['POST', '/me/totp'], ['DELETE', '/me/totp'],
    ['POST', '/me/totp/attempt_verification'], ['POST', '/me/backup_codes'], ['GET', '/me/sessions'], ['GET', '/me/sessions/active'],
    ['POST', '/me/sessions/{id}/revoke'], ['GET', '/me/email_addresses'], ['POST', '/me/email_addresses'], ['GET', '/me/email_addresses/{id}'],
    ['DELETE', '/me/email_addresses/{id}'], ['POST', '/me/email_addresses/{id}/prepare_verification'], ['POST', '/me/email_addresses/{id}/attempt_verification'],
    ['GET', '/me/phone_numbers'], ['POST', '/me/phone_numbers'], ['GET', '/me/phone_numbers/{id}'], ['DELETE', '/me/phone_numbers/{id}'],
    ['POST', '/me/phone_numbers/{id}/prepare_verification'], ['POST', '/me/phone_numbers/{id}/attempt_verification'],
  ] as const;
  const method = fc.constantFrom('GET', 'POST', 'PATCH', 'PUT', 'DELETE');
  const request = fc.oneof(
    { weight: 4, arbitrary: fc.tuple(fc.constantFrom(...ROUTES), id).map(([[m, p], i]) => [m, p.replace('{id}', i)] as const) },
    { weight: 1, arbitrary: fc.tuple(method, anyPath) },
  );
  const value = fc.oneof(weirdString, fc.constantFrom(...VALUES), marker, fc.array(weirdString, { maxLength: 3 }));
  const form = fc.dictionary(fc.constantFrom(...FIELDS), value, { maxKeys: 5 });
  const body = fc.oneof(
    fc.record({ kind: fc.constant('form' as const), form }),
    fc.record({ kind: fc.constant('json' as const), form }),
    fc.record({ kind: fc.constant('multipart' as const), png: fc.boolean(), size: fc.nat({ max: 2048 }), field: fc.constantFrom('file', 'image', '') }),
    fc.record({ kind: fc.constant('octet' as const), text: fc.oneof(weirdString, fc.constantFrom('data:image/png;base64,', 'data:image/png;base64,iVBORw0KGgo=', 'iVBORw0KGgo', 'data:,', '====')) }),
    fc.constant({ kind: 'none' as const }),
  );

  it('never answers 5xx, answers 4xx with the envelope, refuses without side effects and never shows private metadata', async () => {
    await fc.assert(
      fc.asyncProperty(request, body, async ([m, p], b) => {
        const resolved = resolve(p);
        const encoded = resolved.split('/').map((seg) => enc(seg, true)).join('/');
        const counted = /attempt_verification/.test(resolved);
        const before = await snapshot(counted);
        const url = new URL(`${t.url}/fapi/v1${encoded}`);
        if (m !== 'GET' && m !== 'POST') url.searchParams.set('_method', m);
        const headers: Record<string, string> = { origin: browser.origin, cookie: [...browser.cookies].map(([k, v]) => `${k}=${v}`).join('; ') };
        let sent: BodyInit | undefined;
        if (m !== 'GET' && b.kind !== 'none') {
          if (b.kind === 'octet') {
            headers['content-type'] = 'application/octet-stream';
            sent = b.text;
          } else if (b.kind === 'multipart') {
            const bytes = new Uint8Array(b.size + 8);
            if (b.png) bytes.set([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a]);
            const fd = new FormData();
            if (b.field) fd.append(b.field, new Blob([bytes], { type: 'image/png' }), 'x.png');
            sent = fd;
          } else {
            const entries = Object.entries(b.form).map(([k, v]) => [k, Array.isArray(v) ? v.map(resolve) : resolve(String(v))] as const);
            if (b.kind === 'json') {
              headers['content-type'] = 'application/json';
              sent = JSON.stringify(Object.fromEntries(entries));
            } else {
              headers['content-type'] = 'application/x-www-form-urlencoded';
              const params = new URLSearchParams();
              for (const [k, v] of entries) for (const one of Array.isArray(v) ? v : [v]) params.append(k, one);
              sent = params.toString();
            }
          }
        }
        const res = await fetch(url, { method: m === 'GET' ? 'GET' : 'POST', headers, ...(sent !== undefined ? { body: sent } : {}) });
        const text = await res.text();
        const what = `${m} ${resolved} ${b.kind} ${b.kind === 'form' || b.kind === 'json' ? JSON.stringify(b.form).slice(0, 200) : ''} → ${res.status} ${text.slice(0, 300)}`;
        expect(res.status, what).toBeLessThan(500);
        expect(res.headers.get('content-type'), what).toBe('application/json');
        expect(text.includes(PRIVATE), `private metadata shown: ${what}`).toBe(false);
        const json = JSON.parse(text) as { errors?: { code: string }[] };
        if (res.status >= 400) {
          expect(Array.isArray(json.errors) && json.errors.length > 0, what).toBe(true);
          expect(await snapshot(counted), `a refused request changed data: ${what}`).toBe(before);
        }
      }),
      fuzzParams(150),
    );
  }, 240_000);
});
