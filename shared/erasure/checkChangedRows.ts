import type { PlannedTable } from './ErasurePlan';
import type { ErasureProblem } from './ErasureProblem';
import type { PgSideEffect } from './readErasureCatalog';

/** One planned statement as it ran: the rows it locked to change and the rows it reported changed. */
export interface RanStatement {
  readonly table: PlannedTable;
  readonly locked: number;
  readonly changed: number;
}

/**
 * A planned DELETE or UPDATE must change exactly the rows it locked.
 *
 * - Fewer means something rewrote or skipped the statement without an error — a `DO INSTEAD` rule,
 *   a BEFORE trigger returning NULL, a DELETE policy narrower than the policies the lock read
 *   through — and the rows it skipped would be left in place.
 * - More means the statement reached rows the plan does not name: rows sharing a planned key or
 *   physical address with a planned row (a child table by inheritance, a partition), which belong
 *   to nobody the plan knows of, another person included.
 *
 * Each such statement stops the change (`ROWS_NOT_CHANGED`), naming the table and the triggers,
 * rules and policies on it that fire on the statement (`sideEffects`, read inside the
 * transaction); the caller rolls back. Pure.
 */
export function checkChangedRows(
  ran: readonly RanStatement[],
  sideEffects: readonly PgSideEffect[],
): ErasureProblem[] {
  return ran
    .filter((r) => r.changed !== r.locked)
    .map(({ table, locked, changed }) => {
      const statement = table.action === 'mask' ? 'UPDATE' : 'DELETE';
      if (changed > locked)
        return {
          system: 'postgres' as const,
          table: table.table,
          code: 'ROWS_NOT_CHANGED' as const,
          message: `the planned ${statement} changed ${changed} row(s), more than the ${locked} it locked: it reached rows the plan does not name (rows sharing a planned row's key or address, as in a child table by inheritance or a partition), which may be another person's, so nothing was changed; map the table so that its key identifies one row across its children and partitions`,
        };
      const causes = sideEffects
        .filter((e) => e.table === table.table && (statement === 'DELETE' ? e.onDelete : e.onUpdate))
        .map((e) => `${e.kind} ${e.name}`);
      const named =
        causes.length > 0
          ? `${[...new Set(causes)].join(', ')} on it rewrite or skip the statement`
          : 'no trigger, rule or policy on it explains it';
      return {
        system: 'postgres' as const,
        table: table.table,
        code: 'ROWS_NOT_CHANGED' as const,
        message: `the planned ${statement} changed ${changed} of the ${locked} locked row(s) (${named}): the rows it skipped would stay; drop or change what skips them`,
      };
    });
}
