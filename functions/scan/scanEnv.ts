import { z } from 'zod';
import { postgresEnv, readConfig } from '../../shared/config/readConfig';
import type { DataMap } from '../../shared/datamap/dataMapSchema';
import type { LoadLocation } from '../../shared/snowflake/statements';
import { exactlyOne } from '../common/envSchemas';
import { evidenceLocationOf, type SnowflakeSettings, snowflakeSettings } from '../common/snowflakeSettings';
import { PG_CREDENTIAL_VARIABLES, pgCredentialFields } from '../common/stageEnv';

/** A comma-separated list; empty or unset is the empty list. */
const names = z.preprocess(
  (v) =>
    typeof v === 'string'
      ? v
          .split(',')
          .map((s) => s.trim())
          .filter(Boolean)
      : v,
  // Names travel as bind parameters (PostgreSQL) or quoted identifiers (Snowflake), never as SQL.
  z.array(z.string().min(1)).default([]),
);

/**
 * What the scan function reads from its environment besides the Snowflake settings (see
 * {@link scanConfig}). The defaults are those of `dsr datamap scan`.
 */
export const scanEnv = z
  .object({
    ...postgresEnv.shape,
    ...pgCredentialFields,
    DSR_DATAMAP_PATH: z.string().min(1).default('datamap.yaml'),
    /** Rows sampled per table at most. */
    DSR_SCAN_SAMPLE_ROWS: z.coerce.number().int().min(1).max(100_000).default(1000),
    /** Share of non-null samples a detector must match for a column to count, in (0, 1]. */
    DSR_SCAN_THRESHOLD: z.coerce.number().gt(0).max(1).default(0.5),
    /** PostgreSQL schemas to scan; every schema but the system ones when empty. */
    DSR_SCAN_SCHEMAS: names,
    /** Snowflake databases to scan; those the data map names (or SNOWFLAKE_DATABASE) when empty. */
    DSR_SCAN_SNOWFLAKE_DATABASES: names,
  })
  .superRefine(exactlyOne(PG_CREDENTIAL_VARIABLES, 'the PostgreSQL credentials'));
export type ScanEnv = z.output<typeof scanEnv>;

export interface ScanConfig {
  readonly env: ScanEnv;
  readonly dataMap: DataMap;
  /** Present when the stack (or the local runtime) gave Snowflake settings; the scan then covers both systems. */
  readonly snowflake: (SnowflakeSettings & { readonly location: LoadLocation }) | undefined;
}

/** Parses the scan's environment; Snowflake is scanned when `SNOWFLAKE_ACCOUNT` is set. */
export function scanConfig(rawEnv: NodeJS.ProcessEnv, readDataMap: (path: string) => DataMap): ScanConfig {
  const env = readConfig(scanEnv, rawEnv);
  return {
    env,
    dataMap: readDataMap(env.DSR_DATAMAP_PATH),
    snowflake: rawEnv.SNOWFLAKE_ACCOUNT ? scanSnowflake(rawEnv) : undefined,
  };
}

function scanSnowflake(rawEnv: NodeJS.ProcessEnv): SnowflakeSettings & { readonly location: LoadLocation } {
  const settings = snowflakeSettings(rawEnv, 'the scan samples the Snowflake tables');
  // The evidence tables are left out of the scan: where they are must be known.
  return { ...settings, location: evidenceLocationOf(settings.env) };
}
