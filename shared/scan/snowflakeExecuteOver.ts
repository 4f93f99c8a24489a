import type { CanonicalValue } from '../canonical/CanonicalValue';
import { canonicalJson } from '../canonical/canonicalJson';
import type { SnowflakeDatabase } from '../snowflake/SnowflakeDatabase';
import type { SnowflakeExecute } from './SnowflakeScanSource';

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
