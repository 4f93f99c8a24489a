import { sqlErrors } from './SnowflakeSqlError';
import { isOp, isWord, type SqlToken } from './tokenizeSql';

/** The data types Snowflake reports in `INFORMATION_SCHEMA.COLUMNS.DATA_TYPE`. */
export type SnowflakeDataType =
  | 'TEXT'
  | 'NUMBER'
  | 'FLOAT'
  | 'BOOLEAN'
  | 'DATE'
  | 'TIME'
  | 'TIMESTAMP_TZ'
  | 'TIMESTAMP_NTZ'
  | 'TIMESTAMP_LTZ'
  | 'VARIANT'
  | 'OBJECT'
  | 'ARRAY'
  | 'BINARY';

/** A declared Snowflake column type, and the DuckDB type that stores it. */
export interface SnowflakeType {
  readonly dataType: SnowflakeDataType;
  /** Characters for TEXT, bytes for BINARY. */
  readonly length: number | null;
  readonly precision: number | null;
  readonly scale: number | null;
  /** The DuckDB storage type. TIMESTAMP_TZ is kept as text so its offset survives. */
  readonly duckType: string;
}

/** Snowflake's maximum TEXT length, reported for VARCHAR without a length. */
export const MAX_TEXT_LENGTH = 16_777_216;
/** Snowflake's maximum BINARY length. */
export const MAX_BINARY_LENGTH = 8_388_608;

const TEXT = [
  'VARCHAR',
  'STRING',
  'TEXT',
  'CHAR',
  'CHARACTER',
  'NCHAR',
  'NVARCHAR',
  'NVARCHAR2',
  'CHAR_VARYING',
  'NCHAR_VARYING',
];
const INTEGERS = ['INT', 'INTEGER', 'BIGINT', 'SMALLINT', 'TINYINT', 'BYTEINT'];
const NUMBERS = ['NUMBER', 'DECIMAL', 'NUMERIC', 'DEC'];
const FLOATS = ['FLOAT', 'FLOAT4', 'FLOAT8', 'DOUBLE', 'REAL'];

function make(
  dataType: SnowflakeDataType,
  duckType: string,
  extra: Partial<Pick<SnowflakeType, 'length' | 'precision' | 'scale'>> = {},
): SnowflakeType {
  return {
    dataType,
    duckType,
    length: extra.length ?? null,
    precision: extra.precision ?? null,
    scale: extra.scale ?? null,
  };
}

/**
 * Maps a Snowflake type name and its arguments to a {@link SnowflakeType}, or `undefined` when the
 * name is not a type this endpoint knows.
 */
export function snowflakeType(name: string, args: readonly number[]): SnowflakeType | undefined {
  const upper = name.toUpperCase();
  if (TEXT.includes(upper)) {
    const isChar = upper === 'CHAR' || upper === 'CHARACTER' || upper === 'NCHAR';
    return make('TEXT', 'VARCHAR', { length: args[0] ?? (isChar ? 1 : MAX_TEXT_LENGTH) });
  }
  if (INTEGERS.includes(upper)) return make('NUMBER', 'DECIMAL(38,0)', { precision: 38, scale: 0 });
  if (NUMBERS.includes(upper)) {
    const precision = args[0] ?? 38;
    const scale = args[1] ?? 0;
    if (precision < 1 || precision > 38 || scale < 0 || scale > precision) {
      throw sqlErrors.syntax(`unsupported precision/scale (${precision},${scale})`);
    }
    return make('NUMBER', `DECIMAL(${precision},${scale})`, { precision, scale });
  }
  if (FLOATS.includes(upper)) return make('FLOAT', 'DOUBLE');
  switch (upper) {
    case 'BOOLEAN':
      return make('BOOLEAN', 'BOOLEAN');
    case 'DATE':
      return make('DATE', 'DATE');
    case 'TIME':
      return make('TIME', 'TIME', { precision: 9, scale: args[0] ?? 9 });
    case 'TIMESTAMP_TZ':
      return make('TIMESTAMP_TZ', 'VARCHAR', { precision: 0, scale: args[0] ?? 9 });
    case 'TIMESTAMP':
    case 'DATETIME':
    case 'TIMESTAMP_NTZ':
      return make('TIMESTAMP_NTZ', 'TIMESTAMP', { precision: 0, scale: args[0] ?? 9 });
    case 'TIMESTAMP_LTZ':
      return make('TIMESTAMP_LTZ', 'TIMESTAMPTZ', { precision: 0, scale: args[0] ?? 9 });
    case 'VARIANT':
      return make('VARIANT', 'JSON');
    case 'OBJECT':
      return make('OBJECT', 'JSON');
    case 'ARRAY':
      return make('ARRAY', 'JSON');
    case 'BINARY':
    case 'VARBINARY':
      return make('BINARY', 'BLOB', { length: args[0] ?? MAX_BINARY_LENGTH });
    default:
      return undefined;
  }
}

/** Reads a type starting at `tokens[start]`: a name, an optional second word, optional `(n[, m])`. */
export function readSnowflakeType(
  tokens: readonly SqlToken[],
  start: number,
): { type: SnowflakeType; next: number } {
  const first = tokens[start];
  if (first?.type !== 'word') throw sqlErrors.syntax('expected a data type');
  let name = first.text.toUpperCase();
  let i = start + 1;
  if (name === 'DOUBLE' && isWord(tokens[i], 'PRECISION')) i++;
  if ((name === 'CHAR' || name === 'CHARACTER' || name === 'NCHAR') && isWord(tokens[i], 'VARYING')) {
    name = 'VARCHAR';
    i++;
  }
  const args: number[] = [];
  if (isOp(tokens[i], '(')) {
    i++;
    while (!isOp(tokens[i], ')')) {
      const token = tokens[i];
      if (!token) throw sqlErrors.syntax('unterminated type arguments');
      if (token.type === 'number') args.push(Number(token.text));
      i++;
    }
    i++;
  }
  const type = snowflakeType(name, args);
  if (!type) throw sqlErrors.syntax(`unknown data type '${name}'`);
  return { type, next: i };
}
