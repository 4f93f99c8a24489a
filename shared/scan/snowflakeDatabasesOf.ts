import type { DataMap } from '../datamap/dataMapSchema';
import { snowflakeTablesOf } from '../snowflake/checkSnowflakeCatalog';

/**
 * The Snowflake databases a scan reads: those of the data map's warehouse tables and mirrors, or
 * the session's database when the map names none.
 */
export function snowflakeDatabasesOf(map: DataMap, fallback: string | undefined): string[] {
  const named = [...new Set(snowflakeTablesOf(map).map((name) => name.split('.')[0] ?? ''))].filter(
    (n) => n !== '',
  );
  return named.length > 0 ? named : fallback ? [fallback] : [];
}
