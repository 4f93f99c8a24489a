import type { CanonicalObject, CanonicalRow } from '../canonical/CanonicalValue';
import type { System } from '../datamap/System';
import type { Normalization } from '../identity/Normalization';

/**
 * A value the traversal carries between tables: an identity kind (`identity:email`) or the values
 * of a column other tables follow (`column:postgres:public.users.id`).
 */
export type ValueKey = string;

/** Why a table is searched by a column: it holds an identity kind, or it follows another table's column. */
export type SearchReason =
  | { readonly via: 'identity'; readonly identity: string }
  /** `from` is `<system>:<table>.<column>`, the column followed. */
  | { readonly via: 'follow'; readonly from: string };

/** A column a table can be searched by, and which values it is searched with. */
export interface SearchInput {
  readonly valueKey: ValueKey;
  readonly column: string;
  /** Applied to the column's values in the query (identity kinds only). */
  readonly normalize: Normalization;
  /** For `phone`: the region of numbers written without a country code. */
  readonly region?: string;
  readonly reason: SearchReason;
  /**
   * A follow narrowed by the data map's `followWhere`: only rows whose `column` holds one of
   * `values` (compared as text) are reached.
   */
  readonly where?: { readonly column: string; readonly values: readonly string[] };
}

/** A column whose values, in found rows, feed further searches. */
export interface SearchOutput {
  readonly valueKey: ValueKey;
  readonly column: string;
  readonly normalize: Normalization;
  /** For `phone`: the region of numbers written without a country code. */
  readonly region?: string;
  /**
   * Set when the values are a learned identity kind (the table `learn`s it): such a value widens
   * the search only if it is held by one row of this column (see `traverseInto`).
   */
  readonly learned?: { readonly identity: string };
}

/** One data-map table, as the traversal sees it. */
export interface SearchableTable {
  readonly system: System;
  /** As the data map names it. */
  readonly table: string;
  /** Empty for a keyless table: rows are then keyed by `keylessRowKeys`, findings by `{ _n, _row }`. */
  readonly primaryKey: readonly string[];
  /** The allow-list of columns returned, when the data map declares one. */
  readonly columns?: readonly string[];
  readonly exclude: readonly string[];
  readonly inputs: readonly SearchInput[];
  readonly outputs: readonly SearchOutput[];
  /**
   * Set when each row is one person's record: the table learns, and its single-column key is
   * mapped to an identity kind or followed by another table (`users.id`, `suppliers.id`). A value
   * such rows hold is a claimant's identifier; the learning guard follows a value only if at most
   * one row of all such tables holds it.
   */
  readonly personTable?: true;
  /**
   * Set on a Snowflake copy of a PostgreSQL table (its `mirror`): the table copied. A copy holds
   * the same rows, so the learning guard counts a value held by a row and its copy once.
   */
  readonly copyOf?: string;
}

/** A row found, in canonical form, with its primary key (or, keyless, its row identity). */
export interface FoundRow {
  readonly key: CanonicalObject;
  /** `canonicalJson(key)`, when the searcher wrote it along with `json`. */
  readonly keyJson?: string;
  /** The row; only the columns {@link RowForm} names when the search was given one and `json` is set. */
  readonly row: CanonicalRow;
  /**
   * The canonical JSON of the whole row (every returned column), when the search was given a
   * {@link RowForm} and the searcher writes it: then `row` may hold only the form's columns.
   */
  readonly json?: string;
}

/**
 * Asks a searcher for rows as their canonical JSON (`FoundRow.json`), with only `columns` as
 * values in `row`: a sink that writes rows out needs no object per row, and the traversal reads a
 * few columns. A searcher may ignore it and hand over whole rows without `json`.
 */
export interface RowForm {
  readonly json: true;
  /** The columns the caller reads from `row`. */
  readonly columns: readonly string[];
  /** Every column in `row` as well as in `json`: the caller keeps whole rows and their JSON. */
  readonly whole?: true;
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
   * `values`, handing them over page by page. Only the table's returned columns are selected (its
   * `columns` allow-list if any, less `exclude`). A keyless table's rows are keyed with one
   * `keylessRowKeys` per search (per attempt, if the search is retried from the start): meeting
   * keys, whose copies the sink numbers (`numberKeylessCopies`); a searcher keeps no row. Rows that
   * cannot be read go to `onUnreadable`. Given `form`, rows may come as their canonical JSON with
   * only the form's columns in `row` (see {@link RowForm}).
   */
  search(
    table: SearchableTable,
    input: SearchInput,
    values: readonly string[],
    onPage: (rows: readonly FoundRow[]) => void,
    onUnreadable?: (row: UnreadableRow) => void,
    form?: RowForm,
  ): Promise<void>;

  /**
   * Rows of `table` whose `column` (normalised as given, with the very match `search` uses, so the
   * same index serves) equals each value, counted up to `cap` per value: a value held by `cap` rows
   * or more counts `cap`. Every value given is in the answer, 0 when no row holds it.
   */
  countRows(
    table: SearchableTable,
    column: { readonly column: string; readonly normalize: Normalization; readonly region?: string },
    values: readonly string[],
    cap: number,
  ): Promise<ReadonlyMap<string, number>>;
}
