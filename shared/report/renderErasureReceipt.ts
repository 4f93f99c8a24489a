import type { ErasureReceipt } from '../erasure/buildErasureReceipt';
import { describeSharedRows } from '../erasure/describeSharedRows';

/**
 * The erasure confirmation (GDPR Art. 17, CCPA §1798.105) a privacy officer can send: per table
 * what was found, deleted, masked or retained on which ground, what the proof found afterwards, and
 * from when the data can no longer be restored. Markdown; the same receipt always gives the same text.
 */
export function renderErasureReceipt(receipt: ErasureReceipt): string {
  const verdict =
    receipt.outcome === 'erased'
      ? 'Erased: a search with every identifier known before the erasure finds nothing outside the retained tables.'
      : `NOT verified: data about the subject is still findable in ${receipt.remaining.map((r) => `${r.system} ${r.table} (${r.rows} row(s), ${r.reason.replaceAll('_', ' ')})`).join(', ')}.`;
  const out = [
    `# Erasure confirmation — request ${md(receipt.requestId)}`,
    '',
    '| | |',
    '| --- | --- |',
    `| Subject (keyed hash) | \`${receipt.subject.hash}\` |`,
    `| Completed | ${md(receipt.completedAt)} |`,
    `| Outcome | ${verdict} |`,
    `| Plan hash | \`${receipt.planHash}\` |`,
    `| Receipt hash | \`${receipt.receiptHash}\` |`,
    '',
    '| System | Table | Rule | Found | Deleted | Masked | Retained | Remaining | Unrecoverable after |',
    '| --- | --- | --- | ---: | ---: | ---: | ---: | ---: | --- |',
    ...receipt.tables.map(
      (t) =>
        `| ${t.system} | ${md(t.table)} | ${rule(t)} | ${t.found}${t.excluded > 0 ? ` (${t.excluded} not the subject's)` : ''} | ${t.deleted} | ${t.masked} | ${t.retained} | ${t.remaining} | ${t.unrecoverableAfterDays === null ? md(t.unrecoverableBasis) : `${t.unrecoverableAfterDays} days (${md(t.unrecoverableBasis)})`} |`,
    ),
    '',
  ];
  const shared = receipt.tables.filter((t) => t.shared);
  if (shared.length > 0)
    out.push(
      'Rows shared with other people (counts only):',
      '',
      ...shared.map(
        (t) =>
          `- ${t.system} ${md(t.table)}: ${md(describeSharedRows(t.shared as NonNullable<typeof t.shared>))}`,
      ),
      '',
    );
  if (receipt.ownCopies)
    out.push(
      `dsr-bridge's own copies: the row values of ${receipt.ownCopies.findingRowsCleared} finding(s) of ${receipt.ownCopies.earlierRequests} earlier request(s) about the same subject were removed from the evidence table (keys, row hashes and provenance kept), and ${receipt.ownCopies.objectsDeleted} object(s) of theirs deleted from the payload bucket. This request's evidence holds keys, row hashes and provenance only; its working objects (findings parts, erasure case) are deleted once this receipt is stored.`,
      '',
    );
  return out.join('\n');
}

function rule(t: ErasureReceipt['tables'][number]): string {
  switch (t.action) {
    case 'delete':
      return 'delete';
    case 'mask':
      return `mask ${t.maskedColumns.map(md).join(', ')}${t.party ? ` (shared rows: ${md(t.party)} only)` : ''}`;
    case 'retain':
      return `retain — ${md(t.ground ?? '')}${t.until ? ` (until ${md(t.until)})` : ''}`;
    case 'none':
      return 'no erasure rule: not touched';
  }
}

function md(text: string): string {
  return text.replace(/[|\\`*_[\]<>]/g, (c) => `\\${c}`);
}
