import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startTestServer, type TestServer } from '../../../test/harness.js';
import { canonicalRoleKey } from './service.js';

describe('canonicalRoleKey', () => {
  it('maps the seed aliases and leaves every other input as it is, prototype member names included', () => {
    expect(canonicalRoleKey('admin')).toBe('org:admin');
    expect(canonicalRoleKey('basic_member')).toBe('org:member');
    expect(canonicalRoleKey('org:billing')).toBe('org:billing');
    for (const name of ['toString', 'constructor', '__proto__', 'hasOwnProperty', 'valueOf']) expect(canonicalRoleKey(name)).toBe(name);
  });
});

/** Found by the organizations fuzz suite: a role named like an Object.prototype member was a 500. */
describe('a role input named like a prototype member', () => {
  let t: TestServer;
  beforeAll(async () => {
    t = await startTestServer();
  });
  afterAll(async () => {
    await t.close();
  });

  it('is an unknown role (422), not a server error', async () => {
    const user = (await (await t.api('/users', { method: 'POST', json: { email_address: ['proto@roles.test'] } })).json()) as { id: string };
    const org = (await (await t.api('/organizations', { method: 'POST', json: { name: 'Proto Roles' } })).json()) as { id: string };
    for (const role of ['toString', 'constructor', '__proto__']) {
      const r = await t.api(`/organizations/${org.id}/memberships`, { method: 'POST', json: { user_id: user.id, role } });
      expect(r.status, role).toBe(422);
      const body = (await r.json()) as { errors: { code: string }[] };
      expect(body.errors[0]?.code).toBe('form_param_value_invalid');
    }
  });
});
