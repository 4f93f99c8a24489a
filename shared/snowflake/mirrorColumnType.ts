import type { SnowflakeColumn } from './SnowflakeColumn';

/** Snowflake's type families, after its synonyms are folded (`VARCHAR`, `STRING` → `TEXT`, …). */
export type MirrorTypeFamily =
  | 'TEXT'
  | 'NUMBER'
  | 'FLOAT'
  | 'BOOLEAN'
  | 'DATE'
  | 'TIME'
  | 'TIMESTAMP_NTZ'
  | 'TIMESTAMP_LTZ'
  | 'TIMESTAMP_TZ'
  | 'VARIANT'
  | 'OBJECT'
  | 'ARRAY'
  | 'BINARY'
  | 'OTHER';

/** The largest VARCHAR length Snowflake reports for an unbounded `VARCHAR`/`STRING` (16 MB). */
export const SNOWFLAKE_MAX_TEXT_LENGTH = 16_777_216;

/** NUMBER's largest precision: an unconstrained `numeric` cannot be held more exactly than this. */
export const SNOWFLAKE_MAX_PRECISION = 38;

const SYNONYMS: Record<string, MirrorTypeFamily> = {
  TEXT: 'TEXT',
  VARCHAR: 'TEXT',
  STRING: 'TEXT',
  CHAR: 'TEXT',
  CHARACTER: 'TEXT',
  NCHAR: 'TEXT',
  NVARCHAR: 'TEXT',
  NUMBER: 'NUMBER',
  NUMERIC: 'NUMBER',
  DECIMAL: 'NUMBER',
  INT: 'NUMBER',
  INTEGER: 'NUMBER',
  BIGINT: 'NUMBER',
  SMALLINT: 'NUMBER',
  TINYINT: 'NUMBER',
  BYTEINT: 'NUMBER',
  FLOAT: 'FLOAT',
  FLOAT4: 'FLOAT',
  FLOAT8: 'FLOAT',
  DOUBLE: 'FLOAT',
  'DOUBLE PRECISION': 'FLOAT',
  REAL: 'FLOAT',
  BOOLEAN: 'BOOLEAN',
  DATE: 'DATE',
  TIME: 'TIME',
  TIMESTAMP: 'TIMESTAMP_NTZ', // TIMESTAMP_TYPE_MAPPING's default
  DATETIME: 'TIMESTAMP_NTZ',
  TIMESTAMP_NTZ: 'TIMESTAMP_NTZ',
  TIMESTAMP_LTZ: 'TIMESTAMP_LTZ',
  TIMESTAMP_TZ: 'TIMESTAMP_TZ',
  VARIANT: 'VARIANT',
  OBJECT: 'OBJECT',
  ARRAY: 'ARRAY',
  BINARY: 'BINARY',
  VARBINARY: 'BINARY',
};

/** The family of a catalog `DATA_TYPE` (a modifier such as `(38,0)` is ignored). */
export function mirrorTypeFamily(dataType: string): MirrorTypeFamily {
  const base = dataType
    .toUpperCase()
    .replace(/\(.*\)$/, '')
    .trim();
  return SYNONYMS[base] ?? 'OTHER';
}

/** How the mirror column's type reads in a finding: `VARCHAR(100)`, `NUMBER(10,2)`, `TIMESTAMP_NTZ`. */
export function describeMirrorType(column: SnowflakeColumn): string {
  const family = mirrorTypeFamily(column.dataType);
  if (family === 'TEXT') return column.length === undefined ? 'VARCHAR' : `VARCHAR(${column.length})`;
  if (family === 'NUMBER') {
    return column.precision === undefined ? 'NUMBER' : `NUMBER(${column.precision},${column.scale ?? 0})`;
  }
  if (family === 'OTHER') return column.dataType.toUpperCase();
  return family;
}
