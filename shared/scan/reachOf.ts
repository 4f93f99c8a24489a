import type { DataMap } from '../datamap/dataMapSchema';
import type { ScanSystem } from './ScanSource';

/** Whether a subject request reaches a column through the data map. */
export type Reach = 'reached' | 'excluded' | 'unreached';

/**
 * A column is **reached** when its table is in the data map (for Snowflake: in the `snowflake`
 * section, or named as the `mirror` of a mapped PostgreSQL table) and the column is not in that
 * table's `exclude` list: discovery returns every column of a found row except the excluded ones.
 * An **excluded** column is one the map deliberately leaves out of the response (for a mirror, a
 * column spelled like an excluded column of its PostgreSQL table, ignoring case). Everything else is
 * **unreached**. A JSON path shares the verdict of its column, since the whole value is returned.
 */
export function reachOf(map: DataMap, system: ScanSystem, table: string, column: string): Reach {
  if (system === 'postgres') {
    const spec = map.postgres.find((t) => t.table === table);
    if (!spec) return 'unreached';
    return spec.exclude.includes(column) ? 'excluded' : 'reached';
  }
  const spec = map.snowflake.find((t) => t.table === table);
  if (spec) return spec.exclude.includes(column) ? 'excluded' : 'reached';
  const mirrored = map.postgres.find((t) => t.mirror === table);
  if (!mirrored) return 'unreached';
  const lower = column.toLowerCase();
  return mirrored.exclude.some((c) => c.toLowerCase() === lower) ? 'excluded' : 'reached';
}
