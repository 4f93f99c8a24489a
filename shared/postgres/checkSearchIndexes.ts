import type { DataMap } from '../datamap/dataMapSchema';
import { parseColumnRef } from '../datamap/parseColumnRef';
import type { Normalization } from '../identity/Normalization';
import { type MatchExpression, matchExpression } from './matchExpression';
import type { PgDatabase } from './PgDatabase';
import { quoteIdent } from './quoteIdent';
import type { PgCatalog, PgColumn } from './readPgCatalog';

/** Something that makes one searched column slow or inexact; the search still runs. */
export interface SearchWarning {
  /** `schema.table.column`. */
  readonly column: string;
  /** `identity email` or `follow public.users.id`. */
  readonly searchedAs: string;
  readonly message: string;
  /** The index that would serve the search, when one can. */
  readonly createIndex?: string;
}

interface SearchedColumn {
  readonly table: string;
  readonly column: PgColumn;
  readonly normalize: Normalization;
  readonly searchedAs: string;
}

/**
 * Warns, per identity and followed column of the data map, when its search will be inexact or
 * slow: compared through its text form (types such as `json`, `float8`, `timestamptz`), array
 * elements normalised one by one (no index can serve), or no index the planner would use for the
 * very expression the searcher runs. Index use is asked of the planner (`EXPLAIN` with sequential
 * scans disabled, in a transaction that is rolled back), so an index on `lower(email)` is not
 * mistaken for one on the normalised expression. Reads only; assumes the map matches the catalog.
 */
export async function checkSearchIndexes(
  db: PgDatabase,
  map: DataMap,
  catalog: PgCatalog,
): Promise<SearchWarning[]> {
  const warnings: SearchWarning[] = [];
  for (const searched of searchedColumns(map, catalog)) {
    const match = matchExpression(searched.column, searched.normalize, probeParameter(searched));
    const where = `${searched.table}.${searched.column.name}`;
    const warn = (message: string, createIndex?: string) =>
      warnings.push({
        column: where,
        searchedAs: searched.searchedAs,
        message,
        ...(createIndex ? { createIndex } : {}),
      });
    if (match.kind === 'as-text') {
      warn(
        `${searched.column.typeName} is compared through its text form: only values written exactly as PostgreSQL prints them match, and no index serves the search`,
      );
      continue;
    }
    if (match.kind === 'array-elements') {
      warn(
        `each element of this ${searched.column.typeName} column is compared on its own (${searched.normalize === 'none' ? 'through its text form' : `normalised: ${searched.normalize}`}): no index serves the search, which reads the whole table`,
      );
      continue;
    }
    if (!(await usesIndex(db, searched.table, match))) {
      warn(
        `no index serves the search (${match.condition.replace(/ = ANY\(.*\)$| && .*$/, '')})`,
        createIndexSql(searched.table, match),
      );
    }
  }
  return warnings;
}

function searchedColumns(map: DataMap, catalog: PgCatalog): SearchedColumn[] {
  const searched: SearchedColumn[] = [];
  for (const spec of map.postgres) {
    const table = catalog.tables.get(spec.table);
    if (!table) continue;
    const find = (name: string) => table.columns.find((c) => c.name === name);
    for (const [kind, names] of Object.entries(spec.identities)) {
      for (const name of ([] as string[]).concat(names)) {
        const column = find(name);
        const normalize = map.identities[kind]?.normalize ?? 'none';
        if (column) searched.push({ table: spec.table, column, normalize, searchedAs: `identity ${kind}` });
      }
    }
    for (const [name, target] of Object.entries(spec.follow)) {
      const column = find(name);
      if (column)
        searched.push({
          table: spec.table,
          column,
          normalize: 'none',
          searchedAs: `follow ${String(target)}`,
        });
    }
  }
  // The follow guard counts the followed column's rows holding each value it would follow onto a
  // column that is not a key, with the search's own match (`FollowGuard`): that count wants an index too.
  const counted = new Set<string>();
  for (const spec of map.postgres)
    for (const [name, targets] of Object.entries(spec.follow)) {
      if (isSingleKey(spec.primaryKey, name)) continue;
      for (const target of ([] as string[]).concat(targets)) {
        const { system, table: tableName, column: columnName } = parseColumnRef(target);
        if (system !== 'postgres') continue;
        const followed = map.postgres.find((t) => t.table === tableName);
        const column = catalog.tables.get(tableName)?.columns.find((c) => c.name === columnName);
        if (!followed || !column || isSingleKey(followed.primaryKey, columnName) || counted.has(target))
          continue;
        counted.add(target);
        searched.push({
          table: tableName,
          column,
          normalize: 'none',
          searchedAs: `counted by the follow guard for ${spec.table}.${name}`,
        });
      }
    }
  return searched;
}

