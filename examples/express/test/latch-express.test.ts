/**
 * examples/express/latch: the Express samples of seeds 002 and 003 on @latch/express, configured by the
 * environment (LATCH_SECRET_KEY, LATCH_API_URL, LATCH_PUBLISHABLE_KEY), served on a real port and driven
 * over HTTP against a real Latch server.
 */
import type { Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { afterAll, beforeAll, describe, expect } from 'vitest';
import { resetLatchClient } from '@latch/express';
import { startTestServer, testDialects, type TestServer } from '../../../packages/server/src/test/harness.js';
import { signInThroughFapi, type SignedInBrowser } from '../../../packages/backend/src/test/kit.js';
import { sampleChecks, type AppUnderTest } from './drive.js';

type AppModule = { createApp(): { listen(port: number, host: string, cb: () => void): Server } };

describe.each(testDialects())('examples/express on @latch/express (%s)', (dialect) => {
  let t: TestServer;
  let me: SignedInBrowser;
  let server: Server;
  let app: AppUnderTest;
  beforeAll(async () => {
    t = await startTestServer(dialect);
    process.env.LATCH_SECRET_KEY = t.secretKey;
    process.env.LATCH_API_URL = t.apiUrl;
    process.env.LATCH_PUBLISHABLE_KEY = t.server.publishableKey;
    resetLatchClient();
    const modulePath = '../latch/app.js';
    const { createApp } = (await import(modulePath)) as AppModule;
    server = await new Promise<Server>((resolve) => {
      const s = createApp().listen(0, '127.0.0.1', () => resolve(s));
    });
    const base = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
    me = await signInThroughFapi(t, 'express@example.com', base);
    app = {
      base,
      signedOut: {
        status: 401,
        body: (json) => expect((json as { errors: { code: string }[] }).errors[0]?.code).toBe('authentication_invalid'),
      },
    };
  });
  afterAll(async () => {
    await new Promise((resolve) => server?.close(resolve));
    await t?.close();
  });

  sampleChecks(() => ({ t, me, app }));
});
