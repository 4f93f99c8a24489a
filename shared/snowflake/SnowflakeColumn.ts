/**
 * A column as Snowflake's `INFORMATION_SCHEMA.COLUMNS` describes it.
 * https://docs.snowflake.com/en/sql-reference/info-schema/columns
 */
export interface SnowflakeColumn {
  readonly name: string;
  readonly ordinal: number;
  /** `DATA_TYPE` in upper case: `TEXT`, `NUMBER`, `FLOAT`, `TIMESTAMP_TZ`, `VARIANT`, `BINARY`, … */
  readonly dataType: string;
  /** `CHARACTER_MAXIMUM_LENGTH` for text and binary columns. */
  readonly length: number | undefined;
  /** `NUMERIC_PRECISION` / `NUMERIC_SCALE` for NUMBER columns. */
  readonly precision: number | undefined;
  readonly scale: number | undefined;
  readonly nullable: boolean;
}

/** A Snowflake table or view and its columns. */
export interface SnowflakeTable {
  /** `DATABASE.SCHEMA.TABLE` as the catalog spells it. */
  readonly name: string;
  readonly columns: readonly SnowflakeColumn[];
}

/**
 * The tables found, keyed by their three-part name exactly as the catalog spells it: names are
 * always quoted, so `ANALYTICS.PUBLIC.USERS` and `analytics.public.users` are different tables.
 */
export interface SnowflakeCatalog {
  readonly tables: ReadonlyMap<string, SnowflakeTable>;
}
