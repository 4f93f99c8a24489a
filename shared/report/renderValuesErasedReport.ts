import type { ReportRequest } from './renderAccessReport';
import type { ErasedEvidenceCheck, ValuesErased } from './verifyErasedEvidence';

/**
 * The report of an access request whose evidence values a later erasure of the same subject
 * removed: which erasure request removed them and when, what remains (keys, row hashes, provenance,
 * counts) and how it was verified. The row values themselves are gone, so the Art. 15 report of
 * that evidence can no longer be rebuilt; the same check always gives the same text.
 */
export function renderValuesErasedReport(
  request: ReportRequest,
  evidenceHash: string,
  erased: readonly ValuesErased[],
  check: ErasedEvidenceCheck,
): string {
  const out = [
    `# Access request ${md(request.requestId)} — evidence values removed`,
    '',
    '| | |',
    '| --- | --- |',
    `| Request | ${md(request.type)}, ${md(request.jurisdiction)}, received ${md(request.receivedAt)} |`,
    `| Evidence hash (at load) | \`${evidenceHash}\` |`,
    ...erased.map(
      (e) => `| Values removed | ${e.rows} row(s) on ${md(e.at)} by erasure request ${md(e.byRequest)} |`,
    ),
    '',
    'The row values of this evidence were removed when the subject’s data was erased. What remains is ' +
      'each row’s table, key, row hash and how it was found; the values cannot be reported again.',
    '',
    '| Table | Rows |',
    '| --- | ---: |',
    ...Object.entries(check.counts)
      .sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0))
      .map(([table, n]) => `| ${md(table)} | ${n} |`),
    '',
    check.problems.length === 0
      ? `- Evidence verification: PASS — ${check.rows} rows carry the evidence hash recorded at load; ${check.removed} without values, as the erasure recorded; ${check.kept} still holding values, each matching its row hash.`
      : `- Evidence verification: FAIL — ${check.problems.join('; ')}.`,
    '',
  ];
  return out.join('\n');
}

function md(text: string): string {
  return text.replace(/[|\\`*_[\]<>]/g, (c) => `\\${c}`);
}
