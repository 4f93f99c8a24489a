import { didYouMean } from '../datamap/closeMatches';
import type { DataMap } from '../datamap/dataMapSchema';
import { formatPath } from '../datamap/loadDataMap';
import type { DataMapProblem } from '../errors/errors';
import type { PgCatalog, PgColumn, PgTable } from './readPgCatalog';

/**
 * Checks the data map's PostgreSQL section against the live catalog, before any query runs:
 * every table and column exists, each declared primary key is the table's primary key or a unique
 * index over NOT NULL columns, or for a partitioned table without one the key each of its
 * partitions declares (otherwise rows could be merged or lost), normalisations apply to
 * text columns, and follow edges join columns of compatible types.
 */
export function checkPostgresCatalog(map: DataMap, catalog: PgCatalog): DataMapProblem[] {
  const problems: DataMapProblem[] = [];
  const add = (path: (string | number)[], message: string) =>
    problems.push({ path: formatPath(path), message });

  map.postgres.forEach((spec, i) => {
    const table = catalog.tables.get(spec.table);
    if (!table) {
      add(
        ['postgres', i, 'table'],
        `table ${spec.table} does not exist.${didYouMean(spec.table, catalog.tables.keys())}`,
      );
      return;
    }
    const column = (path: (string | number)[], name: string): PgColumn | undefined => {
      const found = table.columns.find((c) => c.name === name);
      if (!found) {
        add(
          path,
          `column ${name} does not exist in ${spec.table}.${didYouMean(
            name,
            table.columns.map((c) => c.name),
          )}`,
        );
      }
      return found;
    };

    const keyColumns = spec.primaryKey.map((name, j) => column(['postgres', i, 'primaryKey', j], name));
    // A keyless table (no primaryKey declared) is keyed by its rows' content: nothing to check here.
    if (spec.primaryKey.length > 0 && keyColumns.every(Boolean) && !isKey(table, spec.primaryKey)) {
      add(
        ['postgres', i, 'primaryKey'],
        `[${spec.primaryKey.join(', ')}] is not the primary key of ${spec.table} nor a unique index over NOT NULL columns` +
          (table.primaryKey
            ? ` (its primary key is [${table.primaryKey.join(', ')}])`
            : table.partitions && table.partitions.length > 0
              ? `, nor a key each of its partitions declares (not in ${(partitionsLacking(table, spec.primaryKey) ?? []).join(', ')})`
              : ' (it has no primary key)'),
      );
    }
    for (const [kind, name] of Object.entries(spec.identities).flatMap(([k, names]) =>
      names.map((n) => [k, n] as const),
    )) {
      const col = column(['postgres', i, 'identities', kind], name);
      const normalize = map.identities[kind]?.normalize ?? 'none';
      const text = col?.category === 'S' || (col?.category === 'A' && col.element?.category === 'S');
      if (col && normalize !== 'none' && !text) {
        add(
          ['postgres', i, 'identities', kind],
          `identity kind ${kind} is normalised (${normalize}), which needs a text column (or an array of text); ${name} is ${col.typeName}`,
        );
      }
    }
    spec.exclude.forEach((name, j) => {
      column(['postgres', i, 'exclude', j], name);
    });
    spec.columns?.forEach((name, j) => {
      column(['postgres', i, 'columns', j], name);
    });
    for (const name of Object.keys(spec.categories)) column(['postgres', i, 'categories', name], name);
    // A Snowflake target (DATABASE.SCHEMA.TABLE.COLUMN) is not in this catalog: it is checked there.
    for (const [name, target] of Object.entries(spec.follow).flatMap(([n, refs]) =>
      refs.map((r) => [n, r] as const),
    )) {
      const source = column(['postgres', i, 'follow', name], name);
      const dot = target.lastIndexOf('.');
      const targetTable = catalog.tables.get(target.slice(0, dot));
      const targetColumn = targetTable?.columns.find((c) => c.name === target.slice(dot + 1));
      if (targetTable && !targetColumn) {
        add(
          ['postgres', i, 'follow', name],
          `${target} does not exist.${didYouMean(
            target.slice(dot + 1),
            targetTable.columns.map((c) => c.name),
          )}`,
        );
      }
      if (source && targetColumn && !compatible(source, targetColumn)) {
        add(
          ['postgres', i, 'follow', name],
          `${spec.table}.${name} (${source.typeName}) cannot be compared with ${target} (${targetColumn.typeName})`,
        );
      }
    }
  });
  return problems;
}

function isKey(table: PgTable, columns: readonly string[]): boolean {
  const same = (key: readonly string[]) =>
    key.length === columns.length && key.every((c) => columns.includes(c));
  if (table.primaryKey && same(table.primaryKey)) return true;
  if (
    table.uniqueKeys.some(
      (key) => same(key) && key.every((name) => table.columns.find((c) => c.name === name)?.notNull),
    )
  )
    return true;
  // A partitioned table without a key of its own: every partition must declare it.
  return partitionsLacking(table, columns)?.length === 0;
}

/**
 * The partitions of a partitioned table that do not declare `columns` as their primary key or as
 * a unique index over NOT NULL columns; undefined for a table that is not partitioned.
 */
function partitionsLacking(table: PgTable, columns: readonly string[]): string[] | undefined {
  if (!table.partitions || table.partitions.length === 0) return undefined;
  const same = (key: readonly string[]) =>
    key.length === columns.length && key.every((c) => columns.includes(c));
  return table.partitions
    .filter(
      (p) =>
        !(p.primaryKey && same(p.primaryKey)) &&
        !p.uniqueKeys.some((key) => same(key) && key.every((c) => p.notNull.includes(c))),
    )
    .map((p) => p.name);
}

/** Values travel between tables as text; a text column can hold any of them, otherwise kinds must agree. */
function compatible(a: PgColumn, b: PgColumn): boolean {
  return a.castType === b.castType || a.category === b.category || a.category === 'S' || b.category === 'S';
}
