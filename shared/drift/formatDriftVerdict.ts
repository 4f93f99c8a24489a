import type { DriftVerdict } from './DriftVerdict';

/** The verdict as a plain-text table for a terminal: a summary line, then one line per finding. */
export function formatDriftVerdict(verdict: DriftVerdict): string {
  const summary =
    `drift gate: ${verdict.status}${verdict.halt ? ', HALT' : ''} — ` +
    `${verdict.driftPercent}% of compared columns drifted (threshold ${verdict.thresholdPercent}%), ` +
    `${verdict.tables.length} mirrored table${verdict.tables.length === 1 ? '' : 's'} checked`;
  if (verdict.findings.length === 0) return `${summary}\n`;
  const header = ['TABLE', 'MIRROR', 'COLUMN', 'KIND', 'CORRUPTING', 'DETAIL'];
  const lines = verdict.findings.map((f) => [
    f.table,
    f.mirror,
    f.column ?? '-',
    f.kind,
    f.corrupting ? 'yes' : 'no',
    f.detail,
  ]);
  const widths = header.map((h, i) => Math.max(h.length, ...lines.map((l) => (l[i] as string).length)));
  const row = (cells: string[]) =>
    cells
      .map((c, i) => (i === cells.length - 1 ? c : c.padEnd(widths[i] as number)))
      .join('  ')
      .trimEnd();
  return `${summary}\n\n${[row(header), ...lines.map(row)].join('\n')}\n`;
}
