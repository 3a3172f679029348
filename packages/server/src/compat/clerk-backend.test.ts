/**
 * Compatibility: the official Clerk Node SDK (`@clerk/backend`), unmodified, driving the real Latch server.
 * Every method of `users`, `emailAddresses` and `phoneNumbers` that the server implements is called through
 * the SDK, and the assertions are made on the SDK's typed (camelCase) results and on its typed errors.
 */
import { createClerkClient, type ClerkClient, type User } from '@clerk/backend';
import { isClerkAPIResponseError, type ClerkAPIResponseError } from '@clerk/backend/errors';
import { newSecretKey } from '@latch/core';
import bcryptjs from 'bcryptjs';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startTestServer, testDialects, type TestServer } from '../test/harness.js';
import { apiError } from '../test/clerk-sdk.js';

/** A real 1×1 RGBA PNG (valid chunk CRCs), 70 bytes. */
const PNG_1X1 = Uint8Array.from(
  Buffer.from('iVBORw0KGgoAAAANSUhEUgAAAAEAAAABCAYAAAAfFcSJAAAADUlEQVR42mNkYPhfDwAChwGA60e6kgAAAABJRU5ErkJggg==', 'base64'),
);

/** The outcome of a call, with a rejection summarized as `status code param` for readable assertions. */
async function settle<T>(call: Promise<T>): Promise<{ value?: T; error?: string }> {
  try {
    return { value: await call };
  } catch (e) {
    if (!isClerkAPIResponseError(e)) throw e;
    const first = e.errors[0];
    return { error: `${e.status} ${first?.code ?? '?'} ${first?.meta?.paramName ?? ''}`.trim() };
  }
}

/** Asserts the fields of a ClerkAPIResponseError that a Clerk error envelope fills in. */
function expectApiError(err: ClerkAPIResponseError, status: number, code: string, paramName?: string): void {
  expect(err.status, JSON.stringify(err.errors)).toBe(status);
  expect(err.errors.length).toBeGreaterThan(0);
  expect(err.errors[0]?.code).toBe(code);
  expect(err.errors[0]?.message).toEqual(expect.any(String));
  expect(err.errors[0]?.longMessage).toEqual(expect.any(String));
  if (paramName !== undefined) expect(err.errors[0]?.meta?.paramName).toBe(paramName);
  // The trace id comes from the body's clerk_trace_id (there is no cf-ray header to fall back on).
  expect(err.clerkTraceId).toEqual(expect.any(String));
  expect(err.clerkTraceId?.length).toBeGreaterThan(0);
}

