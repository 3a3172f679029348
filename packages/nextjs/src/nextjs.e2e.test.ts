/** examples/nextjs (on @latch/nextjs) against a real Latch server: every server-side seed sample. */
import { fileURLToPath } from 'node:url';
import { describeExample } from './test/scenarios.js';

describeExample('examples/nextjs on @latch/nextjs', {
  dir: fileURLToPath(new URL('../../../examples/nextjs/', import.meta.url)),
  env: (t, urls) => ({
    LATCH_SECRET_KEY: t.secretKey,
    LATCH_API_URL: t.url,
    LATCH_PUBLISHABLE_KEY: t.server.publishableKey,
    LATCH_FRONTEND_API_URL: urls.fapi,
    LATCH_CLERK_JS_URL: urls.clerkJs,
  }),
  adminRole: 'admin',
  protectedStatus: 401,
});
