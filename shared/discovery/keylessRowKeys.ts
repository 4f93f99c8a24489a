import type { CanonicalObject, CanonicalRow, CanonicalValue } from '../canonical/CanonicalValue';
import { canonicalJson } from '../canonical/canonicalJson';
import { sha256Hex } from '../canonical/sha256';

/** The key columns of a keyless table's findings, in sort order. */
export const KEYLESS_KEY = ['_row', '_n'] as const;

/**
 * The key columns of one meeting of a keyless row, in sort order: the row's hash, the search that
 * met it and its place in that search. Sorting meetings by these puts the identical copies one
 * search met side by side, in the order it met them: `numberKeylessCopies` numbers them from there.
 */
export const KEYLESS_MEETING_KEY = ['_row', '_search', '_seq'] as const;

/** Numbers searches across the process: each keyer (one search) gets its own. */
let searches = 0;

/**
 * Row identity for a table without a primary key. A finding's key is `{ "_n": k, "_row": h }` where
 * `h` is the SHA-256 of the row's canonical JSON (the returned columns only) and `k` numbers the
 * identical copies of that row met in one search, from 1. Identical rows cannot be told apart, so
 * the copies are interchangeable: a search meeting a row twice yields keys 1 and 2, and since
 * findings are merged by key, the table's findings hold as many copies as the search that met most
 * of them. The key does not depend on the order in which rows arrive or on page sizes.
 *
 * A searcher does not count copies (that would hold every distinct row's hash for the length of a
 * search): it keys each meeting with `{ "_row": h, "_search": s, "_seq": q }` — `s` names this
 * search, `q` counts its meetings, readable or not — and the sink sorts meetings by that key
 * (`KEYLESS_MEETING_KEY`) and numbers the copies as it merges them (`numberKeylessCopies`), on
 * disk when it spills.
 *
 * Returns a keyer for ONE search: call it once per search (and again if a search restarts). Given
 * `json`, the row's canonical JSON already written (`FoundRow.json`), it hashes that instead.
 */
export function keylessRowKeys(): (row: CanonicalRow, json?: string) => CanonicalObject {
  const search = ++searches;
  let seq = 0;
  return (row, json) => ({
    _row: json === undefined ? keylessRowHash(row) : sha256Hex(json),
    _search: search,
    _seq: ++seq,
  });
}

/** The finding key of the `n`th identical copy of `row` (from 1). */
export function keylessFindingKey(row: CanonicalRow, n: number): CanonicalObject {
  return { _n: n, _row: keylessRowHash(row) };
}

/** SHA-256 (hex) of the row's canonical JSON. */
function keylessRowHash(row: CanonicalRow): string {
  return sha256Hex(canonicalJson(row as CanonicalValue));
}
