import type { DataMap } from '../datamap/dataMapSchema';
import { type RepeatedLearnedValues, repeatedLearnedValues } from '../postgres/checkLearnedColumns';
import { quoteSnowflakeIdent, quoteSnowflakeName } from './quoteSnowflakeIdent';
import type { SnowflakeDatabase } from './SnowflakeDatabase';

/**
 * The Snowflake side of `checkLearnedColumns`: for each column a Snowflake table learns an identity
 * kind through, how many of its non-null values more than one row holds, compared as the Snowflake
 * searcher compares them (`LOWER` for `lowercase`, the digits for `digits` and `phone`). One
 * aggregate query per column; counts only leave the warehouse, never a value.
 */
export async function checkSnowflakeLearnedColumns(
  db: SnowflakeDatabase,
  map: DataMap,
): Promise<RepeatedLearnedValues[]> {
  const found: RepeatedLearnedValues[] = [];
  for (const spec of map.snowflake) {
    for (const kind of spec.learn) {
      const normalize = map.identities[kind]?.normalize ?? 'none';
      for (const name of spec.identities[kind] ?? []) {
        const quoted = quoteSnowflakeIdent(name);
        const value =
          normalize === 'lowercase'
            ? `LOWER(${quoted})`
            : normalize === 'digits' || normalize === 'phone'
              ? `REGEXP_REPLACE(${quoted}, '[^0-9]', '')`
              : quoted;
        const sql =
          'SELECT COALESCE(SUM(N), 0) AS ROWS_ALL, COALESCE(SUM(CASE WHEN N > 1 THEN N ELSE 0 END), 0) AS ROWS_REPEATED FROM ' +
          `(SELECT COUNT(*) AS N FROM ${quoteSnowflakeName(spec.table)} WHERE ${value} IS NOT NULL` +
          `${normalize !== 'none' ? ` AND ${value} <> ''` : ''} GROUP BY ${value}) AS G`;
        const [row] = await db.query(sql);
        const rows = numberOf(row?.ROWS_ALL);
        const repeatedRows = numberOf(row?.ROWS_REPEATED);
        if (repeatedRows === 0) continue;
        found.push(repeatedLearnedValues(`${spec.table}.${name}`, kind, rows, repeatedRows));
      }
    }
  }
  return found;
}

function numberOf(value: unknown): number {
  if (value === null || value === undefined) return 0;
  if (typeof value === 'object' && 'text' in value) return Number((value as { text: string }).text);
  return Number(value);
}
