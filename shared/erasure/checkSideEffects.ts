import type { DataMap, ErasureTriggers } from '../datamap/dataMapSchema';
import type { ErasurePlan } from './ErasurePlan';
import type { ErasureProblem } from './ErasureProblem';
import type { PgSideEffect } from './readErasureCatalog';

/** The data map's acknowledgment of a PostgreSQL table's triggers, rules and policies, if any. */
export function acknowledgedTriggers(dataMap: DataMap, table: string): ErasureTriggers | undefined {
  const rule = dataMap.postgres.find((s) => s.table === table)?.erasure;
  return rule && 'triggers' in rule ? rule.triggers : undefined;
}

/**
 * Triggers, rules and row-security policies that fire on a planned statement — DELETE on a table
 * rows are deleted from, UPDATE (of a masked column, for an `UPDATE OF` trigger) on a masked one,
 * row-level triggers of its partitions and child tables included —
 * whatever they do: a trigger may copy the row elsewhere (an audit table the map does not name), a
 * rule may turn the DELETE into something else, a policy may hide the subject's rows from it. Each
 * stops the plan unless the table's erasure rule acknowledges it by name
 * (`triggers: { acknowledge: [...], writes: [...] }`). Pure: the catalog was read before.
 */
export function checkSideEffects(
  dataMap: DataMap,
  plan: ErasurePlan,
  sideEffects: readonly PgSideEffect[],
): ErasureProblem[] {
  const problems: ErasureProblem[] = [];
  for (const table of plan.tables) {
    if (table.system !== 'postgres' || table.rows.length === 0) continue;
    if (table.action !== 'delete' && table.action !== 'mask') continue;
    const masked = new Set((table.mask ?? []).map((m) => m.column));
    const acknowledged = new Set(acknowledgedTriggers(dataMap, table.table)?.acknowledge ?? []);
    for (const effect of sideEffects) {
      if (effect.table !== table.table || acknowledged.has(effect.name)) continue;
      const fires =
        table.action === 'delete'
          ? effect.onDelete
          : effect.onUpdate && (effect.columns.length === 0 || effect.columns.some((c) => masked.has(c)));
      if (!fires) continue;
      const statement = table.action === 'delete' ? 'DELETE' : 'UPDATE';
      const what =
        effect.kind === 'policy'
          ? `row-security policy ${effect.name} applies to the planned ${statement} and may hide rows from it`
          : `${effect.kind} ${effect.name}${effect.on ? ` (on ${effect.on}, whose rows the planned ${statement} changes too)` : ''} fires on the planned ${statement} and may write the subject's data elsewhere`;
      problems.push({
        system: 'postgres',
        table: table.table,
        code: 'SIDE_EFFECT_UNACKNOWLEDGED',
        message: `${what}; acknowledge it in the table's erasure rule (triggers: { acknowledge: [${effect.name}], writes: [tables it writes] })`,
      });
    }
  }
  return problems;
}
