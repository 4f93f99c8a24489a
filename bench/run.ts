import { mkdir, writeFile } from 'node:fs/promises';
import { cpus } from 'node:os';
import { Command, InvalidArgumentError } from 'commander';
import { type BenchContext, openBenchContext } from './BenchContext';
import { latencyChartSvg } from './latencyChart';
import type { ColdStartResult } from './suites/coldStartBench';
import { type DiscoveryBenchResult, discoveryBench } from './suites/discoveryBench';
import type { ErasureBenchResult } from './suites/erasureBench';
import type { FollowGuardBenchResult } from './suites/followGuardBench';
import type { HeavyResult } from './suites/heavyBench';
import type { HeavyPipelineResult } from './suites/heavyPipelineBench';
import type { InitBenchResult } from './suites/initBench';
import type { LoadResult } from './suites/loadBench';
import type { PipelineResult } from './suites/pipelineBench';
import { type PoolPressureResult, poolPressureBench } from './suites/poolPressureBench';
import { type SerializationResult, serializationBench } from './suites/serializationBench';
import type { StartupResult } from './suites/startupBench';

// The Snowflake driver reads these when it loads, so they are set before anything imports it: none
// of the modules above does, and the suites that do are imported on demand below. The local
// endpoint has no cloud platform to detect and no OCSP response cache server.
process.env.SNOWFLAKE_DISABLE_PLATFORM_DETECTION = 'true';
process.env.SF_OCSP_RESPONSE_CACHE_SERVER_ENABLED = 'false';

const SUITES = [
  'startup',
  'discovery',
  'serialization',
  'pressure',
  'load',
  'coldstart',
  'pipeline',
  'heavy',
  'erasure',
  'heavy-pipeline',
  'init',
  'package',
  'guard',
] as const;
type Suite = (typeof SUITES)[number];
/** Run unless `--only` says otherwise: the heavy-pipeline run (a million rows) only when asked for. */
const DEFAULT_SUITES = SUITES.filter((s) => s !== 'heavy-pipeline');

function suiteList(value: string): Suite[] {
  const names = value
    .split(',')
    .map((s) => s.trim())
    .filter((s) => s !== '');
  const unknown = names.filter((s) => !(SUITES as readonly string[]).includes(s));
  if (unknown.length > 0 || names.length === 0)
    throw new InvalidArgumentError(`choose from ${SUITES.join(', ')} (given ${value})`);
  return names as Suite[];
}

