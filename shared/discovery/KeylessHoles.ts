import type { CanonicalObject } from '../canonical/CanonicalValue';
import { canonicalJson } from '../canonical/canonicalJson';
import type { UnreadableRow } from './SearchableTable';

/** One unreadable meeting of a keyless row: its place in its search, and the readable copies before it. */
export interface KeylessHole {
  readonly seq: number;
  /** Readable meetings of the same row earlier in the same search; set by `numberKeylessCopies`. */
  readableBefore: number;
}

/**
 * A keyless table's unreadable rows, held as the meetings they are (`{ _row, _search, _seq }`, see
 * `keylessRowKeys`) until the copies are numbered. An unreadable row takes its place among the
 * identical copies its search met, as it always has: the third of three identical rows, unreadable,
 * is `_n` 3, and the readable rows around it are 1 and 2. `numberKeylessCopies` records, for each
 * hole, how many readable copies its search met before it; {@link KeylessHoles.resolve} then gives
 * each its finding key. Unreadable rows are few and are kept in memory in any case (by key, for the
 * document's `unreadable`).
 */
export class KeylessHoles {
  private readonly bySearch = new Map<string, KeylessHole[]>();
  private sorted = true;

  constructor(rows: Iterable<UnreadableRow> = []) {
    for (const row of rows) this.add(row.key);
  }

  /** Adds the unreadable meeting `key` (a meeting key). */
  add(key: CanonicalObject): void {
    const id = slot(String(key._row), Number(key._search));
    const holes = this.bySearch.get(id) ?? [];
    this.bySearch.set(id, holes);
    holes.push({ seq: Number(key._seq), readableBefore: 0 });
    this.sorted = false;
  }

  /** The holes of one row's hash in one search, by place in the search. */
  of(hash: string, search: number): readonly KeylessHole[] | undefined {
    this.sort();
    return this.bySearch.get(slot(hash, search));
  }

  /**
   * The unreadable rows with their finding keys (`{ _n, _row }`), after the table's meetings were
   * numbered. Two meetings that become one key (the same copy met by two searches) are listed
   * once, where the first of them was, with the last one's column and reason, as a map by key
   * keeps them.
   */
  resolve(rows: Iterable<UnreadableRow>): UnreadableRow[] {
    this.sort();
    const resolved = new Map<string, UnreadableRow>();
    for (const row of rows) {
      const holes = this.of(String(row.key._row), Number(row.key._search)) ?? [];
      const at = holes.findIndex((h) => h.seq === Number(row.key._seq));
      const hole = holes[at];
      const key = { _n: (hole?.readableBefore ?? 0) + at + 1, _row: row.key._row ?? null };
      resolved.set(canonicalJson(key), { ...row, key });
    }
    return [...resolved.values()];
  }

  private sort(): void {
    if (this.sorted) return;
    for (const holes of this.bySearch.values()) holes.sort((a, b) => a.seq - b.seq);
    this.sorted = true;
  }
}

function slot(hash: string, search: number): string {
  return `${hash}\u0000${search}`;
}
