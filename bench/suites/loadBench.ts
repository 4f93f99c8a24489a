import { type CanonicalValue, JsonNumber } from '../../shared/canonical/CanonicalValue';
import { canonicalJson } from '../../shared/canonical/canonicalJson';
import { sha256Hex } from '../../shared/canonical/sha256';
import { buildFindingsDocument, type FindingsDocument } from '../../shared/discovery/FindingsDocument';
import type { ProvenanceEntry } from '../../shared/discovery/Provenance';
import type { TableResult, TracedRow } from '../../shared/discovery/traverse';
import { loadFindings } from '../../shared/load/loadFindings';
import { configureSnowflakeDriver } from '../../shared/snowflake/configureSnowflakeDriver';
import { quoteSnowflakeIdent as q } from '../../shared/snowflake/quoteSnowflakeIdent';
import { SnowflakeDatabase } from '../../shared/snowflake/SnowflakeDatabase';
import {
  createFindingsTableSql,
  insertFindingRowSql,
  type LoadLocation,
  timestampBind,
} from '../../shared/snowflake/statements';
import { medianOf, ms, seededRandom } from '../stats';

export interface LoadResult {
  /** Findings per batched run. */
  readonly rows: number;
  /** Findings per one-row baseline run. */
  readonly baselineRows: number;
  readonly batchSize: number;
  readonly runs: number;
  /**
   * `loadFindings` (one MERGE per batch, the batch bound as one JSON array expanded by FLATTEN),
   * findings/s: median, min, max of the runs.
   */
  readonly batchedRowsPerSecond: { median: number; min: number; max: number };
  /** One INSERT … SELECT … PARSE_JSON(?) per finding with plain binds on the same session, findings/s. */
  readonly oneRowRowsPerSecond: { median: number; min: number; max: number };
  /** Median batched / median one-row throughput (target ≥ 20). */
  readonly ratio: number;
  /** A `SELECT 1` on the same session, ms (median, min, max of 50): the per-statement floor. */
  readonly roundTripMs: { median: number; min: number; max: number };
  /** Wall time of each run, ms. */
  readonly batchedMs: readonly number[];
  readonly oneRowMs: readonly number[];
}

const AT: LoadLocation = { database: 'EVIDENCE', schema: 'DSR' };
/** The baseline's table: the same DDL as `DSR_FINDINGS`, in its own schema. */
const BASELINE_AT: LoadLocation = { database: 'EVIDENCE', schema: 'DSR_BASELINE' };

/**
 * Rows as discovery hands them over: an order with a JSON document (exact numbers inside), an exact
 * numeric as a string, a timestamp, plain text and integers; spread over three tables.
 */
export function benchFindingsDocument(requestId: string, rows: number, seed = 7): FindingsDocument {
  const random = seededRandom(seed);
  const orders: TracedRow[] = [];
  const events: TracedRow[] = [];
  const addresses: TracedRow[] = [];
  const byEmail: ProvenanceEntry = {
    column: 'email',
    identity: 'email',
    round: 1,
    source: 'request',
    via: 'identity',
  };
  const byUser: ProvenanceEntry = {
    column: 'user_id',
    from: 'postgres:public.users.id',
    round: 2,
    via: 'follow',
  };
  for (let i = 1; i <= rows; i++) {
    const cents = Math.floor(random() * 10_000_000);
    const at = new Date(Date.UTC(2024, 0, 1) + Math.floor(random() * 3e10)).toISOString();
    const kind = i % 3;
    if (kind === 0) {
      orders.push({
        provenance: [byEmail],
        key: { id: i },
        row: {
          id: i,
          user_id: 4711,
          total: `${Math.floor(cents / 100)}.${String(cents % 100).padStart(2, '0')}`,
          status: random() < 0.8 ? 'delivered' : 'refunded',
          placed_at: at,
          details: {
            items: [
              { sku: `SKU-${i}`, qty: new JsonNumber(String(1 + (i % 4))), price: new JsonNumber('19.99') },
              { sku: `SKU-${i + 1}`, qty: new JsonNumber('1'), price: new JsonNumber('123456789012345.67') },
            ],
            shipping: { method: 'standard', address: { city: 'Zürich', zip: '8001' } },
            note: null,
          },
        },
      });
    } else if (kind === 1) {
      events.push({
        provenance: [byUser],
        key: { id: String(9_007_199_254_740_993n + BigInt(i)) },
        row: {
          id: String(9_007_199_254_740_993n + BigInt(i)),
          user_id: 4711,
          kind: 'page_view',
          occurred_at: at,
          payload: {
            path: `/products/${i}`,
            referrer: 'https://example.com/?q=zoë',
            ms: new JsonNumber('412'),
          },
        },
      });
    } else {
      addresses.push({
        provenance: [byUser],
        key: { id: i },
        row: {
          id: i,
          user_id: 4711,
          line1: `${i} Main Street "B"`,
          city: 'Zoë 😀 日本',
          balance: '12345678901234567890.123456789012345678',
          updated_at: at,
          geo: { lat: new JsonNumber('47.3769'), lon: new JsonNumber('8.5417') },
        },
      });
    }
  }
  const tables: TableResult[] = [
    { system: 'postgres', table: 'public.orders', primaryKey: ['id'], rows: orders },
    { system: 'postgres', table: 'public.addresses', primaryKey: ['id'], rows: addresses },
    { system: 'snowflake', table: 'ANALYTICS.PUBLIC.EVENTS', primaryKey: ['ID'], rows: events },
  ];
  return buildFindingsDocument({ requestId, subjectHash: sha256Hex(`subject-${seed}`), tables });
}

