import type { DuckDBConnection } from '@duckdb/node-api';

/** A Snowflake session's state in the engine: its own DuckDB connection and current database/schema. */
export interface EngineSession {
  readonly connection: DuckDBConnection;
  database: string | undefined;
  schema: string | undefined;
  inTransaction: boolean;
  /** The current warehouse; statements that need compute fail without one (000606). */
  warehouse: string | undefined;
  /** Session parameters set with ALTER SESSION (or the account's defaults), names upper-case. */
  readonly parameters: Map<string, string>;
  /** The user's name as Snowflake stores it (what `CURRENT_USER()` answers); undefined for the endpoint's own session. */
  readonly user: string | undefined;
  /** The primary role (what `CURRENT_ROLE()` answers): the login's, the user's default, or PUBLIC; `USE ROLE` changes it. */
  role: string;
}

/**
 * Session parameters `ALTER SESSION SET` accepts; any other name is refused, as Snowflake refuses
 * it. Only `TIMEZONE` and `TIMESTAMP_INPUT_FORMAT` change results here; the rest are recorded.
 * https://docs.snowflake.com/en/sql-reference/parameters
 */
export const SESSION_PARAMETERS: ReadonlySet<string> = new Set([
  'TIMEZONE',
  'TIMESTAMP_INPUT_FORMAT',
  'TIMESTAMP_OUTPUT_FORMAT',
  'TIMESTAMP_TZ_OUTPUT_FORMAT',
  'TIMESTAMP_LTZ_OUTPUT_FORMAT',
  'TIMESTAMP_NTZ_OUTPUT_FORMAT',
  'DATE_INPUT_FORMAT',
  'DATE_OUTPUT_FORMAT',
  'TIME_INPUT_FORMAT',
  'TIME_OUTPUT_FORMAT',
  'BINARY_INPUT_FORMAT',
  'BINARY_OUTPUT_FORMAT',
  'QUERY_TAG',
  'STATEMENT_TIMEOUT_IN_SECONDS',
  'STATEMENT_QUEUED_TIMEOUT_IN_SECONDS',
  'LOCK_TIMEOUT',
  'AUTOCOMMIT',
  'ABORT_DETACHED_QUERY',
  'ROWS_PER_RESULTSET',
  'STRICT_JSON_OUTPUT',
  'TIMESTAMP_TYPE_MAPPING',
  'WEEK_START',
  'JS_TREAT_INTEGER_AS_BIGINT',
  'CLIENT_SESSION_KEEP_ALIVE',
]);
