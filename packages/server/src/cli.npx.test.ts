/**
 * `npx latch …` the way the README has a user type it: in the repository, after `npm install`, through
 * npm's own bin resolution (no registry: `--no-install`). Guards the bin link, which once pointed at a
 * file that does not exist at install time, so npm never linked it.
 */
import { execFile } from 'node:child_process';
import { mkdtempSync, readlinkSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';
import { afterAll, describe, expect, it } from 'vitest';

const run = promisify(execFile);
const repo = resolve(fileURLToPath(new URL('../../..', import.meta.url)));

describe('npx latch from the repository', () => {
  const dir = mkdtempSync(join(tmpdir(), 'latch-npx-'));
  afterAll(() => rmSync(dir, { recursive: true, force: true }));
  const env = { ...process.env, LATCH_DATABASE_URL: `sqlite:${join(dir, 'npx.db')}`, LATCH_SECRET_KEY: '' };

  it('is linked by the install to a file that is in the repository', () => {
    expect(readlinkSync(join(repo, 'node_modules/.bin/latch'))).toMatch(/@latch\/server\/bin\/latch\.mjs$/);
  });

  it('answers --help', async () => {
    const { stdout } = await run('npx', ['--no-install', 'latch', '--help'], { cwd: repo, env });
    expect(stdout).toContain('Usage: latch <command>');
  });

  it('creates and lists keys on the configured database', async () => {
    const created = await run('npx', ['--no-install', 'latch', 'keys', 'create', 'npx-test'], { cwd: repo, env });
    const id = /^(ak_\S+)\s+sk_test_/m.exec(created.stdout)?.[1];
    expect(id, created.stdout).toBeDefined();
    const { stdout } = await run('npx', ['--no-install', 'latch', 'keys', 'list'], { cwd: repo, env });
    expect(stdout).toContain(id);
    expect(stdout).toContain('npx-test');
  });
});
