import type { Normalization } from '../dataMapSchema';

/** A value `dsr datamap init` inferred, with the reason, which becomes a YAML comment. */
export interface Inferred<T> {
  readonly value: T;
  readonly reason: string;
}

/** One PostgreSQL table of a proposed data map. */
export interface InitTable {
  readonly table: string;
  readonly primaryKey: Inferred<readonly string[]>;
  /** Identity kind → column. */
  readonly identities: ReadonlyMap<string, Inferred<string>>;
  /** Column → `schema.table.column`. */
  readonly follow: ReadonlyMap<string, Inferred<string>>;
  readonly exclude: readonly Inferred<string>[];
  readonly mirror: Inferred<string> | undefined;
  /** Remarks on what was left out of this entry, and why. */
  readonly notes: readonly string[];
}

/** A data map proposed from the live catalog, every entry carrying why it was inferred. */
export interface InitialDataMap {
  readonly identities: ReadonlyMap<string, Normalization>;
  readonly postgres: readonly InitTable[];
  /** Tables left out of the map, with the reason (no primary key, unreachable, …). */
  readonly leftOut: readonly { readonly table: string; readonly reason: string }[];
}
