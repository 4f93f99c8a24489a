/**
 * One large subject erased as the erase function does it: the plan's units (`erasureUnits`: in
 * batches of `--batch-rows` PostgreSQL rows, each its own transaction) executed through
 * `executeErasureUnits`, stopping when `handOnErasure` says the invocation's time is short (a
 * simulated `--timeout-ms` function with the default reserve) and resuming from the committed steps,
 * as the next invocation does; then the proof. Prints the invocations it took, the units' times and
 * the process's peak memory, on a fresh embedded PostgreSQL with the erasure bench's schema (70 %
 * orders, 10 % masked notes, 20 % keyless events).
 *
 *   NODE_OPTIONS=--expose-gc npx tsx bench/eraseInBatches.ts --rows 200000 [--batch-rows 10000] [--timeout-ms 300000]
 */
import { randomBytes } from 'node:crypto';
import { loadavg } from 'node:os';
import { parseArgs } from 'node:util';
import { startEmbeddedPostgres } from '../local/postgres/embeddedPostgres';
import { parseDataMap } from '../shared/datamap/loadDataMap';
import type { ErasureStep } from '../shared/erasure/ErasureStep';
import { executeErasureUnits } from '../shared/erasure/executeErasurePlan';
import { findingsErasureNeeds } from '../shared/erasure/findingsErasureNeeds';
import { mappedSchemas, planSubjectErasure } from '../shared/erasure/planSubjectErasure';
import { proveErasure } from '../shared/erasure/proveErasure';
import { readErasureCatalog } from '../shared/erasure/readErasureCatalog';
import { DEFAULT_ERASE_RESERVE_MS, handOnErasure } from '../shared/pipeline/decideErase';
import { DsnCredentialSource } from '../shared/postgres/DsnCredentialSource';
import { PgDatabase } from '../shared/postgres/PgDatabase';
import { PostgresTableSearcher } from '../shared/postgres/PostgresTableSearcher';
import { MAP, SCHEMA } from './suites/erasureBench';

const { values } = parseArgs({
  options: {
    rows: { type: 'string', default: '200000' },
    'batch-rows': { type: 'string', default: '10000' },
    'timeout-ms': { type: 'string', default: '300000' },
  },
});
const rows = Number(values.rows);
const batchRows = Number(values['batch-rows']);
const timeoutMs = Number(values['timeout-ms']);
const HASH_KEY = 'bench-subject-hash-key-0123456789abcdef';
const MASK_KEY = 'bench-erasure-mask-key-0123456789abcdef';

let peakRss = 0;
const sample = setInterval(() => {
  peakRss = Math.max(peakRss, process.memoryUsage().rss);
}, 50);
const mib = (n: number) => (n / 1024 / 1024).toFixed(0);
const seconds = (ms: number) => (ms / 1000).toFixed(1);

