import { describe, expect, it } from 'vitest';
import { checkChangedRows } from '../../../shared/erasure/checkChangedRows';
import type { PlannedTable } from '../../../shared/erasure/ErasurePlan';
import type { PgSideEffect } from '../../../shared/erasure/readErasureCatalog';

const table = (action: 'delete' | 'mask'): PlannedTable => ({
  system: 'postgres',
  table: 'public.logs',
  action,
  primaryKey: [],
  found: 2,
  rows: [
    { key: { _n: 1, _row: 'a'.repeat(64) }, rowHash: 'a'.repeat(64) },
    { key: { _n: 1, _row: 'b'.repeat(64) }, rowHash: 'b'.repeat(64) },
  ],
  approvalRequired: false,
});
const trigger: PgSideEffect = {
  table: 'public.logs',
  kind: 'trigger',
  name: 'skip_delete',
  onDelete: true,
  onUpdate: false,
  columns: [],
};

describe('Function: checkChangedRows', () => {
  it('accepts a statement that changed exactly the rows it locked', () => {
    expect(checkChangedRows([{ table: table('delete'), locked: 2, changed: 2 }], [trigger])).toEqual([]);
  });

  it('refuses a statement that changed fewer rows than it locked, naming what fires on it', () => {
    expect(checkChangedRows([{ table: table('delete'), locked: 2, changed: 1 }], [trigger])).toEqual([
      {
        system: 'postgres',
        table: 'public.logs',
        code: 'ROWS_NOT_CHANGED',
        message: expect.stringContaining('changed 1 of the 2 locked row(s) (trigger skip_delete on it'),
      },
    ]);
  });

  it('refuses a statement that changed more rows than it locked: it reached rows the plan does not name', () => {
    for (const action of ['delete', 'mask'] as const)
      expect(checkChangedRows([{ table: table(action), locked: 2, changed: 3 }], [])).toEqual([
        {
          system: 'postgres',
          table: 'public.logs',
          code: 'ROWS_NOT_CHANGED',
          message: expect.stringContaining(
            `the planned ${action === 'mask' ? 'UPDATE' : 'DELETE'} changed 3 row(s), more than the 2 it locked`,
          ),
        },
      ]);
  });
});
