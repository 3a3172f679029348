/**
 * examples/express/clerk: the same app on the official @clerk/express 2, started as its own process and
 * configured only by environment variables pointing at a real Latch server (CLERK_SECRET_KEY,
 * CLERK_PUBLISHABLE_KEY, CLERK_API_URL, and CLERK_PROXY_URL for the handshake), then driven over HTTP with
 * the same checks as the @latch/express app.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { afterAll, beforeAll, describe, expect } from 'vitest';
import { startTestServer, type TestServer } from '../../../packages/server/src/test/harness.js';
import { signInThroughFapi, type SignedInBrowser } from '../../../packages/backend/src/test/kit.js';
import { sampleChecks, type AppUnderTest } from './drive.js';

/** Starts `node <script>` with `env` and resolves with the URL it prints once listening. */
export function startApp(script: string, env: Record<string, string>): Promise<{ child: ChildProcess; base: string; output: () => string }> {
  const child = spawn(process.execPath, [script], { env: { PATH: process.env.PATH ?? '', NODE_ENV: 'production', PORT: '0', ...env }, stdio: ['ignore', 'pipe', 'pipe'] });
  let output = '';
  return new Promise((resolve, reject) => {
    const onData = (d: Buffer) => {
      output += d.toString();
      const m = /(http:\/\/127\.0\.0\.1:\d+)/.exec(output);
      if (m?.[1]) resolve({ child, base: m[1], output: () => output });
    };
    child.stdout?.on('data', onData);
    child.stderr?.on('data', (d: Buffer) => {
      output += d.toString();
    });
    child.on('exit', (code) => reject(new Error(`${script} exited with ${code}:\n${output}`)));
  });
}

describe('examples/express on the official @clerk/express, configured by env vars only', () => {
  let t: TestServer;
  let me: SignedInBrowser;
  let child: ChildProcess;
  let app: AppUnderTest;
  beforeAll(async () => {
    t = await startTestServer();
    const started = await startApp(fileURLToPath(new URL('../clerk/server.js', import.meta.url)), {
      CLERK_SECRET_KEY: t.secretKey,
      CLERK_PUBLISHABLE_KEY: t.server.publishableKey,
      CLERK_API_URL: t.apiUrl,
      CLERK_PROXY_URL: `${t.url}/fapi`,
      CLERK_TELEMETRY_DISABLED: '1',
    });
    child = started.child;
    me = await signInThroughFapi(t, 'clerk-express@example.com', started.base);
    app = {
      base: started.base,
      signedOut: { status: 401, body: (json) => expect(json).toEqual({ error: 'Unauthorized' }) },
    };
  });
  afterAll(async () => {
    if (child && child.exitCode === null) {
      const exited = new Promise((resolve) => child.once('exit', resolve));
      child.kill();
      await exited;
    }
    await t?.close();
  });

  sampleChecks(() => ({ t, me, app }));
});
