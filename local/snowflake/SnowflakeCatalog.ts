import type { DuckDBConnection } from '@duckdb/node-api';
import { MAX_TEXT_LENGTH, type SnowflakeType } from './SnowflakeType';
import { quoteIdentifier, quoteString } from './translateExpression';

/** A column as declared in Snowflake DDL. */
export interface DeclaredColumn {
  readonly name: string;
  readonly type: SnowflakeType;
  readonly nullable: boolean;
}

const key = (database: string, schema: string, table: string) => JSON.stringify([database, schema, table]);

/**
 * The declared Snowflake types of every table, which DuckDB cannot keep itself (VARCHAR lengths,
 * TIMESTAMP_TZ stored as text, OBJECT and ARRAY stored as JSON). Held in memory and written through
 * to a table in the main DuckDB database, so a file-backed endpoint keeps it across restarts; it is
 * what `INFORMATION_SCHEMA.COLUMNS` answers from.
 */
export class SnowflakeCatalog {
  private readonly tables = new Map<string, DeclaredColumn[]>();
  private names: Set<string> | undefined;
  private zoned: Set<string> | undefined;

  private constructor(
    private readonly connection: DuckDBConnection,
    private readonly metaTable: string,
  ) {}

  /** Opens (creating if needed) the catalog table in schema `sf_meta` of the main database. */
  static async open(connection: DuckDBConnection, mainDatabase: string): Promise<SnowflakeCatalog> {
    const schema = `${quoteIdentifier(mainDatabase)}.sf_meta`;
    await connection.run(`CREATE SCHEMA IF NOT EXISTS ${schema}`);
    await connection.run(
      `CREATE TABLE IF NOT EXISTS ${schema}.columns (TABLE_CATALOG VARCHAR, TABLE_SCHEMA VARCHAR, TABLE_NAME VARCHAR,
        COLUMN_NAME VARCHAR, ORDINAL_POSITION INTEGER, IS_NULLABLE VARCHAR, DATA_TYPE VARCHAR,
        CHARACTER_MAXIMUM_LENGTH BIGINT, CHARACTER_OCTET_LENGTH BIGINT, NUMERIC_PRECISION INTEGER,
        NUMERIC_PRECISION_RADIX INTEGER, NUMERIC_SCALE INTEGER, DATETIME_PRECISION INTEGER)`,
    );
    const catalog = new SnowflakeCatalog(connection, `${schema}.columns`);
    const reader = await connection.runAndReadAll(
      `SELECT TABLE_CATALOG, TABLE_SCHEMA, TABLE_NAME, COLUMN_NAME, IS_NULLABLE, DATA_TYPE,
        CHARACTER_MAXIMUM_LENGTH, NUMERIC_PRECISION, NUMERIC_SCALE, DATETIME_PRECISION
       FROM ${schema}.columns ORDER BY TABLE_CATALOG, TABLE_SCHEMA, TABLE_NAME, ORDINAL_POSITION`,
    );
    for (const row of reader.getRowsJson()) {
      const [database, tableSchema, table, name, nullable, dataType, length, precision, scale, datetime] =
        row.map((v) => (v === null ? null : String(v)));
      const k = key(String(database), String(tableSchema), String(table));
      const columns = catalog.tables.get(k) ?? [];
      columns.push({
        name: String(name),
        nullable: nullable === 'YES',
        type: restoreType(
          String(dataType),
          length ?? null,
          (dataType?.startsWith('TIMESTAMP') ? null : precision) ?? null,
          (dataType?.startsWith('TIMESTAMP') ? datetime : scale) ?? null,
        ),
      });
      catalog.tables.set(k, columns);
    }
    return catalog;
  }

  /** Whether a column of this name is declared TIMESTAMP_TZ in any table. */
  isZonedColumn(name: string): boolean {
    if (!this.zoned) {
      this.zoned = new Set(
        [...this.tables.values()]
          .flat()
          .filter((c) => c.type.dataType === 'TIMESTAMP_TZ')
          .map((c) => c.name),
      );
    }
    return this.zoned.has(name);
  }

  /** Whether any stored table or column has this name. */
  isStoredName(name: string): boolean {
    if (!this.names) {
      this.names = new Set();
      for (const [k, columns] of this.tables) {
        this.names.add((JSON.parse(k) as string[])[2] ?? '');
        for (const column of columns) this.names.add(column.name);
      }
    }
    return this.names.has(name);
  }

  /**
   * Whether a table exists whose name differs from the one given only in case: DuckDB would
   * resolve it, Snowflake would not (a quoted identifier is case-sensitive).
   */
  hasTableDifferingOnlyInCase(database: string, schema: string, table: string): boolean {
    if (this.tables.has(key(database, schema, table))) return false;
    const wanted = [database, schema, table].map((p) => p.toUpperCase()).join('\u0000');
    for (const k of this.tables.keys())
      if ((JSON.parse(k) as string[]).map((p) => p.toUpperCase()).join('\u0000') === wanted) return true;
    return false;
  }

  columns(database: string, schema: string, table: string): readonly DeclaredColumn[] | undefined {
    return this.tables.get(key(database, schema, table));
  }

  async setTable(
    database: string,
    schema: string,
    table: string,
    columns: readonly DeclaredColumn[],
  ): Promise<void> {
    this.tables.set(key(database, schema, table), [...columns]);
    await this.persist(database, schema, table);
  }

  async addColumn(database: string, schema: string, table: string, column: DeclaredColumn): Promise<void> {
    const columns = this.tables.get(key(database, schema, table)) ?? [];
    columns.push(column);
    await this.setTable(database, schema, table, columns);
  }

