import { describe, expect, it } from 'vitest';
import { formatDriftVerdict } from '../../../shared/drift/formatDriftVerdict';

describe('Function: formatDriftVerdict', () => {
  it('prints a summary line for a passing verdict', () => {
    expect(
      formatDriftVerdict({
        status: 'pass',
        halt: false,
        findings: [],
        driftPercent: 0,
        thresholdPercent: 5,
        tables: ['public.users'],
      }),
    ).toBe('drift gate: pass — 0% of compared columns drifted (threshold 5%), 1 mirrored table checked\n');
  });

  it('prints one aligned line per finding', () => {
    const text = formatDriftVerdict({
      status: 'drifted',
      halt: true,
      findings: [
        {
          table: 'public.users',
          mirror: 'A.B.USERS',
          column: 'created_at',
          kind: 'zone_lost',
          detail: 'd1',
          corrupting: true,
        },
        {
          table: 'public.orders',
          mirror: 'A.B.ORDERS',
          column: null,
          kind: 'missing_table',
          detail: 'd2',
          corrupting: true,
        },
      ],
      driftPercent: 40,
      thresholdPercent: 5,
      tables: ['public.users', 'public.orders'],
    });
    expect(text.split('\n')).toEqual([
      'drift gate: drifted, HALT — 40% of compared columns drifted (threshold 5%), 2 mirrored tables checked',
      '',
      'TABLE          MIRROR      COLUMN      KIND           CORRUPTING  DETAIL',
      'public.users   A.B.USERS   created_at  zone_lost      yes         d1',
      'public.orders  A.B.ORDERS  -           missing_table  yes         d2',
      '',
    ]);
  });
});
