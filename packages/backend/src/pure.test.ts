/**
 * The pure parts of @latch/backend: claims → Auth object (v2 and v1 organization claims, has()),
 * case conversion, cookie parsing and Retry-After parsing.
 */
import { generateKeyPairSync } from 'node:crypto';
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { encodePublishableKey } from '@latch/core';
import { authenticateRequest, camelize, cookieSuffix, parseCookies, retryAfterOf, signedInAuth, signedOutAuth, snakeBody, v2Permissions, type JwtPayload } from './index.js';

const base: JwtPayload = { sub: 'user_1', sid: 'sess_1', exp: 2_000_000_000, iat: 1_700_000_000, v: 2 };

describe('the Auth object', () => {
  it('reads version-2 organization claims: role with org:, slug, permissions from fea × fpm × per', () => {
    const claims = { ...base, fea: 'o:members,o:billing,u:beta', o: { id: 'org_1', rol: 'admin', slg: 'acme', per: 'manage,read', fpm: '3,1' } };
    expect(v2Permissions(claims)).toEqual(['org:members:manage', 'org:members:read', 'org:billing:manage']);
    const auth = signedInAuth(claims, 'tok');
    expect(auth).toMatchObject({ userId: 'user_1', sessionId: 'sess_1', orgId: 'org_1', orgRole: 'org:admin', orgSlug: 'acme' });
    expect(auth.has({ role: 'admin' })).toBe(true);
    expect(auth.has({ role: 'org:admin' })).toBe(true);
    expect(auth.has({ role: 'org:member' })).toBe(false);
    expect(auth.has({ permission: 'org:billing:manage' })).toBe(true);
    expect(auth.has({ permission: 'billing:read' })).toBe(false);
    expect(auth.has({ feature: 'beta' })).toBe(true);
    expect(auth.has({ feature: 'u:beta' })).toBe(true);
    expect(auth.has({ feature: 'o:beta' })).toBe(false);
    expect(auth.has({ role: 'org:admin', permission: 'org:members:read' })).toBe(true);
    expect(auth.has({ role: 'org:admin', permission: 'org:nothing:read' })).toBe(false);
    expect(auth.has({})).toBe(false);
  });

  it('reads version-1 claims, and no organization at all', () => {
    const v1 = signedInAuth({ ...base, v: undefined, org_id: 'org_2', org_role: 'org:member', org_slug: 'beta', org_permissions: ['org:x:read'] }, 'tok');
    expect(v1).toMatchObject({ orgId: 'org_2', orgRole: 'org:member', orgSlug: 'beta', orgPermissions: ['org:x:read'] });
    const none = signedInAuth(base, 'tok');
    expect(none).toMatchObject({ orgId: null, orgRole: null, orgSlug: null, orgPermissions: null });
    expect(none.has({ permission: 'org:x:read' })).toBe(false);
  });

  it('reverification from fva, plans from pla', () => {
    const fresh = signedInAuth({ ...base, fva: [3, -1], pla: 'u:pro' }, 'tok');
    expect(fresh.has({ reverification: 'strict' })).toBe(true);
    expect(fresh.has({ reverification: { level: 'first_factor', afterMinutes: 2 } })).toBe(false);
    expect(fresh.has({ plan: 'pro' })).toBe(true);
    expect(fresh.has({ plan: 'o:pro' })).toBe(false);
    const stale = signedInAuth({ ...base, fva: [120, 5] }, 'tok');
    expect(stale.has({ reverification: 'strict' })).toBe(true);
    expect(stale.has({ reverification: 'strict_mfa' })).toBe(false);
    expect(signedInAuth(base, 'tok').has({ reverification: 'lax' })).toBe(false);
  });

  it('signed out: every field null, has() false, getToken() null', async () => {
    const out = signedOutAuth();
    expect(out).toMatchObject({ isAuthenticated: false, userId: null, sessionId: null, orgId: null, claims: null });
    expect(out.has({ role: 'org:admin' })).toBe(false);
    expect(await out.getToken()).toBeNull();
    expect(await signedInAuth(base, 'the-token').getToken()).toBe('the-token');
  });
});

