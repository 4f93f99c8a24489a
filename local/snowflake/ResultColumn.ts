/** One entry of a Snowflake result's `rowtype`: the lower-case type name and its facets. */
export interface ResultColumn {
  readonly name: string;
  readonly type:
    | 'fixed'
    | 'real'
    | 'text'
    | 'boolean'
    | 'date'
    | 'time'
    | 'timestamp_ntz'
    | 'timestamp_ltz'
    | 'timestamp_tz'
    | 'variant'
    | 'object'
    | 'array'
    | 'binary';
  readonly precision: number | null;
  readonly scale: number | null;
  readonly length: number | null;
  readonly byteLength: number | null;
  readonly nullable: boolean;
}
