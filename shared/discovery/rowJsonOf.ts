import type { CanonicalRow } from '../canonical/CanonicalValue';
import { canonicalJson } from '../canonical/canonicalJson';

// Canonical JSON of rows a searcher wrote from PostgreSQL's text as it built them: the same bytes
// `canonicalJson(row)` gives (`writeCanonicalPgValueJson`), kept so the evidence hash and row hashes
// do not canonicalise the row again. Weak: a row dropped drops its text. Rows are never changed
// after a searcher built them (a masked or revived row is a new object).
const written = new WeakMap<CanonicalRow, string>();

/** Remembers `json` as the canonical JSON of `row` (the searcher wrote both from the same values). */
export function rememberRowJson(row: CanonicalRow, json: string): void {
  written.set(row, json);
}

/** The canonical JSON of `row` as its searcher wrote it; undefined for any other row. */
export function writtenRowJson(row: CanonicalRow): string | undefined {
  return written.get(row);
}

/** The canonical JSON of `row`: as its searcher wrote it, or `canonicalJson(row)`. */
export function rowJsonOf(row: CanonicalRow): string {
  return written.get(row) ?? canonicalJson(row);
}
