import { describe, expect, it } from 'vitest';
import type { DriftFinding } from '../../../shared/drift/DriftVerdict';
import { stageVerdictOf } from '../../../shared/pipeline/stages/stageVerdictOf';

const finding = (kind: DriftFinding['kind'], corrupting: boolean, column: string | null): DriftFinding => ({
  table: 'public.users',
  mirror: 'ANALYTICS.PUBLIC.USERS',
  column,
  kind,
  detail: 'names only',
  corrupting,
});

describe('Function: stageVerdictOf', () => {
  it('puts a corrupting finding first, so it names the violation in the metric and the page', () => {
    const verdict = stageVerdictOf({
      status: 'drifted',
      halt: true,
      findings: [finding('extra_column', false, 'NOTE'), finding('zone_lost', true, 'CREATED_AT')],
      driftPercent: 12.5,
      thresholdPercent: 5,
      tables: ['public.users'],
    });
    expect(verdict).toEqual({
      status: 'NON_COMPLIANT',
      halt: true,
      driftPercent: 12.5,
      findings: [
        {
          driftType: 'zone_lost',
          table: 'postgres:public.users',
          column: 'CREATED_AT',
          errorCategory: 'data_corruption',
        },
        {
          driftType: 'extra_column',
          table: 'postgres:public.users',
          column: 'NOTE',
          errorCategory: 'schema_drift',
        },
      ],
    });
  });

  it('maps a pass and a not-applicable verdict without findings', () => {
    const base = { halt: false, findings: [], driftPercent: 0, thresholdPercent: 5, tables: [] };
    expect(stageVerdictOf({ ...base, status: 'pass' }).status).toBe('COMPLIANT');
    expect(stageVerdictOf({ ...base, status: 'not_applicable' }).status).toBe('NOT_APPLICABLE');
  });
});
