import { didYouMean } from '../datamap/closeMatches';
import type { DataMap } from '../datamap/dataMapSchema';
import { formatPath } from '../datamap/loadDataMap';
import type { DataMapProblem } from '../errors/errors';
import type { SnowflakeCatalog, SnowflakeTable } from './SnowflakeColumn';

/** Every Snowflake table the data map names: its `snowflake:` tables and the mirrors of its PostgreSQL tables. */
export function snowflakeTablesOf(map: DataMap): string[] {
  return [
    ...new Set([
      ...map.snowflake.map((t) => t.table),
      ...map.postgres.flatMap((t) => (t.mirror ? [t.mirror] : [])),
    ]),
  ];
}

/**
 * Checks the data map's Snowflake names against the live catalog, before any query runs: every
 * table and mirror exists, and every column a `snowflake:` table names (key, identities, exclude,
 * follow) exists, with close matches suggested on a miss. Names are compared exactly: they are
 * quoted when used, so `users` does not find `USERS`. `mirrors: false` leaves the mirrors to the
 * drift gate.
 */
export function checkSnowflakeCatalog(
  map: DataMap,
  catalog: SnowflakeCatalog,
  options: { readonly mirrors?: boolean } = {},
): DataMapProblem[] {
  const problems: DataMapProblem[] = [];
  const add = (path: (string | number)[], message: string) =>
    problems.push({ path: formatPath(path), message });
  const missingTable = (name: string) =>
    `table ${name} does not exist in Snowflake.${didYouMean(name, catalog.tables.keys())}`;

  map.postgres.forEach((spec, i) => {
    if (options.mirrors !== false && spec.mirror && !catalog.tables.has(spec.mirror))
      add(['postgres', i, 'mirror'], missingTable(spec.mirror));
  });
  map.snowflake.forEach((spec, i) => {
    const table = catalog.tables.get(spec.table);
    if (!table) {
      add(['snowflake', i, 'table'], missingTable(spec.table));
      return;
    }
    const column = (path: (string | number)[], name: string) => {
      if (!table.columns.some((c) => c.name === name)) add(path, missingColumn(spec.table, table, name));
    };
    spec.primaryKey.forEach((name, j) => {
      column(['snowflake', i, 'primaryKey', j], name);
    });
    // A semi-structured column holds a document, not a value a search can compare: mapped as an
    // identity or followed, it found nothing and said nothing, and an erasure said "erased".
    const structured = (path: (string | number)[], name: string, role: string) => {
      const found = table.columns.find((c) => c.name === name);
      if (found && SEMI_STRUCTURED.has(found.dataType))
        add(
          path,
          `${spec.table}.${name} is ${found.dataType}: a document, not a value a search compares, so ${role} would find nothing and say nothing; map a column that holds the value itself (a view that extracts it: DATA:email::STRING)`,
        );
    };
    for (const [kind, names] of Object.entries(spec.identities))
      for (const name of names) {
        column(['snowflake', i, 'identities', kind], name);
        structured(['snowflake', i, 'identities', kind], name, `searching it by ${kind}`);
      }
    spec.columns?.forEach((name, j) => {
      column(['snowflake', i, 'columns', j], name);
    });
    for (const name of Object.keys(spec.categories)) column(['snowflake', i, 'categories', name], name);
    spec.exclude.forEach((name, j) => {
      column(['snowflake', i, 'exclude', j], name);
    });
    // A PostgreSQL target (schema.table.column) is not in this catalog: it is checked there.
    for (const [name, target] of Object.entries(spec.follow).flatMap(([n, refs]) =>
      refs.map((r) => [n, r] as const),
    )) {
      column(['snowflake', i, 'follow', name], name);
      structured(['snowflake', i, 'follow', name], name, `following ${target} from it`);
      const dot = target.lastIndexOf('.');
      const targetTable = catalog.tables.get(target.slice(0, dot));
      const targetColumn = target.slice(dot + 1);
      if (targetTable && !targetTable.columns.some((c) => c.name === targetColumn))
        add(['snowflake', i, 'follow', name], missingColumn(target.slice(0, dot), targetTable, targetColumn));
    }
  });
  return problems;
}

/** Snowflake's semi-structured types (`DATA_TYPE`). */
const SEMI_STRUCTURED = new Set(['VARIANT', 'OBJECT', 'ARRAY', 'MAP']);

function missingColumn(tableName: string, table: SnowflakeTable, name: string): string {
  return `column ${name} does not exist in ${tableName}.${didYouMean(
    name,
    table.columns.map((c) => c.name),
  )}`;
}
