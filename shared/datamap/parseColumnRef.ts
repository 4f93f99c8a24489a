import type { System } from './System';

/** A column of a data-map table, named by a follow edge. */
export interface ColumnRef {
  readonly system: System;
  /** `schema.table` or `DATABASE.SCHEMA.TABLE`, as the data map names the table. */
  readonly table: string;
  readonly column: string;
}

/**
 * Splits a follow reference. Its shape names the system: `schema.table.column` is PostgreSQL,
 * `DATABASE.SCHEMA.TABLE.COLUMN` is Snowflake, so an edge may cross systems where the map says so.
 * The reference is one the schema has validated (plain identifiers joined by dots).
 */
export function parseColumnRef(ref: string): ColumnRef {
  const dot = ref.lastIndexOf('.');
  const table = ref.slice(0, dot);
  return {
    system: ref.split('.').length === 4 ? 'snowflake' : 'postgres',
    table,
    column: ref.slice(dot + 1),
  };
}