  async dropColumn(database: string, schema: string, table: string, name: string): Promise<void> {
    const columns = (this.tables.get(key(database, schema, table)) ?? []).filter((c) => c.name !== name);
    await this.setTable(database, schema, table, columns);
  }

  async renameColumn(
    database: string,
    schema: string,
    table: string,
    from: string,
    to: string,
  ): Promise<void> {
    const columns = (this.tables.get(key(database, schema, table)) ?? []).map((c) =>
      c.name === from ? { ...c, name: to } : c,
    );
    await this.setTable(database, schema, table, columns);
  }

  async dropTable(database: string, schema: string, table: string): Promise<void> {
    this.tables.delete(key(database, schema, table));
    await this.persist(database, schema, table);
  }

  /** Forgets every table of a schema (or, with `schema` undefined, of a database). */
  async dropContainer(database: string, schema?: string): Promise<void> {
    for (const k of [...this.tables.keys()]) {
      const [d, s] = JSON.parse(k) as [string, string];
      if (d === database && (schema === undefined || s === schema)) this.tables.delete(k);
    }
    this.names = undefined;
    this.zoned = undefined;
    await this.connection.run(
      `DELETE FROM ${this.metaTable} WHERE TABLE_CATALOG = $1${schema === undefined ? '' : ' AND TABLE_SCHEMA = $2'}`,
      schema === undefined ? [database] : [database, schema],
    );
  }

  /** The relation behind `<database>.INFORMATION_SCHEMA.<view>`, as a parenthesised subquery. */
  informationSchema(database: string, view: string): string | undefined {
    const where = `WHERE TABLE_CATALOG = ${quoteString(database)}`;
    switch (view) {
      case 'COLUMNS':
        return `(SELECT * FROM ${this.metaTable} ${where})`;
      case 'TABLES':
        // ROW_COUNT as Snowflake keeps it: DuckDB's own estimate of the table's rows. Every local
        // table is permanent with the account default Time Travel of 1 day (IS_TRANSIENT 'NO',
        // RETENTION_TIME 1): the endpoint models neither TRANSIENT nor DATA_RETENTION_TIME_IN_DAYS.
        // https://docs.snowflake.com/en/sql-reference/info-schema/tables
        return `(SELECT DISTINCT m.TABLE_CATALOG, m.TABLE_SCHEMA, m.TABLE_NAME, 'BASE TABLE' AS TABLE_TYPE, 'NO' AS IS_TRANSIENT, CAST(1 AS DECIMAL(38,0)) AS RETENTION_TIME, t.estimated_size AS ROW_COUNT FROM ${this.metaTable} m LEFT JOIN duckdb_tables() t ON t.database_name = m.TABLE_CATALOG AND t.schema_name = m.TABLE_SCHEMA AND t.table_name = m.TABLE_NAME WHERE m.TABLE_CATALOG = ${quoteString(database)})`;
      case 'SCHEMATA':
        return `(SELECT database_name AS CATALOG_NAME, schema_name AS SCHEMA_NAME FROM duckdb_schemas() WHERE database_name = ${quoteString(database)})`;
      default:
        return undefined;
    }
  }

  private async persist(database: string, schema: string, table: string): Promise<void> {
    this.names = undefined;
    this.zoned = undefined;
    await this.connection.run(
      `DELETE FROM ${this.metaTable} WHERE TABLE_CATALOG = $1 AND TABLE_SCHEMA = $2 AND TABLE_NAME = $3`,
      [database, schema, table],
    );
    const columns = this.tables.get(key(database, schema, table)) ?? [];
    for (const [index, column] of columns.entries()) {
      const { type } = column;
      const isText = type.dataType === 'TEXT';
      const isBinary = type.dataType === 'BINARY';
      const isNumber = type.dataType === 'NUMBER';
      const isTime = type.dataType.startsWith('TIMESTAMP') || type.dataType === 'TIME';
      await this.connection.run(
        `INSERT INTO ${this.metaTable} VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13)`,
        [
          database,
          schema,
          table,
          column.name,
          index + 1,
          column.nullable ? 'YES' : 'NO',
          type.dataType,
          isText || isBinary ? type.length : null,
          isText ? Math.min((type.length ?? 0) * 4, MAX_TEXT_LENGTH) : isBinary ? type.length : null,
          isNumber ? type.precision : null,
          isNumber ? 10 : null,
          isNumber ? type.scale : null,
          isTime ? type.scale : null,
        ],
      );
    }
  }
}

function restoreType(
  dataType: string,
  length: string | null,
  precision: string | null,
  scale: string | null,
): SnowflakeType {
  const duckTypes: Record<string, string> = {
    TEXT: 'VARCHAR',
    FLOAT: 'DOUBLE',
    BOOLEAN: 'BOOLEAN',
    DATE: 'DATE',
    TIME: 'TIME',
    TIMESTAMP_TZ: 'VARCHAR',
    TIMESTAMP_NTZ: 'TIMESTAMP',
    TIMESTAMP_LTZ: 'TIMESTAMPTZ',
    VARIANT: 'JSON',
    OBJECT: 'JSON',
    ARRAY: 'JSON',
    BINARY: 'BLOB',
  };
  const num = (v: string | null) => (v === null ? null : Number(v));
  return {
    dataType: dataType as SnowflakeType['dataType'],
    duckType: dataType === 'NUMBER' ? `DECIMAL(${precision},${scale})` : (duckTypes[dataType] ?? 'VARCHAR'),
    length: num(length),
    precision: dataType.startsWith('TIMESTAMP') ? 0 : num(precision),
    scale: num(scale),
  };
}
