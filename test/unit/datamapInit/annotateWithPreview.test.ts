import { describe, expect, it } from 'vitest';
import { annotateWithPreview } from '../../../shared/datamapInit/annotateWithPreview';
import type { InitialDataMap, InitTable } from '../../../shared/datamapInit/InitialDataMap';
import type { DataMapPreview, TablePreview } from '../../../shared/datamapPreview/previewDataMap';

const entry = (table: string, follow: Record<string, string>): InitTable => ({
  table,
  primaryKey: { value: ['id'], reason: 'primary key constraint' },
  identities: new Map(),
  learn: undefined,
  follow: new Map(Object.entries(follow).map(([c, ref]) => [c, [{ value: ref, reason: 'foreign key f' }]])),
  categories: new Map(),
  exclude: [],
  mirror: undefined,
  notes: [],
});

const proposal: InitialDataMap = {
  identities: new Map([['user_id', 'none']]),
  postgres: [
    entry('app.orders', { user_id: 'app.users.id' }),
    entry('app.lines', { order_id: 'app.orders.id' }),
  ],
  leftOut: [],
};

const stats = (table: string, rows: number, max: number): TablePreview => ({
  table,
  rows,
  median: 1,
  p99: max,
  max,
  maxShare: max / rows,
});

describe('Function: annotateWithPreview', () => {
  it('comments every edge of a table a sampled subject reaches too much of, and no other', () => {
    const preview: DataMapPreview = {
      subjects: 10,
      sampledFrom: [{ table: 'app.users', kind: 'user_id', subjects: 10 }],
      tables: [stats('app.orders', 1000, 400), stats('app.lines', 1000, 20)],
      breaches: [],
      stoppedAtDeadline: false,
    };
    const annotated = annotateWithPreview(proposal, preview, { maxShare: 0.1, minRowsForShare: 100 });
    const orders = annotated.postgres[0];
    expect(orders?.follow.get('user_id')?.[0]?.reason).toBe(
      'foreign key f; preview: a sampled subject reached 400 rows, 40 % of app.orders (above 10 %)',
    );
    expect(orders?.notes).toEqual([
      'preview: a sampled subject reached 400 rows, 40 % of app.orders (above 10 %); median 1, p99 400 over 10 sampled subjects: review the follow edges below',
    ]);
    expect(annotated.postgres[1]).toBe(proposal.postgres[1]);
  });

  it('does not hold a small table to the share', () => {
    const preview: DataMapPreview = {
      subjects: 2,
      sampledFrom: [],
      tables: [stats('app.orders', 10, 5)],
      breaches: [],
      stoppedAtDeadline: false,
    };
    expect(annotateWithPreview(proposal, preview, { maxShare: 0.1, minRowsForShare: 100 })).toEqual(proposal);
  });
});
