import type { CanonicalValue } from '../canonical/CanonicalValue';
import { canonicalJson } from '../canonical/canonicalJson';
import type { DataMap, Disclosure } from '../datamap/dataMapSchema';
import type { Finding, FindingsDocument } from '../discovery/FindingsDocument';
import { describeNotFollowed } from '../discovery/NotFollowed';
import type { ProvenanceEntry } from '../discovery/Provenance';

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
  if (document.notFollowed?.length) {
    out.push(
      'Some identifiers found in your records are shared with other people (several records hold them), so they identify no one and were not used to look for more records:',
      '',
      ...document.notFollowed.map((n) => `- ${md(describeNotFollowed(n))} (${n.system})`),
      '',
    );
  }

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
  section('Art. 15(1)(b) Categories of personal data', (d, t) => d?.categories ?? categoryLines(t));
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
    const how = [...new Set(t.rows.flatMap((f) => f.provenance.map(describeMatch)))].sort();
    if (how.length > 0) out.push('How these records were found:', '', ...how.map((h) => `- ${md(h)}`), '');
    out.push(
      `| ${t.columns.map(md).join(' | ')} | found by |`,
      `| ${t.columns.map(() => '---').join(' | ')} | --- |`,
    );
    for (const f of t.rows)
      out.push(
        `| ${t.columns.map((c) => md(cell(f.row[c]))).join(' | ')} | ${md(f.provenance.map(describeMatch).join('; '))} |`,
      );
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
  /** Column → data category, as the data map declares them. */
  readonly categories: Readonly<Record<string, string>>;
}

/**
 * The columns returned, grouped under the data categories the map declares for them; columns
 * without one are listed as other fields.
 */
function categoryLines(t: TableFound): string[] {
  const byCategory = new Map<string, string[]>();
  const other: string[] = [];
  for (const column of t.columns) {
    // Own properties only: a column named `constructor` or `__proto__` is not a category.
    const category = Object.hasOwn(t.categories, column) ? t.categories[column] : undefined;
    if (category === undefined) other.push(column);
    else byCategory.set(category, [...(byCategory.get(category) ?? []), column]);
  }
  const lines = [...byCategory]
    .sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0))
    .map(([category, columns]) => `${category}: ${columns.join(', ')}`);
  if (other.length > 0) lines.push(`${byCategory.size > 0 ? 'other fields' : 'fields'}: ${other.join(', ')}`);
  return lines;
}

/** One match in plain words, e.g. "found by your email address (in column requester_email)". */
export function describeMatch(match: ProvenanceEntry): string {
  if (match.via === 'identity') {
    const what = match.identity === 'email' ? 'email address' : match.identity.replace(/_/g, ' ');
    const learned = match.source === 'learned' ? ', which was learned from your other records' : '';
    return `found by your ${what} (in column ${match.column})${learned}`;
  }
  const colon = match.from.indexOf(':');
  const ref = match.from.slice(colon + 1);
  const dot = ref.lastIndexOf('.');
  return `linked from ${ref.slice(0, dot)} (column ${ref.slice(dot + 1)}, through column ${match.column}) found in round ${match.round}`;
}

/** Every searched table in the document's order, with its rows, columns and disclosure. */
function tablesFound(document: FindingsDocument, map: DataMap): TableFound[] {
  const specs = new Map<string, { disclosure?: Disclosure; categories: Record<string, string> }>([
    ...map.postgres.map((t) => [`postgres\u0000${t.table}`, t] as const),
    ...map.snowflake.map((t) => [`snowflake\u0000${t.table}`, t] as const),
  ]);
  const tables: TableFound[] = [];
  for (const [system, byTable] of Object.entries(document.counts)) {
    for (const table of Object.keys(byTable)) {
      const rows = document.findings.filter((f) => f.system === system && f.table === table);
      const columns = [...new Set(rows.flatMap((r) => Object.keys(r.row)))].sort();
      const spec = specs.get(`${system}\u0000${table}`);
      tables.push({
        system,
        table,
        rows,
        columns,
        disclosure: spec?.disclosure,
        categories: spec?.categories ?? {},
      });
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
