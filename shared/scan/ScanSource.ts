/** The systems a scan reads. */
export type ScanSystem = 'postgres' | 'snowflake';

/**
 * How a column's values are read: `text`, `number` and `date` as text, `json` as JSON text whose
 * leaves are classified one by one, `other` (binary, boolean, uuid, …) not at all.
 */
export type ScanColumnKind = 'text' | 'json' | 'number' | 'date' | 'other';

export interface ScanColumn {
  readonly name: string;
  readonly kind: ScanColumnKind;
  /** The type as the catalog names it, for reports. */
  readonly typeName: string;
}

export interface ScanTable {
  readonly system: ScanSystem;
  /** Qualified name as the data map writes it: `schema.table`, or `DATABASE.SCHEMA.TABLE`. */
  readonly table: string;
  /** The name's parts as the catalog spells them, each quoted separately when used. */
  readonly parts: readonly string[];
  readonly columns: readonly ScanColumn[];
  /** Row count from the catalog's statistics; undefined when unknown. */
  readonly estimatedRows: number | undefined;
}

/** Lists the tables of one system, with their columns. */
export interface CatalogSource {
  readonly system: ScanSystem;
  listTables(): Promise<ScanTable[]>;
}

/**
 * Reads a bounded sample of rows, never the whole of a large table. Each row holds the columns'
 * values as text (JSON text for `json` columns), in the order of `columns`; SQL NULL is `null`.
 */
export interface ColumnSampler {
  readonly system: ScanSystem;
  sample(table: ScanTable, columns: readonly ScanColumn[], rows: number): Promise<(string | null)[][]>;
}

/** One system as a scan sees it. */
export interface ScanSource {
  readonly catalog: CatalogSource;
  readonly sampler: ColumnSampler;
}

/** Characters of a text value a sampler reads: enough for any detector, bounded for a huge column. */
export const MAX_SAMPLED_TEXT = 4096;
/**
 * Below this many estimated rows per wanted row a table is read with a plain row limit; above it,
 * with page/block sampling, so a large table is never read from its first pages only.
 */
export const SAMPLE_FACTOR = 10;
