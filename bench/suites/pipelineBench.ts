import { readFile } from 'node:fs/promises';
import pg from 'pg';
import type { LocalEventSourcePoller } from '../../local/aws/LocalEventSourcePoller';
import type { PipelineQueueName } from '../../local/aws/startLocalAws';
import { seedWarehouse } from '../../local/demo/warehouse';
import { startLocalPipeline } from '../../local/pipeline/startLocalPipeline';
import { startEmbeddedPostgres } from '../../local/postgres/embeddedPostgres';
import { generateSampleData, ROWS_PER_SCALE } from '../../local/sample/generateSampleData';
import { startLocalSnowflake } from '../../local/snowflake/startLocalSnowflake';
import { parseDataMap } from '../../shared/datamap/loadDataMap';
import { REQUEST_STATES } from '../../shared/ledger/RequestState';
import { DsnCredentialSource } from '../../shared/postgres/DsnCredentialSource';
import { PgDatabase } from '../../shared/postgres/PgDatabase';
import { configureSnowflakeDriver } from '../../shared/snowflake/configureSnowflakeDriver';
import { medianOf, type Summary, seededRandom, summarize } from '../stats';

const HASH_KEY = 'bench-pipeline-subject-hash-key-0123456789';
const EVIDENCE = { database: 'DSR', schema: 'EVIDENCE' };
const MAP_FILE = 'local/demo/datamap.yaml';

export interface PipelineRun {
  readonly requests: number;
  readonly loaded: number;
  /** Requests that ended otherwise (quarantined, dead-lettered) or not within the time limit. */
  readonly notLoaded: number;
  /** From the first submit to the last `loaded` log line, ms. */
  readonly wallMs: number;
  readonly requestsPerMinute: number;
  /** Per request: its SendMessage acknowledged → the load handler's `loaded` log line, ms. */
  readonly intakeToLoadedMs: Summary;
  /** The same, with the `loaded` time read from the ledger (`DSR_LEDGER`), ms: a cross-check. */
  readonly ledgerIntakeToLoadedMs: Summary;
  /** Time to submit all requests (concurrent SendMessage calls), ms. */
  readonly submitMs: number;
  /** Retries (`will retry` log lines) and the largest batch each queue's poller received. */
  readonly retries: number;
  /** Receives or deletes that failed in a poller (the poller carries on). */
  readonly pollErrors: number;
  readonly largestBatch: Readonly<Record<PipelineQueueName, number>>;
  /** Per ledger state: the median over requests of the time from intake to its first such entry, ms. */
  readonly stateReachedMs: Readonly<Record<string, number>>;
}

export interface PipelineResult {
  readonly requests: number;
  readonly runs: number;
  readonly warmupRequests: number;
  readonly batchSize: number;
  readonly database: string;
  /** Median of the runs, with min–max. */
  readonly requestsPerMinute: { median: number; min: number; max: number };
  readonly intakeToLoadedMedianMs: { median: number; min: number; max: number };
  readonly intakeToLoadedP95Ms: { median: number; min: number; max: number };
  readonly perRun: readonly PipelineRun[];
}

/** Distinct generated users' emails, drawn with a fixed seed (generated users are `<first>.<id>@example.com`). */
async function drawSubjects(dsn: string, users: number, count: number): Promise<string[]> {
  const random = seededRandom(2024);
  const ids = Array.from({ length: users }, (_, i) => i + 1);
  for (let i = ids.length - 1; i > 0; i--) {
    const j = Math.floor(random() * (i + 1));
    [ids[i], ids[j]] = [ids[j] as number, ids[i] as number];
  }
  const picked = ids.slice(0, Math.min(count, users));
  const client = new pg.Client({ connectionString: dsn });
  await client.connect();
  try {
    const { rows } = await client.query<{ email: string }>(
      'SELECT email FROM public.users WHERE id = ANY($1::bigint[]) ORDER BY array_position($1::bigint[], id)',
      [picked],
    );
    return rows.map((r) => r.email);
  } finally {
    await client.end();
  }
}

/**
 * The pipeline end to end on the local runtime (the real handlers over local SQS and S3, the local
 * Snowflake endpoint, embedded PostgreSQL with the demo's data): N access requests for real
 * subjects, half high and half standard priority, submitted at once while one poller per queue
 * (batch size 10, as the stack's event sources) runs concurrently, each receiving with the wait the
 * local pipeline gives it (0 s: the local server gathers for 40 ms and answers with what it has; a
 * longer wait there would hold a receive until 10 messages arrived, which SQS does not). Measures requests per minute and
 * each request's time from intake to `loaded`. A warm-up run (handlers' first invocations: logins,
 * pools, catalogs) is left out; each measured run uses fresh request ids.
 */
