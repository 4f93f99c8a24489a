import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { benchContextOn } from '../../../bench/BenchContext';
import { coldStartBench, FUNCTIONS } from '../../../bench/suites/coldStartBench';
import { discoveryBench } from '../../../bench/suites/discoveryBench';
import { erasureBench } from '../../../bench/suites/erasureBench';
import { followGuardBench } from '../../../bench/suites/followGuardBench';
import { heavyBench } from '../../../bench/suites/heavyBench';
import { heavyPipelineBench } from '../../../bench/suites/heavyPipelineBench';
import { initBench } from '../../../bench/suites/initBench';
import { loadBench } from '../../../bench/suites/loadBench';
import { packageBench } from '../../../bench/suites/packageBench';
import { pipelineBench } from '../../../bench/suites/pipelineBench';
import { poolPressureBench } from '../../../bench/suites/poolPressureBench';
import { serializationBench } from '../../../bench/suites/serializationBench';
import { startupBench } from '../../../bench/suites/startupBench';
import { createTestDatabase, type TestDatabase } from '../../support/postgres';
import '../../support/snowflake';

/**
 * Every suite of `npm run bench`, run through its own entry at a tiny size: a suite that no longer
 * runs against the product (a statement it sends, a schema it seeds) fails here, not at the next
 * benchmark. The figures are not asserted, only that each suite completes and measured something.
 */
/** A pipeline suite waits this long for its requests (seconds when the machine is idle). */
const PIPELINE_MS = 120_000;
const quiet = (line: string) => {
  if (process.env.BENCH_SMOKE_LOG) process.stderr.write(`${line}\n`);
};
const databases: TestDatabase[] = [];
async function database(): Promise<string> {
  const db = await createTestDatabase('bench');
  databases.push(db);
  return db.dsn;
}
afterAll(async () => {
  for (const db of databases) await db.drop();
});

describe('bench suites at a tiny scale', () => {
  let dsn: string;
  beforeAll(async () => {
    dsn = await database();
  });

  it('discovery, serialisation and pool pressure run on a sample database', async () => {
    const ctx = await benchContextOn(dsn, 0.01);
    const discovery = await discoveryBench(ctx, { subjects: 2, poolMax: 2, concurrency: 2 });
    expect(discovery.samples.length).toBeGreaterThan(0);
    expect(discovery.rowsPerSubject).toBeGreaterThan(0);
    const serialization = await serializationBench(ctx, { repeats: 1 });
    expect(serialization.rows).toBeGreaterThan(0);
    const pressure = await poolPressureBench(ctx, { discoveries: 4, poolMax: 2 });
    expect(pressure).toMatchObject({ errors: 0, checkedOutAfter: 0 });
  });

  it('load: the batched MERGE and the one-row baseline both land every row', async () => {
    const load = await loadBench({ rows: 12, baselineRows: 3, runs: 1 });
    expect(load.batchedMs).toHaveLength(1);
    expect(load.oneRowMs).toHaveLength(1);
  });

  it('guard: discovery through a guarded follow finds the same rows with and without the guard', async () => {
    const result = await followGuardBench({ values: 20, runs: 1, postgresDsn: await database() });
    // The customer, 20 orders and their 20 shipments, the same both ways (the suite checks it).
    expect(result.rows).toBe(41);
    expect(result.guardedMs.median).toBeGreaterThan(0);
  });

  it('erasure erases subjects of each size', async () => {
    const result = await erasureBench({
      sizes: [{ rows: 10, subjects: 1 }],
      log: quiet,
      postgresDsn: await database(),
    });
    expect(result.sizes[0]?.rowsErased).toBeGreaterThan(0);
    expect(result.sizes[0]?.floorMs.median).toBeGreaterThan(0);
  });

  it(
    'pipeline: requests submitted at once reach loaded',
    async () => {
      const result = await pipelineBench({
        requests: 1,
        runs: 1,
        // The warm-up is a run like the measured one (the same code), left out here.
        warmupRequests: 0,
        timeoutMs: PIPELINE_MS,
        log: quiet,
        postgresDsn: await database(),
        sampleScale: 0.01,
      });
      expect(result.requestsPerMinute.median).toBeGreaterThan(0);
    },
    PIPELINE_MS * 2,
  );

  /** The heavy pipeline of 20 rows, every heap capped at 256 MB, on a database of its own. */
  const tinyHeavyPipeline = async (type: 'access' | 'erasure') =>
    heavyPipelineBench({
      rows: 20,
      heapMb: 256,
      timeoutMs: PIPELINE_MS,
      log: quiet,
      postgresDsn: await database(),
      sampleScale: 0.01,
      type,
    });

  it(
    'heavy pipeline: one subject goes from intake to loaded under heap caps',
    async () => {
      const result = await tinyHeavyPipeline('access');
      expect(result.state).toBe('loaded');
      expect(result.rowsLanded).toBeGreaterThan(20);
    },
    PIPELINE_MS * 2,
  );

  it(
    "heavy pipeline, erasure: one subject's events erased through the erase function under heap caps, nobody else's",
    async () => {
      const result = await tinyHeavyPipeline('erasure');
      // The demo's map has no erasure rule for users: the user's row stays, so not verified.
      expect(result.state).toBe('erasure_unverified');
      expect(result.erasure?.subjectEventsLeft).toBe(0);
      expect(result.erasure?.othersAfter).toBe(result.erasure?.othersBefore);
      expect(result.stages.map((s) => s.fn)).toEqual(['extract', 'gate', 'erase']);
    },
    PIPELINE_MS * 2,
  );

  it('heavy: dsr discover finds every row of a heavy subject', async () => {
    const result = await heavyBench({
      sizes: [5],
      largeValueMiB: 0,
      log: quiet,
      postgresDsn: await database(),
      sampleScale: 0.01,
      warmUp: false,
    });
    expect(result.runs[0]?.rows).toBe(6);
    expect(result.startupSeconds).toBeGreaterThan(0);
    expect(result.runs[0]?.largeHeapPeakRssMiB).toBeGreaterThan(0);
    expect(result.runs[0]?.toNull.cpuSeconds).toBeGreaterThan(0);
    // Four `dsr discover` processes (start-up, the subject, with a large heap, to /dev/null).
  }, 120_000);

  it('start-up: dsr --help and node -e 0 both start and are timed', async () => {
    const result = await startupBench({ runs: 1, build: false });
    expect(result.helpMs.n).toBe(1);
    expect(result.ratio).toBeGreaterThan(0);
  });

  it('init and preview: a proposal for every generated table, the workforce edges held back', async () => {
    const result = await initBench({
      tables: 5,
      rows: 2_000,
      previewSample: 2,
      log: quiet,
      postgresDsn: await database(),
    });
    expect(result.proposedTables).toBe(5);
    expect(result.heldEdges).toBe(2);
    expect(result.previewSubjects).toBeGreaterThan(0);
  });

  it("package: the subject's package of a few rows is written and measured", async () => {
    const [result] = await packageBench({ sizes: [10], log: quiet });
    expect(result?.rows).toBe(10);
    expect(result?.bytes).toBeGreaterThan(0);
  });

  it('cold start: a function bundles and initialises in a fresh process', async () => {
    const gate = FUNCTIONS.filter((f) => f.name === 'gate');
    const [result] = await coldStartBench({
      starts: 1,
      outDir: '.dsr-local/bench-smoke-bundles',
      functions: gate,
    });
    expect(result?.error).toBeUndefined();
    expect(result?.initMs.n).toBe(1);
  }, 120_000);
});
