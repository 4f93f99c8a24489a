import type { DoctorRow } from './DoctorCheck';

/**
 * The doctor's report: a pass/fail table (function, check, result, detail), then each failure's
 * fix, numbered as in the table.
 */
export function formatDoctorReport(rows: readonly DoctorRow[]): string {
  const table = rows.map((r, i) => [
    String(i + 1),
    r.status === 'pass' ? 'PASS' : 'FAIL',
    r.functions,
    r.name,
    r.detail,
  ]);
  const header = ['#', 'result', 'functions', 'check', 'detail'];
  const widths = header.map((h, c) => Math.max(h.length, ...table.map((row) => (row[c] ?? '').length)));
  const line = (cells: readonly string[]) =>
    cells
      .map((cell, c) => (c === cells.length - 1 ? cell : cell.padEnd(widths[c] ?? 0)))
      .join('  ')
      .trimEnd();
  const failures = rows.flatMap((r, i) => (r.status === 'fail' ? [`  ${i + 1}. ${r.name}: ${r.fix}`] : []));
  const passed = rows.length - failures.length;
  return [
    line(header),
    ...table.map(line),
    '',
    `${passed} passed, ${failures.length} failed`,
    ...(failures.length > 0 ? ['', 'To fix:', ...failures] : []),
    '',
  ].join('\n');
}
