import { describe, expect, it } from 'vitest';
import { type PlannedTable, sealPlan } from '../../../shared/erasure/ErasurePlan';
import type { ErasureStep } from '../../../shared/erasure/ErasureStep';
import { erasureUnits, unitsDone } from '../../../shared/erasure/erasureUnits';
import type { PgForeignKey } from '../../../shared/erasure/readErasureCatalog';

const table = (name: string, ids: number[], extra: Partial<PlannedTable> = {}): PlannedTable => ({
  system: 'postgres',
  table: name,
  action: 'delete',
  primaryKey: ['id'],
  found: ids.length,
  rows: ids.map((id) => ({ key: { id }, rowHash: String(id).padStart(64, '0') })),
  approvalRequired: false,
  ...extra,
});
const range = (from: number, to: number) => Array.from({ length: to - from + 1 }, (_, i) => from + i);
const plan = (...tables: PlannedTable[]) =>
  sealPlan({ version: 1, requestId: 'r-1', subject: { hash: 'h' }, findingsHash: 'f'.repeat(64), tables });
const selfReference: PgForeignKey = {
  name: 'employee_manager_fkey',
  table: 'public.employee',
  columns: ['manager_id'],
  refTable: 'public.employee',
  refColumns: ['id'],
  onDelete: 'no action',
} as PgForeignKey;

const LARGE = plan(
  table('public.tickets', [1, 2], { action: 'mask', mask: [{ column: 'email', strategy: 'null' }] }),
  table('public.orders', range(1, 5)),
  table('public.customer', [7]),
  table('public.orders_archive', [], { action: 'retain', retain: { ground: 'tax' } }),
  table('ANALYTICS.PUBLIC.SESSIONS', [1, 2], { system: 'snowflake', primaryKey: ['SESSION_ID'] }),
);
/** The step a unit's committed transaction reports, as `executeErasureUnits` tags it. */
const stepOf = (unit: ReturnType<typeof erasureUnits>[number]): ErasureStep[] =>
  unit.tables.map((t) => ({
    system: t.system,
    table: t.table,
    action: t.action as 'delete' | 'mask',
    planned: t.rows.length,
    changed: t.rows.length,
    alreadyDone: 0,
    ...(unit.batch ? { batch: unit.batch.number, batches: unit.batch.of, batchRows: unit.batch.rows } : {}),
  }));

describe('Function: erasureUnits', () => {
  it('runs the PostgreSQL part in one transaction at or below the batch size, then Snowflake', () => {
    const units = erasureUnits(LARGE, { batchRows: 8, foreignKeys: [] });

    expect(units.map((u) => [u.id, u.tables.map((t) => `${t.table}:${t.rows.length}`)])).toEqual([
      ['postgres', ['public.tickets:2', 'public.orders:5', 'public.customer:1']],
      ['snowflake', ['ANALYTICS.PUBLIC.SESSIONS:2']],
    ]);
    expect(erasureUnits(LARGE, { foreignKeys: [] }).map((u) => u.id)).toEqual(['postgres', 'snowflake']);
  });

  it('splits each table into batches in the plan order above the batch size, every planned row in exactly one batch', () => {
    const units = erasureUnits(LARGE, { batchRows: 2, foreignKeys: [] });

    expect(units.map((u) => [u.tables[0]?.table, u.batch?.number, u.batch?.of])).toEqual([
      ['public.tickets', 1, 1],
      ['public.orders', 1, 3],
      ['public.orders', 2, 3],
      ['public.orders', 3, 3],
      ['public.customer', 1, 1],
      ['ANALYTICS.PUBLIC.SESSIONS', undefined, undefined],
    ]);
    const orders = units.filter((u) => u.tables[0]?.table === 'public.orders');
    expect(orders.flatMap((u) => u.tables[0]?.rows.map((r) => r.key.id))).toEqual([1, 2, 3, 4, 5]);
    expect(new Set(units.map((u) => u.id)).size).toBe(units.length);
  });

  it('keeps a table that references itself in one transaction: a parent must not go before its children', () => {
    const units = erasureUnits(
      plan(table('public.employee', range(1, 5)), table('public.badge', range(1, 3))),
      {
        batchRows: 2,
        foreignKeys: [selfReference],
      },
    );

    expect(units.map((u) => [u.tables[0]?.table, u.tables[0]?.rows.length])).toEqual([
      ['public.employee', 5],
      ['public.badge', 2],
      ['public.badge', 1],
    ]);
  });
});

describe('Function: unitsDone', () => {
  it('shows done exactly the units whose steps were committed, batches and whole systems alike', () => {
    const units = erasureUnits(LARGE, { batchRows: 2, foreignKeys: [] });
    const committed = [units[0], units[1], units[5]].flatMap((u) => (u ? stepOf(u) : []));

    const done = unitsDone(units, committed);

    expect(units.filter((u) => done.has(u.id)).map((u) => u.id)).toEqual(
      [units[0], units[1], units[5]].map((u) => u?.id),
    );
  });

  it('does not take a batch of another batch size, nor a table step without a batch, for a batch', () => {
    const units = erasureUnits(LARGE, { batchRows: 2, foreignKeys: [] });
    const otherSize = erasureUnits(LARGE, { batchRows: 3, foreignKeys: [] }).flatMap(stepOf);
    const whole = erasureUnits(LARGE, { foreignKeys: [] }).flatMap(stepOf);

    expect(unitsDone(units, otherSize).size).toBe(1); // Snowflake's, which is never batched
    // The whole PostgreSQL part committed in one transaction shows no batch done (they run again
    // and find their rows erased), and shows the one-transaction unit done.
    expect([...unitsDone(units, whole)]).toEqual(['snowflake']);
    expect([...unitsDone(erasureUnits(LARGE, { foreignKeys: [] }), whole)]).toEqual([
      'postgres',
      'snowflake',
    ]);
  });

  it('needs a step of every entry of a one-transaction unit', () => {
    const units = erasureUnits(LARGE, { foreignKeys: [] });
    const steps = stepOf(units[0] as (typeof units)[number]).slice(1);

    expect(unitsDone(units, steps).has('postgres')).toBe(false);
  });
});
