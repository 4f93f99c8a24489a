import type { CanonicalObject } from '../canonical/CanonicalValue';
import { canonicalJson } from '../canonical/canonicalJson';
import type { MetRecord } from './collapseMetRecords';
import type { KeylessHoles } from './KeylessHoles';

/** What one search met of one row: how many copies, and at which places the unreadable ones stood. */
interface SearchCopies {
  readonly search: number;
  readonly round: number;
  readonly matchId: string;
  readable: number;
  /** Copies met, readable or not: places 1 … total. */
  total: number;
  /** Places of the unreadable copies (no finding of this search there). */
  readonly holes: Set<number>;
}

/**
 * Numbers the identical copies of a keyless table's rows. `sorted` are the table's meetings keyed by
 * `keylessRowKeys` (`{ _row, _search, _seq }`) in `metRecordOrder(KEYLESS_MEETING_KEY)` — from
 * memory or merged from sorted runs on disk — so each row's meetings arrive together, search by
 * search, in the order each search met them. The `n`th copy a search met (its unreadable copies,
 * from `holes`, taking their places) is the finding `{ _n: n, _row }`; the meetings come out keyed
 * so, in `metRecordOrder(KEYLESS_KEY)`, ready for `collapseMetRecords`. A finding is met by every
 * search that met at least `n` readable-or-not copies and had a readable one at place `n`.
 *
 * This is the numbering `keylessRowKeys` once did while a search ran, with a map of every hash met;
 * here it holds one row's searches at a time, whatever the number of distinct rows. Sets each
 * hole's `readableBefore` as it goes (so `holes.resolve` can key the unreadable rows afterwards).
 */
export function* numberKeylessCopies<R>(
  sorted: Iterable<MetRecord<R>>,
  holes: KeylessHoles,
): Generator<MetRecord<R>> {
  let hash: string | undefined;
  let row: R | undefined;
  let searches: SearchCopies[] = [];
  let current: SearchCopies | undefined;
  let pending: readonly { seq: number; readableBefore: number }[] = [];
  let at = 0;
  const placeHoles = (before: number) => {
    if (!current) return;
    for (; at < pending.length && (pending[at]?.seq ?? 0) < before; at++) {
      (pending[at] as { readableBefore: number }).readableBefore = current.readable;
      current.holes.add(++current.total);
    }
  };
  for (const record of sorted) {
    const h = String(record.key._row);
    const search = Number(record.key._search);
    if (h !== hash) {
      placeHoles(Number.POSITIVE_INFINITY);
      if (hash !== undefined) yield* copies(hash, row as R, searches);
      hash = h;
      row = record.row;
      searches = [];
      current = undefined;
    }
    if (current?.search !== search) {
      placeHoles(Number.POSITIVE_INFINITY);
      current = {
        search,
        round: record.round,
        matchId: record.matchId,
        readable: 0,
        total: 0,
        holes: new Set(),
      };
      searches.push(current);
      pending = holes.of(h, search) ?? [];
      at = 0;
    }
    placeHoles(Number(record.key._seq));
    current.readable++;
    current.total++;
  }
  placeHoles(Number.POSITIVE_INFINITY);
  if (hash !== undefined) yield* copies(hash, row as R, searches);
}

/** One row's findings `_n` = 1 … the most copies a search met, each with the searches that met it. */
function* copies<R>(hash: string, row: R, searches: readonly SearchCopies[]): Generator<MetRecord<R>> {
  const ordered = [...searches].sort((a, b) => a.round - b.round || compareText(a.matchId, b.matchId));
  let most = 0;
  for (const s of ordered) most = Math.max(most, s.total);
  for (let n = 1; n <= most; n++) {
    const key: CanonicalObject = { _n: n, _row: hash };
    const keyJson = canonicalJson(key);
    for (const s of ordered)
      if (n <= s.total && !s.holes.has(n)) yield { key, keyJson, round: s.round, matchId: s.matchId, row };
  }
}

function compareText(a: string, b: string): number {
  return a < b ? -1 : a > b ? 1 : 0;
}
