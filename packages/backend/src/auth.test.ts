/**
 * verifyToken and authenticateRequest against a real Latch server whose user signed in through the
 * Frontend API: the networkless key and the JWKS (fetched once, cached, fetched again for a rotated key),
 * refusals with their reasons, and the cookie contract's signed-in / signed-out / handshake outcomes.
 */
import { generateSigningKey } from '../../server/src/crypto/signing-keys.js';
import { jwtKeyOf, startTestServer, testDialects, type TestServer } from '../../server/src/test/harness.js';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { authenticateRequest, clearJwksCache, cookieSuffix, createLatchClient, TokenVerificationError, verifyToken, type LatchClient, type RequestState } from './index.js';
import { forgeToken, signInThroughFapi, SiteJar, type SignedInBrowser } from './test/kit.js';

async function reason(call: Promise<unknown>): Promise<string> {
  try {
    await call;
  } catch (err) {
    expect(err).toBeInstanceOf(TokenVerificationError);
    return (err as TokenVerificationError).reason;
  }
  throw new Error('expected the token to be refused');
}

function countingFetch(): { fetch: typeof fetch; jwksCalls: () => number } {
  let calls = 0;
  return {
    fetch: (input, init) => {
      if (String(input instanceof Request ? input.url : input).endsWith('/v1/jwks')) calls++;
      return fetch(input, init);
    },
    jwksCalls: () => calls,
  };
}