const program = new Command('bench')
  .description('measure dsr-bridge against honest baselines; writes bench/results/')
  .option('--scale <n>', 'sample database scale (200 = 200k users, 2M orders, 5M events)', Number, 200)
  .option('--subjects <n>', 'subjects measured for latency', Number, 300)
  .option('--pool <n>', 'pool size (the configured default is 4)', Number, 4)
  .option('--only <suites>', `comma list of suites to run: ${SUITES.join(',')}`, suiteList, [
    ...DEFAULT_SUITES,
  ])
  .option('--load-rows <n>', 'findings per batched load run', Number, 5000)
  .option('--load-baseline-rows <n>', 'findings per one-INSERT-per-row run', Number, 300)
  .option('--load-runs <n>', 'measured runs of each load', Number, 5)
  .option('--starts <n>', 'fresh-process starts per function bundle', Number, 7)
  .option('--cli-starts <n>', 'runs of `dsr --help` and `node -e 0` in the start-up measurement', Number, 21)
  .option('--pipeline-requests <n>', 'requests submitted at once per end-to-end pipeline run', Number, 200)
  .option('--pipeline-runs <n>', 'measured end-to-end pipeline runs', Number, 3)
  .option('--heavy-rows <n>', 'rows of the one subject in the heavy-pipeline run', Number, 1_000_000)
  .option('--heavy-heap-mb <n>', "each function's heap cap in the heavy-pipeline run", Number, 512)
  .option(
    '--heavy-extract-heap-mb <n>',
    "the extractor's heap cap in the heavy-pipeline run (default: --heavy-heap-mb)",
    Number,
  )
  .option(
    '--heavy-erase-heap-mb <n>',
    "the erase function's heap cap in the heavy-pipeline run (default: --heavy-heap-mb)",
    Number,
  )
  .option(
    '--heavy-type <type>',
    'the heavy-pipeline request: access (intake → loaded) or erasure (intake → erased, through the erase function)',
    'access',
  )
  .option(
    '--heavy-part-bytes <n>',
    'bytes per findings part in the heavy-pipeline run',
    Number,
    4 * 1024 * 1024,
  )
  .option(
    '--heavy-sizes <list>',
    'events of each heavy subject `dsr discover` is measured on (empty: none)',
    (v: string) => v.split(',').filter(Boolean).map(Number),
    [10_000, 100_000, 1_000_000, 3_000_000],
  )
  .option(
    '--heavy-keyless <list>',
    'rows of each subject in a table without a primary key `dsr discover` is measured on',
    (v: string) => v.split(',').filter(Boolean).map(Number),
    [],
  )
  .option(
    '--heavy-value-mib <n>',
    "MiB of JSON text in the heavy suite's one large value (0: none)",
    Number,
    8,
  )
  .option('--heavy-dsr <dir>', 'the checkout whose bin/dsr.js the heavy suite runs (default: this one)')
  .option('--init-tables <n>', 'tables of the generated schema datamap init and preview run on', Number, 100)
  .option('--init-rows <n>', 'rows in all of that schema', Number, 10_000_000)
  .option(
    '--package-sizes <list>',
    'rows of each subject whose package is written',
    (v: string) => v.split(',').map(Number),
    [10, 10_000, 1_000_000],
  )
  .option('--guard-values <n>', "the follow guard's subject: followed values, each counted", Number, 50_000)
  .option(
    '--erasure-subjects <n>',
    'subjects erased per size up to 1,000 rows (a third of it, at least 3, at 10,000; 3 above)',
    Number,
    30,
  )
  .option(
    '--erasure-sizes <list>',
    'rows of each subject erased',
    (v: string) => v.split(',').map(Number),
    [10, 10_000, 100_000],
  )
  .parse();
const options = program.opts<{
  scale: number;
  subjects: number;
  pool: number;
  only: Suite[];
  loadRows: number;
  loadBaselineRows: number;
  loadRuns: number;
  starts: number;
  cliStarts: number;
  pipelineRequests: number;
  pipelineRuns: number;
  heavyRows: number;
  heavyHeapMb: number;
  heavyPartBytes: number;
  heavyType: string;
  heavyExtractHeapMb?: number;
  heavyEraseHeapMb?: number;
  heavySizes: number[];
  heavyKeyless: number[];
  heavyDsr?: string;
  heavyValueMib: number;
  guardValues: number;
  erasureSubjects: number;
  erasureSizes: number[];
  initTables: number;
  initRows: number;
  packageSizes: number[];
}>();
const only = new Set(options.only);

const log = (line: string) => process.stdout.write(`${line}\n`);
const f = (n: number, digits = 2) => n.toFixed(digits);
const kb = (bytes: number) => f(bytes / 1024, 0);
const started = Date.now();

