import type { DataMap } from '../datamap/dataMapSchema';
import type { PgDatabase } from '../postgres/PgDatabase';
import { readPgCatalog } from '../postgres/readPgCatalog';
import { readSnowflakeCatalog } from '../snowflake/readSnowflakeCatalog';
import type { SnowflakeDatabase } from '../snowflake/SnowflakeDatabase';
import { DriftGate, type DriftGateOptions } from './DriftGate';

/** A {@link DriftGate} reading the live PostgreSQL and Snowflake catalogs. */
export function openDriftGate(
  deps: {
    readonly dataMap: DataMap;
    readonly postgres: PgDatabase;
    readonly snowflake: SnowflakeDatabase;
  } & Pick<DriftGateOptions, 'thresholdPercent' | 'cacheTtlMs' | 'now'>,
): DriftGate {
  return new DriftGate({
    dataMap: deps.dataMap,
    thresholdPercent: deps.thresholdPercent,
    cacheTtlMs: deps.cacheTtlMs,
    now: deps.now,
    readSource: async (tables) => {
      const schemas = [...new Set(tables.map((t) => t.split('.')[0] as string))];
      return (await readPgCatalog(deps.postgres, schemas)).tables;
    },
    readMirror: (tables) => readSnowflakeCatalog(deps.snowflake, tables),
  });
}
