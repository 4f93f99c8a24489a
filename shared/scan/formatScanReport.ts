import type { PiiFinding, ScanReport } from './ScanReport';

export type ScanReportFormat = 'json' | 'table';

/** Renders a scan report. Both forms hold names and counts only: a report never carries a value. */
export function formatScanReport(report: ScanReport, format: ScanReportFormat): string {
  if (format === 'json') return `${JSON.stringify(report, null, 2)}\n`;
  const { coverage } = report;
  const sections = [
    section('PII not reached by the data map', report.unreached),
    section('PII in columns the data map excludes (left out of responses on purpose)', report.excludedByMap),
    section('PII reached by the data map', report.reached),
  ];
  if (report.notScanned.length > 0) {
    sections.push(
      [
        `Tables not scanned (${report.notScanned.length}), so coverage is incomplete:`,
        ...report.notScanned.map((t) => `  ${t.system}  ${t.table}: ${t.reason}`),
      ].join('\n'),
    );
  }
  const summary = [
    `Coverage: ${coverage.reached} of ${coverage.found} PII-bearing columns reached (${coverage.percent.toFixed(1)}%)` +
      (coverage.excluded > 0 ? `; ${coverage.excluded} excluded by the map, not counted.` : '.'),
    `Scanned ${report.tablesScanned} tables and ${report.columnsScanned} columns in ${report.systems.join(', ')}, ` +
      `at most ${report.sampleRows} rows per table; a location counts when at least ${Math.round(report.threshold * 100)}% of its samples match.`,
  ];
  return `${[...sections, summary.join('\n')].join('\n\n')}\n`;
}

/** `column`, or `column->path.inside` for a JSON path. */
export function findingLocation(finding: Pick<PiiFinding, 'column' | 'jsonPath'>): string {
  return finding.jsonPath === undefined ? finding.column : `${finding.column}->${finding.jsonPath}`;
}

function section(title: string, findings: readonly PiiFinding[]): string {
  if (findings.length === 0) return `${title}: none`;
  const header = ['SYSTEM', 'TABLE', 'COLUMN', 'DETECTOR', 'CONFIDENCE', 'MATCHED', 'BASIS'];
  const rows = findings.map((f) => [
    f.system,
    f.table,
    findingLocation(f),
    f.detector,
    f.confidence.toFixed(2),
    `${f.matches}/${f.samples}`,
    f.basis,
  ]);
  const widths = header.map((h, i) => Math.max(h.length, ...rows.map((r) => (r[i] ?? '').length)));
  const line = (cells: readonly string[]) =>
    `  ${cells
      .map((c, i) => c.padEnd(widths[i] ?? 0))
      .join('  ')
      .trimEnd()}`;
  return [`${title} (${findings.length}):`, line(header), ...rows.map(line)].join('\n');
}
