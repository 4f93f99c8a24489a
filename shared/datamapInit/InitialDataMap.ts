import type { Normalization } from '../identity/Normalization';

/** A value `dsr datamap init` inferred, with the reason, which becomes a YAML comment. */
export interface Inferred<T> {
  readonly value: T;
  readonly reason: string;
}

/** One PostgreSQL table of a proposed data map. */
export interface InitTable {
  readonly table: string;
  /** Absent for a keyless table, which is searched without one. */
  readonly primaryKey: Inferred<readonly string[]> | undefined;
  /** Identity kind → the columns holding it (one or several). */
  readonly identities: ReadonlyMap<string, readonly Inferred<string>[]>;
  /** Identity kinds whose values in found rows widen the search: only for one-person-per-row tables. */
  readonly learn: Inferred<readonly string[]> | undefined;
  /** Column → the `schema.table.column` references it follows (one or several). */
  readonly follow: ReadonlyMap<string, readonly Inferred<string>[]>;
  /** Column → category of personal data (`contact.email`, `financial.card`), as the detectors saw it. */
  readonly categories: ReadonlyMap<string, Inferred<string>>;
  readonly exclude: readonly Inferred<string>[];
  readonly mirror: Inferred<string> | undefined;
  /** Remarks on what was left out of this entry, and why. */
  readonly notes: readonly string[];
}

/** A data map proposed from the live catalog, every entry carrying why it was inferred. */
export interface InitialDataMap {
  /** What the measurements say about the map as a whole, written in its header. */
  readonly notes?: readonly string[];
  readonly identities: ReadonlyMap<string, Normalization>;
  readonly postgres: readonly InitTable[];
  /**
   * Tables no subject can reach yet (or whose name a map cannot hold), with the reason: written at
   * the end of the file as commented-out entries, ready to be connected.
   */
  readonly leftOut: readonly {
    readonly table: string;
    readonly reason: string;
    readonly primaryKey?: readonly string[];
  }[];
}
