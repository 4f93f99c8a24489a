import { defineConfig } from 'vitest/config';

/** The long fault soak (`npm run test:chaos`): only test/chaos, with the suite's setup and reporters. */
export default defineConfig({
  test: {
    include: ['test/chaos/**/*.test.ts'],
    exclude: ['node_modules/**'],
    globalSetup: ['test/support/runTempDir.ts', 'test/support/globalSetup.ts'],
    reporters: ['default', './test/support/summaryReporter.ts'],
    pool: 'forks',
    // One file at a time: the soak measures throughput.
    fileParallelism: false,
    testTimeout: 3_600_000,
    hookTimeout: 120_000,
    env: {
      SNOWFLAKE_DISABLE_PLATFORM_DETECTION: 'true',
      SF_OCSP_RESPONSE_CACHE_SERVER_ENABLED: 'false',
    },
  },
});
