import type { DataMap } from '../datamap/dataMapSchema';
import type { ScanSystem } from './ScanSource';

/** Whether a subject request reaches a column through the data map. */
export type Reach = 'reached' | 'excluded' | 'unreached';

/**
 * A column is **reached** when its table is in the data map (for Snowflake: in the `snowflake`
 * section, or named as the `mirror` of a mapped PostgreSQL table) and discovery returns it: it is in
 * the table's `columns` allow-list when there is one, else not in its `exclude` list. An
 * **excluded** column is one the map deliberately leaves out of the response (excluded, or left out
 * of the allow-list; for a mirror, compared with its PostgreSQL table's lists ignoring case).
 * Everything else is **unreached**. A JSON path shares the verdict of its column, since the whole
 * value is returned.
 */
export function reachOf(map: DataMap, system: ScanSystem, table: string, column: string): Reach {
  if (system === 'postgres') {
    const spec = map.postgres.find((t) => t.table === table);
    return spec ? returned(spec, column, (a, b) => a === b) : 'unreached';
  }
  const spec = map.snowflake.find((t) => t.table === table);
  if (spec) return returned(spec, column, (a, b) => a === b);
  const mirrored = map.postgres.find((t) => t.mirror === table);
  if (!mirrored) return 'unreached';
  return returned(mirrored, column, (a, b) => a.toLowerCase() === b.toLowerCase());
}

function returned(
  spec: { readonly columns?: readonly string[]; readonly exclude: readonly string[] },
  column: string,
  same: (a: string, b: string) => boolean,
): Reach {
  if (spec.columns) return spec.columns.some((c) => same(c, column)) ? 'reached' : 'excluded';
  return spec.exclude.some((c) => same(c, column)) ? 'excluded' : 'reached';
}
