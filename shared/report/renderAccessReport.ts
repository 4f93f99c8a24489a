import type { CanonicalValue } from '../canonical/CanonicalValue';
import { canonicalJson } from '../canonical/canonicalJson';
import type { DataMap, Disclosure } from '../datamap/dataMapSchema';
import type { Finding, FindingsDocument } from '../discovery/FindingsDocument';

/** What the report says about the request itself. */
export interface ReportRequest {
  readonly requestId: string;
  readonly type: string;
  readonly jurisdiction: string;
  readonly receivedAt: string;
  readonly deadline: string;
}

const NOT_DECLARED = '_Not declared in the data map._';

/**
 * The access report a privacy officer can send to the subject: what was found where, under the
 * headings of GDPR Art. 15(1)(a)–(h), followed by the copy of the data (Art. 15(3)). Markdown; the
 * same document and data map always give the same text (no clock is read here).
 */
export function renderAccessReport(request: ReportRequest, document: FindingsDocument, map: DataMap): string {
  const tables = tablesFound(document, map);
  const out: string[] = [];
  out.push(`# Access report — request ${md(request.requestId)}`, '');
  out.push(
    '| | |',
    '| --- | --- |',
    `| Request type | ${md(request.type)} |`,
    `| Jurisdiction | ${md(request.jurisdiction)} |`,
    `| Received | ${md(request.receivedAt)} |`,
    `| Respond by | ${md(request.deadline)} |`,
    `| Records found | ${document.findings.length} in ${tables.filter((t) => t.rows.length > 0).length} tables |`,
    `| Evidence hash (SHA-256) | \`${document.evidenceHash}\` |`,
    '',
  );

  out.push('## Where your data was found', '', '| system | table | records |', '| --- | --- | --- |');
  for (const t of tables) out.push(`| ${t.system} | ${md(t.table)} | ${t.rows.length} |`);
  out.push('');

  const found = tables.filter((t) => t.rows.length > 0);
  const section = (title: string, pick: (d: Disclosure | undefined, t: TableFound) => string[]) => {
    out.push(`## ${title}`, '');
    if (found.length === 0) {
      out.push('No data about you was found, so there is nothing to report under this heading.', '');
      return;
    }
    for (const t of found) {
      const lines = pick(t.disclosure, t);
      out.push(
        `- **${md(t.table)}** (${t.system}): ${lines.length ? lines.map(md).join('; ') : NOT_DECLARED}`,
      );
    }
    out.push('');
  };
  section('Art. 15(1)(a) Purposes of the processing', (d) => d?.purposes ?? []);
  section(
    'Art. 15(1)(b) Categories of personal data',
    (d, t) => d?.categories ?? [`fields: ${t.columns.join(', ')}`],
  );
  section('Art. 15(1)(c) Recipients', (d) => d?.recipients ?? []);
  section('Art. 15(1)(d) Retention period', (d) => (d?.retention ? [d.retention] : []));
  out.push(
    '## Art. 15(1)(e) Your rights',
    '',
    'You may ask us to rectify inaccurate data (Art. 16), to erase it (Art. 17), to restrict its processing (Art. 18), and you may object to its processing (Art. 21).',
    '',
    '## Art. 15(1)(f) Complaint to a supervisory authority',
    '',
    'You may lodge a complaint with a supervisory authority, in particular in the member state of your habitual residence, place of work or of the alleged infringement (Art. 77).',
    '',
  );
  section('Art. 15(1)(g) Source of the data', (d) => (d?.source ? [d.source] : []));
  out.push(
    '## Art. 15(1)(h) Automated decision-making',
    '',
    'The tables above record no decision based solely on automated processing, including profiling, that is made about you.',
    '',
  );

  out.push('## Art. 15(3) A copy of your data', '');
  if (found.length === 0) out.push('No records were found.', '');
  for (const t of found) {
    out.push(`### ${md(t.table)} (${t.system})`, '');
    out.push(`| ${t.columns.map(md).join(' | ')} |`, `| ${t.columns.map(() => '---').join(' | ')} |`);
    for (const f of t.rows) out.push(`| ${t.columns.map((c) => md(cell(f.row[c]))).join(' | ')} |`);
    out.push('');
  }
  return `${out.join('\n').trimEnd()}\n`;
}

interface TableFound {
  readonly system: string;
  readonly table: string;
  readonly rows: readonly Finding[];
  readonly columns: readonly string[];
  readonly disclosure: Disclosure | undefined;
}

/** Every searched table in the document's order, with its rows, columns and disclosure. */
function tablesFound(document: FindingsDocument, map: DataMap): TableFound[] {
  const specs = new Map<string, Disclosure | undefined>([
    ...map.postgres.map((t) => [`postgres\u0000${t.table}`, t.disclosure] as const),
    ...map.snowflake.map((t) => [`snowflake\u0000${t.table}`, t.disclosure] as const),
  ]);
  const tables: TableFound[] = [];
  for (const [system, byTable] of Object.entries(document.counts)) {
    for (const table of Object.keys(byTable)) {
      const rows = document.findings.filter((f) => f.system === system && f.table === table);
      const columns = [...new Set(rows.flatMap((r) => Object.keys(r.row)))].sort();
      tables.push({ system, table, rows, columns, disclosure: specs.get(`${system}\u0000${table}`) });
    }
  }
  return tables;
}

function cell(value: CanonicalValue | undefined): string {
  if (value === undefined || value === null) return '';
  if (typeof value === 'string') return value;
  return canonicalJson(value);
}

/** Escapes text for a Markdown table cell or line: pipes, markup characters and line breaks. */
function md(text: string): string {
  return text.replace(/[\\`*_{}[\]<>|#]/g, (c) => `\\${c}`).replace(/\r?\n/g, ' ');
}
