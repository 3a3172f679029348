/**
 * End-to-end plumbing for the example applications: `next build` once, `next start` on a free port of
 * `localhost` (the official middleware rewrites to the URL the browser used, and Next.js proxies a rewrite
 * to any other origin over HTTP, so the names must agree), the
 * server's output kept line by line so a test can wait for what a sample logs.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { existsSync, mkdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { createServer } from 'node:net';
import { createRequire } from 'node:module';
import { fileURLToPath } from 'node:url';

const require = createRequire(import.meta.url);
export const REPO_ROOT = fileURLToPath(new URL('../../../../', import.meta.url));
const NEXT_BIN = require.resolve('next/dist/bin/next');
const TSC_BIN = require.resolve('typescript/bin/tsc');

/** A port that was free a moment ago on 127.0.0.1. */
export function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const srv = createServer();
    srv.once('error', reject);
    srv.listen(0, '127.0.0.1', () => {
      const addr = srv.address();
      const port = typeof addr === 'object' && addr ? addr.port : 0;
      srv.close(() => resolve(port));
    });
  });
}

function run(cmd: string, args: string[], cwd: string, env: Record<string, string>): Promise<void> {
  return new Promise((resolve, reject) => {
    const child = spawn(cmd, args, { cwd, env: { ...process.env, NEXT_TELEMETRY_DISABLED: '1', NODE_ENV: 'production', ...env }, stdio: ['ignore', 'pipe', 'pipe'] });
    let out = '';
    child.stdout.on('data', (d: Buffer) => (out += d.toString()));
    child.stderr.on('data', (d: Buffer) => (out += d.toString()));
    child.once('error', reject);
    child.once('exit', (code) => (code === 0 ? resolve() : reject(new Error(`${[cmd, ...args].join(' ')} exited ${code}:\n${out.slice(-6000)}`))));
  });
}

const BUILD_LOCK = join(REPO_ROOT, 'packages', 'nextjs', '.e2e-build-lock');

function lockHolderAlive(): boolean {
  try {
    process.kill(Number(readFileSync(join(BUILD_LOCK, 'pid'), 'utf8')), 0);
    return true;
  } catch {
    return false;
  }
}

/**
 * Builds the Latch packages the examples import (`tsc -b`; a no-op when up to date, forced when a `dist`
 * is missing beside its build info). Test files run in parallel: one builds while the others wait for it.
 */
export async function buildLatchPackages(): Promise<void> {
  const deadline = Date.now() + 300_000;
  for (;;) {
    try {
      mkdirSync(BUILD_LOCK);
      writeFileSync(join(BUILD_LOCK, 'pid'), String(process.pid));
      break;
    } catch {
      if (existsSync(BUILD_LOCK) && !lockHolderAlive() && existsSync(join(BUILD_LOCK, 'pid'))) rmSync(BUILD_LOCK, { recursive: true, force: true });
      if (Date.now() > deadline) throw new Error(`${BUILD_LOCK} is held by another build`);
      await new Promise<void>((resolve) => setTimeout(resolve, 200)); // polling the lock: a condition, not a delay
    }
  }
  try {
    const packages = ['packages/core', 'packages/backend', 'packages/nextjs'];
    const missing = !['packages/core/dist/index.js', 'packages/backend/dist/index.js', 'packages/nextjs/dist/server.js'].every((f) => existsSync(join(REPO_ROOT, f)));
    await run(process.execPath, [TSC_BIN, '-b', ...packages, ...(missing ? ['--force'] : [])], REPO_ROOT, {});
  } finally {
    rmSync(BUILD_LOCK, { recursive: true, force: true });
  }
}

export function nextBuild(dir: string, env: Record<string, string>): Promise<void> {
  return run(process.execPath, [NEXT_BIN, 'build'], dir, env);
}

export interface NextApp {
  url: string;
  /** Every line the server printed (stdout and stderr), in order. */
  lines: string[];
  /** Resolves with the text printed after line `from` once it matches. */
  waitForLine(match: RegExp | string, from?: number, timeoutMs?: number): Promise<string>;
  close(): Promise<void>;
}

export async function nextStart(dir: string, port: number, env: Record<string, string>): Promise<NextApp> {
  const child: ChildProcess = spawn(process.execPath, [NEXT_BIN, 'start', '-H', 'localhost', '-p', String(port)], {
    cwd: dir,
    env: { ...process.env, NEXT_TELEMETRY_DISABLED: '1', NODE_ENV: 'production', ...env },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  const lines: string[] = [];
  const waiters = new Set<() => void>();
  let exited: number | null = null;
  const take = (buf: Buffer) => {
    for (const l of buf.toString().split('\n')) if (l.trim()) lines.push(l);
    for (const w of waiters) w();
  };
  child.stdout?.on('data', take);
  child.stderr?.on('data', take);
  child.once('exit', (code) => {
    exited = code ?? -1;
    for (const w of waiters) w();
  });

  const waitForLine = (match: RegExp | string, from = 0, timeoutMs = 20_000) =>
    new Promise<string>((resolve, reject) => {
      // Matched against the text printed since line `from` (objects that console.log spreads over lines included).
      const test = (text: string) => (typeof match === 'string' ? text.includes(match) : match.test(text));
      const check = () => {
        const text = lines.slice(from).join('\n');
        if (test(text)) {
          cleanup();
          resolve(text);
        } else if (exited !== null) {
          cleanup();
          reject(new Error(`next start exited (${exited}) before printing ${String(match)}:\n${lines.join('\n')}`));
        }
      };
      const timer = setTimeout(() => {
        cleanup();
        reject(new Error(`next start did not print ${String(match)} within ${timeoutMs} ms; it printed:\n${lines.slice(from).join('\n')}`));
      }, timeoutMs);
      const cleanup = () => {
        clearTimeout(timer);
        waiters.delete(check);
      };
      waiters.add(check);
      check();
    });

  await waitForLine(/Ready in|✓ Ready/, 0, 60_000);
  return {
    url: `http://localhost:${port}`,
    lines,
    waitForLine,
    close: () =>
      new Promise<void>((resolve) => {
        if (exited !== null) return resolve();
        child.once('exit', () => resolve());
        child.kill('SIGTERM');
      }),
  };
}
