import type { DataMap } from '../datamap/dataMapSchema';
import { caseText, matchExpression, normalizedSql } from './matchExpression';
import type { PgDatabase } from './PgDatabase';
import { quoteIdent } from './quoteIdent';
import type { PgCatalog } from './readPgCatalog';

/** A learned column some of whose values several rows hold; counts only, never a value. */
export interface RepeatedLearnedValues {
  /** `schema.table.column`. */
  readonly column: string;
  readonly identity: string;
  /** Rows with a non-null (non-empty once normalised) value. */
  readonly rows: number;
  /** Of those, rows whose value another row holds too. */
  readonly repeatedRows: number;
  readonly message: string;
}

/**
 * Measures, for each PostgreSQL column a table learns an identity kind through, how many of its
 * non-null values are held by more than one row, compared as discovery compares them (the
 * identity's normalisation applied). Discovery will not follow such a value (it identifies no
 * one), so a column where they occur is probably not one person per row. Reads the whole column
 * once (an index on the searched expression lets PostgreSQL read only the index).
 */
export async function checkLearnedColumns(
  db: PgDatabase,
  map: DataMap,
  catalog: PgCatalog,
): Promise<RepeatedLearnedValues[]> {
  const found: RepeatedLearnedValues[] = [];
  for (const spec of map.postgres) {
    const table = catalog.tables.get(spec.table);
    if (!table) continue;
    for (const kind of spec.learn) {
      const normalize = map.identities[kind]?.normalize ?? 'none';
      for (const name of spec.identities[kind] ?? []) {
        const column = table.columns.find((c) => c.name === name);
        // Arrays hold several values per row: their repetition says nothing about one person a row.
        if (!column || column.category === 'A') continue;
        const kindOf = matchExpression(column, normalize).kind;
        const quoted = quoteIdent(column.name);
        // Grouped as the search compares: byte for byte under a nondeterministic collation.
        const exact = column.nondeterministicCollation !== undefined ? ' COLLATE "C"' : '';
        const value = `${
          normalize !== 'none'
            ? normalizedSql(caseText(column, quoted), normalize)
            : kindOf === 'as-text'
              ? `${quoted}::text`
              : quoted
        }${column.category === 'S' ? exact : ''}`;
        const sql =
          'SELECT coalesce(sum(n), 0)::text, coalesce(sum(n) FILTER (WHERE n > 1), 0)::text FROM ' +
          `(SELECT count(*) AS n FROM ${quoteIdent(table.schema)}.${quoteIdent(table.name)} ` +
          `WHERE ${value} IS NOT NULL${normalize !== 'none' ? ` AND ${value} <> ''` : ''} GROUP BY ${value}) AS g`;
        const result = await db.queryRaw(sql);
        const [rowsText, repeatedText] = result.rows[0] ?? [];
        const rows = Number(rowsText ?? 0);
        const repeatedRows = Number(repeatedText ?? 0);
        if (repeatedRows === 0) continue;
        found.push(repeatedLearnedValues(`${spec.table}.${name}`, kind, rows, repeatedRows));
      }
    }
  }
  return found;
}

/** The warning for a learned column whose non-null values repeat: the share and counts, never a value. */
export function repeatedLearnedValues(
  column: string,
  identity: string,
  rows: number,
  repeatedRows: number,
): RepeatedLearnedValues {
  const share = Math.round((repeatedRows / rows) * 1000) / 10;
  return {
    column,
    identity,
    rows,
    repeatedRows,
    message:
      `learns ${identity}, but ${share} % of its non-null values (${repeatedRows} of ${rows} rows) are held by more than one row: ` +
      'discovery follows no such value it learns, and does not search by one a request names where two rows of a table of people hold it (the learning and request guards): those requests answer with a note instead of rows',
  };
}