describe.each(testDialects())('official @clerk/backend SDK against Latch on %s', (dialect) => {
  let t: TestServer;
  let clerk: ClerkClient;

  beforeAll(async () => {
    t = await startTestServer(dialect);
    clerk = createClerkClient({ apiUrl: t.apiUrl, secretKey: t.secretKey, telemetry: { disabled: true } });
  });
  afterAll(async () => {
    await t.close();
  });

  /** Secret key of a fresh client with an unknown-but-well-formed or revoked key. */
  const clientWith = (secretKey: string) => createClerkClient({ apiUrl: t.apiUrl, secretKey, telemetry: { disabled: true } });

  describe('users', () => {
    it('createUser with e-mail addresses, phone numbers, username, password, names and metadata; getUser returns the same user', async () => {
      const user = await clerk.users.createUser({
        emailAddress: ['Ada@Example.com', 'ada.second@example.com'],
        phoneNumber: ['+1 (415) 555-0100'],
        username: 'Ada_L',
        password: 'correct horse battery staple',
        firstName: 'Ada',
        lastName: 'Lovelace',
        externalId: 'ext-ada',
        locale: 'en-GB',
        legalAcceptedAt: new Date('2024-06-01T12:00:00.000Z'),
        skipLegalChecks: true,
        publicMetadata: { role: 'admin', nested: { level: 1 } },
        privateMetadata: { stripeId: 'cus_123' },
        unsafeMetadata: { birthday: '11-30-1969' },
      });

      expect(user.id).toMatch(/^user_[0-9A-Za-z]{27}$/);
      expect(user.firstName).toBe('Ada');
      expect(user.lastName).toBe('Lovelace');
      expect(user.fullName).toBe('Ada Lovelace');
      expect(user.username).toBe('ada_l');
      expect(user.externalId).toBe('ext-ada');
      expect(user.locale).toBe('en-GB');
      expect(user.legalAcceptedAt).toBe(Date.parse('2024-06-01T12:00:00.000Z'));
      expect(user.passwordEnabled).toBe(true);
      expect(user.banned).toBe(false);
      expect(user.locked).toBe(false);
      expect(user.hasImage).toBe(false);
      expect(user.imageUrl).toEqual(expect.stringMatching(/^http/));
      expect(user.createdAt).toEqual(expect.any(Number));
      expect(user.updatedAt).toEqual(expect.any(Number));

      // (The order of the array is asserted separately below.)
      expect(user.emailAddresses.map((e) => e.emailAddress).sort()).toEqual(['Ada@Example.com', 'ada.second@example.com']);
      expect(user.primaryEmailAddress?.emailAddress).toBe('Ada@Example.com');
      expect(user.primaryEmailAddress?.id).toMatch(/^idn_/);
      for (const e of user.emailAddresses) {
        expect(e.verification?.status).toBe('verified');
        expect(e.linkedTo).toEqual([]);
      }
      expect(user.phoneNumbers.map((p) => p.phoneNumber)).toEqual(['+14155550100']);
      expect(user.primaryPhoneNumberId).toBe(user.phoneNumbers[0]?.id);
      expect(user.primaryPhoneNumber?.phoneNumber).toBe('+14155550100');
      expect(user.phoneNumbers[0]?.verification?.status).toBe('verified');

      expect(user.publicMetadata).toEqual({ role: 'admin', nested: { level: 1 } });
      expect(user.privateMetadata).toEqual({ stripeId: 'cus_123' });
      expect(user.unsafeMetadata).toEqual({ birthday: '11-30-1969' });
      // A real class instance: camelCase fields only, the raw JSON kept aside.
      expect(user).not.toHaveProperty('first_name');
      expect(user.raw?.object).toBe('user');

      const fetched = await clerk.users.getUser(user.id);
      expect(fetched.raw).toEqual(user.raw);
      expect(fetched.primaryEmailAddress?.emailAddress).toBe('Ada@Example.com');
    });

    it('createUser keeps e-mail addresses and phone numbers in the order given (first is primary)', async () => {
      const emails = ['o1@example.com', 'o2@example.com', 'o3@example.com', 'o4@example.com', 'o5@example.com', 'o6@example.com'];
      const phones = ['+15550004001', '+15550004002', '+15550004003', '+15550004004'];
      const user = await clerk.users.createUser({ emailAddress: emails, phoneNumber: phones });
      expect(user.primaryEmailAddress?.emailAddress).toBe('o1@example.com');
      expect(user.primaryPhoneNumber?.phoneNumber).toBe('+15550004001');
      expect(user.emailAddresses.map((e) => e.emailAddress)).toEqual(emails);
      expect(user.phoneNumbers.map((p) => p.phoneNumber)).toEqual(phones);
      expect((await clerk.users.getUser(user.id)).emailAddresses.map((e) => e.emailAddress)).toEqual(emails);
    });

    it('createUser with reserved identifiers, skipPasswordRequirement and a back-dated createdAt', async () => {
      const createdAt = new Date('2021-03-04T05:06:07.000Z');
      const user = await clerk.users.createUser({
        emailAddress: ['reserved@example.com'],
        emailAddressIdentificationStatus: ['reserved'],
        phoneNumber: ['+4915112345670'],
        phoneNumberIdentificationStatus: ['reserved'],
        skipPasswordRequirement: true,
        createdAt,
      });
      expect(user.createdAt).toBe(createdAt.getTime());
      expect(user.passwordEnabled).toBe(false);
      expect(user.emailAddresses[0]?.emailAddress).toBe('reserved@example.com');
      expect(user.emailAddresses[0]?.verification?.status).not.toBe('verified');
      expect(user.phoneNumbers[0]?.verification?.status).not.toBe('verified');
    });

    it('createUser with timezone (a documented CreateUserParams field), read back as user.timezone', async () => {
      const created = await settle(clerk.users.createUser({ emailAddress: ['tz@example.com'], timezone: 'Europe/Berlin' }));
      expect(created.error, 'createUser({timezone}) was rejected').toBeUndefined();
      expect(created.value?.timezone).toBe('Europe/Berlin');
      const plain = await clerk.users.createUser({ emailAddress: ['tz2@example.com'] });
      const updated = await settle(clerk.users.updateUser(plain.id, { timezone: 'America/New_York' }));
      expect(updated.error, 'updateUser({timezone}) was rejected').toBeUndefined();
      expect(updated.value?.timezone).toBe('America/New_York');
    });

    it('createUser with passwordDigest + passwordHasher bcrypt; verifyPassword accepts the right password and rejects a wrong one', async () => {
      const digest = bcryptjs.hashSync('imported-secret-1', 4);
      const user = await clerk.users.createUser({ emailAddress: ['imported@example.com'], passwordDigest: digest, passwordHasher: 'bcrypt' });
      expect(user.passwordEnabled).toBe(true);

      expect(await clerk.users.verifyPassword({ userId: user.id, password: 'imported-secret-1' })).toEqual({ verified: true });
      // Rehashed to argon2id after the first correct check; still verifies.
      expect(await clerk.users.verifyPassword({ userId: user.id, password: 'imported-secret-1' })).toEqual({ verified: true });

      const wrong = await apiError(clerk.users.verifyPassword({ userId: user.id, password: 'not-the-password' }));
      expectApiError(wrong, 422, 'form_password_incorrect');
      expect(wrong.message).toContain('Unprocessable Entity');

      const badDigest = await apiError(clerk.users.createUser({ passwordDigest: 'nonsense', passwordHasher: 'bcrypt' }));
      expectApiError(badDigest, 422, 'form_password_digest_invalid', 'password_digest');
    });

    it('removePassword clears the password; verifyPassword then reports that none is set', async () => {
      const user = await clerk.users.createUser({ emailAddress: ['nopass@example.com'], password: 'a long unguessable passphrase' });
      expect(user.passwordEnabled).toBe(true);
      const removed = await clerk.users.removePassword(user.id);
      expect(removed.id).toBe(user.id);
      expect(removed.passwordEnabled).toBe(false);
      const withFlag = await clerk.users.removePassword(user.id, { signOutOfOtherSessions: true });
      expect(withFlag.passwordEnabled).toBe(false);
      const none = await apiError(clerk.users.verifyPassword({ userId: user.id, password: 'a long unguessable passphrase' }));
      expectApiError(none, 400, 'form_password_not_set');
    });

    describe('getUserList and getCount', () => {
      const tag = 'zqlisttag';
      const made: Record<string, User> = {};

      beforeAll(async () => {
        const people = [
          { firstName: 'Alice', lastName: 'Zephyr', username: `${tag}_alice`, emailAddress: [`alice@${tag}.test`], phoneNumber: ['+15550000001'], externalId: `${tag}-alice`, createdAt: new Date('2020-01-01T00:00:00Z') },
          { firstName: 'Bob', lastName: 'Young', username: `${tag}_bob`, emailAddress: [`bob@${tag}.test`], externalId: `${tag}-bob`, createdAt: new Date('2020-02-01T00:00:00Z') },
          { firstName: 'Carol', lastName: 'Xu', username: `${tag}_carol`, emailAddress: [`carol@${tag}.test`], phoneNumber: ['+447700900123'], createdAt: new Date('2020-03-01T00:00:00Z') },
          { firstName: 'Dave', lastName: 'Walker', username: `${tag}_dave`, emailAddress: [`dave@${tag}.test`], createdAt: new Date('2020-04-01T00:00:00Z') },
        ];
        for (const p of people) made[p.firstName] = await clerk.users.createUser(p);
      });

      const names = (users: User[]) => users.map((u) => u.firstName);

      it('returns {data, totalCount} with typed users; totalCount ignores limit and offset', async () => {
        const page = await clerk.users.getUserList({ query: tag, orderBy: '+created_at', limit: 2, offset: 1 });
        expect(Array.isArray(page.data)).toBe(true);
        expect(names(page.data)).toEqual(['Bob', 'Carol']);
        expect(page.totalCount).toBe(4);
        expect(page.data[0]?.emailAddresses[0]?.emailAddress).toBe(`bob@${tag}.test`);
        expect(page.data[0]?.primaryEmailAddressId).toBe(made.Bob?.primaryEmailAddressId);

        const all = await clerk.users.getUserList();
        expect(all.totalCount).toBe(await clerk.users.getCount());
        expect(all.data.length).toBe(Math.min(10, all.totalCount));
        // Default order: newest first.
        const created = all.data.map((u) => u.createdAt);
        expect(created).toEqual([...created].sort((a, b) => b - a));
      });

      it('orders by every documented orderBy field the fixture can distinguish, in both directions', async () => {
        expect(names((await clerk.users.getUserList({ query: tag, orderBy: '+first_name' })).data)).toEqual(['Alice', 'Bob', 'Carol', 'Dave']);
        expect(names((await clerk.users.getUserList({ query: tag, orderBy: '-first_name' })).data)).toEqual(['Dave', 'Carol', 'Bob', 'Alice']);
        expect(names((await clerk.users.getUserList({ query: tag, orderBy: 'last_name' })).data)).toEqual(['Dave', 'Carol', 'Bob', 'Alice']);
        expect(names((await clerk.users.getUserList({ query: tag, orderBy: '-created_at' })).data)).toEqual(['Dave', 'Carol', 'Bob', 'Alice']);
        expect(names((await clerk.users.getUserList({ query: tag, orderBy: '+username' })).data)).toEqual(['Alice', 'Bob', 'Carol', 'Dave']);
        expect(names((await clerk.users.getUserList({ query: tag, orderBy: '+email_address' })).data)).toEqual(['Alice', 'Bob', 'Carol', 'Dave']);
      });

      it('filters by emailAddress, phoneNumber, username, userId, externalId, query and dates, with a matching totalCount', async () => {
        const byEmail = await clerk.users.getUserList({ emailAddress: [`ALICE@${tag}.test`, `carol@${tag}.test`], orderBy: '+created_at' });
        expect(names(byEmail.data)).toEqual(['Alice', 'Carol']);
        expect(byEmail.totalCount).toBe(2);

        const byPhone = await clerk.users.getUserList({ phoneNumber: ['+44 7700 900123'] });
        expect(names(byPhone.data)).toEqual(['Carol']);
        expect(byPhone.totalCount).toBe(1);

        const byUsername = await clerk.users.getUserList({ username: [`${tag}_bob`, `${tag}_dave`], orderBy: '+created_at' });
        expect(names(byUsername.data)).toEqual(['Bob', 'Dave']);
        expect(byUsername.totalCount).toBe(2);

        const ids = [made.Alice?.id ?? '', made.Dave?.id ?? ''];
        const byId = await clerk.users.getUserList({ userId: ids, orderBy: '+created_at' });
        expect(byId.data.map((u) => u.id)).toEqual(ids);
        expect(byId.totalCount).toBe(2);

        const byExternal = await clerk.users.getUserList({ externalId: [`${tag}-bob`] });
        expect(names(byExternal.data)).toEqual(['Bob']);
        expect(byExternal.totalCount).toBe(1);

        const byQuery = await clerk.users.getUserList({ query: 'zephyr' });
        expect(names(byQuery.data)).toEqual(['Alice']);
        expect(byQuery.totalCount).toBe(1);

        const byDates = await clerk.users.getUserList({
          query: tag,
          createdAtAfter: Date.parse('2020-01-15T00:00:00Z'),
          createdAtBefore: Date.parse('2020-03-15T00:00:00Z'),
          orderBy: '+created_at',
        });
        expect(names(byDates.data)).toEqual(['Bob', 'Carol']);
        expect(byDates.totalCount).toBe(2);

        const none = await clerk.users.getUserList({ query: tag, organizationId: ['org_nothere'] });
        expect(none.data).toEqual([]);
        expect(none.totalCount).toBe(0);
      });

      it('getCount applies the same filters and returns a number', async () => {
        const total = await clerk.users.getCount();
        expect(typeof total).toBe('number');
        expect(total).toBeGreaterThanOrEqual(4);
        expect(await clerk.users.getCount({ query: tag })).toBe(4);
        expect(await clerk.users.getCount({ emailAddress: [`alice@${tag}.test`, `bob@${tag}.test`] })).toBe(2);
        expect(await clerk.users.getCount({ phoneNumber: ['+15550000001'] })).toBe(1);
        expect(await clerk.users.getCount({ username: [`${tag}_carol`] })).toBe(1);
        expect(await clerk.users.getCount({ userId: [made.Dave?.id ?? ''] })).toBe(1);
        expect(await clerk.users.getCount({ externalId: [`${tag}-alice`, `${tag}-bob`] })).toBe(2);
        expect(await clerk.users.getCount({ emailAddress: ['nobody@nowhere.test'] })).toBe(0);
      });
    });

    it('updateUser with plain fields', async () => {
      const user = await clerk.users.createUser({ emailAddress: ['upd1@example.com', 'upd2@example.com'], phoneNumber: ['+15550001001', '+15550001002'] });
      const second = user.emailAddresses.find((e) => e.emailAddress === 'upd2@example.com');
      const secondPhone = user.phoneNumbers.find((p) => p.phoneNumber === '+15550001002');
      expect(user.primaryEmailAddress?.emailAddress).toBe('upd1@example.com');
      expect(user.primaryPhoneNumber?.phoneNumber).toBe('+15550001001');
      const updated = await clerk.users.updateUser(user.id, {
        firstName: 'John',
        lastName: 'Wick',
        username: 'jwick',
        externalId: 'ext-wick',
        locale: 'fr-FR',
        primaryEmailAddressID: second?.id,
        notifyPrimaryEmailAddressChanged: false,
        primaryPhoneNumberID: secondPhone?.id,
        deleteSelfEnabled: false,
        createOrganizationEnabled: false,
        createOrganizationsLimit: 3,
        legalAcceptedAt: new Date('2025-01-02T03:04:05.000Z'),
        skipLegalChecks: true,
      });
      expect(updated.id).toBe(user.id);
      expect(updated.firstName).toBe('John');
      expect(updated.lastName).toBe('Wick');
      expect(updated.fullName).toBe('John Wick');
      expect(updated.username).toBe('jwick');
      expect(updated.externalId).toBe('ext-wick');
      expect(updated.locale).toBe('fr-FR');
      expect(updated.primaryEmailAddressId).toBe(second?.id);
      expect(updated.primaryEmailAddress?.emailAddress).toBe('upd2@example.com');
      expect(updated.primaryPhoneNumberId).toBe(secondPhone?.id);
      expect(updated.primaryPhoneNumber?.phoneNumber).toBe('+15550001002');
      expect(updated.deleteSelfEnabled).toBe(false);
      expect(updated.createOrganizationEnabled).toBe(false);
      expect(updated.createOrganizationsLimit).toBe(3);
      expect(updated.legalAcceptedAt).toBe(Date.parse('2025-01-02T03:04:05.000Z'));
      expect(updated.updatedAt).toBeGreaterThanOrEqual(user.updatedAt);

      // A password set by updateUser verifies; signOutOfOtherSessions is accepted.
      const withPassword = await clerk.users.updateUser(user.id, { password: 'another long passphrase 42', signOutOfOtherSessions: true });
      expect(withPassword.passwordEnabled).toBe(true);
      expect(await clerk.users.verifyPassword({ userId: user.id, password: 'another long passphrase 42' })).toEqual({ verified: true });
      // skipPasswordChecks lets a weak (migrated) password through.
      const weak = await clerk.users.updateUser(user.id, { password: 'password123', skipPasswordChecks: true });
      expect(weak.passwordEnabled).toBe(true);
      expect(await clerk.users.verifyPassword({ userId: user.id, password: 'password123' })).toEqual({ verified: true });

      // Errors on update come back typed too.
      const notMine = await apiError(clerk.users.updateUser(user.id, { primaryEmailAddressID: 'idn_notmine' }));
      expectApiError(notMine, 422, 'form_param_value_invalid', 'primary_email_address_id');
      const missing = await apiError(clerk.users.updateUser('user_doesnotexist', { firstName: 'x' }));
      expectApiError(missing, 404, 'resource_not_found');
    });

    it('updateUser with metadata: the SDK PATCHes the fields, then PUTs the metadata; the result carries both', async () => {
      const user = await clerk.users.createUser({
        emailAddress: ['meta-upd@example.com'],
        publicMetadata: { a: 1, b: { c: 1 } },
        privateMetadata: { keep: true },
        unsafeMetadata: { u: 1 },
      });
      const updated = await clerk.users.updateUser(user.id, { firstName: 'Meta', publicMetadata: { b: { d: 2 } }, unsafeMetadata: { v: 2 } });
      expect(updated.firstName).toBe('Meta');
      // PUT /metadata replaces each given kind in full and keeps kinds that were not given.
      expect(updated.publicMetadata).toEqual({ b: { d: 2 } });
      expect(updated.unsafeMetadata).toEqual({ v: 2 });
      expect(updated.privateMetadata).toEqual({ keep: true });

      const reread = await clerk.users.getUser(user.id);
      expect(reread.firstName).toBe('Meta');
      expect(reread.publicMetadata).toEqual({ b: { d: 2 } });

      // Metadata only: one PUT, no PATCH.
      const onlyMeta = await clerk.users.updateUser(user.id, { privateMetadata: { stripeId: 'cus_9' } });
      expect(onlyMeta.privateMetadata).toEqual({ stripeId: 'cus_9' });
      expect(onlyMeta.firstName).toBe('Meta');
    });

    it('updateUserMetadata deep-merges and null deletes; replaceUserMetadata replaces each given kind', async () => {
      const user = await clerk.users.createUser({
        emailAddress: ['meta@example.com'],
        publicMetadata: { a: { b: 1, c: 2 }, keep: true, list: [1, 2] },
        privateMetadata: { p: 1 },
      });
      const merged = await clerk.users.updateUserMetadata(user.id, {
        publicMetadata: { a: { c: null, d: 4 }, keep: null, list: [3], added: 'x' },
        unsafeMetadata: { birthday: '11-30-1969' },
      });
      expect(merged.publicMetadata).toEqual({ a: { b: 1, d: 4 }, list: [3], added: 'x' });
      expect(merged.privateMetadata).toEqual({ p: 1 });
      expect(merged.unsafeMetadata).toEqual({ birthday: '11-30-1969' });

      const again = await clerk.users.updateUserMetadata(user.id, { privateMetadata: { q: { deep: { deeper: true } } } });
      expect(again.privateMetadata).toEqual({ p: 1, q: { deep: { deeper: true } } });

      const replaced = await clerk.users.replaceUserMetadata(user.id, { publicMetadata: { only: 'this' }, privateMetadata: {} });
      expect(replaced.publicMetadata).toEqual({ only: 'this' });
      expect(replaced.privateMetadata).toEqual({});
      expect(replaced.unsafeMetadata).toEqual({ birthday: '11-30-1969' });

      const tooBig = await apiError(clerk.users.updateUserMetadata(user.id, { unsafeMetadata: { blob: 'x'.repeat(8200) } }));
      expectApiError(tooBig, 422, 'form_param_exceeds_allowed_size', 'unsafe_metadata');
      expect((await clerk.users.getUser(user.id)).unsafeMetadata).toEqual({ birthday: '11-30-1969' });
    });

    it('deleteUser returns a DeletedObject; the user is then gone (404 resource_not_found)', async () => {
      const user = await clerk.users.createUser({ emailAddress: ['gone@example.com'] });
      const deleted = await clerk.users.deleteUser(user.id);
      // The SDK's type says User, but the wire answer is a DeletedObject and the deserializer returns one.
      expect(deleted).toEqual(expect.objectContaining({ object: 'user', id: user.id, deleted: true, slug: null }));
      expect(deleted).not.toHaveProperty('emailAddresses');

      const missing = await apiError(clerk.users.getUser(user.id));
      expectApiError(missing, 404, 'resource_not_found');
      expect(missing.message).toContain('Not Found');
      expectApiError(await apiError(clerk.users.deleteUser(user.id)), 404, 'resource_not_found');
      // Its e-mail address is free again.
      expect((await clerk.users.createUser({ emailAddress: ['gone@example.com'] })).emailAddresses[0]?.emailAddress).toBe('gone@example.com');
    });

    it('banUser / unbanUser / lockUser / unlockUser return the updated user', async () => {
      const user = await clerk.users.createUser({ emailAddress: ['flags@example.com'] });
      expect((await clerk.users.banUser(user.id)).banned).toBe(true);
      expect((await clerk.users.getUser(user.id)).banned).toBe(true);
      expect((await clerk.users.unbanUser(user.id)).banned).toBe(false);
      const locked = await clerk.users.lockUser(user.id);
      expect(locked.locked).toBe(true);
      expect(locked.banned).toBe(false);
      expect((await clerk.users.unlockUser(user.id)).locked).toBe(false);
      expectApiError(await apiError(clerk.users.banUser('user_doesnotexist')), 404, 'resource_not_found');
    });

    it('updateUserProfileImage uploads a real PNG (File and Blob); deleteUserProfileImage removes it', async () => {
      const user = await clerk.users.createUser({ emailAddress: ['avatar@example.com'] });
      expect(user.hasImage).toBe(false);

      const withImage = await clerk.users.updateUserProfileImage(user.id, { file: new File([PNG_1X1], 'avatar.png', { type: 'image/png' }) });
      expect(withImage.hasImage).toBe(true);
      expect(withImage.imageUrl).not.toBe(user.imageUrl);
      const img = await fetch(withImage.imageUrl);
      expect(img.status).toBe(200);
      expect(img.headers.get('content-type')).toBe('image/png');
      expect(new Uint8Array(await img.arrayBuffer())).toEqual(PNG_1X1);

      const replaced = await clerk.users.updateUserProfileImage(user.id, { file: new Blob([PNG_1X1], { type: 'image/png' }) });
      expect(replaced.hasImage).toBe(true);
      expect(replaced.imageUrl).not.toBe(withImage.imageUrl);

      const notAnImage = await apiError(clerk.users.updateUserProfileImage(user.id, { file: new Blob(['<svg/>'], { type: 'image/png' }) }));
      expectApiError(notAnImage, 422, 'form_param_format_invalid', 'file');

      const removed = await clerk.users.deleteUserProfileImage(user.id);
      expect(removed.hasImage).toBe(false);
      expect((await fetch(replaced.imageUrl)).status).toBe(404);
      expect((await clerk.users.getUser(user.id)).hasImage).toBe(false);
    });

    it('replaceUserEmailAddress and replaceUserPhoneNumber leave one primary identifier of their kind', async () => {
      const user = await clerk.users.createUser({ emailAddress: ['r1@example.com', 'r2@example.com'], phoneNumber: ['+15550002001'] });
      const email = await clerk.users.replaceUserEmailAddress(user.id, { emailAddress: 'only@example.com' });
      expect(email.emailAddress).toBe('only@example.com');
      expect(email.id).toMatch(/^idn_/);
      expect(email.linkedTo).toEqual([]);
      const phone = await clerk.users.replaceUserPhoneNumber(user.id, { phoneNumber: '+15550002002' });
      expect(phone.phoneNumber).toBe('+15550002002');

      const after = await clerk.users.getUser(user.id);
      expect(after.emailAddresses.map((e) => e.emailAddress)).toEqual(['only@example.com']);
      expect(after.primaryEmailAddressId).toBe(email.id);
      expect(after.phoneNumbers.map((p) => p.phoneNumber)).toEqual(['+15550002002']);
      expect(after.primaryPhoneNumberId).toBe(phone.id);

      const other = await clerk.users.createUser({ emailAddress: ['taken-r@example.com'] });
      const taken = await apiError(clerk.users.replaceUserEmailAddress(other.id, { emailAddress: 'ONLY@example.com' }));
      expectApiError(taken, 422, 'form_identifier_exists', 'email_address');
    });
  });

  describe('emailAddresses', () => {
    it('createEmailAddress / getEmailAddress / updateEmailAddress / deleteEmailAddress', async () => {
      const user = await clerk.users.createUser({ emailAddress: ['ea-first@example.com'] });

      const created = await clerk.emailAddresses.createEmailAddress({ userId: user.id, emailAddress: 'ea-second@example.com', verified: false });
      expect(created.id).toMatch(/^idn_/);
      expect(created.emailAddress).toBe('ea-second@example.com');
      expect(created.verification).toBeNull();
      expect(created.linkedTo).toEqual([]);

      const got = await clerk.emailAddresses.getEmailAddress(created.id);
      expect(got.id).toBe(created.id);
      expect(got.emailAddress).toBe('ea-second@example.com');

      const verified = await clerk.emailAddresses.updateEmailAddress(created.id, { verified: true, primary: true });
      expect(verified.verification?.status).toBe('verified');
      expect(verified.verification?.strategy).toEqual(expect.any(String));
      const owner = await clerk.users.getUser(user.id);
      expect(owner.primaryEmailAddressId).toBe(created.id);
      expect(owner.primaryEmailAddress?.emailAddress).toBe('ea-second@example.com');

      const third = await clerk.emailAddresses.createEmailAddress({ userId: user.id, emailAddress: 'ea-third@example.com', verified: true, primary: true });
      expect(third.verification?.status).toBe('verified');
      expect((await clerk.users.getUser(user.id)).primaryEmailAddressId).toBe(third.id);

      const deleted = await clerk.emailAddresses.deleteEmailAddress(created.id);
      expect(deleted).toEqual(expect.objectContaining({ object: 'email_address', id: created.id, deleted: true }));
      expectApiError(await apiError(clerk.emailAddresses.getEmailAddress(created.id)), 404, 'resource_not_found');
      expect((await clerk.users.getUser(user.id)).emailAddresses.map((e) => e.emailAddress).sort()).toEqual(['ea-first@example.com', 'ea-third@example.com']);

      const dup = await apiError(clerk.emailAddresses.createEmailAddress({ userId: user.id, emailAddress: 'EA-FIRST@example.com' }));
      expectApiError(dup, 422, 'form_identifier_exists', 'email_address');
      const noUser = await apiError(clerk.emailAddresses.createEmailAddress({ userId: 'user_doesnotexist', emailAddress: 'x@example.com' }));
      expectApiError(noUser, 404, 'resource_not_found');
    });

    it('createEmailAddress without `verified` creates an unverified address (the SDK documents "Defaults to false")', async () => {
      const user = await clerk.users.createUser({ emailAddress: ['ea-default@example.com'] });
      const created = await clerk.emailAddresses.createEmailAddress({ userId: user.id, emailAddress: 'ea-default-2@example.com' });
      expect(created.verification?.status).not.toBe('verified');
    });
  });

  describe('phoneNumbers', () => {
    it('createPhoneNumber / getPhoneNumber / updatePhoneNumber / deletePhoneNumber', async () => {
      const user = await clerk.users.createUser({ emailAddress: ['pn@example.com'] });

      const created = await clerk.phoneNumbers.createPhoneNumber({ userId: user.id, phoneNumber: '+33 6 12 34 56 78', verified: true, reservedForSecondFactor: true });
      expect(created.id).toMatch(/^idn_/);
      expect(created.phoneNumber).toBe('+33612345678');
      expect(created.reservedForSecondFactor).toBe(true);
      expect(created.defaultSecondFactor).toEqual(expect.any(Boolean));
      expect(created.verification?.status).toBe('verified');
      expect(created.linkedTo).toEqual([]);
      const owner = await clerk.users.getUser(user.id);
      // The first phone number of a user becomes primary.
      expect(owner.primaryPhoneNumberId).toBe(created.id);
      expect(owner.twoFactorEnabled).toBe(true);

      const got = await clerk.phoneNumbers.getPhoneNumber(created.id);
      expect(got.phoneNumber).toBe('+33612345678');

      const updated = await clerk.phoneNumbers.updatePhoneNumber(created.id, { reservedForSecondFactor: false, verified: false });
      expect(updated.reservedForSecondFactor).toBe(false);
      expect(updated.verification).toBeNull();

      const second = await clerk.phoneNumbers.createPhoneNumber({ userId: user.id, phoneNumber: '+33698765432', verified: true });
      const primary = await clerk.phoneNumbers.updatePhoneNumber(second.id, { primary: true });
      expect(primary.id).toBe(second.id);
      expect((await clerk.users.getUser(user.id)).primaryPhoneNumberId).toBe(second.id);

      const deleted = await clerk.phoneNumbers.deletePhoneNumber(second.id);
      expect(deleted).toEqual(expect.objectContaining({ object: 'phone_number', id: second.id, deleted: true }));
      expectApiError(await apiError(clerk.phoneNumbers.getPhoneNumber(second.id)), 404, 'resource_not_found');
      // The remaining number is promoted.
      expect((await clerk.users.getUser(user.id)).primaryPhoneNumberId).toBe(created.id);

      const other = await clerk.users.createUser({ emailAddress: ['pn-other@example.com'] });
      const dup = await apiError(clerk.phoneNumbers.createPhoneNumber({ userId: other.id, phoneNumber: '+33612345678' }));
      expectApiError(dup, 422, 'form_identifier_exists', 'phone_number');
    });

    it('createPhoneNumber without `verified` creates an unverified number (the SDK documents "Defaults to false")', async () => {
      const user = await clerk.users.createUser({ emailAddress: ['pn-default@example.com'] });
      const created = await clerk.phoneNumbers.createPhoneNumber({ userId: user.id, phoneNumber: '+15550003003' });
      expect(created.verification?.status).not.toBe('verified');
    });
  });

  describe('jwks', () => {
    it('getJwks returns the instance RSA signing keys', async () => {
      const jwks = await clerk.jwks.getJwks();
      expect(jwks.keys?.length).toBeGreaterThan(0);
      expect(jwks.keys?.[0]).toMatchObject({ kty: 'RSA', alg: 'RS256', use: 'sig', e: 'AQAB', kid: expect.any(String), n: expect.any(String) });
    });
  });

  describe('errors arrive as ClerkAPIResponseError', () => {
    it('a duplicate e-mail address: 422 form_identifier_exists naming email_address', async () => {
      await clerk.users.createUser({ emailAddress: ['dup@example.com'] });
      const err = await apiError(clerk.users.createUser({ emailAddress: ['DUP@example.com'] }));
      expectApiError(err, 422, 'form_identifier_exists', 'email_address');
      expect(err.message).toContain('Unprocessable Entity');
    });

    it('a missing user: 404 resource_not_found', async () => {
      const err = await apiError(clerk.users.getUser('user_2xNotARealUserIdAtAllxxxxxx'));
      expectApiError(err, 404, 'resource_not_found');
    });

    it('an unknown and a revoked secret key: 401 clerk_key_invalid', async () => {
      const unknown = await apiError(clientWith(newSecretKey('development')).users.getCount());
      expectApiError(unknown, 401, 'clerk_key_invalid');

      const { key, info } = await t.server.services.keys.create('development', 'compat-temp');
      const temp = clientWith(key);
      expect(typeof (await temp.users.getCount())).toBe('number');
      await t.server.services.keys.revoke(info.id);
      const revoked = await apiError(temp.users.getUserList());
      expectApiError(revoked, 401, 'clerk_key_invalid');
      const revokedJwks = await apiError(temp.jwks.getJwks());
      expectApiError(revokedJwks, 401, 'clerk_key_invalid');
    });
  });
});