let ctx: BenchContext | undefined;
let generatedMs: number | undefined;
let discovery: DiscoveryBenchResult | undefined;
let serialization: SerializationResult | undefined;
let pressure: PoolPressureResult | undefined;
let load: LoadResult | undefined;
let coldStart: ColdStartResult[] | undefined;
let pipeline: PipelineResult | undefined;
let heavyPipeline: HeavyPipelineResult | undefined;
let heavy: HeavyResult | undefined;
let erasure: ErasureBenchResult | undefined;
let guard: FollowGuardBenchResult | undefined;
let init: InitBenchResult | undefined;
let startup: StartupResult | undefined;
try {
  if (only.has('startup')) {
    log(`start-up: dsr --help and node -e 0, ${options.cliStarts} runs each, in turns…`);
    const { startupBench } = await import('./suites/startupBench');
    startup = await startupBench({ runs: options.cliStarts });
  }
  if (only.has('discovery') || only.has('serialization') || only.has('pressure')) {
    ctx = await openBenchContext(options.scale, log);
    generatedMs = ctx.generatedMs;
    log(`scale ${options.scale}: ${ctx.users} users; pool ${options.pool}; ${cpus().length} CPUs`);
    if (only.has('discovery')) {
      log('discovery…');
      discovery = await discoveryBench(ctx, {
        subjects: options.subjects,
        poolMax: options.pool,
        concurrency: options.pool * 2,
      });
    }
    if (only.has('serialization')) {
      log('canonical serialisation…');
      serialization = await serializationBench(ctx, { repeats: 15 });
    }
    if (only.has('pressure')) {
      log('pool under pressure…');
      pressure = await poolPressureBench(ctx, { discoveries: 200, poolMax: 10 });
    }
    await ctx.server?.stop();
    ctx = undefined;
  }
  if (only.has('load')) {
    log(
      `loading into Snowflake (local endpoint, real driver): ${options.loadRows} rows batched vs ${options.loadBaselineRows} rows one at a time, ${options.loadRuns} runs each…`,
    );
    const { loadBench } = await import('./suites/loadBench');
    load = await loadBench({
      rows: options.loadRows,
      baselineRows: options.loadBaselineRows,
      runs: options.loadRuns,
      log,
    });
  }
  if (only.has('coldstart')) {
    log(`cold start: bundling the functions, ${options.starts} fresh starts each…`);
    const { coldStartBench } = await import('./suites/coldStartBench');
    coldStart = await coldStartBench({ starts: options.starts, outDir: '.dsr-local/bundles' });
    if (coldStart.length === 0) log('  no function handlers found (functions/<name>/handler.ts)');
  }
  if (only.has('pipeline')) {
    log(
      `pipeline end to end (local SQS/S3, local Snowflake endpoint, fresh embedded PostgreSQL at scale 1 with the demo's data): ${options.pipelineRequests} requests at once, ${options.pipelineRuns} runs…`,
    );
    const { pipelineBench } = await import('./suites/pipelineBench');
    pipeline = await pipelineBench({ requests: options.pipelineRequests, runs: options.pipelineRuns, log });
  }
  if (only.has('heavy-pipeline')) {
    log(
      `heavy pipeline: one subject with ${options.heavyRows} rows, ${options.heavyType === 'erasure' ? 'an erasure, intake → erased' : 'intake → loaded'}, each function in a worker capped at ${options.heavyHeapMb} MB of heap, the stack's timeouts…`,
    );
    if (options.heavyType !== 'access' && options.heavyType !== 'erasure')
      throw new Error(`--heavy-type is access or erasure, not ${options.heavyType}`);
    const { heavyPipelineBench } = await import('./suites/heavyPipelineBench');
    heavyPipeline = await heavyPipelineBench({
      rows: options.heavyRows,
      heapMb: options.heavyHeapMb,
      partBytes: options.heavyPartBytes,
      type: options.heavyType,
      heapMbOf: {
        ...(options.heavyExtractHeapMb ? { extract: options.heavyExtractHeapMb } : {}),
        ...(options.heavyEraseHeapMb ? { erase: options.heavyEraseHeapMb } : {}),
      },
      log,
    });
  }
  if (only.has('heavy')) {
    log(
      `heavy subjects: dsr discover (the real CLI, a child process under /usr/bin/time) of subjects with ${options.heavySizes.join(', ')} events…`,
    );
    const { heavyBench } = await import('./suites/heavyBench');
    heavy = await heavyBench({
      sizes: options.heavySizes,
      keylessSizes: options.heavyKeyless,
      largeValueMiB: options.heavyValueMib,
      ...(options.heavyDsr ? { dsrDir: options.heavyDsr } : {}),
      log,
    });
  }
  if (only.has('init')) {
    log(
      `datamap init and preview on ${options.initTables} generated tables, ${options.initRows} rows (fresh embedded PostgreSQL)…`,
    );
    const { initBench } = await import('./suites/initBench');
    init = await initBench({ tables: options.initTables, rows: options.initRows, previewSample: 10, log });
  }
  if (only.has('guard')) {
    log(`the follow guard: a subject with ${options.guardValues} followed values, with and without it…`);
    const { followGuardBench } = await import('./suites/followGuardBench');
    guard = await followGuardBench({ values: options.guardValues, runs: 5 });
  }
  if (only.has('erasure')) {
    log('erasure per subject (fresh embedded PostgreSQL; discover, plan, check, execute, prove)…');
    const { erasureBench } = await import('./suites/erasureBench');
    erasure = await erasureBench({
      sizes: options.erasureSizes.map((rows) => ({
        rows,
        subjects:
          rows <= 1000
            ? options.erasureSubjects
            : rows <= 10_000
              ? Math.max(3, Math.floor(options.erasureSubjects / 3))
              : 3,
      })),
      log,
    });
  }
  if (only.has('package')) {
    log("the subject's package (index.html, data/ CSV and JSON, evidence.json, manifest.json), streamed…");
    const { packageBench } = await import('./suites/packageBench');
    await packageBench({ sizes: options.packageSizes, log });
  }
} finally {
  await ctx?.server?.stop();
}

