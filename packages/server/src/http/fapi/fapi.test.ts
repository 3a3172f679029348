import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { hashSecret } from '../../crypto/tokens.js';
import { startTestServer, testDialects, type TestServer } from '../../test/harness.js';

type Json = Record<string, unknown>;
type Err = { errors: { code: string; long_message: string }[]; clerk_trace_id: string };

const PAGE = 'http://localhost:3000';

/** The `name=value` of a Set-Cookie header, and its attributes lower-cased. */
function cookieOf(res: Response, name: string): { value: string; attrs: string[] } | null {
  for (const line of res.headers.getSetCookie()) {
    const [pair, ...attrs] = line.split(';').map((s) => s.trim());
    const eq = (pair ?? '').indexOf('=');
    if ((pair ?? '').slice(0, eq) === name) return { value: (pair ?? '').slice(eq + 1), attrs: attrs.map((a) => a.toLowerCase()) };
  }
  return null;
}

describe.each(testDialects())('Frontend API transport and client on %s', (dialect) => {
  let t: TestServer;
  beforeAll(async () => {
    t = await startTestServer(dialect, { LATCH_APP_URL: 'https://app.example.test' });
  });
  afterAll(async () => {
    await t.close();
  });

  function fapi(path: string, init: RequestInit & { cookie?: string; origin?: string | null } = {}) {
    const { cookie, origin = PAGE, ...rest } = init;
    const headers = new Headers(rest.headers);
    if (cookie) headers.set('cookie', `__client=${cookie}`);
    if (origin) headers.set('origin', origin);
    const sep = path.includes('?') ? '&' : '?';
    return fetch(`${t.url}/fapi/v1${path}${sep}__clerk_api_version=2025-11-10&_clerk_js_version=5.128.0`, { ...rest, headers });
  }

  async function newClient(): Promise<{ token: string; id: string }> {
    const res = await fapi('/client', { method: 'POST' });
    expect(res.status).toBe(200);
    const cookie = cookieOf(res, '__client');
    const body = (await res.json()) as { response: { id: string } };
    return { token: cookie?.value ?? '', id: body.response.id };
  }

  it('serves the environment with every attribute key, by GET and by the PATCH development SDKs send', async () => {
    const get = await fapi('/environment');
    expect(get.status).toBe(200);
    expect(get.headers.get('content-type')).toBe('application/json');
    const env = (await get.json()) as Json & { user_settings: { attributes: Record<string, Json> }; display_config: Json; auth_config: Json };
    expect(Object.keys(env.user_settings.attributes).sort()).toEqual(
      ['authenticator_app', 'backup_code', 'email_address', 'first_name', 'last_name', 'passkey', 'password', 'phone_number', 'ticket', 'username', 'web3_wallet'].sort(),
    );
    expect(env.user_settings.attributes.email_address).toMatchObject({ enabled: true, required: true, used_for_first_factor: true, first_factors: ['email_code'] });
    expect(env.user_settings.attributes.password).toMatchObject({ enabled: true, required: true });
    expect(env.display_config).toMatchObject({ instance_environment_type: 'development', application_name: 'Latch', home_url: 'https://app.example.test' });
    expect(env.auth_config).toMatchObject({ single_session_mode: true, identification_strategies: ['email_address'] });
    const patch = await fapi('/environment?_method=PATCH', { method: 'POST' });
    expect(patch.status).toBe(200);
    expect(await patch.json()).toEqual(env);
  });

  it('answers a browser without a client with a null client', async () => {
    const res = await fapi('/client', { origin: null });
    expect(await res.json()).toEqual({ response: null, client: null });
  });

  it('creates a client behind an HttpOnly cookie and stores only its digest', async () => {
    const res = await fapi('/client', { method: 'POST' });
    const cookie = cookieOf(res, '__client');
    expect(cookie).not.toBeNull();
    expect(cookie?.value).toMatch(/^[0-9A-Za-z]{48}$/);
    expect(cookie?.attrs).toEqual(expect.arrayContaining(['httponly', 'samesite=lax', 'path=/']));
    expect(cookie?.attrs).not.toContain('secure');
    const body = (await res.json()) as { response: Json; client: null };
    expect(body.client).toBeNull();
    expect(body.response).toMatchObject({ object: 'client', sessions: [], sign_in: null, sign_up: null, last_active_session_id: null, captcha_bypass: false });
    const id = body.response.id as string;
    expect(id).toMatch(/^client_/);

    const again = (await (await fapi('/client', { cookie: cookie?.value, origin: null })).json()) as { response: Json };
    expect(again.response.id).toBe(id);

    const row = await t.server.services.storage.db.selectFrom('clients').selectAll().where('id', '=', id).executeTakeFirstOrThrow();
    expect(row.token_hash).toBe(hashSecret(cookie?.value ?? ''));
    expect(JSON.stringify(row)).not.toContain(cookie?.value ?? '?');
  });

  it('does not recognise a forged or unknown client token', async () => {
    const res = await fapi('/client', { cookie: 'x'.repeat(48), origin: null });
    expect(await res.json()).toEqual({ response: null, client: null });
  });

  it('echoes only allowed origins, with credentials, on successes and errors alike', async () => {
    const ok = await fapi('/client');
    expect(ok.headers.get('access-control-allow-origin')).toBe(PAGE);
    expect(ok.headers.get('access-control-allow-credentials')).toBe('true');
    const app = await fapi('/client', { origin: 'https://app.example.test' });
    expect(app.headers.get('access-control-allow-origin')).toBe('https://app.example.test');
    const evil = await fapi('/client', { origin: 'https://evil.example' });
    expect(evil.headers.get('access-control-allow-origin')).toBeNull();
    const missing = await fapi('/no_such_thing');
    expect(missing.status).toBe(404);
    expect(missing.headers.get('access-control-allow-origin')).toBe(PAGE);
    expect(((await missing.json()) as Err).errors[0]?.code).toBe('resource_not_found');
  });

  it('answers a preflight for allowed origins only', async () => {
    const ok = await fetch(`${t.url}/fapi/v1/client`, { method: 'OPTIONS', headers: { origin: PAGE, 'access-control-request-method': 'POST' } });
    expect(ok.status).toBe(204);
    expect(ok.headers.get('access-control-allow-origin')).toBe(PAGE);
    const evil = await fetch(`${t.url}/fapi/v1/client`, { method: 'OPTIONS', headers: { origin: 'https://evil.example', 'access-control-request-method': 'POST' } });
    expect(evil.status).toBe(403);
    expect(evil.headers.get('access-control-allow-origin')).toBeNull();
  });

  it('refuses a cookie-carrying mutation from a foreign origin or with no origin, and changes nothing', async () => {
    const { token, id } = await newClient();
    for (const origin of ['https://evil.example', null]) {
      const res = await fapi('/client?_method=DELETE', { method: 'POST', cookie: token, origin });
      expect(res.status).toBe(403);
      expect(((await res.json()) as Err).errors[0]?.code).toBe('origin_invalid');
    }
    const still = (await (await fapi('/client', { cookie: token })).json()) as { response: Json };
    expect(still.response.id).toBe(id);
  });

  it('forgets the client on DELETE (tunnelled in _method) and clears the cookie', async () => {
    const { token } = await newClient();
    const res = await fapi('/client?_method=DELETE', { method: 'POST', cookie: token });
    expect(res.status).toBe(200);
    expect(await res.json()).toEqual({ response: null, client: null });
    const cleared = cookieOf(res, '__client');
    expect(cleared?.value).toBe('');
    expect(cleared?.attrs).toContain('max-age=0');
    expect(cookieOf(res, '__client_uat')?.value).toBe('0');
    expect(await (await fapi('/client', { cookie: token })).json()).toEqual({ response: null, client: null });
  });

  it('treats a trailing slash like none', async () => {
    const { token, id } = await newClient();
    const res = (await (await fapi('/client/', { cookie: token })).json()) as { response: Json };
    expect(res.response.id).toBe(id);
  });

  it('signing out of every session needs a client', async () => {
    const res = await fapi('/client/sessions?_method=DELETE', { method: 'POST' });
    expect(res.status).toBe(401);
    expect(((await res.json()) as Err).errors[0]?.code).toBe('signed_out');
  });

  it('identifies a development browser by its dev browser id instead of a cookie', async () => {
    const created = await fapi('/dev_browser', { method: 'POST', origin: null });
    expect(created.status).toBe(200);
    const dev = (await created.json()) as { id: string; object: string };
    expect(dev.object).toBe('dev_browser');
    expect(cookieOf(created, '__client')).toBeNull();
    const client = (await (await fapi(`/client?__clerk_db_jwt=${dev.id}`)).json()) as { response: Json | null };
    expect(client.response?.object).toBe('client');
    const unknown = await fapi('/client?__clerk_db_jwt=nope');
    expect(unknown.status).toBe(401);
    expect(((await unknown.json()) as Err).errors[0]?.code).toBe('dev_browser_unauthenticated');
  });

  it('publishes the signing keys at the Frontend API\'s well-known address', async () => {
    const res = await fetch(`${t.url}/fapi/.well-known/jwks.json`);
    expect(res.status).toBe(200);
    const bapi = await (await t.api('/jwks')).json();
    expect(await res.json()).toEqual(bapi);
  });

  it('leaves the Backend API as it was', async () => {
    const res = await t.api('/users?limit=1');
    expect(res.status).toBe(200);
    expect(res.headers.get('access-control-allow-origin')).toBeNull();
  });
});
