import type { DataMapPreview } from './previewDataMap';
import { percent } from './previewDataMap';

/**
 * The preview as a table a person reads: per table the rows a request would return (median, p99,
 * max over the sampled subjects) and the largest share of the table one subject reaches, then the
 * subjects over the limits, by the first 16 hex digits of their keyed hash.
 */
export function formatPreview(preview: DataMapPreview): string {
  const from = preview.sampledFrom.map((s) => `${s.table} by ${s.kind}: ${s.subjects}`).join(', ');
  const out = [
    `${preview.subjects} subjects sampled (${from || 'no table learns identifiers, so none'})` +
      (preview.stoppedAtDeadline ? '; stopped at the deadline before every subject was sampled' : ''),
  ];
  const header = ['table', 'rows', 'median', 'p99', 'max', 'largest share'];
  const rows = preview.tables.map((t) => [
    t.table,
    String(t.rows),
    String(t.median),
    String(t.p99),
    String(t.max),
    percent(t.maxShare),
  ]);
  const widths = header.map((h, i) => Math.max(h.length, ...rows.map((r) => (r[i] ?? '').length)));
  const line = (cells: readonly string[]) =>
    cells.map((c, i) => (i === 0 ? c.padEnd(widths[i] ?? 0) : c.padStart(widths[i] ?? 0))).join('  ');
  out.push(line(header), ...rows.map(line));
  if (preview.breaches.length === 0) out.push('no sampled subject is over the limits');
  else {
    out.push(`${preview.breaches.length} sampled subjects over the limits:`);
    for (const b of preview.breaches)
      out.push(
        `  subject ${b.subject.slice(0, 16)} (sampled from ${b.sampledFrom}): ${b.reasons.join('; ')}`,
      );
  }
  return `${out.join('\n')}\n`;
}
