import type { CanonicalObject, CanonicalRow } from '../canonical/CanonicalValue';
import { canonicalJson } from '../canonical/canonicalJson';

/**
 * The canonical JSON of a row a searcher wrote from PostgreSQL's text as it built the row: the same
 * bytes `canonicalJson(row)` gives (`canonicalPgValueJson`), kept so the evidence hash and row
 * hashes do not canonicalise the row again. It is held on the row under a symbol, not enumerable:
 * `Object.keys`, `JSON.stringify`, `canonicalJson`, spreads and `Object.assign` do not see it, so a
 * row built from another (a row less its masked columns, a revived row) never carries it. (A
 * `WeakMap` from rows to their text did the same at several times the cost, in its own upkeep and
 * in garbage collection.) Rows are never changed after a searcher built them.
 */
const ROW_JSON = Symbol('dsr.rowJson');

/**
 * Remembers `json` as the canonical JSON of `value`, a row or a key its searcher wrote from the
 * same values (`FoundRow.json`, `FoundRow.keyJson`).
 */
export function rememberWrittenJson(value: CanonicalObject, json: string): void {
  Object.defineProperty(value, ROW_JSON, { value: json, configurable: true, writable: true });
}

/** The canonical JSON of a row or key as its searcher wrote it; undefined for any other object. */
export function writtenJson(value: CanonicalObject): string | undefined {
  return (value as { [ROW_JSON]?: string })[ROW_JSON];
}

/** The canonical JSON of `row`: as its searcher wrote it, or `canonicalJson(row)`. */
export function rowJsonOf(row: CanonicalRow): string {
  return (row as { [ROW_JSON]?: string })[ROW_JSON] ?? canonicalJson(row);
}
