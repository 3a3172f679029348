/**
 * Scheduling helpers so that measurements on a shared machine are disturbed less by unrelated work:
 * pin a process to one CPU and raise its priority. Linux-only effects; elsewhere (or without permission)
 * they do nothing and say so.
 *
 * With sched autogroups (the Linux default), `nice` only ranks tasks within one session, so each
 * benchmark process runs in a session of its own and the *autogroup* nice is raised: that covers the
 * benchmark's processes and nothing else.
 */
import { execFileSync, spawn } from 'node:child_process';
import { readdirSync, writeFileSync } from 'node:fs';
import os from 'node:os';

/**
 * Re-runs the current script in a new session (its own autogroup) unless it already is in one or
 * `disabled`; the original process only waits and exits with the child's code. Call at top level.
 */
export async function ownSession(scriptPath, disabled = false) {
  if (disabled || process.platform !== 'linux' || process.env.LATCH_BENCH_SESSION) return;
  const child = spawn(process.execPath, [...process.execArgv, scriptPath, ...process.argv.slice(2)], {
    stdio: 'inherit',
    detached: true,
    env: { ...process.env, LATCH_BENCH_SESSION: '1' },
  });
  process.on('SIGINT', () => child.kill('SIGINT'));
  process.on('SIGTERM', () => child.kill('SIGTERM'));
  const code = await new Promise((resolve) => child.on('exit', (c, signal) => resolve(c ?? (signal ? 1 : 0))));
  process.exit(code);
}

/** Pins every thread of `pid` to `cpu`; false when not possible here. */
export function pinToCpu(pid, cpu) {
  if (os.cpus().length < 2) return false;
  try {
    execFileSync('taskset', ['-a', '-pc', String(cpu), String(pid)], { stdio: 'ignore' });
    return true;
  } catch {
    return false;
  }
}

/** nice -10 for every thread of `pid` and for its autogroup; false when not permitted (not root). */
export function raisePriority(pid) {
  try {
    for (const tid of readdirSync(`/proc/${pid}/task`)) os.setPriority(Number(tid), -10);
    writeFileSync(`/proc/${pid}/autogroup`, '-10');
    return true;
  } catch {
    return false;
  }
}
