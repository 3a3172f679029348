import { createClerkClient, verifyToken } from '@clerk/backend';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { apiError, expectApiError } from '../../test/clerk-sdk.js';
import { FapiBrowser } from '../../test/fapi-browser.js';
import { jwtKeyOf, startTestServer, testDialects, type TestServer } from '../../test/harness.js';
import { JwtTemplateSchema, SessionTokenClaimsSchema } from './serialize.js';

type Json = Record<string, unknown>;
type Envelope = { response: Json & { status: string; created_session_id: string | null } };
type Err = { errors: { code: string; meta?: { param_name?: string } }[] };

const PASSWORD = 'correct horse battery staple';

describe.each(testDialects())('JWT templates on %s', (dialect) => {
  let t: TestServer;
  let clerk: ReturnType<typeof createClerkClient>;
  let pem: string;
  let seq = 0;

  beforeAll(async () => {
    t = await startTestServer(dialect);
    clerk = createClerkClient({ secretKey: t.secretKey, apiUrl: t.url, telemetry: { disabled: true } });
    pem = await jwtKeyOf(t);
  });
  afterAll(async () => {
    await t.close();
  });

  async function signedIn(extra: Json = {}): Promise<{ userId: string; sid: string; b: FapiBrowser }> {
    const email = `j${++seq}-${dialect}@example.com`;
    const res = await t.api('/users', { method: 'POST', json: { email_address: [email], password: PASSWORD, ...extra } });
    const userId = ((await res.json()) as { id: string }).id;
    const b = new FapiBrowser(t.url);
    const done = await b.post<Envelope>('/client/sign_ins', { identifier: email, strategy: 'password', password: PASSWORD });
    return { userId, sid: done.body.response.created_session_id as string, b };
  }

  it('creates, lists, gets, updates and deletes templates through the SDK', async () => {
    const created = await clerk.jwtTemplates.create({ name: 'crud', claims: { aud: 'svc' }, lifetime: 120, allowedClockSkew: 10 });
    expect(created).toMatchObject({ name: 'crud', claims: { aud: 'svc' }, lifetime: 120, allowedClockSkew: 10, customSigningKey: false, signingAlgorithm: 'RS256' });
    JwtTemplateSchema.parse(await (await t.api(`/jwt_templates/${created.id}`)).json());
    const list = await clerk.jwtTemplates.list();
    expect(list.data.map((x) => x.id)).toContain(created.id);
    expect(list.totalCount).toBe(list.data.length);
    expect((await clerk.jwtTemplates.get(created.id)).name).toBe('crud');
    const updated = await clerk.jwtTemplates.update({ templateId: created.id, name: 'crud2', claims: { aud: 'other' } });
    expect(updated).toMatchObject({ id: created.id, name: 'crud2', claims: { aud: 'other' }, lifetime: 120 });
    const deleted = await clerk.jwtTemplates.delete(created.id);
    expect(deleted).toMatchObject({ id: created.id, deleted: true });
    expectApiError(await apiError(clerk.jwtTemplates.get(created.id)), 404, 'resource_not_found');
  });

  it('mints template tokens with resolved shortcodes on both APIs, verified by verifyToken', async () => {
    await clerk.jwtTemplates.create({
      name: 'svc',
      claims: { role: '{{user.public_metadata.role}}', email: '{{user.primary_email_address}}', hi: 'Hi {{user.first_name}}', theme: "{{user.unsafe_metadata.theme || 'light'}}" },
      lifetime: 300,
      allowedClockSkew: 7,
    });
    const { userId, sid, b } = await signedIn({ first_name: 'Ada', public_metadata: { role: 'admin' }, private_metadata: { secret: 'x' } });
    const fromBapi = await clerk.sessions.getToken(sid, 'svc');
    const claims = await verifyToken(fromBapi.jwt, { jwtKey: pem });
    expect(claims).toMatchObject({ sub: userId, role: 'admin', hi: 'Hi Ada', theme: 'light' });
    expect(claims.email).toMatch(/@example\.com$/);
    expect(claims.exp - claims.iat).toBe(300);
    expect(claims.iat - (claims.nbf as number)).toBe(7);
    expect(JSON.stringify(claims)).not.toContain('secret');

    const shorter = await verifyToken((await clerk.sessions.getToken(sid, 'svc', 45)).jwt, { jwtKey: pem });
    expect(shorter.exp - shorter.iat).toBe(45);

    const fromFapi = await b.post<{ object: string; jwt: string }>(`/client/sessions/${sid}/tokens/svc`);
    expect(fromFapi.status).toBe(200);
    const fapiClaims = await verifyToken(fromFapi.body.jwt, { jwtKey: pem, authorizedParties: [b.origin] });
    expect(fapiClaims).toMatchObject({ sub: userId, role: 'admin', azp: b.origin });

    expectApiError(await apiError(clerk.sessions.getToken(sid, 'nope')), 404, 'resource_not_found', 'template_name');
    expect((await b.post<Err>(`/client/sessions/${sid}/tokens/nope`)).status).toBe(404);

    await clerk.sessions.revokeSession(sid);
    expectApiError(await apiError(clerk.sessions.getToken(sid, 'svc')), 404, 'resource_not_found');
  });

  it('refuses private metadata, reserved claims, unknown shortcodes, custom keys, duplicates and bad lifetimes, storing nothing', async () => {
    const count = async () => (await clerk.jwtTemplates.list()).totalCount;
    const before = await count();
    const cases: [Json, number, string, string][] = [
      [{ name: 'p', claims: { s: '{{user.private_metadata.secret}}' } }, 422, 'form_param_value_invalid', 'claims'],
      [{ name: 'r', claims: { sub: 'x' } }, 422, 'form_param_value_invalid', 'claims'],
      [{ name: 'u', claims: { x: '{{user.password}}' } }, 422, 'form_param_value_invalid', 'claims'],
      [{ name: 'k', claims: {}, custom_signing_key: true, signing_key: 'secret' }, 422, 'form_param_value_invalid', 'signing_key'],
      [{ name: 'l', claims: {}, lifetime: 5 }, 422, 'form_param_value_invalid', 'lifetime'],
      [{ claims: {} }, 422, 'form_param_missing', 'name'],
      [{ name: 'c', claims: 'nope' }, 422, 'form_param_format_invalid', 'claims'],
    ];
    for (const [json, status, code, param] of cases) {
      const res = await t.api('/jwt_templates', { method: 'POST', json });
      const body = (await res.json()) as Err;
      expect(res.status, JSON.stringify(body)).toBe(status);
      expect(body.errors[0]?.meta?.param_name, JSON.stringify(body)).toBe(param);
      if (code !== 'form_param_format_invalid') expect(body.errors[0]?.code).toBe(code);
    }
    await clerk.jwtTemplates.create({ name: 'dup', claims: {} });
    expectApiError(await apiError(clerk.jwtTemplates.create({ name: 'dup', claims: {} })), 422, 'duplicate_record', 'name');
    expect(await count()).toBe(before + 1);
  });

  it('merges the instance session-token claims into every default token, under the standard claims', async () => {
    const empty = await (await t.api('/session_token_claims')).json();
    expect(SessionTokenClaimsSchema.parse(empty)).toMatchObject({ claims: {}, updated_at: null });
    const set = await t.api('/session_token_claims', { method: 'PUT', json: { claims: { role: '{{user.public_metadata.role}}', meta: { plan: 'pro' } } } });
    expect(set.status).toBe(200);
    const { sid, b } = await signedIn({ public_metadata: { role: 'editor' } });
    const jwt = (await b.post<{ jwt: string }>(`/client/sessions/${sid}/tokens`)).body.jwt;
    const claims = await verifyToken(jwt, { jwtKey: pem });
    expect(claims).toMatchObject({ sid, role: 'editor', meta: { plan: 'pro' }, v: 2 });
    expect((await verifyToken((await clerk.sessions.getToken(sid)).jwt, { jwtKey: pem })).role).toBe('editor');

    const reserved = await t.api('/session_token_claims', { method: 'PUT', json: { claims: { sid: 'x' } } });
    expect(reserved.status).toBe(422);
    expect(((await reserved.json()) as Err).errors[0]?.meta?.param_name).toBe('claims');
    const big = await t.api('/session_token_claims', { method: 'PUT', json: { claims: { pad: 'x'.repeat(2000) } } });
    expect(((await big.json()) as Err).errors[0]).toMatchObject({ code: 'form_param_exceeds_allowed_size', meta: { param_name: 'claims' } });
    expect(((await (await t.api('/session_token_claims')).json()) as { claims: Json }).claims).toHaveProperty('role');

    await t.api('/session_token_claims', { method: 'PUT', json: { claims: {} } });
    const plain = await verifyToken((await b.post<{ jwt: string }>(`/client/sessions/${sid}/tokens`)).body.jwt, { jwtKey: pem });
    expect(plain).not.toHaveProperty('role');
  });
});