function isSingleKey(primaryKey: readonly string[], column: string): boolean {
  return primaryKey.length === 1 && primaryKey[0] === column;
}

/**
 * An empty array of the type the searcher binds, behind a sub-select so that the planner cannot
 * fold the condition away and must plan the scan it would run with real values.
 */
function probeParameter(searched: SearchedColumn): string {
  const { column, normalize } = searched;
  const type =
    normalize !== 'none' ? 'text[]' : column.category === 'A' ? column.castType : `${column.castType}[]`;
  // Cast, so that `= ANY(…)` takes it as an array expression rather than as a sub-query.
  return `CAST((SELECT '{}'::${type}) AS ${type})`;
}

async function usesIndex(db: PgDatabase, table: string, match: MatchExpression): Promise<boolean> {
  const [schema, name] = table.split('.') as [string, string];
  const sql = `EXPLAIN (FORMAT JSON) SELECT 1 FROM ${quoteIdent(schema)}.${quoteIdent(name)} WHERE ${match.condition}`;
  return db.withClient(async (client) => {
    await client.query('BEGIN READ ONLY');
    try {
      await client.query('SET LOCAL enable_seqscan = off');
      const result = await client.query<{ 'QUERY PLAN': unknown }>(sql);
      const raw = result.rows[0]?.['QUERY PLAN'];
      const plan = typeof raw === 'string' ? (JSON.parse(raw) as unknown) : raw;
      return readsOnlyMatches(plan, name);
    } finally {
      await client.query('ROLLBACK');
    }
  });
}

/**
 * Whether every scan of `table` in the plan reads only the rows that match: an index or
 * index-only scan with an `Index Cond` and no `Filter`, or a bitmap heap scan fed by index
 * conditions. A sequential scan reads the table; an index scan whose condition sits in a `Filter`
 * (an index-only scan over a plain UNIQUE index, read whole and filtered on `lower(email)`) reads
 * the whole index. The plan is judged by what it reads, not by its nodes' names.
 */
function readsOnlyMatches(plan: unknown, table: string): boolean {
  const scans: Record<string, unknown>[] = [];
  const walk = (node: unknown) => {
    if (Array.isArray(node)) return node.forEach(walk);
    if (node === null || typeof node !== 'object') return;
    const record = node as Record<string, unknown>;
    if (record['Relation Name'] === table) scans.push(record);
    for (const value of Object.values(record)) walk(value);
  };
  walk(plan);
  if (scans.length === 0) return false;
  return scans.every((scan) => {
    if (scan.Filter !== undefined) return false;
    switch (scan['Node Type']) {
      case 'Index Scan':
      case 'Index Only Scan':
        return scan['Index Cond'] !== undefined;
      case 'Bitmap Heap Scan':
        return bitmapConditions(scan);
      default:
        return false;
    }
  });
}

/** Whether each bitmap index scan under a bitmap heap scan has an index condition. */
function bitmapConditions(node: Record<string, unknown>): boolean {
  const children = (node.Plans as Record<string, unknown>[] | undefined) ?? [];
  if (children.length === 0)
    return node['Node Type'] !== 'Bitmap Index Scan' || node['Index Cond'] !== undefined;
  return children.every(
    (child) =>
      (child['Node Type'] !== 'Bitmap Index Scan' || child['Index Cond'] !== undefined) &&
      bitmapConditions(child),
  );
}

function createIndexSql(table: string, match: MatchExpression): string {
  const [schema, name] = table.split('.') as [string, string];
  const target = `${quoteIdent(schema)}.${quoteIdent(name)}`;
  const expression = match.kind === 'normalized' ? `(${match.indexExpression})` : match.indexExpression;
  return match.indexMethod === 'gin'
    ? `CREATE INDEX ON ${target} USING gin (${expression});`
    : `CREATE INDEX ON ${target} (${expression});`;
}
