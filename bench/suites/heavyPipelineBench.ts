import { mkdir, mkdtemp, readFile, rm } from 'node:fs/promises';
import { join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { Worker } from 'node:worker_threads';
import { build } from 'esbuild';
import { TIMEOUTS } from '../../infra/DsrBridgeStack';
import { startLocalAws } from '../../local/aws/startLocalAws';
import { seedWarehouse } from '../../local/demo/warehouse';
import { startLocalPagerDuty } from '../../local/pipeline/LocalPagerDuty';
import { localFunctionEnvironments } from '../../local/pipeline/localFunctionEnvironments';
import { LOCAL_TUNING } from '../../local/pipeline/startLocalPipeline';
import { startEmbeddedPostgres } from '../../local/postgres/embeddedPostgres';
import { generateSampleData } from '../../local/sample/generateSampleData';
import { startLocalSnowflake } from '../../local/snowflake/startLocalSnowflake';
import { parseDataMap } from '../../shared/datamap/loadDataMap';
import { DsnCredentialSource } from '../../shared/postgres/DsnCredentialSource';
import { PgDatabase } from '../../shared/postgres/PgDatabase';
import { configureSnowflakeDriver } from '../../shared/snowflake/configureSnowflakeDriver';
import { createFindingsTableSql, createLedgerTableSql } from '../../shared/snowflake/statements';
import { seedHeavySubject } from '../heavySubjectData';
import type { HeavyPipelineWorkerData, HeavyPipelineWorkerReport } from './heavyPipelineWorker';

const HASH_KEY = 'bench-heavy-pipeline-subject-hash-key-0123';
const EVIDENCE = { database: 'DSR', schema: 'EVIDENCE' };
const MAP_FILE = 'local/demo/datamap.yaml';
/** The heavy subject (see `seedHeavySubject`). */
const SUBJECT_EMAIL = 'heavy.pipeline@example.com';

export interface HeavyStage {
  readonly fn: 'extract' | 'gate' | 'load' | 'erase';
  readonly invocations: number;
  /** Sum of the invocations' durations, ms. */
  readonly busyMs: number;
  readonly longestInvocationMs: number;
  readonly timeoutMs: number;
  /** Findings per second of the function's busy time. */
  readonly rowsPerSecond: number;
  readonly peakHeapMb: number;
  readonly heapLimitMb: number;
  /** Why the worker ended before the bench stopped it (e.g. out of memory), if it did. */
  readonly died?: string;
}

export interface HeavyPipelineResult {
  /** An access request (intake → loaded) or an erasure (intake → erased or erasure_unverified). */
  readonly type: 'access' | 'erasure';
  readonly rows: number;
  readonly heapMb: number;
  readonly partBytes: number;
  readonly state: string;
  /** Intake sent → `loaded` in the ledger, ms. */
  readonly timeToLoadedMs: number | undefined;
  /** Rows in DSR_FINDINGS for the request: every finding once. */
  readonly rowsLanded: number;
  /** Findings stored more than once (rows less distinct keys); 0 when the load is exactly-once. */
  readonly duplicates: number;
  readonly loadedRows: number | undefined;
  readonly partsLoaded: number | undefined;
  readonly retries: number;
  readonly handedOn: number;
  readonly stages: readonly HeavyStage[];
  /** An erasure's: intake → its end in the ledger, ms. */
  readonly timeToEndMs?: number;
  /** An erasure's: the subject's events left (0 once erased) and every other person's events before and after. */
  readonly erasure?: {
    readonly subjectEventsLeft: number;
    readonly othersBefore: number;
    readonly othersAfter: number;
  };
}

/**
 * One heavy subject through the whole local pipeline with each function's heap capped: the sample
 * shop (small) with one person given `rows` events (`seedHeavySubject`), the real extract, gate and load handlers
 * each in a worker thread with `resourceLimits.maxOldGenerationSizeMb = heapMb` and the stack's
 * timeouts as the remaining time their invocations see, over local SQS and S3 and the local
 * Snowflake endpoint. Reports each function's invocations, busy time, rows per second and peak
 * heap, and the time from intake to `loaded`; checks that DSR_FINDINGS holds every finding once.
 */
export async function heavyPipelineBench(options: {
  rows: number;
  heapMb?: number;
  /** A function's own heap cap, MB, instead of `heapMb` (e.g. the erase function's). */
  heapMbOf?: Partial<Record<HeavyStage['fn'], number>>;
  partBytes?: number;
  timeoutMs?: number;
  log?: (line: string) => void;
  /** An empty database to use instead of a fresh embedded server (the smoke test's). */
  postgresDsn?: string;
  /** Scale of the sample shop around the heavy subject. @default 0.05 */
  sampleScale?: number;
  /**
   * `erasure`: the subject's erasure request instead, through extract, gate and erase (its plan
   * never waits for approval here); ends `erasure_unverified`, as the demo's map has no erasure rule
   * for users. @default 'access'
   */
  type?: 'access' | 'erasure';
}): Promise<HeavyPipelineResult> {
  const type = options.type ?? 'access';
  const log = options.log ?? (() => undefined);
  const heapMb = options.heapMb ?? 512;
  const partBytes = options.partBytes ?? 4 * 1024 * 1024;
  configureSnowflakeDriver({ logLevel: 'OFF' });
  const cleanups: (() => Promise<unknown>)[] = [];
  // Bundled while the databases are seeded; removed last, whatever happened before.
  const bundling = bundleWorker();
  bundling.catch(() => undefined);
  try {
    const server = options.postgresDsn
      ? { dsn: options.postgresDsn }
      : await startEmbeddedPostgres({ label: 'bench-heavy' });
    if ('stop' in server) cleanups.unshift(() => server.stop());
    await generateSampleData(server.dsn, { scale: options.sampleScale ?? 0.05, seed: 42 });
    const db = new PgDatabase({
      credentials: new DsnCredentialSource(server.dsn),
      applicationName: 'dsr-bench',
    });
    cleanups.unshift(() => db.end());
    await db.withClient(async (c) => {
      await c.query(await readFile('local/demo/demo.sql', 'utf8'));
      const started = Date.now();
      await seedHeavySubject(c, { rows: options.rows, email: SUBJECT_EMAIL });
      await c.query('ANALYZE public.events');
      log(`seeded ${options.rows} events for one subject in ${Date.now() - started} ms`);
    });
    const dataMap = parseDataMap(await readFile(MAP_FILE, 'utf8'), MAP_FILE);
    const sf = await startLocalSnowflake();
    cleanups.unshift(() => sf.stop());
    await seedWarehouse(sf, db, dataMap, { drift: {}, evidence: EVIDENCE });
    await sf.sql(createFindingsTableSql(EVIDENCE));
    await sf.sql(createLedgerTableSql(EVIDENCE));
    const aws = await startLocalAws({ maxReceiveCount: 5, visibilityTimeoutSeconds: 30 });
    cleanups.unshift(() => aws.stop());
    const pagerDuty = await startLocalPagerDuty();
    cleanups.unshift(() => pagerDuty.stop());
    const deployed = localFunctionEnvironments({
      dataMapFile: MAP_FILE,
      pgDsn: server.dsn,
      erasurePgDsn: server.dsn,
      erasureMaskKey: 'k'.repeat(40),
      subjectHashKey: HASH_KEY,
      snowflake: { account: sf.account, url: sf.url, user: 'DSR', password: 'dsr', ...EVIDENCE },
      aws,
      pagerDuty: { url: pagerDuty.url, routingKey: 'local-routing-key' },
      maxReceiveCount: 5,
    });

    const functions = [
      { fn: 'extract', env: deployed.extractHigh, queue: aws.queues.high, timeout: TIMEOUTS.extract },
      { fn: 'gate', env: deployed.gate, queue: aws.queues.gate, timeout: TIMEOUTS.gate },
      type === 'erasure'
        ? {
            fn: 'erase' as const,
            env: { ...deployed.erase, DSR_APPROVAL_MAX_ROWS: '100000000' },
            queue: aws.queues.erase,
            timeout: TIMEOUTS.erase,
          }
        : { fn: 'load' as const, env: deployed.load, queue: aws.queues.load, timeout: TIMEOUTS.load },
    ] as const;
    const othersEvents = async () =>
      Number(
        (
          await db.query<{ n: string }>(
            'SELECT count(*) AS n FROM public.events WHERE user_id NOT IN (SELECT id FROM public.users WHERE email = $1)',
            [SUBJECT_EMAIL],
          )
        ).rows[0]?.n,
      );
    const othersBefore = type === 'erasure' ? await othersEvents() : 0;
    const stats = new Map(
      functions.map((f) => [
        f.fn,
        {
          invocations: 0,
          busyMs: 0,
          longest: 0,
          peakHeap: 0,
          limit: 0,
          died: undefined as string | undefined,
        },
      ]),
    );
    let loadedLine: { rows?: number; parts?: number } | undefined;
    let retries = 0;
    let handedOn = 0;
    let terminal: string | undefined;
    const { file: workerFile } = await bundling;
    const workers = functions.map((f) => {
      const data: HeavyPipelineWorkerData = {
        fn: f.fn,
        env: { ...f.env, ...LOCAL_TUNING, SNOWFLAKE_STATEMENT_TIMEOUT_MS: '120000' },
        queue: f.queue,
        timeoutMs: f.timeout.toMilliseconds(),
        aws: {
          region: aws.region,
          sqsEndpoint: aws.sqsEndpoint,
          s3Endpoint: aws.s3Endpoint,
          credentials: aws.credentials,
        },
      };
      const worker = new Worker(workerFile, {
        workerData: data,
        resourceLimits: { maxOldGenerationSizeMb: options.heapMbOf?.[f.fn] ?? heapMb },
      });
      const s = stats.get(f.fn);
      worker.on('message', (report: HeavyPipelineWorkerReport) => {
        if (!s) return;
        if (report.kind === 'invocation') {
          s.invocations += 1;
          s.busyMs += report.ms;
          s.longest = Math.max(s.longest, report.ms);
        } else if (report.kind === 'heap') {
          s.peakHeap = Math.max(s.peakHeap, report.usedBytes);
          s.limit = report.limitBytes;
        } else if (report.kind === 'line') {
          const entry = JSON.parse(report.line) as { message?: string; rows?: number; parts?: number };
          if (entry.message === 'loaded') {
            loadedLine = entry;
            terminal = 'loaded';
          } else if (entry.message === 'erased') terminal = 'erased';
          else if (entry.message === 'erasure not verified') terminal = 'erasure_unverified';
          else if (entry.message?.startsWith('quarantined') || entry.message?.startsWith('erasure refused'))
            terminal = 'quarantined';
          else if (entry.message === 'will retry') retries += 1;
          else if (entry.message === 'dead-lettered') terminal = 'dead_lettered';
          else if (entry.message?.startsWith('time short')) handedOn += 1;
          log(`  ${f.fn}: ${entry.message}${entry.rows !== undefined ? ` (${entry.rows} rows)` : ''}`);
        }
      });
      worker.on('error', (error) => {
        if (s) s.died = error instanceof Error ? `${error.name}: ${error.message}` : String(error);
        terminal ??= `${f.fn} worker died`;
        log(`  ${f.fn}: worker died: ${s?.died}`);
      });
      return worker;
    });
    cleanups.unshift(async () => {
      for (const w of workers) w.postMessage('stop');
      await Promise.all(workers.map((w) => new Promise((resolve) => w.once('exit', resolve))));
    });

    const requestId = `HEAVY-${options.rows}`;
    const submitted = Date.now();
    await aws.sqs.send(
      new (await import('@aws-sdk/client-sqs')).SendMessageCommand({
        QueueUrl: aws.queues.high.url,
        MessageBody: JSON.stringify({
          version: 1,
          requestId,
          type,
          subject: { email: [SUBJECT_EMAIL] },
          jurisdiction: 'GDPR',
          receivedAt: new Date(submitted).toISOString(),
        }),
      }),
    );
    const deadline = submitted + (options.timeoutMs ?? 60 * 60_000);
    while (terminal === undefined && Date.now() < deadline) await new Promise((r) => setTimeout(r, 200));
    const ledger = await sf.sql(
      `SELECT "STATE", "STAGE", "EVENT_TIME" FROM ${EVIDENCE.database}.${EVIDENCE.schema}.DSR_LEDGER WHERE "REQUEST_ID" = ? ORDER BY "EVENT_TIME"`,
      [requestId],
    );
    const loadedAt = ledger.find((e) => e.STATE === 'loaded')?.EVENT_TIME;
    const endedAt = ledger.find((e) =>
      ['erased', 'erasure_unverified', 'quarantined'].includes(String(e.STATE)),
    )?.EVENT_TIME;
    const subjectEventsLeft = Number(
      (
        await db.query<{ n: string }>(
          'SELECT count(*) AS n FROM public.events WHERE user_id IN (SELECT id FROM public.users WHERE email = $1)',
          [SUBJECT_EMAIL],
        )
      ).rows[0]?.n,
    );
    const landed = await sf.sql(
      `SELECT COUNT(*) AS N, COUNT(DISTINCT "SYSTEM" || '|' || "TABLE_NAME" || '|' || "ROW_KEY") AS D FROM ${EVIDENCE.database}.${EVIDENCE.schema}.DSR_FINDINGS WHERE "REQUEST_ID" = ?`,
      [requestId],
    );
    const rowsLanded = Number(landed[0]?.N ?? 0);
    if (Number(landed[0]?.D ?? 0) !== rowsLanded) log('  DSR_FINDINGS holds a finding more than once');
    const rows = loadedLine?.rows ?? rowsLanded;
    return {
      type,
      ...(type === 'erasure'
        ? {
            ...(endedAt ? { timeToEndMs: Date.parse(endedAt) - submitted } : {}),
            erasure: { subjectEventsLeft, othersBefore, othersAfter: await othersEvents() },
          }
        : {}),
      rows: options.rows,
      heapMb,
      partBytes,
      state: terminal ?? 'not finished',
      timeToLoadedMs: loadedAt ? Date.parse(loadedAt) - submitted : undefined,
      rowsLanded,
      duplicates: rowsLanded - Number(landed[0]?.D ?? 0),
      loadedRows: loadedLine?.rows,
      partsLoaded: loadedLine?.parts,
      retries,
      handedOn,
      stages: functions.map((f) => {
        const s = stats.get(f.fn) ?? {
          invocations: 0,
          busyMs: 0,
          longest: 0,
          peakHeap: 0,
          limit: 0,
          died: undefined,
        };
        return {
          fn: f.fn,
          invocations: s.invocations,
          busyMs: s.busyMs,
          longestInvocationMs: s.longest,
          timeoutMs: f.timeout.toMilliseconds(),
          rowsPerSecond: s.busyMs > 0 ? (rows * 1000) / s.busyMs : 0,
          peakHeapMb: s.peakHeap / 1024 / 1024,
          heapLimitMb: s.limit / 1024 / 1024,
          ...(s.died ? { died: s.died } : {}),
        };
      }),
    };
  } finally {
    for (const cleanup of cleanups) await cleanup().catch(() => undefined);
    await bundling.then(
      (bundle) => bundle.remove(),
      () => undefined,
    );
  }
}

/**
 * Bundles the worker (the three handlers and all they import but packages, which stay imports of
 * `node_modules`) into a directory of the checkout, where those imports resolve. Each function then
 * runs from one file, as Lambda runs its bundle, and each worker thread loads it at once instead of
 * compiling every TypeScript module again through a loader of its own.
 */
async function bundleWorker(): Promise<{ file: string; remove: () => Promise<void> }> {
  await mkdir('.dsr-local', { recursive: true });
  const dir = await mkdtemp(join('.dsr-local', 'bench-heavy-pipeline-'));
  const file = resolve(dir, 'worker.mjs');
  await build({
    entryPoints: [fileURLToPath(new URL('./heavyPipelineWorker.ts', import.meta.url))],
    outfile: file,
    bundle: true,
    format: 'esm',
    platform: 'node',
    target: 'node20',
    packages: 'external',
    logLevel: 'error',
  });
  return { file, remove: () => rm(dir, { recursive: true, force: true }) };
}
