import { type DuckDBDecimalType, type DuckDBType, DuckDBTypeId } from '@duckdb/node-api';
import type { ResultColumn } from './ResultColumn';
import type { DeclaredColumn } from './SnowflakeCatalog';
import { MAX_BINARY_LENGTH, MAX_TEXT_LENGTH } from './SnowflakeType';

function column(name: string, type: ResultColumn['type'], facets: Partial<ResultColumn> = {}): ResultColumn {
  return {
    name,
    type,
    precision: facets.precision ?? null,
    scale: facets.scale ?? null,
    length: facets.length ?? null,
    byteLength: facets.byteLength ?? null,
    nullable: facets.nullable ?? true,
  };
}

/** A text column of Snowflake's maximum length, as DDL and DML answers use. */
export function textColumn(name: string): ResultColumn {
  return column(name, 'text', { length: MAX_TEXT_LENGTH, byteLength: MAX_TEXT_LENGTH });
}

/** A NUMBER(19,0) column, as Snowflake's DML answers use. */
export function countColumn(name: string): ResultColumn {
  return column(name, 'fixed', { precision: 19, scale: 0, nullable: false });
}

/** The Snowflake rowtype for a DuckDB result column. */
export function fromDuckDbType(name: string, type: DuckDBType): ResultColumn {
  switch (type.typeId) {
    case DuckDBTypeId.DECIMAL: {
      const decimal = type as DuckDBDecimalType;
      return column(name, 'fixed', { precision: decimal.width, scale: decimal.scale });
    }
    case DuckDBTypeId.TINYINT:
    case DuckDBTypeId.SMALLINT:
    case DuckDBTypeId.INTEGER:
    case DuckDBTypeId.BIGINT:
    case DuckDBTypeId.UTINYINT:
    case DuckDBTypeId.USMALLINT:
    case DuckDBTypeId.UINTEGER:
    case DuckDBTypeId.UBIGINT:
    case DuckDBTypeId.HUGEINT:
    case DuckDBTypeId.UHUGEINT:
      return column(name, 'fixed', { precision: 38, scale: 0 });
    case DuckDBTypeId.FLOAT:
    case DuckDBTypeId.DOUBLE:
      return column(name, 'real');
    case DuckDBTypeId.BOOLEAN:
      return column(name, 'boolean');
    case DuckDBTypeId.DATE:
      return column(name, 'date');
    case DuckDBTypeId.TIME:
      return column(name, 'time', { scale: 9 });
    case DuckDBTypeId.TIMESTAMP:
    case DuckDBTypeId.TIMESTAMP_S:
    case DuckDBTypeId.TIMESTAMP_MS:
    case DuckDBTypeId.TIMESTAMP_NS:
      return column(name, 'timestamp_ntz', { scale: 9 });
    case DuckDBTypeId.TIMESTAMP_TZ:
      return column(name, 'timestamp_ltz', { scale: 9 });
    case DuckDBTypeId.BLOB:
      return column(name, 'binary', { length: MAX_BINARY_LENGTH, byteLength: MAX_BINARY_LENGTH });
    case DuckDBTypeId.VARCHAR:
      return type.alias === 'JSON' ? column(name, 'variant') : textColumn(name);
    default:
      return textColumn(name);
  }
}

/**
 * Replaces a column's rowtype with its declared Snowflake type when the result column is a stored
 * column: that is how TIMESTAMP_TZ (stored as text), OBJECT and ARRAY (stored as JSON) and VARCHAR
 * lengths come back as Snowflake describes them.
 */
export function refineWithDeclared(result: ResultColumn, declared: DeclaredColumn | undefined): ResultColumn {
  if (!declared) return result;
  const { type } = declared;
  const nullable = declared.nullable;
  switch (type.dataType) {
    case 'TEXT':
      return result.type === 'text'
        ? {
            ...result,
            length: type.length,
            byteLength: Math.min((type.length ?? 0) * 4, MAX_TEXT_LENGTH),
            nullable,
          }
        : result;
    case 'TIMESTAMP_TZ':
      return result.type === 'text' || result.type === 'timestamp_ltz'
        ? column(result.name, 'timestamp_tz', { scale: 9, nullable })
        : result;
    case 'VARIANT':
    case 'OBJECT':
    case 'ARRAY':
      return result.type === 'variant'
        ? column(result.name, type.dataType.toLowerCase() as ResultColumn['type'], { nullable })
        : result;
    case 'BINARY':
      return result.type === 'binary'
        ? { ...result, length: type.length, byteLength: type.length, nullable }
        : result;
    default:
      return result.type === declared.type.dataType.toLowerCase() || result.type === 'fixed'
        ? { ...result, nullable }
        : result;
  }
}