async function loadOneRowAtATime(
  db: SnowflakeDatabase,
  document: FindingsDocument,
  discoveredAt: Date,
): Promise<void> {
  const sql = insertFindingRowSql(BASELINE_AT);
  const at = timestampBind(discoveredAt);
  for (const f of document.findings) {
    const rowJson = canonicalJson(f.row as CanonicalValue);
    await db.execute(sql, [
      document.requestId,
      f.system,
      f.table,
      canonicalJson(f.key as CanonicalValue),
      rowJson,
      sha256Hex(rowJson),
      document.evidenceHash,
      at,
      canonicalJson(f.provenance as unknown as CanonicalValue),
    ]);
  }
}

async function countRows(db: SnowflakeDatabase, at: LoadLocation, requestId: string): Promise<number> {
  const [row] = await db.query(
    `SELECT COUNT(*) AS "N" FROM ${q(at.database)}.${q(at.schema)}.${q('DSR_FINDINGS')} WHERE "REQUEST_ID" = ?`,
    [requestId],
  );
  return Number(row?.N);
}

/**
 * Loading throughput through the real driver against the local Snowflake endpoint: `loadFindings`
 * (MERGE per batch, one bound JSON array through FLATTEN) against one INSERT per finding on the same session. Each run
 * uses a fresh request id, so every MERGE inserts; a warm-up run of each (login, table creation)
 * is left out; every run is checked to have landed all its rows.
 */
export async function loadBench(options: {
  rows: number;
  baselineRows: number;
  runs: number;
  batchSize?: number;
  log?: (line: string) => void;
}): Promise<LoadResult> {
  const batchSize = options.batchSize ?? 500;
  configureSnowflakeDriver({ ocspFailOpen: true, logLevel: 'OFF' });
  // Loaded here so that DuckDB is not needed by the other suites.
  const { startLocalSnowflake } = await import('../../local/snowflake/startLocalSnowflake');
  const sf = await startLocalSnowflake();
  const db = new SnowflakeDatabase({
    account: sf.account,
    user: 'DSR',
    password: 'dsr',
    accessUrl: sf.url,
    statementTimeoutMs: 120_000,
    loginTimeoutMs: 30_000,
    networkTimeoutMs: 120_000,
  });
  try {
    await sf.sql(`CREATE DATABASE ${AT.database}`);
    await sf.sql(`CREATE SCHEMA ${AT.database}.${AT.schema}`);
    await sf.sql(`CREATE SCHEMA ${BASELINE_AT.database}.${BASELINE_AT.schema}`);
    await db.execute(createFindingsTableSql(BASELINE_AT));
    const discoveredAt = new Date('2025-03-01T12:00:00.000Z');

    const batched = async (requestId: string): Promise<number> => {
      const document = benchFindingsDocument(requestId, options.rows);
      const start = process.hrtime.bigint();
      await loadFindings(db, AT, document, { discoveredAt, batchSize });
      const elapsed = ms(start);
      const landed = await countRows(db, AT, requestId);
      if (landed !== options.rows) throw new Error(`batched load landed ${landed} of ${options.rows} rows`);
      return elapsed;
    };
    const oneRow = async (requestId: string): Promise<number> => {
      const document = benchFindingsDocument(requestId, options.baselineRows);
      const start = process.hrtime.bigint();
      await loadOneRowAtATime(db, document, discoveredAt);
      const elapsed = ms(start);
      const landed = await countRows(db, BASELINE_AT, requestId);
      if (landed !== options.baselineRows)
        throw new Error(`one-row load landed ${landed} of ${options.baselineRows} rows`);
      return elapsed;
    };

    await batched('bench-load-warmup');
    await oneRow('bench-one-row-warmup');
    const batchedMs: number[] = [];
    const oneRowMs: number[] = [];
    // Interleaved, so that a slow spell of the machine weighs on both sides alike.
    for (let run = 1; run <= options.runs; run++) {
      batchedMs.push(await batched(`bench-load-${run}`));
      oneRowMs.push(await oneRow(`bench-one-row-${run}`));
      options.log?.(
        `  run ${run}: batched ${options.rows} rows ${batchedMs.at(-1)?.toFixed(0)} ms; one-row ${options.baselineRows} rows ${oneRowMs.at(-1)?.toFixed(0)} ms`,
      );
    }
    const roundTrips: number[] = [];
    for (let i = 0; i < 50; i++) {
      const start = process.hrtime.bigint();
      await db.query('SELECT 1');
      roundTrips.push(ms(start));
    }
    const roundTripMs = medianOf(roundTrips);
    options.log?.(`  statement round trip (SELECT 1): median ${roundTripMs.median.toFixed(2)} ms`);
    const batchedRowsPerSecond = medianOf(batchedMs.map((t) => (options.rows * 1000) / t));
    const oneRowRowsPerSecond = medianOf(oneRowMs.map((t) => (options.baselineRows * 1000) / t));
    return {
      rows: options.rows,
      baselineRows: options.baselineRows,
      batchSize,
      runs: options.runs,
      batchedRowsPerSecond,
      oneRowRowsPerSecond,
      ratio: batchedRowsPerSecond.median / oneRowRowsPerSecond.median,
      roundTripMs,
      batchedMs,
      oneRowMs,
    };
  } finally {
    await db.close();
    await sf.stop();
  }
}
