import { describe, expect, it } from 'vitest';
import { ConfigError, resolveConfig } from './config.js';

describe('configuration', () => {
  it('has documented defaults', () => {
    const c = resolveConfig({});
    expect(c).toMatchObject({
      port: 4000,
      host: '127.0.0.1',
      databaseUrl: 'sqlite:.latch/latch.db',
      publicUrl: 'http://127.0.0.1:4000',
      secretKey: null,
      logLevel: 'info',
      redisUrl: null,
      trustProxy: false,
      preparedStatements: true,
    });
    expect(resolveConfig({ LATCH_DATABASE_PREPARED_STATEMENTS: 'false' }).preparedStatements).toBe(false);
    expect(resolveConfig({ LATCH_REDIS_URL: 'redis://127.0.0.1:6379', LATCH_TRUST_PROXY: 'true' })).toMatchObject({ redisUrl: 'redis://127.0.0.1:6379', trustProxy: true });
  });

  it.each([
    ['LATCH_PORT', 'eighty'],
    ['LATCH_PORT', '70000'],
    ['LATCH_DATABASE_URL', 'mysql://x'],
    ['LATCH_PUBLIC_URL', 'ftp://x'],
    ['LATCH_PUBLIC_URL', 'not a url'],
    ['LATCH_SECRET_KEY', 'sk_prod_abc'],
    ['LATCH_LOG_LEVEL', 'loud'],
    ['LATCH_REDIS_URL', 'http://127.0.0.1:6379'],
    ['LATCH_TRUST_PROXY', 'maybe'],
    ['LATCH_DATABASE_PREPARED_STATEMENTS', 'sometimes'],
  ])('names %s when its value %s is invalid', (name, value) => {
    try {
      resolveConfig({ [name]: value });
      expect.unreachable();
    } catch (e) {
      expect(e).toBeInstanceOf(ConfigError);
      expect((e as ConfigError).variable).toBe(name);
      expect((e as Error).message).toContain(name);
    }
  });

  it('accepts postgres URLs and trims the public URL', () => {
    const c = resolveConfig({ LATCH_DATABASE_URL: 'postgres://u@h:5432/db', LATCH_PUBLIC_URL: 'https://auth.example.com/' });
    expect(c.databaseUrl).toBe('postgres://u@h:5432/db');
    expect(c.publicUrl).toBe('https://auth.example.com');
  });
});

describe('.env file', () => {
  it('is read from the working directory, and the real environment wins', async () => {
    const { mkdtempSync, writeFileSync, rmSync } = await import('node:fs');
    const { tmpdir } = await import('node:os');
    const { join } = await import('node:path');
    const { loadEnv } = await import('./config.js');
    const dir = mkdtempSync(join(tmpdir(), 'latch-env-'));
    try {
      writeFileSync(join(dir, '.env'), 'LATCH_PORT=5123\nLATCH_LOG_LEVEL=debug\n');
      const env = loadEnv({ LATCH_LOG_LEVEL: 'warn' }, dir);
      expect(resolveConfig(env)).toMatchObject({ port: 5123, logLevel: 'warn' });
      expect(loadEnv({}, join(dir, 'missing')).LATCH_PORT).toBeUndefined();
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });
});
