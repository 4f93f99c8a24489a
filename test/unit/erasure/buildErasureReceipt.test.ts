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
});
