/**
 * @latch/backend's Backend API client against a real in-process Latch server: every sub-API's method
 * family round-trips, resources come back camelCased (application data keeps its keys), lists are
 * `{ data, totalCount }`, failures are coded errors with a trace id, and `Retry-After` is honoured.
 */
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startTestServer, testDialects, type TestServer } from '../../server/src/test/harness.js';
import { createLatchClient, isLatchAPIResponseError, LatchAPIResponseError, latchConfigFromEnv, LatchConfigError, type LatchClient } from './index.js';

const PASSWORD = 'correct horse battery staple';

async function failure(call: Promise<unknown>): Promise<LatchAPIResponseError> {
  const outcome = await call.then(
    (value) => ({ ok: true as const, value }),
    (error: unknown) => ({ ok: false as const, error }),
  );
  if (outcome.ok) throw new Error(`expected the call to fail, it returned ${JSON.stringify(outcome.value)}`);
  expect(isLatchAPIResponseError(outcome.error), String(outcome.error)).toBe(true);
  return outcome.error as LatchAPIResponseError;
}

describe.each(testDialects())('the Backend API client on %s', (dialect) => {
  let t: TestServer;
  let latch: LatchClient;
  let seq = 0;
  const email = () => `sdk${++seq}-${dialect}@example.com`;

  beforeAll(async () => {
    t = await startTestServer(dialect);
    latch = createLatchClient({ secretKey: t.secretKey, apiUrl: t.apiUrl });
  });
  afterAll(async () => {
    await t.close();
  });

  it('users: create, read, update, metadata, list with totalCount, count, ban/lock, passwords, delete', async () => {
    const address = email();
    const created = await latch.users.createUser({
      emailAddress: [address],
      password: PASSWORD,
      firstName: 'Ada',
      publicMetadata: { someKey: { innerKey: 1 } },
      privateMetadata: { plan_tier: 'gold' },
    });
    expect(created).toMatchObject({ object: 'user', firstName: 'Ada', passwordEnabled: true, publicMetadata: { someKey: { innerKey: 1 } }, privateMetadata: { plan_tier: 'gold' } });
    expect(created.imageUrl).toMatch(/^https?:\/\//);
    expect(created.primaryEmailAddress?.emailAddress).toBe(address);
    expect(created.emailAddresses[0]).toMatchObject({ emailAddress: address, linkedTo: [], verification: { status: 'verified' } });

    const read = await latch.users.getUser(created.id);
    expect(read.id).toBe(created.id);
    expect(read.fullName).toBe('Ada');

    const updated = await latch.users.updateUser(created.id, { firstName: 'John', lastName: 'Wick' });
    expect(updated).toMatchObject({ firstName: 'John', lastName: 'Wick' });
    expect(updated.fullName).toBe('John Wick');

    const merged = await latch.users.updateUserMetadata(created.id, { privateMetadata: { nested_key: { keepMe: true } }, unsafeMetadata: { theme: 'dark' } });
    expect(merged.privateMetadata).toEqual({ plan_tier: 'gold', nested_key: { keepMe: true } });
    expect(merged.unsafeMetadata).toEqual({ theme: 'dark' });
    const replaced = await latch.users.replaceUserMetadata(created.id, { privateMetadata: { only: 1 } });
    expect(replaced.privateMetadata).toEqual({ only: 1 });

    await latch.users.createUser({ emailAddress: [email()], firstName: 'Ada', skipPasswordRequirement: true });
    const page = await latch.users.getUserList({ limit: 1, query: 'Ada' });
    expect(page.data).toHaveLength(1);
    expect(page.totalCount).toBeGreaterThanOrEqual(1);
    const byEmail = await latch.users.getUserList({ emailAddress: [address] });
    expect(byEmail).toMatchObject({ totalCount: 1, data: [{ id: created.id }] });
    expect(await latch.users.getCount({ emailAddress: [address] })).toBe(1);

    expect((await latch.users.banUser(created.id)).banned).toBe(true);
    expect((await latch.users.unbanUser(created.id)).banned).toBe(false);
    expect((await latch.users.lockUser(created.id)).locked).toBe(true);
    expect((await latch.users.unlockUser(created.id)).locked).toBe(false);
    expect(await latch.users.verifyPassword({ userId: created.id, password: PASSWORD })).toEqual({ verified: true });
    expect((await latch.users.removePassword(created.id)).passwordEnabled).toBe(false);

    expect((await failure(latch.users.deleteUserPasskey({ userId: created.id, passkeyIdentificationId: 'idn_none' }))).status).toBe(404);
    expect((await failure(latch.users.deleteUserExternalAccount({ userId: created.id, externalAccountId: 'eac_none' }))).status).toBe(404);
    expect(await latch.users.getUserOauthAccessToken(created.id, 'google')).toEqual({ data: [], totalCount: 0 });
    expect(await latch.users.disableUserMFA(created.id)).toEqual({ userId: created.id });
    expect((await latch.users.setPasswordCompromised(created.id)).id).toBe(created.id);

    expect(await latch.users.deleteUser(created.id)).toMatchObject({ id: created.id, deleted: true });
    const gone = await failure(latch.users.getUser(created.id));
    expect(gone.status).toBe(404);
    expect(gone.errors[0]?.code).toBe('resource_not_found');
  });

  it('errors are coded: status, errors[0].code and meta.paramName, the trace id', async () => {
    const err = await failure(latch.users.createUser({ emailAddress: ['not an address'], skipPasswordRequirement: true }));
    expect(err).toBeInstanceOf(LatchAPIResponseError);
    expect(err.status).toBe(422);
    expect(err.errors[0]?.code).toMatch(/^form_/);
    expect(err.errors[0]?.meta?.paramName).toBe('email_address');
    expect(err.errors[0]?.longMessage).toEqual(expect.any(String));
    expect(err.clerkTraceId).toMatch(/\S/);
    expect(err.traceId).toBe(err.clerkTraceId);

    const wrongKey = createLatchClient({ secretKey: `sk_test_${'x'.repeat(48)}`, apiUrl: t.apiUrl });
    const refused = await failure(wrongKey.users.getCount());
    expect(refused.status).toBe(401);
    expect(refused.errors[0]?.code).toBe('clerk_key_invalid');

    const unreachable = createLatchClient({ secretKey: t.secretKey, apiUrl: 'http://127.0.0.1:1' });
    const network = await failure(unreachable.users.getCount());
    expect(network.status).toBe(0);
    expect(network.errors[0]?.code).toBe('network_error');
  });

  it('allowlist and blocklist identifiers: create, list, delete', async () => {
    const allowed = await latch.allowlistIdentifiers.createAllowlistIdentifier({ identifier: email(), notify: false });
    expect(allowed).toMatchObject({ object: 'allowlist_identifier', identifierType: 'email_address' });
    const list = await latch.allowlistIdentifiers.getAllowlistIdentifierList();
    expect(list.data.map((a) => a.id)).toContain(allowed.id);
    expect(list.totalCount).toBeGreaterThanOrEqual(1);
    expect(await latch.allowlistIdentifiers.deleteAllowlistIdentifier(allowed.id)).toMatchObject({ id: allowed.id, deleted: true });

    const blocked = await latch.blocklistIdentifiers.createBlocklistIdentifier({ identifier: email() });
    expect((await latch.blocklistIdentifiers.getBlocklistIdentifierList()).data.map((b) => b.id)).toContain(blocked.id);
    expect(await latch.blocklistIdentifiers.deleteBlocklistIdentifier(blocked.id)).toMatchObject({ deleted: true });
  });

  it('invitations: create, bulk, list, revoke', async () => {
    const inv = await latch.invitations.createInvitation({ emailAddress: email(), publicMetadata: { invitedBy: 'sdk' }, notify: false });
    expect(inv).toMatchObject({ object: 'invitation', status: 'pending', publicMetadata: { invitedBy: 'sdk' } });
    const bulk = await latch.invitations.createInvitationBulk([{ emailAddress: email(), notify: false }, { emailAddress: email(), notify: false }]);
    expect(bulk).toHaveLength(2);
    const list = await latch.invitations.getInvitationList({ limit: 50 });
    expect(list.data.map((i) => i.id)).toEqual(expect.arrayContaining([inv.id, ...bulk.map((b) => b.id)]));
    expect((await latch.invitations.revokeInvitation(inv.id)).status).toBe('revoked');
  });

  it('email addresses and phone numbers: create, read, update, delete', async () => {
    const user = await latch.users.createUser({ emailAddress: [email()], skipPasswordRequirement: true });
    const extra = await latch.emailAddresses.createEmailAddress({ userId: user.id, emailAddress: email(), verified: true });
    expect(extra).toMatchObject({ object: 'email_address', verification: { status: 'verified' } });
    expect((await latch.emailAddresses.getEmailAddress(extra.id)).id).toBe(extra.id);
    await latch.emailAddresses.updateEmailAddress(extra.id, { primary: true });
    expect((await latch.users.getUser(user.id)).primaryEmailAddressId).toBe(extra.id);

    const phone = await latch.phoneNumbers.createPhoneNumber({ userId: user.id, phoneNumber: `+1555${String(1000000 + seq).slice(-7)}`, verified: true });
    expect(phone).toMatchObject({ object: 'phone_number', reservedForSecondFactor: false });
    expect((await latch.phoneNumbers.getPhoneNumber(phone.id)).phoneNumber).toBe(phone.phoneNumber);
    expect((await latch.phoneNumbers.updatePhoneNumber(phone.id, { verified: true })).id).toBe(phone.id);

    const sms = await latch.smsMessages.createSMSMessage({ phoneNumberId: phone.id, message: 'hello from the SDK' });
    expect(sms).toMatchObject({ object: 'sms_message', message: 'hello from the SDK', phoneNumberId: phone.id });
    expect((await latch.smsMessages.getSMSMessage(sms.id)).id).toBe(sms.id);
    const mail = await latch.emails.createEmail({ emailAddressId: extra.id, subject: 'Hi', body: '<p>Hello</p>', fromEmailName: 'support' });
    expect(mail).toMatchObject({ object: 'email', subject: 'Hi', emailAddressId: extra.id, toEmailAddress: extra.emailAddress });
    expect((await latch.emails.getEmail(mail.id)).id).toBe(mail.id);

    expect(await latch.phoneNumbers.deletePhoneNumber(phone.id)).toMatchObject({ deleted: true });
    expect(await latch.emailAddresses.deleteEmailAddress(user.emailAddresses[0]!.id)).toMatchObject({ deleted: true });
  });

  it('organizations: the organization, memberships, invitations and domains', async () => {
    const owner = await latch.users.createUser({ emailAddress: [email()], skipPasswordRequirement: true });
    const member = await latch.users.createUser({ emailAddress: [email()], skipPasswordRequirement: true });
    const org = await latch.organizations.createOrganization({ name: `Acme ${dialect} ${seq}`, createdBy: owner.id, privateMetadata: { billing_id: 7 } });
    expect(org).toMatchObject({ object: 'organization', privateMetadata: { billing_id: 7 } });
    expect((await latch.organizations.getOrganization({ slug: org.slug })).id).toBe(org.id);
    expect((await latch.organizations.getOrganization({ organizationId: org.id, includeMembersCount: true })).membersCount).toBe(1);
    expect((await latch.organizations.updateOrganization(org.id, { name: 'Acme Renamed' })).name).toBe('Acme Renamed');
    expect((await latch.organizations.getOrganizationList({ query: 'Acme Renamed' })).data.map((o) => o.id)).toContain(org.id);

    const membership = await latch.organizations.createOrganizationMembership({ organizationId: org.id, userId: member.id, role: 'org:member' });
    expect(membership).toMatchObject({ object: 'organization_membership', role: 'org:member', publicUserData: { userId: member.id } });
    expect((await latch.organizations.updateOrganizationMembership({ organizationId: org.id, userId: member.id, role: 'org:admin' })).role).toBe('org:admin');
    const meta = await latch.organizations.updateOrganizationMembershipMetadata({ organizationId: org.id, userId: member.id, publicMetadata: { desk_no: 4 } });
    expect(meta.publicMetadata).toEqual({ desk_no: 4 });
    const members = await latch.organizations.getOrganizationMembershipList({ organizationId: org.id });
    expect(members.totalCount).toBe(2);
    expect((await latch.users.getOrganizationMembershipList({ userId: member.id })).data[0]?.organization.id).toBe(org.id);
    await latch.organizations.deleteOrganizationMembership({ organizationId: org.id, userId: member.id });
    expect((await latch.organizations.getOrganizationMembershipList({ organizationId: org.id })).totalCount).toBe(1);

    const invitation = await latch.organizations.createOrganizationInvitation({ organizationId: org.id, emailAddress: email(), role: 'org:member', inviterUserId: owner.id });
    expect(invitation).toMatchObject({ object: 'organization_invitation', status: 'pending', organizationId: org.id });
    expect((await latch.organizations.getOrganizationInvitation({ organizationId: org.id, invitationId: invitation.id })).id).toBe(invitation.id);
    expect((await latch.organizations.getOrganizationInvitationList({ organizationId: org.id, status: ['pending'] })).data.map((i) => i.id)).toContain(invitation.id);
    expect((await latch.organizations.revokeOrganizationInvitation({ organizationId: org.id, invitationId: invitation.id, requestingUserId: owner.id })).status).toBe('revoked');

    const domain = await latch.organizations.createOrganizationDomain({ organizationId: org.id, name: `acme-${dialect}-${seq}.example.org`, enrollmentMode: 'automatic_invitation' });
    expect(domain).toMatchObject({ object: 'organization_domain', enrollmentMode: 'automatic_invitation', verification: { status: 'verified' } });
    expect((await latch.organizations.getOrganizationDomainList({ organizationId: org.id })).data.map((d) => d.id)).toContain(domain.id);
    expect(await latch.organizations.deleteOrganizationDomain({ organizationId: org.id, domainId: domain.id })).toMatchObject({ deleted: true });

    expect(await latch.organizations.deleteOrganization(org.id)).toMatchObject({ id: org.id, deleted: true });
  });

  it('sessions, clients, tokens, JWT templates and sign-in tokens', async () => {
    const user = await latch.users.createUser({ emailAddress: [email()], skipPasswordRequirement: true });
    const session = await latch.sessions.createSession({ userId: user.id });
    expect(session).toMatchObject({ object: 'session', userId: user.id, status: 'active' });
    expect((await latch.sessions.getSession(session.id)).clientId).toBe(session.clientId);
    const list = await latch.sessions.getSessionList({ userId: user.id });
    expect(list).toMatchObject({ totalCount: 1, data: [{ id: session.id }] });

    const { jwt } = await latch.sessions.getToken(session.id);
    const claims = await latch.verifyToken(jwt);
    expect(claims).toMatchObject({ sub: user.id, sid: session.id });
    expect((await latch.sessions.verifySession(session.id, jwt)).id).toBe(session.id);
    expect((await latch.clients.verifyClient(jwt)).id).toBe(session.clientId);
    expect((await latch.clients.getClient(session.clientId)).sessionIds).toContain(session.id);
    expect((await latch.clients.getClientList({ limit: 500 })).data.map((c) => c.id)).toContain(session.clientId);

    const template = await latch.jwtTemplates.create({ name: `sdk-${dialect}-${seq}`, claims: { user_email: '{{user.primary_email_address}}' }, lifetime: 120 });
    expect(template).toMatchObject({ object: 'jwt_template', lifetime: 120, claims: { user_email: '{{user.primary_email_address}}' } });
    expect((await latch.jwtTemplates.get(template.id)).name).toBe(template.name);
    expect((await latch.jwtTemplates.list()).data.map((x) => x.id)).toContain(template.id);
    expect((await latch.jwtTemplates.update({ templateId: template.id, lifetime: 300 })).lifetime).toBe(300);
    const fromTemplate = await latch.sessions.getToken(session.id, template.name);
    expect(await latch.verifyToken(fromTemplate.jwt)).toMatchObject({ sub: user.id, user_email: user.emailAddresses[0]?.emailAddress });
    expect(await latch.jwtTemplates.delete(template.id)).toMatchObject({ deleted: true });

    const signInToken = await latch.signInTokens.createSignInToken({ userId: user.id, expiresInSeconds: 600 });
    expect(signInToken).toMatchObject({ object: 'sign_in_token', status: 'pending', userId: user.id });
    expect(signInToken.token).toEqual(expect.any(String));
    expect((await latch.signInTokens.revokeSignInToken(signInToken.id)).status).toBe('revoked');

    expect((await latch.sessions.revokeSession(session.id)).status).toBe('revoked');
    const refused = await failure(latch.sessions.verifySession(session.id, jwt));
    expect(refused.status).toBe(422);
    expect(refused.errors[0]?.meta?.paramName).toBe('token');
  });

  it('the JWKS, the instance restrictions, and request() for anything else', async () => {
    const jwks = await latch.jwks.getJwks();
    expect(jwks.keys[0]).toMatchObject({ kty: 'RSA', alg: 'RS256', kid: expect.any(String) });
    const restrictions = await latch.instance.getRestrictions();
    expect(restrictions).toMatchObject({ object: 'instance_restrictions', allowlist: expect.any(Boolean) });
    const count = await latch.request<number>({ method: 'GET', path: '/users/count' });
    expect(typeof count).toBe('number');
  });
});

describe('Retry-After', () => {
  let server: Server;
  let url: string;
  const hits: string[] = [];
  let plan: { status: number; retryAfter?: string }[] = [];

  beforeAll(async () => {
    server = createServer((req, res) => {
      hits.push(req.url ?? '');
      const step = plan.shift() ?? { status: 200 };
      const headers: Record<string, string> = { 'content-type': 'application/json', 'x-latch-trace-id': `trace-${hits.length}` };
      if (step.retryAfter !== undefined) headers['retry-after'] = step.retryAfter;
      res.writeHead(step.status, headers);
      res.end(step.status === 200 ? JSON.stringify({ object: 'total_count', total_count: 42 }) : JSON.stringify({ errors: [{ code: 'too_many_requests', message: 'Too many requests', long_message: 'Slow down' }] }));
    });
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    url = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  });
  afterAll(async () => {
    await new Promise((resolve) => server.close(resolve));
  });

  it('retries a 429 after the time it names, then succeeds', async () => {
    hits.length = 0;
    plan = [{ status: 429, retryAfter: '0' }, { status: 503, retryAfter: '0' }];
    const latch = createLatchClient({ secretKey: `sk_test_${'a'.repeat(48)}`, apiUrl: url });
    expect(await latch.users.getCount()).toBe(42);
    expect(hits).toHaveLength(3);
  });

  it('gives up after maxRetries, and never waits longer than maxRetryAfterSeconds', async () => {
    hits.length = 0;
    plan = [{ status: 429, retryAfter: '0' }, { status: 429, retryAfter: '0' }];
    const once = createLatchClient({ secretKey: `sk_test_${'a'.repeat(48)}`, apiUrl: url, maxRetries: 1 });
    const err = await failure(once.users.getCount());
    expect(err).toMatchObject({ status: 429, retryAfter: 0, clerkTraceId: 'trace-2' });
    expect(err.errors[0]).toMatchObject({ code: 'too_many_requests', longMessage: 'Slow down' });
    expect(hits).toHaveLength(2);

    hits.length = 0;
    plan = [{ status: 429, retryAfter: '3600' }];
    const patient = createLatchClient({ secretKey: `sk_test_${'a'.repeat(48)}`, apiUrl: url });
    expect((await failure(patient.users.getCount())).retryAfter).toBe(3600);
    expect(hits).toHaveLength(1);
  });
});

describe('configuration from the environment', () => {
  const good = { LATCH_SECRET_KEY: `sk_test_${'a'.repeat(48)}`, LATCH_API_URL: 'http://127.0.0.1:4100/', LATCH_PUBLISHABLE_KEY: 'pk_test_MTI3LjAuMC4xOjQxMDAk' };

  it('needs three variables; the Frontend API defaults to <api>/fapi', () => {
    expect(latchConfigFromEnv(good)).toEqual({ secretKey: good.LATCH_SECRET_KEY, apiUrl: 'http://127.0.0.1:4100', publishableKey: good.LATCH_PUBLISHABLE_KEY, frontendApiUrl: 'http://127.0.0.1:4100/fapi', jwtKey: undefined });
    expect(latchConfigFromEnv({ ...good, LATCH_PUBLISHABLE_KEY: undefined, NEXT_PUBLIC_LATCH_PUBLISHABLE_KEY: good.LATCH_PUBLISHABLE_KEY }).publishableKey).toBe(good.LATCH_PUBLISHABLE_KEY);
    expect(latchConfigFromEnv({ ...good, LATCH_FRONTEND_API_URL: 'https://auth.example.com/fapi' }).frontendApiUrl).toBe('https://auth.example.com/fapi');
  });

  it.each([
    ['LATCH_SECRET_KEY', undefined],
    ['LATCH_SECRET_KEY', 'secret'],
    ['LATCH_API_URL', undefined],
    ['LATCH_API_URL', 'ftp://x.example'],
    ['LATCH_PUBLISHABLE_KEY', undefined],
    ['LATCH_PUBLISHABLE_KEY', 'pk_test_bm9kb3Q='],
    ['LATCH_FRONTEND_API_URL', 'not a url'],
    ['LATCH_JWT_KEY', '-----BEGIN PUBLIC KEY-----\nnope\n-----END PUBLIC KEY-----'],
  ])('fails naming %s when it is %s', (name, value) => {
    let thrown: unknown;
    try {
      latchConfigFromEnv({ ...good, [name]: value });
    } catch (err) {
      thrown = err;
    }
    expect(thrown).toBeInstanceOf(LatchConfigError);
    expect((thrown as LatchConfigError).variable).toBe(name);
    expect((thrown as Error).message).toContain(name);
  });
});