describe.each(testDialects())('verifyToken and authenticateRequest on %s', (dialect) => {
  let t: TestServer;
  let pem: string;
  let me: SignedInBrowser;
  let latch: LatchClient;
  let pk: string;
  const APP = 'http://localhost:3000';

  beforeAll(async () => {
    t = await startTestServer(dialect);
    pem = await jwtKeyOf(t);
    me = await signInThroughFapi(t, `auth-${dialect}@example.com`, APP);
    pk = t.server.publishableKey;
    latch = createLatchClient({ secretKey: t.secretKey, apiUrl: t.apiUrl, publishableKey: pk });
  });
  afterAll(async () => {
    await t.close();
  });

  it('verifies a session token with jwtKey, no network', async () => {
    const counted = countingFetch();
    const claims = await verifyToken(me.token, { jwtKey: pem, authorizedParties: [APP], fetch: counted.fetch });
    expect(claims).toMatchObject({ sub: me.userId, sid: me.sessionId, azp: APP, v: 2 });
    expect(counted.jwksCalls()).toBe(0);
    // A bare base64 SPKI body is accepted too, as the official SDK accepts it.
    const body = pem.replace(/-----[A-Z ]+-----/g, '').replace(/\s+/g, '');
    expect((await verifyToken(me.token, { jwtKey: body })).sub).toBe(me.userId);
  });

  it('fetches the JWKS once, caches it, and fetches again when a rotated key signs the tokens', async () => {
    clearJwksCache();
    const counted = countingFetch();
    const opts = { secretKey: t.secretKey, apiUrl: t.apiUrl, fetch: counted.fetch, jwksRefetchIntervalMs: 0 };
    const [a, b] = await Promise.all([verifyToken(me.token, opts), verifyToken(me.token, opts)]);
    expect(a.sub).toBe(me.userId);
    expect(b.sub).toBe(me.userId);
    for (let i = 0; i < 20; i++) await verifyToken(me.token, opts);
    expect(counted.jwksCalls()).toBe(1);

    // Rotate: a new active key, the old one retired (still published, so its tokens stay valid until they expire).
    const db = t.server.services.storage.db;
    const fresh = await generateSigningKey();
    await db.updateTable('signing_keys').set({ status: 'retired', retired_at: Date.now() }).where('status', '=', 'active').execute();
    await db.insertInto('signing_keys').values({ kid: fresh.kid, algorithm: 'RS256', private_pem: fresh.privatePem, public_jwk: JSON.stringify(fresh.publicJwk), status: 'active', created_at: Date.now() + 1, retired_at: null }).execute();
    t.server.services.signer.rotate();

    const { jwt } = await latch.sessions.getToken(me.sessionId);
    expect(JSON.parse(Buffer.from(jwt.split('.')[0] as string, 'base64url').toString()).kid).toBe(fresh.kid);
    expect((await verifyToken(jwt, opts)).sid).toBe(me.sessionId);
    expect(counted.jwksCalls()).toBe(2);
    expect((await verifyToken(me.token, opts)).sid).toBe(me.sessionId);
    expect(counted.jwksCalls()).toBe(2);

    // A kid nobody publishes: one more fetch, then jwk-kid-mismatch.
    const foreign = await forgeToken(t, { sub: me.userId, exp: Math.floor(Date.now() / 1000) + 60 }, { kid: 'ins_unknown' });
    expect(await reason(verifyToken(foreign, opts))).toBe('jwk-kid-mismatch');
    expect(counted.jwksCalls()).toBe(3);
    // …and, within the refetch interval, no fetch at all.
    expect(await reason(verifyToken(foreign, { ...opts, jwksRefetchIntervalMs: 60_000 }))).toBe('jwk-kid-mismatch');
    expect(counted.jwksCalls()).toBe(3);
    pem = await jwtKeyOf(t);
  });

  it('refuses bad tokens with the reason', async () => {
    const now = Math.floor(Date.now() / 1000);
    const opts = { secretKey: t.secretKey, apiUrl: t.apiUrl };
    expect(await reason(verifyToken(await forgeToken(t, { sub: 'user_1', exp: now - 60, iat: now - 120 }), opts))).toBe('token-expired');
    expect(await reason(verifyToken(await forgeToken(t, { sub: 'user_1', exp: now + 120, nbf: now + 60 }), opts))).toBe('token-not-active-yet');
    expect(await reason(verifyToken(await forgeToken(t, { sub: 'user_1', exp: now + 120, iat: now + 60 }), opts))).toBe('token-iat-in-the-future');
    expect(await reason(verifyToken(await forgeToken(t, { exp: now + 120 }), opts))).toBe('token-verification-failed');
    expect(await reason(verifyToken(await forgeToken(t, { sub: 'user_1', exp: now + 120 }, { alg: 'HS256' }), opts))).toBe('token-invalid-algorithm');
    const good = await forgeToken(t, { sub: 'user_1', exp: now + 120, azp: 'https://evil.example' });
    expect(await reason(verifyToken(good, { ...opts, authorizedParties: [APP] }))).toBe('token-invalid-authorized-parties');
    const [h, , s] = good.split('.');
    const tampered = `${h}.${Buffer.from(JSON.stringify({ sub: 'user_admin', exp: now + 120 })).toString('base64url')}.${s}`;
    expect(await reason(verifyToken(tampered, opts))).toBe('token-invalid-signature');
    expect(await reason(verifyToken('not-a-jwt', opts))).toBe('token-invalid');
    expect(await reason(verifyToken(good, { secretKey: `sk_test_${'z'.repeat(48)}`, apiUrl: t.apiUrl }))).toBe('secret-key-invalid');
    expect(await reason(verifyToken(good, {}))).toBe('jwk-failed-to-resolve');
    // Within the 5 s skew an expired token still passes; with no skew it does not.
    const justExpired = await forgeToken(t, { sub: 'user_1', exp: now - 2 });
    expect((await verifyToken(justExpired, opts)).sub).toBe('user_1');
    expect(await reason(verifyToken(justExpired, { ...opts, clockSkewInMs: 0 }))).toBe('token-expired');
  });

  describe('authenticateRequest', () => {
    const suffix = () => cookieSuffix(pk);
    const signedInCookies = () => ({ __session: me.token, __client_uat: me.clientUat, __clerk_db_jwt: 'dvb_test' });
    const run = (req: Request, extra: Record<string, unknown> = {}) => latch.authenticateRequest(req, extra);
    function expectHandshake(state: RequestState, why: string): URL {
      expect(state.status, JSON.stringify({ status: state.status, reason: state.reason })).toBe('handshake');
      expect(state.reason).toBe(why);
      if (state.status !== 'handshake') throw new Error('unreachable');
      expect(state.response.status).toBe(307);
      expect(state.headers.get('cache-control')).toBe('no-store');
      expect(state.headers.getSetCookie().join('\n')).toMatch(/__clerk_redirect_count=1; SameSite=Lax; HttpOnly; Max-Age=2/);
      const location = new URL(state.headers.get('location') as string);
      expect(`${location.origin}${location.pathname}`).toBe(`${t.url}/fapi/v1/client/handshake`);
      expect(location.searchParams.get('format')).toBe('nonce');
      expect(location.searchParams.get('__clerk_hs_reason')).toBe(why);
      return location;
    }

    it('signed in from the cookies: toAuth() and has()', async () => {
      const state = await run(new SiteJar(signedInCookies()).page(`${APP}/dashboard`));
      expect(state.status).toBe('signed-in');
      const auth = state.toAuth();
      expect(auth).toMatchObject({ isAuthenticated: true, userId: me.userId, sessionId: me.sessionId, orgId: null, orgRole: null, orgSlug: null, orgPermissions: null });
      expect(auth?.claims).toMatchObject({ sub: me.userId, sid: me.sessionId });
      expect(auth?.has({ role: 'org:admin' })).toBe(false);
      expect(await auth?.getToken()).toBe(me.token);
    });

    it('signed in from the suffixed cookies, and from a Bearer header with no cookies', async () => {
      const s = suffix();
      const suffixed = await run(new SiteJar({ [`__session_${s}`]: me.token, [`__client_uat_${s}`]: me.clientUat, __clerk_db_jwt: 'x' }).page(`${APP}/`));
      expect(suffixed.status).toBe('signed-in');
      const bearer = await run(new Request(`${APP}/api/me`, { headers: { authorization: `Bearer ${me.token}` } }));
      expect(bearer.status).toBe('signed-in');
      expect(bearer.toAuth()?.userId).toBe(me.userId);
    });

    it('organization claims: orgId, orgRole, orgSlug, orgPermissions and has()', async () => {
      const org = await latch.organizations.createOrganization({ name: `Perm ${dialect}`, createdBy: me.userId });
      const touched = await me.browser.post<{ response: { last_active_token: { jwt: string } | null } }>(`/client/sessions/${me.sessionId}/touch`, { active_organization_id: org.id });
      expect(touched.status).toBe(200);
      const { jwt } = await latch.sessions.getToken(me.sessionId);
      const state = await run(new Request(`${APP}/api`, { headers: { authorization: `Bearer ${jwt}` } }));
      const auth = state.toAuth();
      expect(auth).toMatchObject({ orgId: org.id, orgRole: 'org:admin', orgSlug: org.slug });
      expect(auth?.orgPermissions).toEqual(expect.arrayContaining(['org:sys_memberships:manage']));
      expect(auth?.has({ role: 'admin' })).toBe(true);
      expect(auth?.has({ role: 'org:member' })).toBe(false);
      expect(auth?.has({ permission: 'org:sys_memberships:manage' })).toBe(true);
      expect(auth?.has({ permission: 'org:sys_billing:nope' })).toBe(false);
      await me.browser.post(`/client/sessions/${me.sessionId}/touch`, { active_organization_id: '' });
    });

    it('signed out, with the reason, and never redirected outside document GETs', async () => {
      const none = await run(new SiteJar({ __clerk_db_jwt: 'x' }).page(`${APP}/`));
      expect(none).toMatchObject({ status: 'signed-out', reason: 'session-token-and-uat-missing' });
      expect(none.toAuth()).toMatchObject({ isAuthenticated: false, userId: null });
      expect(none.toAuth()?.has({ role: 'org:admin' })).toBe(false);

      const api = { accept: 'application/json' };
      const stale = { ...signedInCookies(), __client_uat: String(Number(me.clientUat) + 3600) };
      expect(await run(new SiteJar(stale).page(`${APP}/api`, api))).toMatchObject({ status: 'signed-out', reason: 'session-token-iat-before-client-uat' });
      expect(await run(new SiteJar(stale).page(`${APP}/action`, { method: 'POST' }))).toMatchObject({ status: 'signed-out', reason: 'session-token-iat-before-client-uat' });
      expect(await run(new SiteJar({ __client_uat: me.clientUat, __clerk_db_jwt: 'x' }).page(`${APP}/api`, api))).toMatchObject({ status: 'signed-out', reason: 'client-uat-but-no-session-token' });
      expect(await run(new SiteJar(signedInCookies()).page(`${APP}/api`, api))).toMatchObject({ status: 'signed-in' });
      expect(await run(new SiteJar({ __session: me.token, __client_uat: me.clientUat }).page(`${APP}/api`, api))).toMatchObject({ status: 'signed-out', reason: 'dev-browser-missing' });

      const tampered = `${me.token.slice(0, -4)}AAAA`;
      expect(await run(new SiteJar({ ...signedInCookies(), __session: tampered }).page(`${APP}/`))).toMatchObject({ status: 'signed-out', reason: 'token-invalid-signature' });
      const bad = await run(new Request(`${APP}/api`, { headers: { authorization: 'Bearer not.a.token' } }));
      expect(bad).toMatchObject({ status: 'signed-out', reason: 'token-invalid' });
    });

    it('handshake on a document GET when the cookies are missing, stale or expired', async () => {
      const stale = expectHandshake(await run(new SiteJar({ ...signedInCookies(), __client_uat: String(Number(me.clientUat) + 3600) }).page(`${APP}/dashboard?tab=1`)), 'session-token-iat-before-client-uat');
      expect(stale.searchParams.get('redirect_url')).toBe(`${APP}/dashboard?tab=1`);
      expect(stale.searchParams.get('__session')).toBe(me.token);
      expect(stale.searchParams.get('__clerk_db_jwt')).toBe('dvb_test');
      expect(stale.searchParams.get('suffixed_cookies')).toBe('false');

      expectHandshake(await run(new SiteJar({ __client_uat: me.clientUat, __clerk_db_jwt: 'x' }).page(`${APP}/`)), 'client-uat-but-no-session-token');
      expectHandshake(await run(new SiteJar({ __session: me.token, __clerk_db_jwt: 'x' }).page(`${APP}/`)), 'session-token-but-no-client-uat');
      expectHandshake(await run(new SiteJar({ __session: me.token, __client_uat: me.clientUat }).page(`${APP}/`)), 'dev-browser-missing');
      const html = await run(new SiteJar({ __session: me.token, __client_uat: me.clientUat }).page(`${APP}/`, { accept: 'text/html,application/xhtml+xml' }));
      expect(html.status).toBe('handshake');

      const now = Math.floor(Date.now() / 1000);
      const expired = await forgeToken(t, { sub: me.userId, sid: me.sessionId, iat: now - 600, exp: now - 60 });
      const old = { __session: expired, __client_uat: String(now - 600), __clerk_db_jwt: 'x' };
      expectHandshake(await run(new SiteJar(old).page(`${APP}/`)), 'session-token-expired-refresh-non-eligible-no-refresh-cookie');
      expect(await run(new SiteJar(old).page(`${APP}/`, { method: 'POST' }))).toMatchObject({ status: 'signed-out', reason: 'session-token-expired-refresh-non-eligible-non-get' });

      // Three handshakes in a row stop the loop.
      const looping = await run(new SiteJar({ ...old, __clerk_redirect_count: '3' }).page(`${APP}/`));
      expect(looping).toMatchObject({ status: 'signed-out', reason: 'session-token-expired-refresh-non-eligible-no-refresh-cookie' });
    });

    it('refuses a malformed publishable key, naming it', async () => {
      await expect(authenticateRequest(new Request(`${APP}/`), { publishableKey: 'pk_test_nope' })).rejects.toThrow(/publishable key/);
    });
  });
});
