import type { CanonicalValue } from '../canonical/CanonicalValue';
import { canonicalJson } from '../canonical/canonicalJson';
import { openSnowflakeDatabase } from '../snowflake/openSnowflakeDatabase';
import type { SnowflakeDatabase } from '../snowflake/SnowflakeDatabase';
import { readSnowflakeEnv, snowflakeConnectionSettings } from '../snowflake/snowflakeEnv';
import type { SnowflakeExecute } from './SnowflakeScanSource';

/** A {@link SnowflakeExecute} over the product's Snowflake client, and the means to close it. */
export interface SnowflakeSession {
  readonly execute: SnowflakeExecute;
  readonly defaultDatabase: string | undefined;
  close(): Promise<void>;
}

/**
 * Opens the product's Snowflake client from the environment (the same settings, authentication
 * rules, OCSP fail-closed and statement deadline as everywhere else) for a scan.
 */
export async function connectSnowflakeExecute(
  env: NodeJS.ProcessEnv = process.env,
): Promise<SnowflakeSession> {
  const settings = readSnowflakeEnv(env);
  const db = openSnowflakeDatabase(snowflakeConnectionSettings(settings));
  return {
    execute: snowflakeExecuteOver(db),
    defaultDatabase: settings.SNOWFLAKE_DATABASE,
    close: () => db.close(),
  };
}

/** Runs statements on a {@link SnowflakeDatabase} and hands every value over as text, as the detectors read it. */
export function snowflakeExecuteOver(db: SnowflakeDatabase): SnowflakeExecute {
  return async (sqlText, binds) =>
    (await db.query(sqlText, binds)).map((row) =>
      Object.fromEntries(Object.entries(row).map(([column, value]) => [column, asText(value)])),
    );
}

function asText(value: CanonicalValue | undefined): string | null {
  if (value === null || value === undefined) return null;
  if (typeof value === 'string') return value;
  if (typeof value === 'number' || typeof value === 'boolean') return String(value);
  return canonicalJson(value);
}