describe('case conversion', () => {
  it('camelizes resources deeply but keeps the keys of metadata and claims', () => {
    expect(
      camelize({
        first_name: 'A',
        email_addresses: [{ email_address: 'a@x', linked_to: [] }],
        public_metadata: { some_key: { inner_key: 1 } },
        private_metadata: { a_b: 1 },
        claims: { user_email: '{{x}}' },
      }),
    ).toEqual({ firstName: 'A', emailAddresses: [{ emailAddress: 'a@x', linkedTo: [] }], publicMetadata: { some_key: { inner_key: 1 } }, privateMetadata: { a_b: 1 }, claims: { user_email: '{{x}}' } });
  });

  it('snake-cases request bodies shallowly, as the official SDK does', () => {
    expect(snakeBody({ firstName: 'A', primaryEmailAddressID: 'idn_1', web3Wallet: 'w', publicMetadata: { someKey: 1 }, skip: undefined, already_snake: 2 })).toEqual({
      first_name: 'A',
      primary_email_address_id: 'idn_1',
      web3_wallet: 'w',
      public_metadata: { someKey: 1 },
      already_snake: 2,
    });
  });
});

describe('cookies and headers', () => {
  it('parses a Cookie header: first name wins, quotes and %-encoding undone, junk skipped', () => {
    expect(Object.fromEntries(parseCookies('a=1; b="x y"; c=%20z; a=2; bad; =e; d=%zz; e=; f=g=h'))).toEqual({ a: '1', b: 'x y', c: ' z', d: '%zz', e: '', f: 'g=h' });
    expect(parseCookies(null).size).toBe(0);
  });

  it('the cookie suffix is 8 characters of base64url SHA-1 of the publishable key', () => {
    // The suffix of the key in clerk-nextjs-wire.md.
    expect(cookieSuffix('pk_live_MTI3LjAuMC4xOjQwMDEk')).toBe('Yt48F_Lz');
  });

  it('reads Retry-After as seconds or as a date', () => {
    expect(retryAfterOf('7')).toBe(7);
    expect(retryAfterOf(null)).toBeUndefined();
    expect(retryAfterOf('soon')).toBeUndefined();
    expect(retryAfterOf(new Date(Date.UTC(2030, 0, 1, 0, 0, 30)).toUTCString(), Date.UTC(2030, 0, 1, 0, 0, 0))).toBe(30);
  });
});

describe('authenticateRequest on arbitrary input', () => {
  const { publicKey } = generateKeyPairSync('rsa', { modulusLength: 2048 });
  const jwtKey = publicKey.export({ type: 'spki', format: 'pem' }).toString();
  const keys = [encodePublishableKey('production', 'auth.example.com'), encodePublishableKey('development', 'auth.example.com')];
  const jwtish = fc.tuple(fc.base64String(), fc.base64String(), fc.base64String()).map((p) => p.join('.'));
  const cookieValue = fc.oneof(fc.string(), jwtish, fc.constantFrom('0', '1700000000', '%zz', '"x"'));
  const cookieName = fc.constantFrom('__session', '__client_uat', '__clerk_db_jwt', '__clerk_redirect_count', '__clerk_handshake', '__session_Yt48F_Lz', 'other');

  it('always answers a tagged result, never throws (property)', async () => {
    await fc.assert(
      fc.asyncProperty(
        fc.array(fc.tuple(cookieName, cookieValue), { maxLength: 6 }),
        fc.option(fc.oneof(fc.string(), jwtish.map((j) => `Bearer ${j}`))),
        fc.constantFrom('GET', 'POST'),
        fc.constantFrom('document', 'empty', null),
        fc.constantFrom(...keys),
        async (cookies, authorization, method, dest, publishableKey) => {
          const headers = new Headers();
          headers.set('cookie', cookies.map(([k, v]) => `${k}=${v.replace(/[;\r\n]/g, '')}`).join('; '));
          if (authorization !== null) headers.set('authorization', authorization.replace(/[\r\n]/g, ''));
          if (dest) headers.set('sec-fetch-dest', dest);
          const state = await authenticateRequest(new Request('https://app.example.com/p?q=1', { method, headers }), { publishableKey, jwtKey });
          expect(['signed-in', 'signed-out', 'handshake']).toContain(state.status);
          // Nothing here is signed by the key: nobody is ever signed in.
          expect(state.status).not.toBe('signed-in');
          if (state.status === 'handshake') {
            expect(method).toBe('GET');
            expect(state.response.status).toBe(307);
          }
        },
      ),
      { numRuns: 300 },
    );
  });
});
