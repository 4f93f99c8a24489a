import { evidenceLocation, openSnowflakeFromEnv } from '../../adapters/aws/openSnowflakeFromEnv';
import type { DataMap } from '../../shared/datamap/dataMapSchema';
import type { SnowflakeDatabase } from '../../shared/snowflake/SnowflakeDatabase';
import { SnowflakeTableSearcher } from '../../shared/snowflake/SnowflakeTableSearcher';
import type { SnowflakeEnv } from '../../shared/snowflake/snowflakeEnv';
import type { LoadLocation } from '../../shared/snowflake/statements';
import type { StageRuntime } from './StageRuntime';

/** A stage's Snowflake connection (one per container, reused) and where the evidence lands. */
export interface StageSnowflake {
  readonly env: SnowflakeEnv;
  readonly db: SnowflakeDatabase;
  readonly location: LoadLocation;
}

/** Opens a stage's Snowflake connection; the evidence location is required. */
export function openSnowflake(rawEnv: NodeJS.ProcessEnv, runtime: StageRuntime = {}): StageSnowflake {
  const setup = openSnowflakeFromEnv(rawEnv, runtime.secrets ? { secrets: runtime.secrets } : {});
  return { ...setup, location: evidenceLocation(setup) };
}

/** A Snowflake searcher for cross-system discovery, checked against the live catalog. */
export async function openSnowflakeSearcher(
  rawEnv: NodeJS.ProcessEnv,
  dataMap: DataMap,
  file: string,
  runtime: StageRuntime = {},
  options: { readonly mirrors?: boolean } = {},
): Promise<SnowflakeTableSearcher> {
  const { db } = openSnowflakeFromEnv(rawEnv, runtime.secrets ? { secrets: runtime.secrets } : {});
  return SnowflakeTableSearcher.create(db, dataMap, file, options);
}
