import type { CanonicalObject } from '../canonical/CanonicalValue';
import { compareFindingKeys } from './compareFindingKeys';
import { comparePreparedFindingKeys, preparedFindingKey } from './preparedFindingKey';

/** One meeting of a row, reduced to what ordering and collapsing need; `row` is kept opaque. */
export interface MetRecord<R> {
  readonly key: CanonicalObject;
  readonly keyJson: string;
  readonly round: number;
  readonly matchId: string;
  readonly row: R;
}

/** One finding: the row (from its first meeting), and the match ids of the round it was first met in. */
export interface CollapsedRow<R> {
  readonly key: CanonicalObject;
  readonly keyJson: string;
  readonly row: R;
  /** Distinct, sorted by code unit. */
  readonly matchIds: readonly string[];
}

/**
 * The order meetings are sorted in before collapsing: by key in `order` (the table's primary key in
 * data-map order, or `KEYLESS_KEY`), then by the key's canonical JSON (two keys `compareCanonical`
 * holds equal but written differently stay two rows, as they are two map entries in memory), then
 * by round, then by match id. All meetings of one row are then adjacent, its first round first.
 */
export function metRecordOrder(order: readonly string[]) {
  return <R>(a: MetRecord<R>, b: MetRecord<R>): number =>
    compareFindingKeys(a.key, b.key, order) ||
    compareText(a.keyJson, b.keyJson) ||
    a.round - b.round ||
    compareText(a.matchId, b.matchId);
}

/**
 * `records` sorted in place by {@link metRecordOrder}, each key prepared once
 * (`preparedFindingKey`) rather than its values parsed again at every comparison. Returns `records`.
 */
export function sortMetRecords<R, T extends MetRecord<R>>(records: T[], order: readonly string[]): T[] {
  const prepared = records.map((record) => ({ record, key: preparedFindingKey(record.key, order) }));
  prepared.sort(
    (a, b) =>
      comparePreparedFindingKeys(a.key, b.key) ||
      compareText(a.record.keyJson, b.record.keyJson) ||
      a.record.round - b.record.round ||
      compareText(a.record.matchId, b.record.matchId),
  );
  for (let i = 0; i < prepared.length; i++) records[i] = (prepared[i] as { record: T }).record;
  return records;
}

/**
 * Collapses meetings sorted by {@link metRecordOrder} into findings: one per key, with the matches
 * that met the row in the round it was first met (later rounds add nothing: the row was already
 * found), de-duplicated. This is the provenance the traversal has always recorded; it does not
 * depend on the order searches ended in, nor on how meetings were split into sorted runs.
 */
export function* collapseMetRecords<R>(sorted: Iterable<MetRecord<R>>): Generator<CollapsedRow<R>> {
  let current:
    | { key: CanonicalObject; keyJson: string; row: R; round: number; matchIds: string[] }
    | undefined;
  for (const record of sorted) {
    if (current && record.keyJson === current.keyJson) {
      if (record.round === current.round && current.matchIds.at(-1) !== record.matchId)
        current.matchIds.push(record.matchId);
      continue;
    }
    if (current) yield current;
    current = {
      key: record.key,
      keyJson: record.keyJson,
      row: record.row,
      round: record.round,
      matchIds: [record.matchId],
    };
  }
  if (current) yield current;
}

function compareText(a: string, b: string): number {
  return a < b ? -1 : a > b ? 1 : 0;
}
