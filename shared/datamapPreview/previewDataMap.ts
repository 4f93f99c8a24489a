import { createHmac } from 'node:crypto';
import type { DataMap, PostgresTableSpec, SnowflakeTableSpec } from '../datamap/dataMapSchema';
import type { System } from '../datamap/System';
import { discoverSubjectStream } from '../discovery/discoverSubject';
import type { TableSearcher } from '../discovery/SearchableTable';
import type { PgDatabase } from '../postgres/PgDatabase';
import { PostgresTableSearcher } from '../postgres/PostgresTableSearcher';
import { quoteIdent } from '../postgres/quoteIdent';
import { quoteSnowflakeIdent, quoteSnowflakeName } from '../snowflake/quoteSnowflakeIdent';
import type { SnowflakeDatabase } from '../snowflake/SnowflakeDatabase';
import { SnowflakeTableSearcher } from '../snowflake/SnowflakeTableSearcher';

export interface PreviewOptions {
  /** Subjects sampled per learning table. @default 10 */
  readonly sample?: number;
  /** Key of the subject HMAC: subjects are chosen and named by keyed hashes only. */
  readonly subjectHashKey: string;
  /** A subject reaching more rows than this, in all, breaks the limits. */
  readonly maxRows?: number;
  /** A subject reaching a larger share (0–1] of any table than this breaks the limits. */
  readonly maxShare?: number;
  /** Tables smaller than this are not held to `maxShare` (one's own row is half of a two-row table). @default 100 */
  readonly minRowsForShare?: number;
  /** No new subject is started after this many milliseconds. @default no deadline */
  readonly deadlineMs?: number;
  /** The clock the deadline is measured with. @default Date.now */
  readonly now?: () => number;
  /** The data map's file name, for messages. @default '(data map)' */
  readonly file?: string;
}

/** Rows a request would return from one table, over the sampled subjects. */
export interface TablePreview {
  readonly table: string;
  /** Rows the table holds (counted up to 100,000, estimated from the statistics above). */
  readonly rows: number;
  readonly median: number;
  readonly p99: number;
  readonly max: number;
  /** The largest share of the table any one sampled subject reaches (0–1). */
  readonly maxShare: number;
}

/** A sampled subject that breaks a limit, named by its keyed hash only. */
export interface PreviewBreach {
  readonly subject: string;
  /** The learning table the subject was sampled from. */
  readonly sampledFrom: string;
  readonly rows: number;
  readonly reasons: readonly string[];
  /** Tables of which the subject reaches more than the share allowed. */
  readonly tables: readonly string[];
}

export interface DataMapPreview {
  readonly subjects: number;
  /** Learning tables sampled, with the identity kind each subject was requested by. */
  readonly sampledFrom: readonly {
    readonly table: string;
    readonly kind: string;
    readonly subjects: number;
  }[];
  readonly tables: readonly TablePreview[];
  readonly breaches: readonly PreviewBreach[];
  /** True when the deadline stopped the sampling before every subject was discovered. */
  readonly stoppedAtDeadline: boolean;
}

/**
 * What requests would return under a data map, before the first request: for a deterministic
 * sample of subjects of each learning table, in PostgreSQL and in Snowflake (the rows with the
 * smallest keyed hash of their identifier, `md5(seed || value)` where the seed is an HMAC under the
 * subject hash key), runs discovery read-only across both systems as a request by that identifier
 * would, and reports per table the rows returned (median, p99, max) and the largest share of the
 * table one subject reaches. Subjects are named by their keyed subject hash; no identifier leaves
 * this function. Without `warehouse`, the map's Snowflake tables are neither sampled nor searched.
 */
