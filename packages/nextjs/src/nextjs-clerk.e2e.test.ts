/**
 * examples/nextjs-clerk (on the official @clerk/nextjs 7) against a real Latch server, configured by
 * environment variables only: the same pages and samples, in the SDK's current forms.
 */
import { fileURLToPath } from 'node:url';
import { describeExample } from './test/scenarios.js';

describeExample('examples/nextjs-clerk on the official @clerk/nextjs', {
  dir: fileURLToPath(new URL('../../../examples/nextjs-clerk/', import.meta.url)),
  env: (t, urls) => ({
    NEXT_PUBLIC_CLERK_PUBLISHABLE_KEY: t.server.publishableKey,
    NEXT_PUBLIC_CLERK_PROXY_URL: urls.fapi,
    NEXT_PUBLIC_CLERK_SIGN_IN_URL: '/sign-in',
    NEXT_PUBLIC_CLERK_TELEMETRY_DISABLED: '1',
    CLERK_API_URL: t.url,
    CLERK_SECRET_KEY: t.secretKey,
    LATCH_CLERK_JS_URL: urls.clerkJs,
  }),
  adminRole: 'org:admin',
  protectedStatus: 307,
});
