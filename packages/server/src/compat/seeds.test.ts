/**
 * The Backend API samples of seeds 002 (updating a user) and 003 (user metadata), run against the real
 * server: the Node SDK samples through the official `@clerk/backend` client, and the curl samples
 * reproduced with fetch sending exactly the headers and bodies curl sends for them.
 *
 * Not covered here, because they are not Backend API calls from Node: the Go and Ruby samples (other SDKs)
 * and the browser samples (`user.update({ unsafeMetadata })`, a Frontend API call).
 */
import { createClerkClient, type ClerkClient, type User } from '@clerk/backend';
import { newSecretKey } from '@latch/core';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { startTestServer, testDialects, type TestServer } from '../test/harness.js';

/** What curl itself adds to every request it makes (besides Host and, with -d, Content-Length). */
const CURL_DEFAULT_HEADERS = { 'User-Agent': 'curl/8.5.0', Accept: '*/*' };

interface UserWire {
  id: string;
  object: string;
  first_name: string | null;
  private_metadata: Record<string, unknown>;
  public_metadata: Record<string, unknown>;
  unsafe_metadata: Record<string, unknown>;
}

describe.each(testDialects())('seed samples (002, 003) against Latch on %s', (dialect) => {
  let t: TestServer;
  let clerkClient: ClerkClient;
  let userId: string;

  beforeAll(async () => {
    t = await startTestServer(dialect);
    clerkClient = createClerkClient({ apiUrl: t.apiUrl, secretKey: t.secretKey, telemetry: { disabled: true } });
  });
  afterAll(async () => {
    await t.close();
  });
  beforeEach(async () => {
    const user = await clerkClient.users.createUser({ emailAddress: [`seed-${crypto.randomUUID()}@example.com`], firstName: 'Jonathan' });
    userId = user.id;
  });

  /** The URL a seed's curl sample targets, `https://api.clerk.com/v1/…` rebased onto the test server. */
  const curlUrl = (path: string) => `${t.apiUrl}/v1${path}`;

  async function wireJSON(res: Response): Promise<UserWire> {
    const text = await res.text();
    expect(res.status, text).toBe(200);
    expect(res.headers.get('content-type')).toBe('application/json');
    return JSON.parse(text) as UserWire;
  }

  describe('002: updating a user', () => {
    it('updateUser(userId, { firstName: "John", lastName: "Wick" }) (Next.js App/Pages router, Express, Remix samples)', async () => {
      const params = { firstName: 'John', lastName: 'Wick' };
      const updatedUser = await clerkClient.users.updateUser(userId, params);
      expect(updatedUser.id).toBe(userId);
      expect(updatedUser.firstName).toBe('John');
      expect(updatedUser.lastName).toBe('Wick');
      expect(updatedUser.fullName).toBe('John Wick');
      // The samples return `{ updatedUser }` as JSON: the SDK's User serializes to camelCase fields.
      const echoed = JSON.parse(JSON.stringify({ updatedUser })) as { updatedUser: { firstName: string; lastName: string } };
      expect(echoed.updatedUser).toMatchObject({ firstName: 'John', lastName: 'Wick' });
      expect((await clerkClient.users.getUser(userId)).fullName).toBe('John Wick');
    });

    it('updateUser accepts every parameter of the seed table', async () => {
      const base = await clerkClient.users.createUser({
        emailAddress: [`table-a-${crypto.randomUUID()}@example.com`],
        phoneNumber: ['+15550009001'],
      });
      const email = await clerkClient.emailAddresses.createEmailAddress({ userId: base.id, emailAddress: `table-b-${crypto.randomUUID()}@example.com`, verified: true });
      const phone = await clerkClient.phoneNumbers.createPhoneNumber({ userId: base.id, phoneNumber: '+15550009002', verified: true });
      // The SDK types have no way to add a web3 wallet, so this one is made through the wire.
      const walletOwner = await wireJSON(await t.api('/users', { method: 'POST', json: { web3_wallet: ['0x52908400098527886e0f7030069857d2e4169ee7'] } }));
      const wallet = (await clerkClient.users.getUser(walletOwner.id)).web3Wallets[0];
      expect(wallet?.web3Wallet).toBe('0x52908400098527886e0f7030069857d2e4169ee7');

      const updated = await clerkClient.users.updateUser(base.id, {
        firstName: 'John',
        lastName: 'Wick',
        username: 'johnwick',
        password: 'a very long and unusual passphrase',
        primaryEmailAddressID: email.id,
        primaryPhoneNumberID: phone.id,
        externalId: 'ext-john-wick',
        publicMetadata: { role: 'admin' },
        privateMetadata: { stripeId: 'cus_1' },
        unsafeMetadata: { birthday: '11-30-1969' },
      });
      expect(updated).toMatchObject({
        firstName: 'John',
        lastName: 'Wick',
        username: 'johnwick',
        passwordEnabled: true,
        primaryEmailAddressId: email.id,
        primaryPhoneNumberId: phone.id,
        externalId: 'ext-john-wick',
        publicMetadata: { role: 'admin' },
        privateMetadata: { stripeId: 'cus_1' },
        unsafeMetadata: { birthday: '11-30-1969' },
      });
      expect(await clerkClient.users.verifyPassword({ userId: base.id, password: 'a very long and unusual passphrase' })).toEqual({ verified: true });

      const walletUser = await clerkClient.users.updateUser(walletOwner.id, { primaryWeb3WalletID: wallet?.id ?? '' });
      expect(walletUser.primaryWeb3WalletId).toBe(wallet?.id);
      expect(walletUser.primaryWeb3Wallet?.web3Wallet).toBe('0x52908400098527886e0f7030069857d2e4169ee7');
    });
  });

  describe('003: user metadata', () => {
    it('private metadata: updateUserMetadata(userId, { privateMetadata: { stripeId } }) (Next.js App/Pages router, Node samples)', async () => {
      const stripeId = 'cus_NffrFeUfNV2Hib';
      const user: User = await clerkClient.users.updateUserMetadata(userId, { privateMetadata: { stripeId: stripeId } });
      expect(user.privateMetadata).toEqual({ stripeId });
      expect(user.publicMetadata).toEqual({});
      expect(user.unsafeMetadata).toEqual({});
    });

    it('retrieve private metadata: getUser(userId).privateMetadata (Next.js App/Pages router, Node samples)', async () => {
      await clerkClient.users.updateUserMetadata(userId, { privateMetadata: { stripeId: 'cus_42' } });
      const user = await clerkClient.users.getUser(userId);
      expect(user.privateMetadata).toEqual({ stripeId: 'cus_42' });
      // The samples answer with `NextResponse.json(user.privateMetadata)`.
      expect(JSON.parse(JSON.stringify(user.privateMetadata))).toEqual({ stripeId: 'cus_42' });
    });

    it('public metadata: updateUserMetadata(userId, { publicMetadata: { role } }) (Next.js App/Pages router, Node samples)', async () => {
      const role = 'shopper';
      const user = await clerkClient.users.updateUserMetadata(userId, { publicMetadata: { role } });
      expect(user.publicMetadata).toEqual({ role: 'shopper' });
      expect((await clerkClient.users.getUser(userId)).publicMetadata).toEqual({ role: 'shopper' });
    });

    it("unsafe metadata: updateUserMetadata(userId, { unsafeMetadata: { birthday: '11-30-1969' } }) (Next.js App/Pages router, Node samples)", async () => {
      const user = await clerkClient.users.updateUserMetadata(userId, { unsafeMetadata: { birthday: '11-30-1969' } });
      expect(user.unsafeMetadata).toEqual({ birthday: '11-30-1969' });
      expect((await clerkClient.users.getUser(userId)).unsafeMetadata).toEqual({ birthday: '11-30-1969' });
    });

    it('the three kinds stay independent: writing one leaves the other two as they were', async () => {
      await clerkClient.users.updateUserMetadata(userId, { privateMetadata: { stripeId: '12356' } });
      await clerkClient.users.updateUserMetadata(userId, { publicMetadata: { role: 'shopper' } });
      const user = await clerkClient.users.updateUserMetadata(userId, { unsafeMetadata: { birthday: '11-30-1969' } });
      expect(user.privateMetadata).toEqual({ stripeId: '12356' });
      expect(user.publicMetadata).toEqual({ role: 'shopper' });
      expect(user.unsafeMetadata).toEqual({ birthday: '11-30-1969' });
    });

    // curl -XPATCH -H 'Authorization: Bearer CLERK_SECRET_KEY' -H "Content-type: application/json" -d '{…}' 'https://api.clerk.com/v1/users/{user_id}/metadata'
    for (const [kind, body, expected] of [
      ['private_metadata', '{\n"private_metadata": {\n"stripeId": "12356"\n}\n}', { stripeId: '12356' }],
      ['public_metadata', '{\n"public_metadata": {\n"role": "shopper"\n}\n}', { role: 'shopper' }],
      ['unsafe_metadata', '{\n"unsafe_metadata": {\n"birthday": "11-30-1969"\n}\n}', { birthday: '11-30-1969' }],
    ] as const) {
      it(`curl -XPATCH …/v1/users/{user_id}/metadata with ${kind}`, async () => {
        const res = await fetch(curlUrl(`/users/${userId}/metadata`), {
          method: 'PATCH',
          headers: { ...CURL_DEFAULT_HEADERS, Authorization: `Bearer ${t.secretKey}`, 'Content-type': 'application/json' },
          body,
        });
        const user = await wireJSON(res);
        expect(user.object).toBe('user');
        expect(user.id).toBe(userId);
        expect(user[kind]).toEqual(expected);
        // And it is stored: the SDK reads it back.
        const read = await clerkClient.users.getUser(userId);
        const typed = { private_metadata: read.privateMetadata, public_metadata: read.publicMetadata, unsafe_metadata: read.unsafeMetadata }[kind];
        expect(typed).toEqual(expected);
      });
    }

    // curl -XGET -H 'Authorization: CLERK_SECRET_KEY' -H "Content-type: application/json" 'https://api.clerk.com/v1/users/{user_id}'
    it('curl -XGET …/v1/users/{user_id} with the bare secret key (no "Bearer") and Content-type: application/json on a GET', async () => {
      await clerkClient.users.updateUserMetadata(userId, { privateMetadata: { stripeId: '12356' } });
      const res = await fetch(curlUrl(`/users/${userId}`), {
        method: 'GET',
        headers: { ...CURL_DEFAULT_HEADERS, Authorization: t.secretKey, 'Content-type': 'application/json' },
      });
      const user = await wireJSON(res);
      expect(user.object).toBe('user');
      expect(user.id).toBe(userId);
      expect(user.first_name).toBe('Jonathan');
      expect(user.private_metadata).toEqual({ stripeId: '12356' });
    });

    it('the curl samples with a wrong key answer 401 in the Clerk error format, as JSON', async () => {
      const res = await fetch(curlUrl(`/users/${userId}`), {
        method: 'GET',
        headers: { ...CURL_DEFAULT_HEADERS, Authorization: newSecretKey('development'), 'Content-type': 'application/json' },
      });
      expect(res.status).toBe(401);
      expect(res.headers.get('content-type')).toBe('application/json');
      const body = (await res.json()) as { errors: { code: string }[]; clerk_trace_id: string };
      expect(body.errors[0]?.code).toBe('clerk_key_invalid');
      expect(body.clerk_trace_id).toEqual(expect.any(String));
    });
  });
});
