import type { CanonicalObject, CanonicalRow } from '../canonical/CanonicalValue';
import type { ProvenanceEntry } from './Provenance';
import type { SearchableTable } from './SearchableTable';

/**
 * Where the traversal sends every row a search meets, as it meets it: the row, its key, and the
 * match (with its round) that met it. A row met by several matches, or in several rounds, is sent
 * each time; the sink collapses them (see {@link collapseMetRecords}). `met` is called synchronously
 * from a searcher's page callback, so a sink that writes to disk holds the search for that long:
 * that is the back-pressure.
 */
export interface MetRowSink {
  met(table: SearchableTable, met: MetRow): void;
  /**
   * Set when the sink reads a row only through its canonical JSON (`MetRow.rowJson`, or
   * `canonicalJson(row)` without it): searchers are then asked for rows as JSON, and `row` holds
   * only the columns the traversal reads.
   */
  readonly rowsAsJson?: boolean;
  /**
   * Set when the sink keeps whole rows and would take their canonical JSON along (`MetRow.rowJson`)
   * where a searcher writes it: what the rows are hashed from later, without canonicalising them again.
   */
  readonly wholeRowsWithJson?: boolean;
}

/** One meeting of a row by one match. */
export interface MetRow {
  readonly match: ProvenanceEntry;
  /** The canonical JSON of `match`: provenance entries are ordered by it. */
  readonly matchId: string;
  readonly key: CanonicalObject;
  /** The canonical JSON of `key`: rows are the same row when these are equal. */
  readonly keyJson: string;
  /** The row; only the columns the traversal reads when the sink takes rows as JSON and `rowJson` is set. */
  readonly row: CanonicalRow;
  /** The canonical JSON of the whole row, when the searcher wrote it (see `MetRowSink.rowsAsJson`). */
  readonly rowJson?: string;
}
