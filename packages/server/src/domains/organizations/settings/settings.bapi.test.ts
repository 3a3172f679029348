import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startTestServer, type TestServer } from '../../../test/harness.js';

/**
 * PATCH /instance/organization_settings names roles by id or key. A role that does not exist is the
 * caller's mistake (422); a database that fails while the role is looked up is not, and must stay a 500.
 */
describe('PATCH /instance/organization_settings', () => {
  let t: TestServer;
  beforeAll(async () => {
    t = await startTestServer();
  });
  afterAll(async () => {
    await t.close();
  });

  const patch = (json: unknown) => t.api('/instance/organization_settings', { method: 'PATCH', json });

  it('answers an unknown role with a 422 naming the parameter', async () => {
    const r = await patch({ creator_role_id: 'org:no_such_role' });
    expect(r.status).toBe(422);
    const body = (await r.json()) as { errors: { code: string; meta?: { param_name?: string } }[] };
    expect(body.errors[0]).toMatchObject({ code: 'form_param_value_invalid', meta: { param_name: 'creator_role_id' } });
  });

  it('answers a database failure during the role lookup with a 500, not a 422', async () => {
    const roles = t.server.services.roles;
    const findRole = roles.findRole;
    roles.findRole = () => Promise.reject(new Error('connection terminated unexpectedly'));
    try {
      const r = await patch({ domains_default_role_id: 'org:member' });
      expect(r.status).toBe(500);
      const body = (await r.json()) as { errors: { code: string }[] };
      expect(body.errors[0]?.code).toBe('internal_clerk_error');
    } finally {
      roles.findRole = findRole;
    }
    expect((await patch({ domains_default_role_id: 'org:member' })).status).toBe(200);
  });
});
