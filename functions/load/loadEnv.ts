import type { z } from 'zod';
import { readConfig } from '../../shared/config/readConfig';
import type { DataMap } from '../../shared/datamap/dataMapSchema';
import type { LoadLocation } from '../../shared/snowflake/statements';
import { evidenceLocationOf, type SnowflakeSettings, snowflakeSettings } from '../common/snowflakeSettings';
import { stageEnv } from '../common/stageEnv';

/** What the loader reads from its environment besides the Snowflake settings (see {@link loadConfig}). */
export const loadEnv = stageEnv;
export type LoadEnv = z.output<typeof loadEnv>;

export interface LoadConfig {
  readonly env: LoadEnv;
  readonly dataMap: DataMap;
  readonly snowflake: SnowflakeSettings;
  readonly location: LoadLocation;
}

/** Parses the loader's environment: the stage settings, Snowflake and where the evidence lands. */
export function loadConfig(rawEnv: NodeJS.ProcessEnv, readDataMap: (path: string) => DataMap): LoadConfig {
  const env = readConfig(loadEnv, rawEnv);
  const snowflake = snowflakeSettings(
    rawEnv,
    'the loader writes the evidence into DSR_FINDINGS in Snowflake',
  );
  return {
    env,
    dataMap: readDataMap(env.DSR_DATAMAP_PATH),
    snowflake,
    location: evidenceLocationOf(snowflake.env),
  };
}