const rows: [string, string, string, string][] = [['measure', 'dsr-bridge', 'baseline', 'ratio (target)']];
if (startup) {
  const s = startup;
  rows.push([
    `\`dsr --help\` start-up (compiled CLI), median ms of ${s.runs} runs (min–max)`,
    `${f(s.helpMs.median, 0)} (${f(s.helpMs.min, 0)}–${f(s.helpMs.max, 0)})`,
    `\`node -e 0\` ${f(s.nodeMs.median, 0)} (${f(s.nodeMs.min, 0)}–${f(s.nodeMs.max, 0)})`,
    `${f(s.ratio, 2)}× (≤ 3×)`,
  ]);
}
if (discovery) {
  const d = discovery;
  rows.push(
    [
      `discovery latency p50 / p95 / p99, ms (${d.subjects} subjects, ${f(d.rowsPerSubject, 1)} rows and ${f(d.queriesPerSubject, 1)} queries each)`,
      `${f(d.latencyMs.median)} / ${f(d.latencyMs.p95)} / ${f(d.latencyMs.p99)}`,
      `naive ${f(d.naiveMs.median)} / ${f(d.naiveMs.p95)} / ${f(d.naiveMs.p99)}`,
      `naive/ours ${f(d.naiveOverOurs, 1)}× (≥ 5×)`,
    ],
    [
      'discovery vs PostgreSQL floor (planning + execution, EXPLAIN ANALYZE), median ms',
      f(d.latencyMs.median),
      `floor ${f(d.floorMs.median)}`,
      `ours/floor ${f(d.oursOverFloor, 2)}× (≤ 2×)`,
    ],
    [
      `discovery throughput, subjects/s (concurrency ${d.throughput.concurrency}, pool ${d.poolMax})`,
      f(d.throughput.subjectsPerSecond, 0),
      '',
      '',
    ],
    [
      `catalogs read again per request by a warm process, median / p95 ms (${d.catalogRefreshMs.n} reads)`,
      `searcher ${f(d.catalogRefreshMs.median)} / ${f(d.catalogRefreshMs.p95)}`,
      `erasure ${f(d.erasureCatalogMs.median)} / ${f(d.erasureCatalogMs.p95)}`,
      `searcher/discovery p50 ${f(d.catalogRefreshMs.median / d.latencyMs.median, 2)}×`,
    ],
  );
}
if (init) {
  log(
    `datamap init on ${init.tables} tables, ${init.rows} rows: ${Math.round(init.initMs)} ms ` +
      `(${init.proposedTables} tables proposed, ${init.heldEdges} workforce edges held); ` +
      `preview of ${init.previewSubjects} subjects: ${Math.round(init.previewMs)} ms; generation ${Math.round(init.generateMs / 1000)} s`,
  );
}
if (guard) {
  rows.push([
    `discovery through a guarded follow: ${guard.values} values counted, ${guard.rows} rows, median / p95 ms of ${guard.runs} (alternately)`,
    `${f(guard.guardedMs.median, 0)} / ${f(guard.guardedMs.p95, 0)}`,
    `without the guard ${f(guard.unguardedMs.median, 0)} / ${f(guard.unguardedMs.p95, 0)}`,
    `${f(guard.ratio, 2)}×`,
  ]);
}
if (erasure) {
  for (const e of erasure.sizes)
    rows.push([
      `erasure per subject of ${e.rows} rows, median / p95, ms (${e.subjects} subjects; discover, plan, check, execute, prove; load average ${f(e.load, 1)})`,
      `${f(e.ms.median, 1)} / ${f(e.ms.p95, 1)} (CPU ${f(e.cpuMs.median, 1)})`,
      `plain DELETE ${f(e.deleteMs.median, 1)} / ${f(e.deleteMs.p95, 1)}`,
      `${f(e.ratio, 1)}×${e.rows >= 100_000 ? ' (≤ 3×)' : ''}`,
    ]);
  for (const e of erasure.sizes)
    rows.push([
      `the statements an erasure's checks need alone, ${e.rows} rows (read, rehearse and roll back, lock and read, change, read again), median / p95, ms`,
      `${f(e.floorMs.median, 1)} / ${f(e.floorMs.p95, 1)}`,
      `plain DELETE ${f(e.deleteMs.median, 1)}`,
      `${f(e.floorRatio, 1)}× (the erasure ${f(e.overFloor, 1)}× them)`,
    ]);
}
if (serialization) {
  rows.push([
    `canonical serialisation, MB/s (${serialization.rows} rows, ${f(serialization.megabytes, 1)} MB; median of 15, min–max)`,
    `${f(serialization.canonicalMBps.median, 0)} (${f(serialization.canonicalMBps.min, 0)}–${f(serialization.canonicalMBps.max, 0)})`,
    `JSON.stringify ${f(serialization.jsonStringifyMBps.median, 0)} (${f(serialization.jsonStringifyMBps.min, 0)}–${f(serialization.jsonStringifyMBps.max, 0)})`,
    `${f(serialization.ratio, 2)} (≥ 0.5)`,
  ]);
}
if (pressure) {
  rows.push([
    `pool under pressure: ${pressure.discoveries} concurrent discoveries, pool ${pressure.poolMax}`,
    `${f(pressure.completionMs, 0)} ms, ${pressure.errors} errors, ${pressure.checkedOutAfter} checked out`,
    '',
    'errors 0, checked out 0',
  ]);
}
if (load) {
  const b = load.batchedRowsPerSecond;
  const o = load.oneRowRowsPerSecond;
  rows.push([
    `Snowflake load, rows/s (local endpoint, snowflake-sdk; ${load.rows} rows in FLATTEN MERGEs of ≤ ${load.batchSize} rows / 4 MiB vs ${load.baselineRows} one-row INSERTs; median of ${load.runs}, min–max)`,
    `${f(b.median, 0)} (${f(b.min, 0)}–${f(b.max, 0)})`,
    `one INSERT per row ${f(o.median, 0)} (${f(o.min, 0)}–${f(o.max, 0)})`,
    `batched/one-row ${f(load.ratio, 1)}× (≥ 20×)`,
  ]);
}
for (const c of coldStart ?? []) {
  rows.push([
    `cold start \`${c.name}\`: bundle KB (gzip KB), module init ms (median of ${c.initMs.n} fresh processes, min–max)`,
    c.error
      ? `${kb(c.bytes)} KB (${kb(c.gzipBytes)}); init failed: ${c.error.replaceAll('|', '/')}`
      : `${kb(c.bytes)} KB (${kb(c.gzipBytes)}), ${f(c.initMs.median, 0)} ms (${f(c.initMs.min, 0)}–${f(c.initMs.max, 0)})`,
    '',
    '',
  ]);
}
if (pipeline) {
  const p = pipeline;
  const s = (ms: number) => f(ms / 1000, 2);
  rows.push(
    [
      `pipeline end to end, requests/min (${p.requests} requests submitted at once, half high half standard; one poller per queue, batch ${p.batchSize}; median of ${p.runs}, min–max)`,
      `${f(p.requestsPerMinute.median, 0)} (${f(p.requestsPerMinute.min, 0)}–${f(p.requestsPerMinute.max, 0)})`,
      '',
      '',
    ],
    [
      `pipeline intake → loaded per request, median / p95, s (median of ${p.runs} runs, min–max)`,
      `${s(p.intakeToLoadedMedianMs.median)} (${s(p.intakeToLoadedMedianMs.min)}–${s(p.intakeToLoadedMedianMs.max)}) / ${s(p.intakeToLoadedP95Ms.median)} (${s(p.intakeToLoadedP95Ms.min)}–${s(p.intakeToLoadedP95Ms.max)})`,
      '',
      '',
    ],
  );
}
if (heavyPipeline) {
  const h = heavyPipeline;
  if (h.erasure)
    rows.push([
      `heavy subject's erasure intake → its end, s (${h.rows} rows; extract, gate, erase each in a heap-capped worker (caps below); ${h.retries} retries, ${h.handedOn} hand-ons; the subject's events left; every other person's events before → after)`,
      `${h.timeToEndMs === undefined ? h.state : `${f(h.timeToEndMs / 1000, 1)} (${h.state})`}; ${h.erasure.subjectEventsLeft}; ${h.erasure.othersBefore} → ${h.erasure.othersAfter}`,
      '',
      '',
    ]);
  else
    rows.push([
      `heavy subject intake → loaded, s (${h.rows} rows; extract, gate, load each capped at ${h.heapMb} MB of heap; parts of ≤ ${kb(h.partBytes)} KB; ${h.rowsLanded} rows landed, ${h.retries} retries, ${h.handedOn} hand-ons)`,
      h.timeToLoadedMs === undefined ? h.state : f(h.timeToLoadedMs / 1000, 1),
      '',
      '',
    ]);
  for (const st of h.stages)
    rows.push([
      `heavy subject, ${st.fn}: rows/s of busy time; invocations; longest invocation / timeout, s; peak heap / cap, MB`,
      `${f(st.rowsPerSecond, 0)}; ${st.invocations}; ${f(st.longestInvocationMs / 1000, 1)} / ${f(st.timeoutMs / 1000, 0)}; ${f(st.peakHeapMb, 0)} / ${f(st.heapLimitMb, 0)}${st.died ? `; died: ${st.died.replaceAll('|', '/')}` : ''}`,
      '',
      '',
    ]);
}
if (heavy) {
  rows.push([
    'dsr discover start-up (a subject with 1 row: launcher and process, tsx, the modules of discover alone, connection, catalog check): wall s / CPU s / peak RSS MiB',
    `${f(heavy.startupSeconds)} / ${f(heavy.startupCpuSeconds)} / ${f(heavy.startupPeakRssMiB, 0)}`,
    '',
    '',
  ]);
  for (const r of heavy.runs) {
    rows.push([
      `dsr discover, subject with ${r.rows} rows (${f(r.outputMiB, 0)} MiB of findings): wall s (rows/s; after start-up), CPU s (rows per CPU s), peak RSS MiB (with NODE_OPTIONS=--max-old-space-size=4096)`,
      `${f(r.seconds, 1)} s (${f(r.rowsPerSecond, 0)}; ${f(r.rowsPerSecondAfterStartup, 0)}), ${f(r.cpuSeconds, 1)} s (${f(r.rowsPerCpuSecond, 0)}), ${f(r.peakRssMiB, 0)} MiB (${f(r.largeHeapPeakRssMiB, 0)} MiB)`,
      '',
      '≥ 100000 rows/s, < 256 MiB',
    ]);
    rows.push([
      `the same discovery with the document on standard output to /dev/null (\`--out -\`): wall s, CPU s (rows per CPU s)`,
      `${f(r.toNull.seconds, 1)} s, ${f(r.toNull.cpuSeconds, 1)} s (${f(r.rows / r.toNull.cpuSeconds, 0)})`,
      '',
      '',
    ]);
    if (r.psql)
      rows.push([
        `the same ${r.rows} rows through psql COPY (…) TO STDOUT to /dev/null: wall s (CPU s); dsr discover's wall time / psql's, to /dev/null (to a file)`,
        `${f(r.psql.seconds, 2)} s (${f(r.psql.cpuSeconds, 2)}); ${f(r.psql.wallRatio, 2)}× (${f(r.psql.fileWallRatio, 2)}×)`,
        '',
        '≤ 2×',
      ]);
    if (r.driver)
      rows.push([
        `the same ${r.rows} rows through the pg driver alone (read as arrays of text and dropped, in the bench's process): wall s (CPU s); its wall time / psql's`,
        `${f(r.driver.seconds, 2)} s (${f(r.driver.cpuSeconds, 2)})${r.driver.psqlRatio === undefined ? '' : `; ${f(r.driver.psqlRatio, 2)}×`}`,
        '',
        '',
      ]);
  }
  for (const k of heavy.keyless) {
    const show = (o: (typeof k)['capped']) =>
      o.ok
        ? `${f(o.seconds, 1)} s, ${f(o.cpuSeconds, 1)} s, ${f(o.peakRssMiB, 0)} MiB (document sha256 ${o.sha256.slice(0, 12)}…)`
        : `failed after ${f(o.seconds, 1)} s, ${f(o.cpuSeconds, 1)} s (${o.error}), ${f(o.peakRssMiB, 0)} MiB`;
    rows.push([
      `dsr discover, subject with ${k.keylessRows} rows in a keyless table (and its user): wall s, CPU s, peak RSS MiB (when that fails, with NODE_OPTIONS=--max-old-space-size=4096)`,
      `${show(k.capped)}${k.largeHeap ? ` (${show(k.largeHeap)})` : ''}`,
      '',
      '< 256 MiB with the default cap',
    ]);
  }
  if (heavy.largeValue)
    rows.push([
      `dsr discover, a user whose jsonb document is ${heavy.largeValue.mib} MiB of JSON text: wall s, peak RSS MiB`,
      `${f(heavy.largeValue.seconds, 1)} s, ${f(heavy.largeValue.peakRssMiB, 0)} MiB`,
      `start-up alone ${f(heavy.startupPeakRssMiB, 0)} MiB`,
      '< 256 MiB',
    ]);
}
const table = [
  `| ${rows[0]?.join(' | ')} |`,
  '| --- | --- | --- | --- |',
  ...rows.slice(1).map((r) => `| ${r.join(' | ')} |`),
].join('\n');
log('');
log(table);
const elapsed = (Date.now() - started) / 1000;
log(`\n${generatedMs ? `generation ${f(generatedMs / 1000, 0)} s; ` : ''}total ${f(elapsed, 0)} s`);

