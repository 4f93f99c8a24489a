import { defineConfig } from 'vitest/config';

export default defineConfig({
  test: {
    include: ['test/**/*.test.ts'],
    exclude: ['test/chaos/**', 'node_modules/**'],
    globalSetup: ['test/support/globalSetup.ts', 'test/support/buildCliOnce.ts'],
    reporters: ['default', './test/support/summaryReporter.ts'],
    // Integration files each get their own PostgreSQL database, so files run in parallel.
    pool: 'forks',
    testTimeout: 30_000,
    hookTimeout: 60_000,
    env: {
      SNOWFLAKE_DISABLE_PLATFORM_DETECTION: 'true',
      SF_OCSP_RESPONSE_CACHE_SERVER_ENABLED: 'false',
    },
  },
});