export async function pipelineBench(options: {
  requests: number;
  runs: number;
  warmupRequests?: number;
  timeoutMs?: number;
  log?: (line: string) => void;
  /** An empty database to use instead of a fresh embedded server (the smoke test's). */
  postgresDsn?: string;
  /** Scale of the sample data seeded into it. @default 1 */
  sampleScale?: number;
}): Promise<PipelineResult> {
  const log = options.log ?? (() => undefined);
  const warmupRequests = options.warmupRequests ?? 20;
  const timeoutMs = options.timeoutMs ?? Math.max(120_000, options.requests * 2_000);
  configureSnowflakeDriver({ logLevel: 'OFF' });

  const cleanups: (() => Promise<unknown>)[] = [];
  try {
    // A small fresh database as the demo's: the sample shop at scale 1 plus the demo's newsletter table.
    const sampleScale = options.sampleScale ?? 1;
    const server = options.postgresDsn
      ? { dsn: options.postgresDsn }
      : await startEmbeddedPostgres({ label: 'bench-pipeline' });
    if ('stop' in server) cleanups.unshift(() => server.stop());
    await generateSampleData(server.dsn, { scale: sampleScale, seed: 42 });
    const db = new PgDatabase({
      credentials: new DsnCredentialSource(server.dsn),
      applicationName: 'dsr-bench',
    });
    cleanups.unshift(() => db.end());
    await db.withClient(async (c) => c.query(await readFile('local/demo/demo.sql', 'utf8')));
    const dataMap = parseDataMap(await readFile(MAP_FILE, 'utf8'), MAP_FILE);

    const sf = await startLocalSnowflake();
    cleanups.unshift(() => sf.stop());
    await seedWarehouse(sf, db, dataMap, { drift: {}, evidence: EVIDENCE });

    // The load handler's `loaded` line and every retry, as they are written.
    const loadedAt = new Map<string, number>();
    const otherTerminal = new Set<string>();
    let retries = 0;
    const sink = (line: string) => {
      if (!line.includes('"message"')) return;
      const entry = JSON.parse(line) as { message?: string; requestId?: string };
      if (entry.message === 'will retry') retries += 1;
      if (!entry.requestId) return;
      if (entry.message === 'loaded') loadedAt.set(entry.requestId, Date.now());
      else if (entry.message === 'dead-lettered' || entry.message === 'quarantined by the compliance gate')
        otherTerminal.add(entry.requestId);
    };
    const pipeline = await startLocalPipeline({
      dataMapFile: MAP_FILE,
      pgDsn: server.dsn,
      snowflake: sf,
      evidence: EVIDENCE,
      subjectHashKey: HASH_KEY,
      logSink: sink,
      metricSink: () => undefined,
    });
    cleanups.unshift(() => pipeline.stop());

    const emails = await drawSubjects(
      server.dsn,
      Math.round(ROWS_PER_SCALE.users * sampleScale),
      options.requests,
    );
    const batchSize = 10;

    const runOnce = async (label: string, count: number): Promise<PipelineRun> => {
      const ids = Array.from({ length: count }, (_, i) => `BENCH-${label}-${String(i + 1).padStart(5, '0')}`);
      const largestBatch = { high: 0, standard: 0, gate: 0, load: 0, erase: 0 } as Record<
        PipelineQueueName,
        number
      >;
      retries = 0;
      let pollErrors = 0;
      let stopping = false;
      const loops = (Object.entries(pipeline.pollers) as [PipelineQueueName, LocalEventSourcePoller][]).map(
        async ([name, poller]) => {
          while (!stopping) {
            try {
              const result = await poller.pollOnce();
              largestBatch[name] = Math.max(largestBatch[name], result.received);
            } catch {
              pollErrors += 1;
              await new Promise((resolve) => setTimeout(resolve, 100));
            }
          }
        },
      );

      const submittedAt = new Map<string, number>();
      const receivedAt = new Date().toISOString();
      const firstSubmit = Date.now();
      await Promise.all(
        ids.map(async (requestId, i) => {
          const email = emails[i % emails.length] ?? '';
          const body = JSON.stringify({
            version: 1,
            requestId,
            type: 'access',
            subject: { email: [email] },
            jurisdiction: 'GDPR',
            receivedAt,
          });
          await pipeline.submit(body, i % 2 === 0 ? 'high' : 'standard');
          submittedAt.set(requestId, Date.now());
        }),
      );
      const submitMs = Date.now() - firstSubmit;

      const done = () => ids.every((id) => loadedAt.has(id) || otherTerminal.has(id));
      const deadline = Date.now() + timeoutMs;
      while (!done() && Date.now() < deadline) await new Promise((resolve) => setTimeout(resolve, 50));
      stopping = true;
      await Promise.all(loops);

      const loadedIds = ids.filter((id) => loadedAt.has(id));
      const latencies = loadedIds.map((id) => (loadedAt.get(id) ?? 0) - (submittedAt.get(id) ?? 0));
      const lastLoaded = Math.max(...loadedIds.map((id) => loadedAt.get(id) ?? 0));
      const wallMs = lastLoaded - firstSubmit;

      const ledger = await sf.sql(
        `SELECT "REQUEST_ID", "STATE", "EVENT_TIME" FROM ${EVIDENCE.database}.${EVIDENCE.schema}.DSR_LEDGER WHERE "REQUEST_ID" LIKE ?`,
        [`BENCH-${label}-%`],
      );
      const sinceIntake = (r: (typeof ledger)[number]) =>
        Date.parse(String(r.EVENT_TIME)) - (submittedAt.get(String(r.REQUEST_ID)) ?? Number.NaN);
      const ledgerRows = ledger.filter((r) => r.STATE === 'loaded');
      const ledgerLatencies = ledgerRows.map(sinceIntake).filter((n) => Number.isFinite(n));
      const stateReachedMs: Record<string, number> = {};
      for (const state of REQUEST_STATES) {
        const first = new Map<string, number>();
        for (const r of ledger) {
          const t = sinceIntake(r);
          const id = String(r.REQUEST_ID);
          if (r.STATE === state && Number.isFinite(t)) first.set(id, Math.min(first.get(id) ?? t, t));
        }
        if (first.size > 0) stateReachedMs[state] = summarize([...first.values()]).median;
      }
      if (ledgerRows.length !== loadedIds.length)
        log(`  ledger has ${ledgerRows.length} loaded entries, the log ${loadedIds.length}`);

      return {
        requests: count,
        loaded: loadedIds.length,
        notLoaded: count - loadedIds.length,
        wallMs,
        requestsPerMinute: loadedIds.length > 0 ? (loadedIds.length * 60_000) / wallMs : 0,
        intakeToLoadedMs: summarize(latencies),
        ledgerIntakeToLoadedMs: summarize(ledgerLatencies),
        submitMs,
        retries,
        pollErrors,
        largestBatch,
        stateReachedMs,
      };
    };

    if (warmupRequests > 0) {
      log(`  warm-up: ${warmupRequests} requests (handlers' first invocations), not counted`);
      const warm = await runOnce('WARMUP', warmupRequests);
      if (warm.notLoaded > 0) log(`  warm-up: ${warm.notLoaded} of ${warm.requests} requests not loaded`);
    }
    const perRun: PipelineRun[] = [];
    for (let run = 1; run <= options.runs; run++) {
      const r = await runOnce(`R${run}`, options.requests);
      perRun.push(r);
      log(
        `  run ${run}: ${r.loaded}/${r.requests} loaded in ${(r.wallMs / 1000).toFixed(1)} s ` +
          `(${r.requestsPerMinute.toFixed(0)} requests/min); intake→loaded median ${(r.intakeToLoadedMs.median / 1000).toFixed(2)} s, ` +
          `p95 ${(r.intakeToLoadedMs.p95 / 1000).toFixed(2)} s (ledger: ${(r.ledgerIntakeToLoadedMs.median / 1000).toFixed(2)} / ${(r.ledgerIntakeToLoadedMs.p95 / 1000).toFixed(2)} s); ` +
          `submit ${r.submitMs} ms; retries ${r.retries}; poll errors ${r.pollErrors}; largest batches ${JSON.stringify(r.largestBatch)}`,
      );
      log(
        `    median time from intake to each ledger state, s: ${Object.entries(r.stateReachedMs)
          .map(([state, t]) => `${state} ${(t / 1000).toFixed(2)}`)
          .join(', ')}`,
      );
    }
    return {
      requests: options.requests,
      runs: options.runs,
      warmupRequests,
      batchSize,
      database: 'fresh embedded PostgreSQL, sample shop at scale 1 + demo.sql (newsletter table)',
      requestsPerMinute: medianOf(perRun.map((r) => r.requestsPerMinute)),
      intakeToLoadedMedianMs: medianOf(perRun.map((r) => r.intakeToLoadedMs.median)),
      intakeToLoadedP95Ms: medianOf(perRun.map((r) => r.intakeToLoadedMs.p95)),
      perRun,
    };
  } finally {
    for (const cleanup of cleanups) await cleanup().catch(() => undefined);
  }
}
