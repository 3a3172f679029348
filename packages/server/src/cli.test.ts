import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { runCli } from './cli.js';
import { createServices } from './server.js';
import { resolveConfig } from './config.js';
import { KEY_CACHE_TTL_MS } from './domains/keys/service.js';

describe('latch CLI', () => {
  const dir = mkdtempSync(join(tmpdir(), 'latch-cli-'));
  const env = { LATCH_DATABASE_URL: `sqlite:${join(dir, 'cli.db')}` };
  afterAll(() => rmSync(dir, { recursive: true, force: true }));

  async function run(...argv: string[]) {
    const out: string[] = [];
    const err: string[] = [];
    const code = await runCli(argv, env, (l) => out.push(l), (l) => err.push(l));
    return { code, out: out.join('\n'), err: err.join('\n') };
  }

  it('migrates, creates, lists and revokes keys; only hashes are stored', async () => {
    expect((await run('migrate')).code).toBe(0);
    const created = await run('keys', 'create', 'ci');
    expect(created.code).toBe(0);
    const [id, key] = created.out.split('\n')[0]?.split(/\s+/) ?? [];
    expect(id).toMatch(/^ak_/);
    expect(key).toMatch(/^sk_test_[0-9A-Za-z]{48}$/);
    const listed = await run('keys', 'list');
    expect(listed.out).toContain(id);
    expect(listed.out).toContain(`…${key?.slice(-4)}`);
    expect(listed.out).not.toContain(key);

    const services = await createServices(resolveConfig(env));
    try {
      const rows = await services.storage.db.selectFrom('api_keys').selectAll().execute();
      expect(rows.some((r) => JSON.stringify(r).includes(key as string))).toBe(false);
      expect(await services.keys.check(key as string)).toMatchObject({ status: 'valid' });
      expect((await run('keys', 'revoke', id as string)).code).toBe(0);
      // Revoked by another process (the CLI): a server that checked the key recently stops accepting it
      // once its short cache entry expires.
      await new Promise((r) => setTimeout(r, KEY_CACHE_TTL_MS + 50));
      expect(await services.keys.check(key as string)).toEqual({ status: 'revoked' });
    } finally {
      await services.storage.close();
    }
    expect((await run('keys', 'revoke', id as string)).code).toBe(1);
  });

  it('reports configuration errors by variable name', async () => {
    const out: string[] = [];
    const code = await runCli(['migrate'], { LATCH_PORT: 'x' }, () => undefined, (l) => out.push(l));
    expect(code).toBe(2);
    expect(out.join('')).toContain('LATCH_PORT');
  });

  it('prints usage for unknown commands', async () => {
    const r = await run('frobnicate');
    expect(r.code).toBe(2);
    expect(r.err).toContain('Usage: latch');
  });
});
