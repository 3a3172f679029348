import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { FapiBrowser } from '../../test/fapi-browser.js';
import { startTestServer, testDialects, type TestServer } from '../../test/harness.js';

type Json = Record<string, unknown>;
type Err = { errors: { code: string; meta?: { param_name?: string } }[] };
const PASSWORD = 'correct horse battery staple';

describe.each(testDialects())('instance settings on %s', (dialect) => {
  let t: TestServer;
  beforeAll(async () => {
    t = await startTestServer(dialect);
  });
  afterAll(async () => {
    await t.close();
  });
  const patch = async (json: Json) => {
    const r = await t.api('/instance/auth_settings', { method: 'PATCH', json });
    return { status: r.status, body: (await r.json()) as Json & Err };
  };

  it('shows the instance and applies PATCH /instance (allowed origins reach CORS)', async () => {
    const got = (await (await t.api('/instance')).json()) as Json;
    expect(got).toMatchObject({ object: 'instance', environment_type: 'development', allowed_origins: [] });
    const r = await t.api('/instance', { method: 'PATCH', json: { allowed_origins: ['https://shop.example.com'], support_email: 'help@example.com' } });
    expect(r.status).toBe(204);
    expect(((await (await t.api('/instance')).json()) as Json).allowed_origins).toEqual(['https://shop.example.com']);
    const cors = await fetch(`${t.url}/fapi/v1/environment`, { headers: { origin: 'https://shop.example.com' } });
    expect(cors.headers.get('access-control-allow-origin')).toBe('https://shop.example.com');
    const env = (await cors.json()) as { display_config: Json };
    expect(env.display_config.support_email).toBe('help@example.com');
    const refused = await t.api('/instance', { method: 'PATCH', json: { hibp: true } });
    expect(refused.status).toBe(422);
    const notOrigin = await t.api('/instance', { method: 'PATCH', json: { allowed_origins: ['https://x.example.com/path'] } });
    expect(notOrigin.status).toBe(422);
  });

  it('reads and changes the sign-in settings, refusing settings nobody could sign in with', async () => {
    const before = (await (await t.api('/instance/auth_settings')).json()) as Json;
    expect(before).toMatchObject({ object: 'auth_settings', sign_up_mode: 'public', password: { enabled: true }, single_session_mode: true });
    const changed = await patch({ first_name: { enabled: true, required: true } });
    expect(changed.body.first_name).toEqual({ enabled: true, required: true });
    expect(changed.body.password).toEqual(before.password);
    const env = (await (await fetch(`${t.url}/fapi/v1/environment`)).json()) as { user_settings: { attributes: Record<string, Json> } };
    expect(env.user_settings.attributes.first_name).toMatchObject({ enabled: true, required: true });
    const none = await patch({ email_address: { used_for_first_factor: false } });
    expect(none.status).toBe(422);
    expect(none.body.errors[0]?.meta?.param_name).toBe('email_address');
    const unknown = await patch({ password_please: true });
    expect(unknown.status).toBe(422);
    expect(((await (await t.api('/instance/auth_settings')).json()) as Json).email_address).toEqual(before.email_address);
    await patch({ first_name: { enabled: false, required: false } });
  });

  it('invitation-only sign-up refuses people without a ticket', async () => {
    await patch({ sign_up_mode: 'invitation' });
    const r = await new FapiBrowser(t.url).post<Err>('/client/sign_ups', { email_address: `walkin-${dialect}@example.com`, password: PASSWORD });
    expect(r.status).toBe(403);
    expect(r.body.errors[0]?.code).toBe('not_allowed_access');
    await patch({ sign_up_mode: 'public' });
  });

  it('multi-session clients keep one session per user; the token lifetime follows the setting', async () => {
    await patch({ single_session_mode: false, session_token_lifetime_seconds: 120 });
    const emails = [`m1-${dialect}@example.com`, `m2-${dialect}@example.com`];
    for (const e of emails) await t.api('/users', { method: 'POST', json: { email_address: [e], password: PASSWORD } });
    const b = new FapiBrowser(t.url);
    for (const e of emails) await b.post('/client/sign_ins', { identifier: e, strategy: 'password', password: PASSWORD });
    const client = await b.get<{ response: { sessions: { id: string; last_active_token: { jwt: string } | null }[]; last_active_session_id: string } }>('/client');
    expect(client.body.response.sessions).toHaveLength(2);
    const active = client.body.response.sessions.find((s) => s.id === client.body.response.last_active_session_id);
    const payload = JSON.parse(Buffer.from((active?.last_active_token?.jwt ?? '..').split('.')[1] as string, 'base64url').toString()) as { exp: number; iat: number };
    expect(payload.exp - payload.iat).toBe(120);
    await patch({ single_session_mode: true, session_token_lifetime_seconds: 60 });
  });
});
