import { encodeWire } from './encodeValue';
import type { SnowflakeSqlError } from './SnowflakeSqlError';
import type { StatementResult } from './StatementResult';

/** One session parameter as the driver reads it from `data.parameters`. */
export interface SessionParameter {
  readonly name: string;
  readonly value: string | number | boolean;
}

/** The JSON envelope every Snowflake answer has. */
export interface SnowflakeAnswer {
  readonly success: boolean;
  readonly code: string | null;
  readonly message: string | null;
  readonly data: unknown;
}

/**
 * The parameters every answer carries. The driver needs the output formats (a BINARY column
 * crashes without `BINARY_OUTPUT_FORMAT`), and applies `JS_TREAT_INTEGER_AS_BIGINT` only when the
 * server echoes it back.
 */
export function sessionParameters(echo: readonly SessionParameter[]): SessionParameter[] {
  return [
    { name: 'TIMEZONE', value: 'UTC' },
    { name: 'DATE_OUTPUT_FORMAT', value: 'YYYY-MM-DD' },
    { name: 'TIME_OUTPUT_FORMAT', value: 'HH24:MI:SS' },
    { name: 'TIMESTAMP_OUTPUT_FORMAT', value: 'YYYY-MM-DD HH24:MI:SS.FF3 TZHTZM' },
    { name: 'TIMESTAMP_NTZ_OUTPUT_FORMAT', value: 'YYYY-MM-DD HH24:MI:SS.FF3' },
    { name: 'TIMESTAMP_LTZ_OUTPUT_FORMAT', value: '' },
    { name: 'TIMESTAMP_TZ_OUTPUT_FORMAT', value: '' },
    { name: 'BINARY_OUTPUT_FORMAT', value: 'HEX' },
    { name: 'CLIENT_RESULT_CHUNK_SIZE', value: 160 },
    { name: 'CLIENT_SESSION_KEEP_ALIVE_HEARTBEAT_FREQUENCY', value: 3600 },
    ...echo,
  ];
}

/** A failed answer; `data.sqlState` is always present, or the driver re-sends the request. */
export function errorAnswer(error: SnowflakeSqlError, queryId?: string): SnowflakeAnswer {
  return {
    success: false,
    code: error.code,
    message: error.message,
    data: { errorCode: error.code, sqlState: error.sqlState, queryId: queryId ?? null, internalError: false },
  };
}

/** A successful query answer, values encoded as Snowflake's JSON result format sends them. */
export function queryAnswer(
  result: StatementResult,
  context: {
    readonly queryId: string;
    readonly parameters: readonly SessionParameter[];
    readonly database: string | undefined;
    readonly schema: string | undefined;
    readonly bindCount: number;
  },
): SnowflakeAnswer {
  const rowset = result.rows.map((row) =>
    result.columns.map((column, index) => encodeWire(row[index], column)),
  );
  return {
    success: true,
    code: null,
    message: null,
    data: {
      parameters: context.parameters,
      rowtype: result.columns.map((column) => ({
        name: column.name,
        database: '',
        schema: '',
        table: '',
        type: column.type,
        precision: column.precision,
        scale: column.scale,
        length: column.length,
        byteLength: column.byteLength,
        nullable: column.nullable,
        collation: null,
      })),
      rowset,
      total: rowset.length,
      returned: rowset.length,
      queryId: context.queryId,
      databaseProvider: null,
      finalDatabaseName: context.database ?? null,
      finalSchemaName: context.schema ?? null,
      finalWarehouseName: 'LOCAL',
      finalRoleName: 'PUBLIC',
      numberOfBinds: context.bindCount,
      arrayBindSupported: false,
      statementTypeId: result.statementTypeId,
      version: 1,
      sendResultTime: Date.now(),
      queryResultFormat: 'json',
      queryContext: { entries: [] },
    },
  };
}
