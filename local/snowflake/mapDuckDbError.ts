import { REDACTED, SnowflakeSqlError, sqlErrors } from './SnowflakeSqlError';

/** Marker raised by the endpoint's own SQL macros when a value is not a timestamp. */
export const TIMESTAMP_NOT_RECOGNIZED = 'SF_TIMESTAMP_NOT_RECOGNIZED';

/**
 * Turns a DuckDB error into Snowflake's code and SQL state. Only the first line of DuckDB's message
 * is kept and every quoted literal in it is replaced, since DuckDB echoes input values.
 */
export function mapDuckDbError(error: unknown): SnowflakeSqlError {
  if (error instanceof SnowflakeSqlError) return error;
  const full = error instanceof Error ? error.message : String(error);
  const first = (full.split('\n')[0] ?? '')
    .replace(/'(?:[^']|'')*'/g, `'${REDACTED}'`)
    .replace(/Input: .*$/, '');
  if (full.includes(TIMESTAMP_NOT_RECOGNIZED)) return sqlErrors.timestampNotRecognized();
  let m = /^Catalog Error: Table with name (\S+?)!? does not exist/.exec(full);
  if (m) return sqlErrors.objectMissing(m[1] ?? '');
  m = /^(?:Binder|Catalog) Error: Catalog "?([^"\s!]+)"?!? does not exist/.exec(full);
  if (m) return sqlErrors.objectMissing(m[1] ?? '');
  m = /^Catalog Error: Schema with name (\S+?)!? does not exist/.exec(full);
  if (m) return sqlErrors.schemaMissing(m[1] ?? '');
  if (/^Catalog Error: .*already exists/.test(full)) return sqlErrors.alreadyExists(first);
  m = /^Binder Error: (?:Referenced column|Values list) "?([^"\s]+)"? .*not found/.exec(full);
  if (m) return sqlErrors.invalidIdentifier(m[1] ?? '');
  if (/^Parser Error/.test(full)) return sqlErrors.syntax(first.replace(/^Parser Error: /, ''));
  if (/JSON/i.test(first) && /^(Conversion|Invalid Input) Error/.test(full)) return sqlErrors.invalidJson();
  if (/^Conversion Error/.test(full) || /Could not convert/.test(full)) return sqlErrors.conversion();
  if (/^Constraint Error: NOT NULL/.test(full)) return sqlErrors.notNull();
  if (/^Binder Error/.test(full)) {
    return new SnowflakeSqlError(
      '002028',
      '42601',
      `SQL compilation error:\n${first.replace(/^Binder Error: /, '')}`,
    );
  }
  if (/^(TransactionContext|Transaction) Error|[Cc]onflict/.test(full)) {
    return new SnowflakeSqlError('000625', '57014', `Statement aborted by a concurrent change: ${first}`);
  }
  return sqlErrors.internal(first);
}
