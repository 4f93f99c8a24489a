import type { CanonicalObject, CanonicalRow } from '../canonical/CanonicalValue';
import type { Normalization } from '../datamap/dataMapSchema';

export type System = 'postgres' | 'snowflake';

/**
 * A value the traversal carries between tables: an identity kind (`identity:email`) or the values
 * of a column other tables follow (`column:postgres:public.users.id`).
 */
export type ValueKey = string;

/** A column a table can be searched by, and which values it is searched with. */
export interface SearchInput {
  readonly valueKey: ValueKey;
  readonly column: string;
  /** Applied to the column's values in the query (identity kinds only). */
  readonly normalize: Normalization;
}

/** A column whose values, in found rows, feed further searches. */
export interface SearchOutput {
  readonly valueKey: ValueKey;
  readonly column: string;
  readonly normalize: Normalization;
}

/** One data-map table, as the traversal sees it. */
export interface SearchableTable {
  readonly system: System;
  /** As the data map names it. */
  readonly table: string;
  readonly primaryKey: readonly string[];
  readonly exclude: readonly string[];
  readonly inputs: readonly SearchInput[];
  readonly outputs: readonly SearchOutput[];
}

/** A row found, in canonical form, with its primary key. */
export interface FoundRow {
  readonly key: CanonicalObject;
  readonly row: CanonicalRow;
}

/**
 * A row that matched but has no canonical form (e.g. a `json` string with a lone surrogate). It is
 * reported by key, column and reason code, never with a value, and the search goes on.
 */
export interface UnreadableRow {
  readonly key: CanonicalObject;
  readonly column: string;
  readonly reason: string;
}

/** Port through which the traversal searches one system. */
export interface TableSearcher {
  /**
   * Finds the rows of `table` whose `input.column` (normalised as the input says) equals one of
   * `values`, handing them over page by page; rows that cannot be read go to `onUnreadable`.
   */
  search(
    table: SearchableTable,
    input: SearchInput,
    values: readonly string[],
    onPage: (rows: readonly FoundRow[]) => void,
    onUnreadable?: (row: UnreadableRow) => void,
  ): Promise<void>;
}
