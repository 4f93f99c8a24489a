import { describe, expect, it } from 'vitest';
import {
  COVERAGE_METRIC,
  emitCoverageMetric,
  exactCoveragePercent,
  TABLES_NOT_SCANNED_METRIC,
  UNMAPPED_PII_METRIC,
} from '../../../shared/scan/coverageMetric';

// CloudWatch takes EMF timestamps from the last 14 days only, and Powertools warns on others.
const NOW = new Date();

describe('Function: emitCoverageMetric', () => {
  it('emits one EMF line: coverage in percent and counts, namespace DsrBridge, dimension service only', () => {
    // Prepare
    const lines: string[] = [];

    // Act
    emitCoverageMetric(
      {
        coverage: { reached: 2, found: 3, excluded: 1, percent: 66.7 },
        notScanned: [
          { system: 'postgres', table: 'audit.locked', reason: 'permission denied for table locked' },
        ],
        tablesScanned: 12,
        columnsScanned: 80,
      },
      { sink: (l) => lines.push(l), now: NOW },
    );

    // Assess
    expect(lines).toHaveLength(1);
    const emf = JSON.parse(lines[0] ?? '{}');
    expect(emf._aws).toEqual({
      Timestamp: NOW.getTime(),
      CloudWatchMetrics: [
        {
          Namespace: 'DsrBridge',
          Dimensions: [['service']],
          Metrics: [
            { Name: 'DataMapCoverage', Unit: 'Percent' },
            { Name: 'UnmappedPiiColumns', Unit: 'Count' },
            { Name: 'TablesNotScanned', Unit: 'Count' },
          ],
        },
      ],
    });
    expect(emf).toMatchObject({
      service: 'dsr-bridge',
      DataMapCoverage: (2 / 3) * 100,
      UnmappedPiiColumns: 1,
      TablesNotScanned: 1,
      piiColumnsFound: '3',
      piiColumnsExcluded: '1',
      tablesScanned: '12',
      columnsScanned: '80',
    });
    // Counts only: no table or column name reaches the metric line.
    expect(lines[0]).not.toMatch(/audit|locked/);
  });

  it('reports 100 % and nothing unmapped when the scan found no personal data', () => {
    const lines: string[] = [];
    emitCoverageMetric(
      {
        coverage: { reached: 0, found: 0, excluded: 0, percent: 100 },
        notScanned: [],
        tablesScanned: 3,
        columnsScanned: 9,
      },
      { sink: (l) => lines.push(l) },
    );
    const emf = JSON.parse(lines[0] ?? '{}');
    expect(emf[COVERAGE_METRIC]).toBe(100);
    expect(emf[UNMAPPED_PII_METRIC]).toBe(0);
    expect(emf[TABLES_NOT_SCANNED_METRIC]).toBe(0);
  });
});

describe('Function: exactCoveragePercent', () => {
  it('is not rounded, so a coverage just under a bar does not pass it', () => {
    // The report rounds 1899/2000 (94.95 %) up to 95.0; the metric keeps 94.95.
    const percent = exactCoveragePercent({ reached: 1899, found: 2000, excluded: 0, percent: 95 });
    expect(percent).toBeCloseTo(94.95, 10);
    expect(percent).toBeLessThan(95);
  });
});
