/**
 * `npx latch users import …` as the README has a user type it, in the repository after `npm install`
 * (npm's own bin resolution, no registry): the summary, the exit code, the rejects file, a second run.
 */
import { execFile } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, describe, expect, it } from 'vitest';

const repo = resolve(fileURLToPath(new URL('../../../../../..', import.meta.url)));

function npx(args: string[], env: NodeJS.ProcessEnv): Promise<{ code: number; stdout: string; stderr: string }> {
  return new Promise((done) => {
    execFile('npx', ['--no-install', 'latch', ...args], { cwd: repo, env }, (err, stdout, stderr) => {
      done({ code: err ? Number((err as { code?: number }).code ?? 1) : 0, stdout, stderr });
    });
  });
}

describe('npx latch users import', () => {
  const dir = mkdtempSync(join(tmpdir(), 'latch-npx-import-'));
  afterAll(() => rmSync(dir, { recursive: true, force: true }));
  const env = { ...process.env, LATCH_DATABASE_URL: `sqlite:${join(dir, 'import.db')}`, LATCH_SECRET_KEY: '' };
  const file = join(dir, 'clerk export.csv');
  writeFileSync(
    file,
    [
      'id,first_name,last_name,username,primary_email_address,primary_phone_number,verified_email_addresses,unverified_email_addresses,verified_phone_numbers,unverified_phone_numbers,totp_secret,password_digest,password_hasher',
      'user_a,Ann,One,,ann@npx.test,,ann@npx.test,,,,,$2a$10$N9qo8uLOickgx2ZMRZoMyeIjZAgcfl7p92ldGxad68LJZdL17lhWy,bcrypt',
      'user_b,Ben,Two,bentwo,ben@npx.test,+14155550199,ben@npx.test,,+14155550199,,,,',
      'user_c,Bad,Row,,ben@@npx.test,,,,,,,,',
      'user_d,"Dee, ""D""",Four,,dee@npx.test,,dee@npx.test,,,,,,',
    ].join('\n'),
  );

  it('is listed in the help', async () => {
    const { stdout } = await npx(['--help'], env);
    expect(stdout).toMatch(/users import <file>/);
  });

  it('imports, reports rejects with line numbers in a file, prints a summary, and exits 1 for the reject', async () => {
    const r = await npx(['users', 'import', file], env);
    expect(r.code, r.stderr).toBe(1);
    expect(r.stdout).toMatch(/4 rows read, 3 users created, 0 already there, 1 rejected/);
    expect(r.stdout).toContain(`${file}.rejects.jsonl`);
    // Not a terminal: no progress bar drawing.
    expect(r.stderr).not.toContain('\r');
    expect(r.stderr).not.toContain('\u001b[');
    const rejects = readFileSync(`${file}.rejects.jsonl`, 'utf8').trim().split('\n').map((l) => JSON.parse(l) as { line: number; reason: string });
    expect(rejects).toEqual([{ line: 4, reason: 'ben@@npx.test is not a valid e-mail address', input: expect.objectContaining({ id: 'user_c' }) }]);
  });

  it('creates nobody on a second run', async () => {
    const r = await npx(['users', 'import', file, '--batch-size', '2'], env);
    expect(r.stdout).toMatch(/4 rows read, 0 users created, 3 already there, 1 rejected/);
  });

  it('refuses bad arguments and missing files with exit code 2', async () => {
    expect((await npx(['users', 'import', file, '--format', 'xml'], env)).code).toBe(2);
    const missing = await npx(['users', 'import', join(dir, 'nope.csv')], env);
    expect(missing.code).toBe(2);
    expect(missing.stderr).toMatch(/no such file/);
  });
});
