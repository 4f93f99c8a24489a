import type { PgDatabase } from '../postgres/PgDatabase';
import { quoteIdent } from '../postgres/quoteIdent';
import { qualifiedName } from './qualifiedName';

/**
 * How many rows of a table each value of one of its columns reaches: what a subject whose key is
 * that value gets from the table through an edge on the column. `rows` is the table's row count
 * (estimated when sampled); `median`, `p99` and `max` are rows per distinct non-null value.
 */
export interface FanOut {
  readonly rows: number;
  /** Distinct non-null values seen (in the sample, when sampled). */
  readonly keys: number;
  readonly median: number;
  readonly p99: number;
  readonly max: number;
  /** Rows read to measure it, when fewer than the table holds (the figures are then scaled). */
  readonly sampledRows?: number;
}

/** Tables up to this many rows (as estimated) are measured in full. */
const EXACT_ROWS = 200_000;
/** Rows a sample aims at on a larger table. */
const SAMPLE_ROWS = 100_000;

/**
 * Measures a column's fan-out with one grouped query. A table above {@link EXACT_ROWS} is read
 * through `TABLESAMPLE SYSTEM … REPEATABLE (0)` (about {@link SAMPLE_ROWS} rows, the same pages
 * each time) and the counts per value are scaled by the share sampled, so a key that holds half
 * the table still shows as half the table. Only counts leave the database.
 * https://www.postgresql.org/docs/current/functions-aggregate.html (percentile_disc)
 */
export async function measureFanOut(
  db: PgDatabase,
  table: string,
  column: string,
  estimatedRows: number | undefined,
): Promise<FanOut> {
  const sampled = estimatedRows !== undefined && estimatedRows > EXACT_ROWS;
  const tablesample = sampled
    ? `TABLESAMPLE SYSTEM (${Math.min(100, (100 * SAMPLE_ROWS) / (estimatedRows ?? 1)).toFixed(6)}) REPEATABLE (0)`
    : '';
  const result = await db.query<{
    rows: string;
    keys: string;
    median: string | null;
    p99: string | null;
    max: string | null;
  }>(
    `WITH s AS (SELECT ${quoteIdent(column)} AS v FROM ${qualifiedName(table)} ${tablesample}),
          g AS (SELECT count(*) AS n FROM s WHERE v IS NOT NULL GROUP BY v)
     SELECT (SELECT count(*) FROM s)::int8::text AS rows, (SELECT count(*) FROM g)::int8::text AS keys,
            (SELECT percentile_disc(0.5) WITHIN GROUP (ORDER BY n) FROM g)::int8::text AS median,
            (SELECT percentile_disc(0.99) WITHIN GROUP (ORDER BY n) FROM g)::int8::text AS p99,
            (SELECT max(n) FROM g)::int8::text AS max`,
  );
  const row = result.rows[0];
  const read = Number(row?.rows ?? 0);
  const count = (v: string | null | undefined) => Number(v ?? 0);
  if (!sampled || read === 0 || estimatedRows === undefined)
    return {
      rows: read,
      keys: count(row?.keys),
      median: count(row?.median),
      p99: count(row?.p99),
      max: count(row?.max),
    };
  const scale = estimatedRows / read;
  return {
    rows: Math.round(estimatedRows),
    keys: count(row?.keys),
    median: Math.round(count(row?.median) * scale),
    p99: Math.round(count(row?.p99) * scale),
    max: Math.round(count(row?.max) * scale),
    sampledRows: read,
  };
}
