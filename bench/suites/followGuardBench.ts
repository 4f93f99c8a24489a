import pg from 'pg';
import { startEmbeddedPostgres } from '../../local/postgres/embeddedPostgres';
import { parseDataMap } from '../../shared/datamap/loadDataMap';
import { discoverSubjectStream } from '../../shared/discovery/discoverSubject';
import { DsnCredentialSource } from '../../shared/postgres/DsnCredentialSource';
import { PgDatabase } from '../../shared/postgres/PgDatabase';
import { PostgresTableSearcher } from '../../shared/postgres/PostgresTableSearcher';
import { type Summary, summarize } from '../stats';

export interface FollowGuardBenchResult {
  /** The subject's orders, each with a reference of its own that shipments follow. */
  readonly values: number;
  readonly rows: number;
  readonly runs: number;
  readonly guardedMs: Summary;
  readonly unguardedMs: Summary;
  readonly ratio: number;
}

/** One customer holds `values` of the 5 × `values` orders; every order has one shipment by its reference. */
const MAP = parseDataMap(
  `version: 1
identities: { email: { normalize: lowercase } }
postgres:
  - table: public.customers
    primaryKey: [id]
    identities: { email: email }
  - table: public.orders
    primaryKey: [id]
    follow: { customer_id: public.customers.id }
  - table: public.shipments
    primaryKey: [id]
    follow: { ref: public.orders.ref }
`,
  'follow-guard-bench.yaml',
);

/**
 * What the follow guard costs: a subject whose `values` orders each carry a reference of their own
 * (`orders.ref`, indexed, not a key), which `shipments.ref` (not a key) follows, so every reference
 * is counted before it is followed. Discovery with the guard and without it (as erasure runs it),
 * alternately, `runs` times each after one of each to warm up; the same rows both ways.
 */
export async function followGuardBench(options: {
  readonly values: number;
  readonly runs: number;
  /** An empty database to use instead of a fresh embedded server (the smoke test's). */
  readonly postgresDsn?: string;
}): Promise<FollowGuardBenchResult> {
  const server = options.postgresDsn ? undefined : await startEmbeddedPostgres({ label: 'bench-guard' });
  const dsn = options.postgresDsn ?? server?.dsn ?? '';
  const db = new PgDatabase({ credentials: new DsnCredentialSource(dsn), applicationName: 'dsr-bench' });
  try {
    const client = new pg.Client({ connectionString: dsn });
    await client.connect();
    try {
      await client.query(
        `DROP TABLE IF EXISTS customers, orders, shipments;
        CREATE TABLE customers (id int PRIMARY KEY, email text NOT NULL);
        CREATE TABLE orders (id int PRIMARY KEY, customer_id int NOT NULL, ref text NOT NULL, total int);
        CREATE TABLE shipments (id int PRIMARY KEY, ref text NOT NULL, carrier text);
        INSERT INTO customers SELECT i, 'c' || i || '@x.test' FROM generate_series(1, 1000) i;
        INSERT INTO orders SELECT i, CASE WHEN i <= $1 THEN 1 ELSE 2 + i % 999 END, 'R' || i, i
          FROM generate_series(1, 5 * $1::int) i;
        INSERT INTO shipments SELECT i, 'R' || i, 'carrier' FROM generate_series(1, 5 * $1::int) i;
        CREATE INDEX ON orders (customer_id, id); CREATE INDEX ON orders (ref); CREATE INDEX ON shipments (ref, id);
        ANALYZE;`.replaceAll('$1', String(Math.trunc(options.values))),
      );
    } finally {
      await client.end();
    }
    const postgres = await PostgresTableSearcher.create(db, MAP, 'follow-guard-bench.yaml');
    const discover = async (followGuard: boolean) => {
      const started = performance.now();
      const { findings } = await discoverSubjectStream(
        {
          dataMap: MAP,
          searchers: { postgres },
          subjectHashKey: 'bench-follow-guard-key-0123456789abcdef',
          followGuard,
        },
        { requestId: 'bench', identifiers: { email: ['c1@x.test'] } },
      );
      const ms = performance.now() - started;
      const rows = Object.values(findings.summary.counts.postgres ?? {}).reduce((n, r) => n + Number(r), 0);
      await findings.dispose();
      return { ms, rows };
    };
    await discover(true);
    await discover(false);
    const guarded: number[] = [];
    const unguarded: number[] = [];
    let rows = 0;
    for (let i = 0; i < options.runs; i++) {
      const on = await discover(true);
      const off = await discover(false);
      if (on.rows !== off.rows)
        throw new Error(`the guard changed the rows found: ${on.rows} against ${off.rows}`);
      rows = on.rows;
      guarded.push(on.ms);
      unguarded.push(off.ms);
    }
    const guardedMs = summarize(guarded);
    const unguardedMs = summarize(unguarded);
    return {
      values: options.values,
      rows,
      runs: options.runs,
      guardedMs,
      unguardedMs,
      ratio: guardedMs.median / unguardedMs.median,
    };
  } finally {
    await db.end();
    await server?.stop();
  }
}