const server = await startEmbeddedPostgres({ label: 'bench-erase-batches' });
const db = new PgDatabase({
  credentials: new DsnCredentialSource(server.dsn),
  applicationName: 'dsr-bench',
  poolMax: 4,
});
try {
  await db.withClient((c) => c.query(SCHEMA));
  const orders = Math.floor((rows - 1) * 0.7);
  const notes = Math.floor((rows - 1) * 0.1);
  const events = rows - 1 - orders - notes;
  // The subject (customer 1) and another person (customer 2) of the same shape, who must stay.
  for (const id of [1, 2])
    await db.withClient(async (c) => {
      await c.query('INSERT INTO public.customer VALUES ($1, $2, $3)', [
        id,
        `subject-${id}@bench.test`,
        `S ${id}`,
      ]);
      await c.query(
        'INSERT INTO public.orders SELECT $1 + g, $2, g % 1000 FROM generate_series(1, $3::int) g',
        [id * rows, id, orders],
      );
      await c.query(
        `INSERT INTO public.note SELECT $1 + g, $2, 'staff@bench.test', 'note ' || g FROM generate_series(1, $3::int) g`,
        [id * rows, id, notes],
      );
      await c.query(
        `INSERT INTO public.event_log SELECT $1, 'login', timestamptz '2026-01-01' + g * interval '1 minute' FROM generate_series(1, $2::int) g`,
        [id, events],
      );
    });
  await db.query('ANALYZE');
  const dataMap = parseDataMap(MAP, 'erasure-bench.yaml');
  const postgres = await PostgresTableSearcher.create(db, dataMap, 'erasure-bench.yaml');
  const catalog = await readErasureCatalog(db, mappedSchemas(dataMap));
  const deps = {
    dataMap,
    db,
    searchers: { postgres },
    subjectHashKey: HASH_KEY,
    maskKey: MASK_KEY,
    randomBytes,
    catalog,
  };

  let started = Date.now();
  let planning: Awaited<ReturnType<typeof planSubjectErasure>> | undefined = await planSubjectErasure(deps, {
    requestId: 'bench-batches',
    identifiers: { email: ['subject-1@bench.test'] },
  });
  if (planning.problems.length > 0) throw new Error(`plan refused: ${planning.problems.map((p) => p.code)}`);
  const planMs = Date.now() - started;
  const planBytes = JSON.stringify(planning.plan).length;
  const needs = findingsErasureNeeds(dataMap, catalog);
  const found = planning.findings.findings.length;
  const held = { ...planning.findings, findings: planning.findings.findings.filter((f) => needs(f)) };
  const planned = { plan: planning.plan, known: planning.known };
  // What an erase invocation holds: the plan and the findings it needs (with `--expose-gc`, the heap
  // once the discovery's other findings are collected).
  planning = undefined;
  const gc = (globalThis as { gc?: () => void }).gc;
  gc?.();
  const heldHeap = gc ? process.memoryUsage().heapUsed : undefined;

  const steps: ErasureStep[] = [];
  const unitMs: number[] = [];
  let invocations = 0;
  started = Date.now();
  for (;;) {
    invocations++;
    const invocationStart = Date.now();
    let unitsNow = 0;
    let longest = 0;
    let unitStart = Date.now();
    const executed = await executeErasureUnits(
      { dataMap, writeDb: db, checkDb: db, catalog, maskKey: MASK_KEY, randomBytes, batchRows },
      planned.plan,
      held,
      {
        done: [...steps],
        beforeUnit: () => {
          const at = Date.now();
          unitsNow++;
          longest = Math.max(longest, at - unitStart);
          unitMs.push(at - unitStart);
          unitStart = at;
          return !handOnErasure({
            remainingMs: timeoutMs - (at - invocationStart),
            reserveMs: DEFAULT_ERASE_RESERVE_MS,
            unitsNow,
            longestUnitMs: longest,
          });
        },
      },
    );
    if (executed.outcome === 'refused' || executed.outcome === 'stale')
      throw new Error(`execution ended ${executed.outcome}: ${JSON.stringify(executed)}`);
    steps.push(...executed.steps);
    if (executed.outcome === 'done') {
      if (executed.steps.length > 0) unitMs.push(Date.now() - unitStart);
      break;
    }
  }
  const executeMs = Date.now() - started;
  started = Date.now();
  const verification = await proveErasure(deps, {
    requestId: 'bench-batches',
    plan: planned.plan,
    findings: held,
    known: planned.known,
  });
  const proveMs = Date.now() - started;
  const other = await db.query<{ n: string }>(
    `SELECT ((SELECT count(*) FROM public.orders WHERE customer_id = 2) + (SELECT count(*) FROM public.note WHERE customer_id = 2 AND body LIKE 'note %')
      + (SELECT count(*) FROM public.event_log WHERE customer_id = 2) + 1)::text AS n`,
  );
  const sorted = [...unitMs].sort((a, b) => a - b);
  const median = sorted[Math.floor(sorted.length / 2)] ?? 0;
  process.stdout.write(
    [
      `subject of ${rows} rows (${orders} orders, ${notes} masked notes, ${events} keyless events), batches of ${batchRows}, a ${seconds(timeoutMs)} s function with a ${seconds(DEFAULT_ERASE_RESERVE_MS)} s reserve`,
      `  plan (discover, check): ${seconds(planMs)} s; the plan's JSON ${mib(planBytes)} MiB; findings held ${held.findings.length} of ${found}${heldHeap === undefined ? '' : `; heap then ${mib(heldHeap)} MiB`}`,
      `  execute: ${seconds(executeMs)} s over ${invocations} invocation(s), ${unitMs.length} units (${steps.length} steps), unit median ${median} ms, longest ${sorted.at(-1)} ms`,
      `  prove: ${seconds(proveMs)} s, ${verification.outcome}; the other person's rows left: ${other.rows[0]?.n} of ${rows}`,
      `  peak RSS ${mib(peakRss)} MiB; load average ${loadavg()[0]?.toFixed(1)}`,
      '',
    ].join('\n'),
  );
} finally {
  clearInterval(sample);
  await db.end();
  await server.stop();
}
