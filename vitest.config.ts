import { defineConfig, type TestProjectInlineConfiguration } from 'vitest/config';

/**
 * Files that need modules of their own: each runs in a fresh process, as every file would by
 * default. Every other file shares its worker's loaded modules with the files before it
 * (`isolate: false`), so `snowflake-sdk`, the AWS SDK and aws-cdk-lib load once per worker
 * instead of once per file. A file belongs here when it replaces a module (`vi.mock`), or leaves
 * state in a module it shares with the files after it; the reason is beside each.
 */
const ISOLATED = [
  // vi.mock('snowflake-sdk'): a mock applies only where the driver was not loaded before.
  'test/unit/snowflake/SnowflakeDatabase.test.ts',
  // The whole local runtime with injected faults: breakers, pools and the functions' per-process
  // state are part of what these test, and must start fresh.
  'test/reliability/**/*.test.ts',
  // These failed or timed out in a run where every file shared its worker's modules (a scan that
  // found fewer columns, a configuration read earlier, a dead letter not received): they depend on
  // process-wide state another file can leave (type parsers, driver settings, environment).
  'test/integration/scan/scan.test.ts',
  'test/integration/scan/init.test.ts',
  'test/integration/pipeline/deadLetterRecorder.test.ts',
  'test/integration/erasure/eraseResume.test.ts',
  'test/integration/demo/demo.test.ts',
  'test/integration/snowflakeEndpoint/tlsAndCli.test.ts',
  // A login to an address where nothing listens goes on retrying past its test in the background,
  // and the driver's log of its end (`snowflake-sdk: … connection failed after 9850 ms`) landed in
  // the stderr a later file's command captured.
  'test/integration/doctor/doctor.test.ts',
];

const EXCLUDE = ['test/chaos/**', 'node_modules/**'];

/** What both projects run with. */
const common: NonNullable<TestProjectInlineConfiguration['test']> = {
  pool: 'forks',
  // Closes what support modules opened for a file, when that file ends (see fileCleanup.ts).
  setupFiles: ['test/support/fileHooks.ts'],
  testTimeout: 30_000,
  hookTimeout: 60_000,
  env: {
    SNOWFLAKE_DISABLE_PLATFORM_DETECTION: 'true',
    SF_OCSP_RESPONSE_CACHE_SERVER_ENABLED: 'false',
  },
};

export default defineConfig({
  test: {
    // Run once for the whole run, whichever project a file is in.
    globalSetup: [
      'test/support/runTempDir.ts',
      'test/support/globalSetup.ts',
      'test/support/buildCliOnce.ts',
    ],
    reporters: ['default', './test/support/summaryReporter.ts'],
    // Vitest's default is one worker less than the cores: one worker on a 2-core machine, and the
    // files ran one after another although most of their time is spent waiting on PostgreSQL, the
    // local endpoints and child processes. Three workers keep both cores busy.
    maxWorkers: 3,
    projects: [
      {
        test: {
          ...common,
          name: 'shared',
          include: ['test/**/*.test.ts'],
          exclude: [...EXCLUDE, ...ISOLATED],
          isolate: false,
        },
      },
      { test: { ...common, name: 'isolated', include: ISOLATED, exclude: EXCLUDE, isolate: true } },
    ],
  },
});
