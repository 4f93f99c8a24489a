import { describe, expect, it } from 'vitest';
import { buildErasureReceipt, receiptHashOf } from '../../../shared/erasure/buildErasureReceipt';
import { sealPlan } from '../../../shared/erasure/ErasurePlan';

const plan = sealPlan({
  version: 1,
  requestId: 'r-1',
  subject: { hash: 'a'.repeat(64) },
  findingsHash: 'b'.repeat(64),
  tables: [
    {
      system: 'postgres',
      table: 'public.tickets',
      action: 'delete',
      primaryKey: ['id'],
      found: 2,
      rows: [
        { key: { id: 1 }, rowHash: 'c'.repeat(64) },
        { key: { id: 2 }, rowHash: 'd'.repeat(64) },
      ],
      approvalRequired: false,
    },
  ],
});
const receipt = (completedAt: string, changed: number) =>
  buildErasureReceipt({
    plan,
    steps: [
      { system: 'postgres', table: 'public.tickets', action: 'delete', planned: 2, changed, alreadyDone: 0 },
    ],
    verification: { outcome: 'erased', remaining: [], refound: {} },
    retention: { postgresBackupRetentionDays: 30 },
    completedAt,
    ownCopies: { earlierRequests: 1, findingRowsCleared: 3, objectsDeleted: 2 },
  });

describe('Function: buildErasureReceipt', () => {
  it('hashes the content, not the completion time: the same erasure run twice gives the same hash', () => {
    const first = receipt('2026-12-01T10:00:00.000Z', 2);
    const second = receipt('2026-12-02T11:30:00.000Z', 2);
    expect(second.receiptHash).toBe(first.receiptHash);
    expect(receiptHashOf(first)).toBe(first.receiptHash);
  });

  it('gives another hash when anything else differs', () => {
    const first = receipt('2026-12-01T10:00:00.000Z', 2);
    expect(receipt('2026-12-01T10:00:00.000Z', 1).receiptHash).not.toBe(first.receiptHash);
    expect(
      receiptHashOf({
        ...first,
        ownCopies: { earlierRequests: 0, findingRowsCleared: 0, objectsDeleted: 0 },
      }),
    ).not.toBe(first.receiptHash);
    expect(first.tables[0]).toMatchObject({ deleted: 2, unrecoverableAfterDays: 30 });
  });

  it('adds up the batches of a table, each counted once however often it ran', () => {
    const step = (batch: number, changed: number, alreadyDone: number, batchRows = 1) => ({
      system: 'postgres' as const,
      table: 'public.tickets',
      action: 'delete' as const,
      planned: 1,
      changed,
      alreadyDone,
      batch,
      batches: 2,
      batchRows,
    });
    const build = (steps: ReturnType<typeof step>[]) =>
      buildErasureReceipt({
        plan,
        steps,
        verification: { outcome: 'erased', remaining: [], refound: {} },
        retention: {},
        completedAt: '2026-12-01T10:00:00.000Z',
      });

    const once = build([step(1, 1, 0), step(2, 1, 0)]);
    // Batch 1 ran again after a crash before its checkpoint, and found its row erased.
    const again = build([step(1, 1, 0), step(1, 0, 1), step(2, 1, 0)]);
    // The whole table once more in batches of another size: its rows are not counted twice.
    const resized = build([step(1, 1, 0), step(1, 0, 2, 2), step(2, 1, 0)]);

    expect(once.tables[0]?.deleted).toBe(2);
    expect(again.receiptHash).toBe(once.receiptHash);
    expect(resized.tables[0]?.deleted).toBe(2);
    expect(receipt('2026-12-01T10:00:00.000Z', 2).tables[0]?.deleted).toBe(2);
  });

  it("counts as retained only the subject's rows, not those a foreign key's pair showed to be other people's", () => {
    // Prepare: 6 invoices found through a customer number, 4 of them another tenant's (excluded).
    const retainedPlan = sealPlan({
      version: 1,
      requestId: 'r-2',
      subject: { hash: 'a'.repeat(64) },
      findingsHash: 'b'.repeat(64),
      tables: [
        {
          system: 'postgres',
          table: 'public.invoices',
          action: 'retain',
          primaryKey: ['id'],
          found: 6,
          excluded: 4,
          rows: [],
          retain: { ground: 'tax law' },
          approvalRequired: false,
        },
      ],
    });

    // Act
    const built = buildErasureReceipt({
      plan: retainedPlan,
      steps: [],
      verification: { outcome: 'erased', remaining: [], refound: {} },
      retention: {},
      completedAt: '2026-12-01T10:00:00.000Z',
    });

    // Assess
    expect(built.tables[0]).toMatchObject({ found: 6, excluded: 4, retained: 2 });
  });
});