export async function previewDataMap(
  db: PgDatabase,
  map: DataMap,
  options: PreviewOptions,
  warehouse?: SnowflakeDatabase,
): Promise<DataMapPreview> {
  const sample = options.sample ?? 10;
  const minRows = Math.max(1, options.minRowsForShare ?? 100);
  const now = options.now ?? Date.now;
  const started = now();
  const file = options.file ?? '(data map)';
  const searchers: Partial<Record<System, TableSearcher>> = {
    postgres: await PostgresTableSearcher.create(db, map, file),
  };
  const sources: SampleSource[] = map.postgres.map((spec) => ({
    system: 'postgres',
    spec,
    rows: () => tableRows(db, spec.table),
    sample: (column, seed, n, rows) => sampleValues(db, spec.table, column, seed, n, rows),
  }));
  if (warehouse && map.snowflake.length > 0) {
    searchers.snowflake = await SnowflakeTableSearcher.create(warehouse, map, file);
    for (const spec of map.snowflake)
      sources.push({
        system: 'snowflake',
        spec,
        rows: () => snowflakeTableRows(warehouse, spec.table),
        sample: (column, seed, n) => sampleSnowflakeValues(warehouse, spec.table, column, seed, n),
      });
  }
  const rowsOf = new Map<string, number>();
  for (const source of sources) rowsOf.set(source.spec.table, await source.rows());

  const counts = new Map<string, number[]>(sources.map((s) => [s.spec.table, []]));
  const systemOf = new Map<string, System>(sources.map((s) => [s.spec.table, s.system]));
  const breaches: PreviewBreach[] = [];
  const sampledFrom: { table: string; kind: string; subjects: number }[] = [];
  let subjects = 0;
  let stoppedAtDeadline = false;
  for (const source of sources) {
    const spec = source.spec;
    const chosen = requestKind(spec);
    if (!chosen) continue;
    const seed = createHmac('sha256', options.subjectHashKey)
      .update(`dsr-preview:${spec.table}`)
      .digest('hex');
    const values = await source.sample(chosen.column, seed, sample, rowsOf.get(spec.table) ?? 0);
    let done = 0;
    for (const value of values) {
      if (options.deadlineMs !== undefined && now() - started > options.deadlineMs) {
        stoppedAtDeadline = true;
        break;
      }
      const { findings } = await discoverSubjectStream(
        { dataMap: map, searchers, subjectHashKey: options.subjectHashKey },
        { requestId: 'preview', identifiers: { [chosen.kind]: [value] } },
      );
      try {
        const found = (table: string) =>
          findings.summary.counts[systemOf.get(table) ?? 'postgres']?.[table] ?? 0;
        let total = 0;
        const over: string[] = [];
        for (const [table, list] of counts) {
          const n = found(table);
          list.push(n);
          total += n;
          const rows = rowsOf.get(table) ?? 0;
          if (options.maxShare !== undefined && rows >= minRows && n / rows > options.maxShare)
            over.push(table);
        }
        const reasons: string[] = [];
        if (options.maxRows !== undefined && total > options.maxRows)
          reasons.push(`${total} rows in all (above --max-rows ${options.maxRows})`);
        for (const table of over)
          reasons.push(
            `${percent(found(table) / (rowsOf.get(table) ?? 1))} of ${table} (above --max-share ${percent(options.maxShare ?? 1)})`,
          );
        if (reasons.length > 0)
          breaches.push({
            subject: findings.summary.subject.hash,
            sampledFrom: spec.table,
            rows: total,
            reasons,
            tables: over,
          });
      } finally {
        await findings.dispose();
      }
      done++;
      subjects++;
    }
    sampledFrom.push({ table: spec.table, kind: chosen.kind, subjects: done });
    if (stoppedAtDeadline) break;
  }
  const tables = [...counts].map(([table, list]): TablePreview => {
    const sorted = [...list].sort((a, b) => a - b);
    const rows = rowsOf.get(table) ?? 0;
    const max = sorted.at(-1) ?? 0;
    return {
      table,
      rows,
      median: nearestRank(sorted, 50),
      p99: nearestRank(sorted, 99),
      max,
      maxShare: rows === 0 ? 0 : max / rows,
    };
  });
  return { subjects, sampledFrom, tables, breaches, stoppedAtDeadline };
}

/** `12.5 %`: one decimal, as the preview prints shares. */
export function percent(share: number): string {
  return `${Math.round(share * 1000) / 10} %`;
}

function nearestRank(sorted: readonly number[], p: number): number {
  if (sorted.length === 0) return 0;
  return sorted[Math.min(sorted.length - 1, Math.max(0, Math.ceil((p / 100) * sorted.length) - 1))] ?? 0;
}

/**
 * The identity kind a sampled subject is requested by: a learned kind mapped to the table's
 * single-column key first (one row per subject), else the first learned kind.
 */
