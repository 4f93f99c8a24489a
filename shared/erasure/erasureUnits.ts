import type { System } from '../datamap/System';
import type { ErasurePlan, PlannedTable } from './ErasurePlan';
import type { ErasureStep } from './ErasureStep';
import type { PgForeignKey } from './readErasureCatalog';

/**
 * One transaction of an erasure: the unit an erasure commits, checkpoints and resumes by.
 *
 * - `postgres`: the PostgreSQL part of a plan whose rows to change number at most `batchRows` (or
 *   with no `batchRows`), in ONE transaction, as `executePostgresErasure` runs it;
 * - a batch: above `batchRows`, each PostgreSQL table entry of the plan runs on its own, in batches
 *   of at most `batchRows` planned rows in the plan's order, each batch its own transaction (a table
 *   that references itself runs whole: a batch deleting a parent before its children in a later
 *   batch would be refused, or cascade);
 * - `snowflake`: the Snowflake part, in one transaction, after every PostgreSQL unit.
 *
 * Units run in the plan's order (masks, then deletes children before parents), so each commit
 * leaves the database as a prefix of the plan would: children are gone before their parents.
 */
export interface ErasureUnit {
  /** Stable for a plan and a `batchRows`: what a committed step is matched against. */
  readonly id: string;
  readonly system: System;
  /** The plan entries this unit changes; a batch holds its entry with that batch's rows only. */
  readonly tables: readonly PlannedTable[];
  /** For a batch: its number (1-based), how many the entry has, and the batch size. */
  readonly batch?: { readonly number: number; readonly of: number; readonly rows: number };
}

/** Plan entries a system's part changes: deleted or masked, with rows. */
function work(plan: ErasurePlan, system: System): PlannedTable[] {
  return plan.tables.filter(
    (t) => t.system === system && (t.action === 'delete' || t.action === 'mask') && t.rows.length > 0,
  );
}

/**
 * The units of a plan, in the order they run (see {@link ErasureUnit}). `foreignKeys`: the catalog's,
 * to tell the tables that reference themselves.
 */
export function erasureUnits(
  plan: ErasurePlan,
  options: { readonly batchRows?: number; readonly foreignKeys: readonly PgForeignKey[] },
): ErasureUnit[] {
  const units: ErasureUnit[] = [];
  const pg = work(plan, 'postgres');
  const rows = pg.reduce((n, t) => n + t.rows.length, 0);
  const size = options.batchRows;
  if (pg.length > 0 && (size === undefined || rows <= size))
    units.push({ id: 'postgres', system: 'postgres', tables: pg });
  else if (size !== undefined) {
    const selfReferencing = new Set(
      options.foreignKeys.filter((fk) => fk.table === fk.refTable).map((fk) => fk.table),
    );
    // The plan's order: masks first, then deletes (as executePostgresErasure runs them).
    for (const entry of [
      ...pg.filter((t) => t.action === 'mask'),
      ...pg.filter((t) => t.action === 'delete'),
    ]) {
      const per = selfReferencing.has(entry.table) ? entry.rows.length : size;
      const of = Math.ceil(entry.rows.length / per);
      for (let n = 1; n <= of; n++)
        units.push({
          id: batchId(entry, per, n),
          system: 'postgres',
          tables: [{ ...entry, rows: entry.rows.slice((n - 1) * per, n * per) }],
          batch: { number: n, of, rows: per },
        });
    }
  }
  const sf = work(plan, 'snowflake');
  if (sf.length > 0) units.push({ id: 'snowflake', system: 'snowflake', tables: sf });
  return units;
}

function batchId(
  entry: Pick<PlannedTable, 'system' | 'table' | 'action' | 'party'>,
  rows: number,
  n: number,
): string {
  return JSON.stringify([entry.system, entry.table, entry.action, entry.party ?? null, rows, n]);
}

/**
 * The units of `units` that `steps` (committed before, e.g. read back from the ledger) show done: a
 * batch when a step of its entry names its batch size and number; a whole system's unit when every
 * entry it holds has a step without a batch. A unit committed without its step (a crash in between)
 * is not shown done: it runs again and finds its rows already erased.
 */
export function unitsDone(units: readonly ErasureUnit[], steps: readonly ErasureStep[]): Set<string> {
  const batches = new Set(
    steps
      .filter((s) => s.batch !== undefined && s.batchRows !== undefined)
      .map((s) => batchId(s, s.batchRows as number, s.batch as number)),
  );
  const whole = new Set(
    steps
      .filter((s) => s.batch === undefined)
      .map((s) => JSON.stringify([s.system, s.table, s.action, s.party ?? null])),
  );
  const done = new Set<string>();
  for (const unit of units) {
    const isDone = unit.batch
      ? batches.has(unit.id)
      : unit.tables.every((t) => whole.has(JSON.stringify([t.system, t.table, t.action, t.party ?? null])));
    if (isDone) done.add(unit.id);
  }
  return done;
}