await mkdir('bench/results', { recursive: true });
const command = [
  'npm run bench --',
  `--scale ${options.scale} --subjects ${options.subjects} --pool ${options.pool}`,
  ...(options.only.join(',') !== DEFAULT_SUITES.join(',') ? [`--only ${options.only.join(',')}`] : []),
  ...(only.has('pipeline')
    ? [`--pipeline-requests ${options.pipelineRequests} --pipeline-runs ${options.pipelineRuns}`]
    : []),
  ...(only.has('heavy-pipeline')
    ? [
        `--heavy-rows ${options.heavyRows} --heavy-heap-mb ${options.heavyHeapMb} --heavy-part-bytes ${options.heavyPartBytes}`,
      ]
    : []),
  ...(only.has('heavy') ? [`--heavy-sizes ${options.heavySizes.join(',')}`] : []),
].join(' ');
const header = `# Benchmark results\n\n\`${command}\` on ${cpus().length} × ${cpus()[0]?.model ?? 'CPU'}, ${new Date().toISOString().slice(0, 10)}.\n\n`;
await writeFile('bench/results/latest.md', `${header}${table}\n`);
const { samples, ...discoveryFigures } = discovery ?? { samples: undefined };
await writeFile(
  'bench/results/latest.json',
  `${JSON.stringify(
    {
      options,
      ...(startup ? { startup } : {}),
      ...(discovery ? { discovery: discoveryFigures } : {}),
      ...(serialization ? { serialization } : {}),
      ...(pressure ? { pressure } : {}),
      ...(load ? { load } : {}),
      ...(coldStart ? { coldStart } : {}),
      ...(pipeline ? { pipeline } : {}),
      ...(heavyPipeline ? { heavyPipeline } : {}),
      ...(heavy ? { heavy } : {}),
      ...(guard ? { guard } : {}),
      elapsedSeconds: elapsed,
    },
    null,
    2,
  )}\n`,
);
const written = ['bench/results/latest.md', 'latest.json'];
if (samples) {
  await writeFile(
    'bench/results/discovery-latency.svg',
    latencyChartSvg([{ label: 'dsr-bridge per-subject latency', color: '#1f77b4', samples }]),
  );
  written.push('discovery-latency.svg');
}
log(`written: ${written.join(', ')}`);
