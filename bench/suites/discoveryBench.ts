import pg from 'pg';
import { discoverSubject } from '../../shared/discovery/discoverSubject';
import { mappedSchemas } from '../../shared/erasure/planSubjectErasure';
import { readErasureCatalog } from '../../shared/erasure/readErasureCatalog';
import { DsnCredentialSource } from '../../shared/postgres/DsnCredentialSource';
import { PgDatabase } from '../../shared/postgres/PgDatabase';
import { PostgresTableSearcher } from '../../shared/postgres/PostgresTableSearcher';
import type { BenchContext } from '../BenchContext';
import { ms, type Summary, seededRandom, summarize } from '../stats';

const HASH_KEY = 'bench-subject-hash-key-0123456789abcdef';

/** PgDatabase that keeps every search statement it runs, so the same queries can be replayed. */
class RecordingPgDatabase extends PgDatabase {
  recording: { text: string; values: unknown[] }[] | undefined;

  override queryRaw(text: string, values: unknown[] = [], options: { readonly prepare?: boolean } = {}) {
    this.recording?.push({ text, values });
    return super.queryRaw(text, values, options);
  }
}

export interface DiscoveryBenchResult {
  readonly subjects: number;
  readonly poolMax: number;
  readonly latencyMs: Summary;
  readonly rowsPerSubject: number;
  readonly queriesPerSubject: number;
  readonly throughput: { concurrency: number; subjectsPerSecond: number };
  readonly naiveMs: Summary;
  readonly floorMs: Summary;
  /** Ratios of medians, measured on the same subjects in the same run. */
  readonly naiveOverOurs: number;
  readonly oursOverFloor: number;
  /**
   * What a process that lives on pays per request to read the catalogs again: the searcher's
   * (`refreshCatalog`, before each discovery) and the erasure catalog (`readErasureCatalog`).
   */
  readonly catalogRefreshMs: Summary;
  readonly erasureCatalogMs: Summary;
  /** Per-subject latencies, for the chart. */
  readonly samples: readonly number[];
}

/** Emails of users drawn with a fixed seed (generated users are `<first>.<id>@example.com`). */
async function drawSubjects(ctx: BenchContext, count: number): Promise<string[]> {
  const random = seededRandom(2024);
  const ids = Array.from({ length: count }, () => 1 + Math.floor(random() * ctx.users));
  const client = new pg.Client({ connectionString: ctx.dsn });
  await client.connect();
  const { rows } = await client.query<{ email: string }>(
    'SELECT email FROM public.users WHERE id = ANY($1::bigint[]) ORDER BY array_position($1::bigint[], id)',
    [ids],
  );
  await client.end();
  return rows.map((r) => r.email);
}

/**
 * Discovery latency and throughput with the pool at its configured size, against (a) a naive
 * baseline replaying the same statements sequentially with a new connection each, and (b) the
 * floor: PostgreSQL's own planning + execution time for those statements (`EXPLAIN ANALYZE`).
 */
export async function discoveryBench(
  ctx: BenchContext,
  options: { subjects: number; poolMax: number; concurrency: number },
): Promise<DiscoveryBenchResult> {
  const emails = await drawSubjects(ctx, options.subjects);
  const db = new RecordingPgDatabase({
    credentials: new DsnCredentialSource(ctx.dsn),
    poolMax: options.poolMax,
    applicationName: 'dsr-bench',
  });
  try {
    const postgres = await PostgresTableSearcher.create(db, ctx.dataMap, 'local/sample/datamap.yaml');
    const deps = { dataMap: ctx.dataMap, searchers: { postgres }, subjectHashKey: HASH_KEY };
    const discover = (email: string) =>
      discoverSubject(deps, { requestId: 'bench', identifiers: { email: [email] } });
    // Warm the pool, the type cache and PostgreSQL's buffers.
    for (const email of emails.slice(0, 20)) await discover(email);

    const latencies: number[] = [];
    const statements: { text: string; values: unknown[] }[][] = [];
    let rows = 0;
    for (const email of emails) {
      db.recording = [];
      const started = process.hrtime.bigint();
      const { document } = await discover(email);
      latencies.push(ms(started));
      rows += document.findings.length;
      statements.push(db.recording);
    }
    db.recording = undefined;

    const throughputStart = process.hrtime.bigint();
    let next = 0;
    await Promise.all(
      Array.from({ length: options.concurrency }, async () => {
        while (next < emails.length) {
          const email = emails[next++];
          if (email !== undefined) await discover(email);
        }
      }),
    );
    const throughputSeconds = ms(throughputStart) / 1000;

    const catalogRefresh: number[] = [];
    const erasureCatalog: number[] = [];
    for (let i = 0; i < Math.max(5, Math.min(40, emails.length)); i++) {
      const refreshStarted = process.hrtime.bigint();
      await postgres.refreshCatalog();
      catalogRefresh.push(ms(refreshStarted));
      const erasureStarted = process.hrtime.bigint();
      await readErasureCatalog(db, mappedSchemas(ctx.dataMap));
      erasureCatalog.push(ms(erasureStarted));
    }

    const naive = await naiveReplay(ctx.dsn, statements);
    const floor = await explainFloor(ctx.dsn, statements);
    const latencyMs = summarize(latencies);
    const naiveMs = summarize(naive);
    const floorMs = summarize(floor);
    return {
      subjects: emails.length,
      poolMax: options.poolMax,
      latencyMs,
      rowsPerSubject: rows / emails.length,
      queriesPerSubject: statements.reduce((n, s) => n + s.length, 0) / statements.length,
      throughput: { concurrency: options.concurrency, subjectsPerSecond: emails.length / throughputSeconds },
      naiveMs,
      floorMs,
      naiveOverOurs: naiveMs.median / latencyMs.median,
      oursOverFloor: latencyMs.median / floorMs.median,
      catalogRefreshMs: summarize(catalogRefresh),
      erasureCatalogMs: summarize(erasureCatalog),
      samples: latencies,
    };
  } finally {
    await db.end();
  }
}

/** The same statements, one subject at a time, table by table, each on a new connection. */
async function naiveReplay(
  dsn: string,
  statements: { text: string; values: unknown[] }[][],
): Promise<number[]> {
  const latencies: number[] = [];
  for (const subject of statements) {
    const started = process.hrtime.bigint();
    for (const { text, values } of subject) {
      const client = new pg.Client({ connectionString: dsn });
      await client.connect();
      await client.query(text, values);
      await client.end();
    }
    latencies.push(ms(started));
  }
  return latencies;
}

/** Sum of PostgreSQL's planning and execution time for each subject's statements. */
async function explainFloor(
  dsn: string,
  statements: { text: string; values: unknown[] }[][],
): Promise<number[]> {
  const client = new pg.Client({ connectionString: dsn });
  await client.connect();
  try {
    const floors: number[] = [];
    for (const subject of statements) {
      let total = 0;
      for (const { text, values } of subject) {
        const { rows } = await client.query<{
          'QUERY PLAN': [{ 'Planning Time': number; 'Execution Time': number }];
        }>(`EXPLAIN (ANALYZE, FORMAT JSON) ${text}`, values);
        const plan = rows[0]?.['QUERY PLAN'][0];
        total += (plan?.['Planning Time'] ?? 0) + (plan?.['Execution Time'] ?? 0);
      }
      floors.push(total);
    }
    return floors;
  } finally {
    await client.end();
  }
}
