import { defineConfig } from 'vitest/config';

export default defineConfig({
  test: {
    include: ['test/**/*.test.ts'],
    exclude: ['test/chaos/**', 'node_modules/**'],
    globalSetup: [
      'test/support/runTempDir.ts',
      'test/support/globalSetup.ts',
      'test/support/buildCliOnce.ts',
    ],
    reporters: ['default', './test/support/summaryReporter.ts'],
    // Integration files each get their own PostgreSQL database, so files run in parallel.
    pool: 'forks',
    // Vitest's default is one worker less than the cores: one worker on a 2-core machine, and the
    // files ran one after another although most of their time is spent waiting on PostgreSQL, the
    // local endpoints and child processes. Three workers keep both cores busy.
    maxWorkers: 3,
    testTimeout: 30_000,
    hookTimeout: 60_000,
    env: {
      SNOWFLAKE_DISABLE_PLATFORM_DETECTION: 'true',
      SF_OCSP_RESPONSE_CACHE_SERVER_ENABLED: 'false',
    },
  },
});
