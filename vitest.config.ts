import { fileURLToPath } from 'node:url';
import { defineConfig } from 'vitest/config';

export default defineConfig({
  resolve: {
    // Tests run against the sources of sibling packages, so no build is needed before `vitest`.
    alias: {
      '@latch/core': fileURLToPath(new URL('./packages/core/src/index.ts', import.meta.url)),
      '@latch/backend': fileURLToPath(new URL('./packages/backend/src/index.ts', import.meta.url)),
      '@latch/express': fileURLToPath(new URL('./packages/express/src/index.ts', import.meta.url)),
      '@latch/nextjs/server': fileURLToPath(new URL('./packages/nextjs/src/server.ts', import.meta.url)),
      '@latch/nextjs/api': fileURLToPath(new URL('./packages/nextjs/src/api.ts', import.meta.url)),
      '@latch/nextjs/ssr': fileURLToPath(new URL('./packages/nextjs/src/ssr.ts', import.meta.url)),
    },
  },
  test: {
    include: ['packages/*/src/**/*.test.ts', 'examples/*/test/**/*.test.ts'],
    testTimeout: 60_000,
    hookTimeout: 60_000,
    // Two cores: files run in parallel forks; each test file owns its database or PostgreSQL schema.
    pool: 'forks',
  },
});
