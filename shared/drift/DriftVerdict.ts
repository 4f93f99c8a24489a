/**
 * What can differ between a PostgreSQL table and its Snowflake mirror.
 *
 * - `missing_table`: the mirror (or its source) does not exist.
 * - `missing_column`: a source column has no mirror column.
 * - `extra_column`: a mirror column has no source column.
 * - `text_narrowed`: the mirror's VARCHAR is shorter than the source text can be.
 * - `number_narrowed`: the mirror's NUMBER has fewer integer or fractional digits than the source
 *   (or exact digits land in a FLOAT).
 * - `integer_to_float`: an integer column lands in FLOAT, a double.
 * - `zone_lost`: a `timestamptz` lands in `TIMESTAMP_NTZ`, which drops the instant's zone.
 * - `json_not_variant`: a `json`/`jsonb` column lands in something other than VARIANT, OBJECT or ARRAY.
 * - `incompatible_type`: the mirror's type cannot hold the source's values.
 */
export type DriftKind =
  | 'missing_table'
  | 'missing_column'
  | 'extra_column'
  | 'text_narrowed'
  | 'number_narrowed'
  | 'integer_to_float'
  | 'zone_lost'
  | 'json_not_variant'
  | 'incompatible_type';

/** One difference between a source table and its mirror. Names only, never values. */
export interface DriftFinding {
  /** The PostgreSQL table, as the data map names it. */
  readonly table: string;
  /** Its Snowflake mirror, as the data map names it. */
  readonly mirror: string;
  /** The column concerned (source spelling, or the mirror's for an extra column); null for a whole table. */
  readonly column: string | null;
  readonly kind: DriftKind;
  /** What differs, e.g. `character varying(255) lands in VARCHAR(100)`. */
  readonly detail: string;
  /** True when values would be lost or changed on the way: the gate halts whatever the percentage. */
  readonly corrupting: boolean;
}

/** The outcome of a check: a value, never an exception (only a fault throws). */
export interface DriftVerdict {
  /**
   * `pass`: every checked mirror matches; `drifted`: at least one finding; `not_applicable`: no
   * table with a mirror was checked.
   */
  readonly status: 'pass' | 'drifted' | 'not_applicable';
  /** True when the pipeline must stop: a corrupting finding, or drift above the threshold. */
  readonly halt: boolean;
  readonly findings: readonly DriftFinding[];
  /** Columns with at least one finding, as a percentage of the columns compared (0–100). */
  readonly driftPercent: number;
  /** The threshold the verdict was taken with. */
  readonly thresholdPercent: number;
  /** The source tables checked, as the data map names them. */
  readonly tables: readonly string[];
}
