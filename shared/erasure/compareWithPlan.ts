import type { CanonicalObject } from '../canonical/CanonicalValue';
import type { PlannedTable } from './ErasurePlan';
import { keyText } from './keyText';
import { looksMasked, type MaskShape } from './maskValue';
import { withoutColumns } from './planErasure';
import { rowHash } from './rowHash';

/** A keyed table's planned rows compared with the same rows re-read (and locked) before the change. */
export interface PlanComparison {
  /** Rows still as discovered: to change, with the row as read. */
  readonly targets: { key: CanonicalObject; row: CanonicalObject }[];
  /** Rows already gone, or already masked with everything else unchanged (a finished earlier run). */
  readonly alreadyDone: number;
  /** Rows that changed since discovery: the table must be re-planned, never erased on stale data. */
  readonly stale: number;
}

/**
 * Compares each planned row of a keyed table with the row read back under its key (`current`,
 * keyed by {@link keyText}): the same in both systems' executors.
 */
export function compareWithPlan(
  table: PlannedTable,
  current: ReadonlyMap<string, CanonicalObject>,
  /** What a `hash` or `random` mask writes into each masked column (see `looksMasked`). */
  shapeOf: (column: string) => MaskShape | undefined = () => undefined,
): PlanComparison {
  const masked = new Set((table.mask ?? []).map((m) => m.column));
  const targets: PlanComparison['targets'] = [];
  let alreadyDone = 0;
  let stale = 0;
  for (const planned of table.rows) {
    const row = current.get(keyText(planned.key, table.primaryKey));
    if (!row) alreadyDone++;
    else if (rowHash(row) === planned.rowHash) targets.push({ key: planned.key, row });
    else if (
      table.action === 'mask' &&
      rowHash(withoutColumns(row, masked)) === planned.restHash &&
      (table.mask ?? []).every((m) => looksMasked(m, row[m.column], shapeOf(m.column)))
    )
      alreadyDone++;
    else stale++;
  }
  return { targets, alreadyDone, stale };
}
