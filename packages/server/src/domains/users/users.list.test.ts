import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startTestServer, testDialects, type TestServer } from '../../test/harness.js';

interface U {
  id: string;
  first_name: string | null;
  last_name: string | null;
  username: string | null;
  created_at: number;
}

describe.each(testDialects())('user listing and filters on %s', (dialect) => {
  let t: TestServer;
  const ids: Record<string, string> = {};

  async function list(qs: string): Promise<U[]> {
    const res = await t.api(`/users?${qs}`);
    const b = (await res.json()) as U[];
    expect(res.status, JSON.stringify(b)).toBe(200);
    expect(Array.isArray(b)).toBe(true);
    return b;
  }
  async function count(qs: string): Promise<number> {
    const res = await t.api(`/users/count?${qs}`);
    const b = (await res.json()) as { object: string; total_count: number };
    expect(b.object).toBe('total_count');
    return b.total_count;
  }
  const names = (us: U[]) => us.map((u) => u.first_name);

  beforeAll(async () => {
    t = await startTestServer(dialect);
    const people = [
      { first_name: 'Alice', last_name: 'Zephyr', username: 'alicez', email_address: ['alice@acme.test'], phone_number: ['+15550000001'], external_id: 'e-alice', created_at: '2024-01-01T00:00:00Z' },
      { first_name: 'Bob', last_name: 'Young', username: 'bobby', email_address: ['bob@acme.test'], external_id: 'e-bob', created_at: '2024-02-01T00:00:00Z' },
      { first_name: 'Carol', last_name: 'Xu-Li', email_address: ['carol@other.test'], phone_number: ['+447700900123'], created_at: '2024-03-01T00:00:00Z' },
      { first_name: 'Dave', last_name: null, username: 'davey', created_at: '2024-04-01T00:00:00Z' },
      { first_name: 'Eve', last_name: 'Adams', email_address: ['eve@acme.test'], created_at: '2024-05-01T00:00:00Z', banned: true },
    ];
    for (const p of people) {
      const res = await t.api('/users', { method: 'POST', json: p });
      const u = (await res.json()) as U;
      expect(res.status).toBe(200);
      ids[p.first_name] = u.id;
    }
  });
  afterAll(async () => {
    await t.close();
  });

  it('lists newest first by default, with limit and offset', async () => {
    expect(names(await list(''))).toEqual(['Eve', 'Dave', 'Carol', 'Bob', 'Alice']);
    expect(names(await list('limit=2&offset=1'))).toEqual(['Dave', 'Carol']);
    expect(await count('')).toBe(5);
  });

  it('orders by each allowed field in both directions, NULLs last', async () => {
    expect(names(await list('order_by=created_at'))).toEqual(['Alice', 'Bob', 'Carol', 'Dave', 'Eve']);
    expect(names(await list('order_by=%2Bfirst_name'))).toEqual(['Alice', 'Bob', 'Carol', 'Dave', 'Eve']);
    expect(names(await list('order_by=-first_name'))).toEqual(['Eve', 'Dave', 'Carol', 'Bob', 'Alice']);
    expect(names(await list('order_by=last_name'))).toEqual(['Eve', 'Carol', 'Bob', 'Alice', 'Dave']);
    expect(names(await list('order_by=username'))).toEqual(['Alice', 'Bob', 'Dave', 'Carol', 'Eve']);
    expect(names(await list('order_by=email_address'))).toEqual(['Alice', 'Bob', 'Carol', 'Eve', 'Dave']);
    // Users without a phone tie on NULL and come last, ordered by id in the same direction.
    expect(names(await list('order_by=-phone_number'))).toEqual(['Carol', 'Alice', 'Eve', 'Dave', 'Bob']);
    for (const f of ['updated_at', 'last_active_at', 'last_sign_in_at', 'web3wallet']) expect(await list(`order_by=${f}`)).toHaveLength(5);
    const res = await t.api('/users?order_by=password');
    expect(res.status).toBe(422);
  });

  it('filters by identifiers, repeated keys, and +/- id lists', async () => {
    expect(names(await list('email_address=ALICE@acme.test&email_address=carol@other.test&order_by=created_at'))).toEqual(['Alice', 'Carol']);
    expect(names(await list('phone_number=%2B447700900123'))).toEqual(['Carol']);
    expect(names(await list('username=BOBBY'))).toEqual(['Bob']);
    expect(names(await list('external_id=e-alice&external_id=e-bob&order_by=created_at'))).toEqual(['Alice', 'Bob']);
    expect(names(await list(`user_id=${ids.Dave}`))).toEqual(['Dave']);
    expect(names(await list(`user_id=-${ids.Dave}&user_id=-${ids.Eve}&order_by=created_at`))).toEqual(['Alice', 'Bob', 'Carol']);
    expect(names(await list('external_id=-e-alice&order_by=created_at'))).toEqual(['Bob', 'Carol', 'Dave', 'Eve']);
    expect(await list('email_address=nobody@acme.test')).toEqual([]);
    expect(await count('email_address=not-an-address')).toBe(0);
    expect(await count('organization_id=org_none')).toBe(0);
  });

  it('pages a list filtered by exact identifiers in every ordering, users without a value last', async () => {
    // These lists read the user rows in the page query itself (few users match): check the parts and the offset.
    const some = 'email_address=alice@acme.test&email_address=bob@acme.test&email_address=carol@other.test&external_id=e-alice&external_id=e-bob';
    expect(names(await list(`${some}&order_by=phone_number`))).toEqual(['Alice', 'Bob']);
    const three = 'email_address=alice@acme.test&email_address=bob@acme.test&email_address=carol@other.test';
    expect(names(await list(`${three}&order_by=phone_number`))).toEqual(['Alice', 'Carol', 'Bob']);
    expect(names(await list(`${three}&order_by=-phone_number`))).toEqual(['Carol', 'Alice', 'Bob']);
    expect(names(await list(`${three}&order_by=-phone_number&offset=1&limit=1`))).toEqual(['Alice']);
    expect(names(await list(`${three}&order_by=-phone_number&offset=2`))).toEqual(['Bob']);
    expect(names(await list(`${three}&order_by=username&offset=1`))).toEqual(['Bob', 'Carol']);
    expect(names(await list(`user_id=${ids.Dave}&user_id=${ids.Eve}&order_by=-created_at&offset=1`))).toEqual(['Dave']);
    expect(names(await list(`${three}&offset=5`))).toEqual([]);
  });

  it('gives each user the same wire form through an exact filter, the whole list and GET /users/{id}', async () => {
    // On PostgreSQL an exact filter and GET /users/{id} read a user's identifications and password state
    // in the user's own statement; the other lists read them in queries of their own.
    for (const [path, json] of [
      ['/phone_numbers', { user_id: ids.Alice, phone_number: '+15550000077' }],
      ['/email_addresses', { user_id: ids.Alice, email_address: 'alice.two@acme.test' }],
    ] as const) {
      const res = await t.api(path, { method: 'POST', json });
      expect(res.status, await res.clone().text()).toBe(200);
    }
    expect((await t.api(`/users/${ids.Alice}`, { method: 'PATCH', json: { password: 'a long enough password 42', skip_password_checks: true } })).status).toBe(200);
    const whole = (await (await t.api('/users?limit=100')).json()) as (U & { email_addresses: unknown[] })[];
    expect(whole).toHaveLength(5);
    for (const u of whole) {
      const one = (await (await t.api(`/users/${u.id}`)).json()) as unknown;
      const strip = (x: unknown) => ({ ...(x as Record<string, unknown>), last_active_at: null });
      expect(strip(one)).toEqual(strip(u));
      const byId = await list(`user_id=${u.id}`);
      expect(byId.map(strip)).toEqual([strip(u)]);
    }
    const alice = whole.find((u) => u.id === ids.Alice) as unknown as { password_enabled: boolean; phone_numbers: unknown[]; email_addresses: unknown[] };
    expect(alice.password_enabled).toBe(true);
    expect(alice.email_addresses).toHaveLength(2);
    expect(alice.phone_numbers).toHaveLength(2);
    expect((await list('email_address=alice@acme.test&email_address=bob@acme.test')).map((u) => u.id).sort()).toEqual([ids.Alice, ids.Bob].sort());
  });

  it('matches partial queries over every identifier and name, case-insensitively', async () => {
    expect(names(await list('query=ACME&order_by=created_at'))).toEqual(['Alice', 'Bob', 'Eve']);
    // Probes are long or contain '-' so that they cannot match part of a random user id.
    expect(names(await list('query=zephy'))).toEqual(['Alice']);
    expect(names(await list('query=44770'))).toEqual(['Carol']);
    expect(names(await list('query=davey'))).toEqual(['Dave']);
    expect(names(await list('query=u-l'))).toEqual(['Carol']);
    expect(names(await list(`query=${ids.Bob?.slice(5, 20)}`))).toEqual(['Bob']);
    expect(await count('query=acme')).toBe(3);
    expect(await list('query=%25')).toEqual([]);
    expect(names(await list('email_address_query=OTHER'))).toEqual(['Carol']);
    expect(names(await list('phone_number_query=555'))).toEqual(['Alice']);
    expect(names(await list('username_query=OBB'))).toEqual(['Bob']);
    expect(names(await list('name_query=ice zep'))).toEqual(['Alice']);
  });

  it('filters by flags and time ranges', async () => {
    expect(names(await list('banned=true'))).toEqual(['Eve']);
    expect(await count('banned=false')).toBe(4);
    const feb = Date.parse('2024-02-01T00:00:00Z');
    expect(names(await list(`created_at_after=${feb}&order_by=created_at`))).toEqual(['Carol', 'Dave', 'Eve']);
    expect(names(await list(`created_at_before=${feb}`))).toEqual(['Alice']);
    expect(await count(`last_active_at_after=${feb}`)).toBe(0);
    expect(await count(`last_sign_in_at_before=${feb}`)).toBe(0);
  });

  it('paginates with a starting_after cursor on created_at only', async () => {
    const first = await list('limit=2');
    expect(names(first)).toEqual(['Eve', 'Dave']);
    const next = await list(`limit=2&starting_after=${first[1]?.id}`);
    expect(names(next)).toEqual(['Carol', 'Bob']);
    expect(names(await list(`order_by=created_at&limit=2&starting_after=${ids.Bob}`))).toEqual(['Carol', 'Dave']);
    expect((await t.api(`/users?order_by=first_name&starting_after=${ids.Bob}`)).status).toBe(422);
    expect((await t.api(`/users?offset=1&starting_after=${ids.Bob}`)).status).toBe(422);
  });

  it('rejects bad paging values with coded errors', async () => {
    for (const qs of ['limit=0', 'limit=501', 'limit=abc', 'offset=-1', 'banned=maybe', 'created_at_after=yesterday']) {
      const res = await t.api(`/users?${qs}`);
      expect(res.status, qs).toBe(422);
      const b = (await res.json()) as { errors: { code: string; meta: { param_name: string } }[] };
      expect(b.errors[0]?.meta.param_name, qs).toBe(qs.split('=')[0]);
    }
    expect(await list('limit=500')).toHaveLength(5);
  });
});
