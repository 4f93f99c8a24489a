import type { DataMap } from '../datamap/dataMapSchema';
import { normalizeIdentifier } from '../identity/normalizeIdentifier';
import type { PgDatabase } from '../postgres/PgDatabase';
import { qualifiedName, quoteQualifiedName } from '../postgres/qualifiedName';
import { quoteIdent } from '../postgres/quoteIdent';
import { acknowledgedTriggers } from './checkSideEffects';
import type { ErasurePlan } from './ErasurePlan';
import { sqlStateOf } from './sqlStateOf';

/** Rows read per table when the opt-in scan is asked for without a number (`dsr erase --proof-scan-text`). */
export const TEXT_SCAN_DEFAULT_ROWS = 100_000;
/** The most rows per table a deployed erase function may be set to read (`DSR_PROOF_SCAN_TEXT_ROWS`). */
export const TEXT_SCAN_MAX_ROWS = 1_000_000;
/** `statement_timeout` of each table's scan, in the command line and the erase function alike. */
export const TEXT_SCAN_STATEMENT_TIMEOUT_MS = 30_000;

/** How far the opt-in scan of the database's text columns reads. */
export interface TextScanBounds {
  /** Rows read per table (the first ones the table returns). */
  readonly maxRowsPerTable: number;
  /** `statement_timeout` of each table's statement; a table that runs out is reported as not scanned. */
  readonly statementTimeoutMs: number;
}

/** One hit of the scan (or a table it could not finish): names only, never a value. */
export interface TextScanHit {
  readonly table: string;
  /** Absent for a table the scan could not finish within its timeout. */
  readonly column?: string;
  readonly rows: number;
}

/** Values shorter than this are matched whole only (an id `7` would match unrelated text). */
const MIN_SUBSTRING = 6;

/**
 * The opt-in, bounded part of the proof that looks beyond the data map: every text, varchar, char,
 * json and jsonb column the reading role may SELECT, in every table of the database that the map does
 * not name and no acknowledged trigger writes to (those the proof already searches), is searched in
 * the first `maxRowsPerTable` rows for the subject's identifier values: equal (case-insensitively),
 * or, for a value of at least 6 characters, contained. Returns the columns with hits and the tables
 * not finished within the timeout; counts and names only.
 */
export async function scanTextColumns(
  db: Pick<PgDatabase, 'query' | 'withClient'>,
  dataMap: DataMap,
  plan: ErasurePlan,
  known: Record<string, string[]>,
  bounds: TextScanBounds,
): Promise<TextScanHit[]> {
  const skip = new Set(dataMap.postgres.map((s) => s.table));
  for (const t of plan.tables)
    if (t.system === 'postgres')
      for (const w of acknowledgedTriggers(dataMap, t.table)?.writes ?? []) skip.add(w);
  const values = new Set<string>();
  for (const [kind, list] of Object.entries(known)) {
    const spec = dataMap.identities[kind];
    for (const v of list)
      values.add(normalizeIdentifier(v, spec?.normalize ?? 'none', spec?.region).toLowerCase());
  }
  const exact = [...values].sort();
  const long = exact.filter((v) => [...v].length >= MIN_SUBSTRING);
  const columns = await db.query<{ schema: string; table: string; column: string }>(
    `SELECT n.nspname AS schema, c.relname AS table, a.attname AS column
       FROM pg_attribute a JOIN pg_class c ON c.oid = a.attrelid JOIN pg_namespace n ON n.oid = c.relnamespace
      WHERE c.relkind IN ('r', 'p', 'm') AND NOT c.relispartition AND a.attnum > 0 AND NOT a.attisdropped
        AND n.nspname <> 'information_schema' AND n.nspname NOT LIKE 'pg\\_%'
        AND a.atttypid IN ('text'::regtype, 'varchar'::regtype, 'bpchar'::regtype, 'json'::regtype, 'jsonb'::regtype)
        AND has_column_privilege(c.oid, a.attnum, 'SELECT')
      ORDER BY 1, 2, 3`,
  );
  const byTable = new Map<string, string[]>();
  for (const r of columns.rows) {
    const table = qualifiedName(r.schema, r.table);
    if (skip.has(table)) continue;
    byTable.set(table, [...(byTable.get(table) ?? []), r.column]);
  }
  const hits: TextScanHit[] = [];
  if (exact.length === 0) return hits;
  for (const [table, cols] of byTable) {
    const match = (c: string) =>
      `lower(${quoteIdent(c)}::text) = ANY($1::text[]) OR EXISTS (SELECT 1 FROM unnest($2::text[]) AS s WHERE strpos(lower(${quoteIdent(c)}::text), s) > 0)`;
    const sql = `SELECT ${cols.map((c, i) => `count(*) FILTER (WHERE ${match(c)})::int AS c${i}`).join(', ')}
      FROM (SELECT ${cols.map(quoteIdent).join(', ')} FROM ${quoteQualifiedName(table)} LIMIT $3) AS x`;
    const counts = await db
      .withClient(async (client) => {
        await client.query('BEGIN READ ONLY');
        try {
          await client.query(
            `SET LOCAL statement_timeout = ${Math.max(1, Math.trunc(bounds.statementTimeoutMs))}`,
          );
          const r = await client.query<Record<string, number>>(sql, [exact, long, bounds.maxRowsPerTable]);
          return r.rows[0] ?? {};
        } finally {
          await client.query('ROLLBACK').catch(() => undefined);
        }
      })
      .catch((error: unknown) => {
        if (sqlStateOf(error) === '57014') return 'timeout' as const;
        throw error;
      });
    if (counts === 'timeout') {
      hits.push({ table, rows: 0 });
      continue;
    }
    cols.forEach((column, i) => {
      const n = Number(counts[`c${i}`] ?? 0);
      if (n > 0) hits.push({ table, column, rows: n });
    });
  }
  return hits;
}
