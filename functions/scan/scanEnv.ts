import { z } from 'zod';

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
 * What the scan function reads from its environment besides the PostgreSQL (`postgresEnv`) and
 * Snowflake (`snowflakeEnv`) settings. The defaults are those of `dsr datamap scan`.
 */
export const scanEnv = z.object({
  DSR_DATAMAP_PATH: z.string().min(1).default('datamap.yaml'),
  /** Rows sampled per table at most. */
  DSR_SCAN_SAMPLE_ROWS: z.coerce.number().int().min(1).max(100_000).default(1000),
  /** Share of non-null samples a detector must match for a column to count, in (0, 1]. */
  DSR_SCAN_THRESHOLD: z.coerce.number().gt(0).max(1).default(0.5),
  /** PostgreSQL schemas to scan; every schema but the system ones when empty. */
  DSR_SCAN_SCHEMAS: names,
  /** Snowflake databases to scan; those the data map names (or SNOWFLAKE_DATABASE) when empty. */
  DSR_SCAN_SNOWFLAKE_DATABASES: names,
});
export type ScanEnv = z.output<typeof scanEnv>;