function requestKind(
  spec: PostgresTableSpec | SnowflakeTableSpec,
): { kind: string; column: string } | undefined {
  if (spec.learn.length === 0) return undefined;
  const byKey = spec.learn.find(
    (k) => spec.primaryKey.length === 1 && spec.identities[k]?.[0] === spec.primaryKey[0],
  );
  const kind = byKey ?? spec.learn[0];
  const column = kind === undefined ? undefined : spec.identities[kind]?.[0];
  return kind !== undefined && column !== undefined ? { kind, column } : undefined;
}

function qualified(table: string): string {
  const dot = table.indexOf('.');
  return `${quoteIdent(table.slice(0, dot))}.${quoteIdent(table.slice(dot + 1))}`;
}

/** Exact below 100,000 rows, the planner's estimate above (a count would read the table). */
async function tableRows(db: PgDatabase, table: string): Promise<number> {
  const estimate = await db.query<{ n: string | null }>(
    `SELECT greatest(reltuples, 0)::int8::text AS n FROM pg_catalog.pg_class WHERE oid = $1::regclass`,
    [qualified(table)],
  );
  const n = Number(estimate.rows[0]?.n ?? 0);
  if (n > 100_000) return n;
  const counted = await db.query<{ n: string }>(`SELECT count(*)::int8::text AS n FROM ${qualified(table)}`);
  return Number(counted.rows[0]?.n ?? 0);
}

/**
 * The `n` values of a column with the smallest `md5(seed || value)`: the same subjects for the
 * same data and key, and no one can pick them without the key. A large table is cut down to
 * about 20,000 rows by `TABLESAMPLE SYSTEM … REPEATABLE (0)` first, so the query stays bounded.
 */
async function sampleValues(
  db: PgDatabase,
  table: string,
  column: string,
  seed: string,
  n: number,
  rows: number,
): Promise<string[]> {
  const c = quoteIdent(column);
  const run = async (tablesample: string) =>
    (
      await db.query<{ v: string }>(
        `SELECT DISTINCT ON (md5($1 || ${c}::text)) ${c}::text AS v FROM ${qualified(table)} ${tablesample}
         WHERE ${c} IS NOT NULL ORDER BY md5($1 || ${c}::text) LIMIT $2`,
        [seed, n],
      )
    ).rows.map((r) => r.v);
  if (rows > 100_000) {
    const values = await run(
      `TABLESAMPLE SYSTEM (${Math.min(100, (100 * 20_000) / rows).toFixed(6)}) REPEATABLE (0)`,
    );
    if (values.length > 0) return values;
  }
  return run('');
}

/** A learning table to sample subjects from, in its system. */
interface SampleSource {
  readonly system: System;
  readonly spec: PostgresTableSpec | SnowflakeTableSpec;
  rows(): Promise<number>;
  sample(column: string, seed: string, n: number, rows: number): Promise<string[]>;
}

/** A Snowflake table's rows: `COUNT(*)` is answered from the table's metadata, without a scan. */
async function snowflakeTableRows(db: SnowflakeDatabase, table: string): Promise<number> {
  const [row] = await db.query(`SELECT COUNT(*) AS N FROM ${quoteSnowflakeName(table)}`);
  return numberOf(row?.N);
}

/**
 * The `n` values of a Snowflake column with the smallest `MD5(seed || value)`, as the PostgreSQL
 * side orders them (both give the lower-case hex digest): the same subjects for the same data and
 * key. Only the chosen values leave the warehouse.
 */
async function sampleSnowflakeValues(
  db: SnowflakeDatabase,
  table: string,
  column: string,
  seed: string,
  n: number,
): Promise<string[]> {
  const c = quoteSnowflakeIdent(column);
  const rows = await db.query(
    `SELECT V FROM (SELECT DISTINCT CAST(${c} AS VARCHAR) AS V FROM ${quoteSnowflakeName(table)} WHERE ${c} IS NOT NULL) AS D ` +
      `ORDER BY MD5(? || V), V LIMIT ${Math.trunc(n)}`,
    [seed],
  );
  return rows.map((r) => String(r.V));
}

function numberOf(value: unknown): number {
  if (value === null || value === undefined) return 0;
  if (typeof value === 'object' && 'text' in value) return Number((value as { text: string }).text);
  return Number(value);
}
