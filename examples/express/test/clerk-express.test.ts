/**
 * examples/express/clerk: the same app on the official @clerk/express 2, started as its own process and
 * configured only by environment variables pointing at a real Latch server (CLERK_SECRET_KEY,
 * CLERK_PUBLISHABLE_KEY, CLERK_API_URL, and CLERK_PROXY_URL for the handshake), then driven over HTTP with
 * the same checks as the @latch/express app.
 */
import type { ChildProcess } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { afterAll, beforeAll, describe, expect } from 'vitest';
import { startTestServer, testDialects, type TestServer } from '../../../packages/server/src/test/harness.js';
import { signInThroughFapi, type SignedInBrowser } from '../../../packages/backend/src/test/kit.js';
import { sampleChecks, startApp, stopApp, type AppUnderTest } from './drive.js';

describe.each(testDialects())('examples/express on the official @clerk/express, configured by env vars only (%s)', (dialect) => {
  let t: TestServer;
  let me: SignedInBrowser;
  let child: ChildProcess;
  let app: AppUnderTest;
  beforeAll(async () => {
    t = await startTestServer(dialect);
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
    await stopApp(child);
    await t?.close();
  });

  sampleChecks(() => ({ t, me, app }));
});
