import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { pino } from 'pino';
import { FapiBrowser } from '../test/fapi-browser.js';
import { startTestServer, testDialects, type TestServer } from '../test/harness.js';
import { memoryRateLimiter, redisRateLimiter, type RateLimiter } from './rate-limiter.js';

const limiters: [string, () => RateLimiter][] = [['memory', () => memoryRateLimiter()]];
if (process.env.LATCH_TEST_REDIS_URL) limiters.push(['redis', () => redisRateLimiter(process.env.LATCH_TEST_REDIS_URL as string, pino({ level: 'silent' }), `latch:test:${process.pid}:${Date.now()}:`)]);

describe.each(limiters)('%s rate limiter', (_name, make) => {
  it('admits `limit` hits per window, then tells when to retry; reset forgets', async () => {
    const l = make();
    const key = `k${Math.random()}`;
    const results = [];
    for (let i = 0; i < 4; i++) results.push(await l.hit(key, 3, 60));
    expect(results.map((r) => r.allowed)).toEqual([true, true, true, false]);
    expect(results[3]?.retryAfterSeconds).toBeGreaterThan(0);
    expect(results[3]?.retryAfterSeconds).toBeLessThanOrEqual(60);
    expect(await l.peek(key, 60)).toBe(4);
    await l.reset(key);
    expect(await l.peek(key, 60)).toBe(0);
    expect((await l.hit(key, 3, 60)).allowed).toBe(true);
    await l.close();
  });

  it('counts concurrent hits exactly', async () => {
    const l = make();
    const key = `c${Math.random()}`;
    const results = await Promise.all(Array.from({ length: 50 }, () => l.hit(key, 20, 60)));
    expect(results.filter((r) => r.allowed)).toHaveLength(20);
    await l.close();
  });
});

describe.each(testDialects())('sign-in limits and lockout on %s', (dialect) => {
  let t: TestServer;
  const PASSWORD = 'correct horse battery staple';
  beforeAll(async () => {
    t = await startTestServer(dialect);
  });
  afterAll(async () => {
    await t.close();
  });

  it('answers 429 with Retry-After when one identifier is tried too often', async () => {
    const b = new FapiBrowser(t.url);
    const statuses: number[] = [];
    let retryAfter: string | null = null;
    for (let i = 0; i < 21; i++) {
      const r = await b.post('/client/sign_ins', { identifier: 'hammered@example.com' });
      statuses.push(r.status);
      if (r.status === 429) retryAfter = r.headers.get('retry-after');
    }
    expect(statuses.slice(0, 20).every((s) => s === 422)).toBe(true);
    expect(statuses[20]).toBe(429);
    expect(Number(retryAfter)).toBeGreaterThan(0);
  });

  it('locks an account after the configured failures and says how many attempts remain', async () => {
    const settings = await t.api('/instance/auth_settings', { method: 'PATCH', json: { lockout: { max_attempts: 3 } } });
    expect(settings.status).toBe(200);
    const email = `locked-${dialect}@example.com`;
    await t.api('/users', { method: 'POST', json: { email_address: [email], password: PASSWORD } });
    const b = new FapiBrowser(t.url);
    const id = ((await b.post<{ response: { id: string } }>('/client/sign_ins', { identifier: email })).body.response).id;
    const remaining: unknown[] = [];
    for (let i = 0; i < 3; i++) {
      const r = await b.post<{ errors: { code: string; meta: { verification_attempts_remaining?: number } }[] }>(`/client/sign_ins/${id}/attempt_first_factor`, { strategy: 'password', password: 'wrong password here' });
      remaining.push(r.body.errors[0]?.meta.verification_attempts_remaining);
    }
    expect(remaining).toEqual([2, 1, 0]);
    const right = await b.post<{ errors: { code: string; meta: { lockout_expires_in_seconds?: number } }[] }>(`/client/sign_ins/${id}/attempt_first_factor`, { strategy: 'password', password: PASSWORD });
    expect(right.status).toBe(403);
    expect(right.body.errors[0]?.code).toBe('user_locked');
    expect(right.body.errors[0]?.meta.lockout_expires_in_seconds).toBe(3600);
    await t.api('/instance/auth_settings', { method: 'PATCH', json: { lockout: { max_attempts: 100 } } });
  });
});
