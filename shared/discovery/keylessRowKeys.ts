import type { CanonicalObject, CanonicalRow, CanonicalValue } from '../canonical/CanonicalValue';
import { canonicalJson } from '../canonical/canonicalJson';
import { sha256Hex } from '../canonical/sha256';

/** The key columns of a keyless table's findings, in sort order. */
export const KEYLESS_KEY = ['_row', '_n'] as const;

/**
 * Row identity for a table without a primary key. A row's key is `{ "_n": k, "_row": h }` where
 * `h` is the SHA-256 of the row's canonical JSON (the returned columns only) and `k` numbers the
 * identical copies of that row met in one search, from 1. Identical rows cannot be told apart, so
 * the copies are interchangeable: a search meeting a row twice yields keys 1 and 2, and since
 * findings are merged by key, the table's findings hold as many copies as the search that met most
 * of them. The key does not depend on the order in which rows arrive or on page sizes.
 *
 * Returns a keyer for ONE search: call it once per search (and again if a search restarts).
 */
export function keylessRowKeys(): (row: CanonicalRow) => CanonicalObject {
  const seen = new Map<string, number>();
  return (row) => {
    const hash = sha256Hex(canonicalJson(row as CanonicalValue));
    const n = (seen.get(hash) ?? 0) + 1;
    seen.set(hash, n);
    return { _n: n, _row: hash };
  };
}
